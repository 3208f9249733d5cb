"""Choosing who in a photo is a mannequin: applying the choice vs lifting the photo again.

Runs the real main window (previews off) under an X server (``xvfb-run -a python
bench/bench_photo_people.py``): imports a real two-person photo (scikit-image's astronaut beside
its mirror image, 1024×512) through :class:`posestudio.ui.photo_import.PhotoImport`, then times,
in the UI thread, leaving person 2 out (Apply), undo, redo and putting them back. Baseline: what
a picker without stored fits would have to do, re-import with only person 1
(``import_photo(person=0)``, detection + lift). Prints milliseconds and the ratio.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("QT_XCB_GL_INTEGRATION", "xcb_egl")
os.environ.setdefault("POSESTUDIO_DATA_DIR", tempfile.mkdtemp(prefix="posestudio-bench-"))

import numpy as np  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_photo_import_gui import run_loop, wait_for  # noqa: E402

REPEATS = 5


def ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def main() -> None:
    QtCore.QCoreApplication.setAttribute(QtCore.Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QtWidgets.QApplication(sys.argv[:1])  # noqa: F841 (kept alive)
    from PIL import Image
    from skimage import data

    from posestudio.lift.importer import import_photo
    from posestudio.ui.main_window import MainWindow
    from posestudio.ui.photo_import import install

    rgb = data.astronaut()
    photo = Path(tempfile.mkdtemp()) / "two_astronauts.png"
    Image.fromarray(np.concatenate([rgb, rgb[:, ::-1]], axis=1)).save(photo)
    window = MainWindow(previews=False, thumbnails=False)
    window.resize(1400, 900)
    window.show()
    controller = install(window)
    run_loop(0.3)
    for run in range(2):                                  # the first is cold
        start = time.perf_counter()
        controller.import_file(photo)
        assert wait_for(controller) == "imported"
        print(f"import of 2 people ({'cold' if run == 0 else 'warm'}): {ms(start):.0f} ms")
    assert len(window.doc.scene.people) == 2
    undo, redo = window.actions["undo"], window.actions["redo"]
    times = {"leave person 2 out (Apply)": [], "undo": [], "redo": [], "put person 2 back": []}
    for _ in range(REPEATS):
        start = time.perf_counter()
        assert controller.choose_people([True, False])
        times["leave person 2 out (Apply)"].append(ms(start))
        for name, action in (("undo", undo), ("redo", redo)):
            start = time.perf_counter()
            action.trigger()
            times[name].append(ms(start))
        start = time.perf_counter()
        assert controller.choose_people([True, True])
        times["put person 2 back"].append(ms(start))
        run_loop(0.05)
    for name, values in times.items():
        print(f"{name}: median {np.median(values):.1f} ms (max {max(values):.1f})")
    baseline = []
    for _ in range(3):
        start = time.perf_counter()
        import_photo(photo, person=0)
        baseline.append(ms(start))
    apply_ms = float(np.median(times["leave person 2 out (Apply)"]))
    print(f"baseline, re-import with person=0 (detect + lift): median {np.median(baseline):.0f} ms"
          f" → applying the choice is {np.median(baseline) / apply_ms:.0f}× faster")
    window.close()


if __name__ == "__main__":
    main()
