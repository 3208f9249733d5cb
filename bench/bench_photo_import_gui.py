"""Photo import in the editor: time to a fitted scene, and how responsive the UI stays meanwhile.

Runs the real main window (previews off) under an X server (``xvfb-run -a python
bench/bench_photo_import_gui.py [PHOTO] [--gc-freeze]``; default: scikit-image's astronaut), imports the photo
through :class:`posestudio.ui.photo_import.PhotoImport` N times (the first is cold: detector
and body model load) and records the event loop's longest stall with a 5 ms timer. A stall is
the time between two timer ticks beyond the 5 ms interval: what the user would feel as a freeze.
It includes the UI thread's own work of applying the result (one undo step, re-posing the
mannequin, uploading the photo), which is not the worker's doing.

Prints, per run: wall time from the call to the scene being replaced, the longest stall and the
95th-percentile tick gap; then the same for a refit and for the event loop idle (baseline).
"""

from __future__ import annotations

import gc
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

TICK_MS = 5


class GcTimes:
    """Durations (ms) of Python's full (generation 2) collections: they stop every thread."""

    def __init__(self) -> None:
        self.ms: list[float] = []
        self._start = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.ms.append((time.perf_counter() - self._start) * 1000)

    def take(self) -> str:
        ms, self.ms = self.ms, []
        return f"   full GCs {len(ms)} (longest {max(ms):.0f} ms)" if ms else "   full GCs 0"


class Ticks:
    """A 5 ms timer in the UI thread; ``gaps()`` are the intervals between its ticks (ms)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.timer = QtCore.QTimer(interval=TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.times.append(time.perf_counter())

    def __enter__(self):
        self.times.clear()
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()

    def gaps(self) -> np.ndarray:
        return np.diff(self.times) * 1000 if len(self.times) > 1 else np.zeros(1)


def wait_for(controller) -> str:
    """Run the event loop until the job ends (one ``exec``: few Python calls into Qt, see the
    PySide6 6.12.0 note in bench/RESULTS_photo_gui.md)."""
    outcome: list[str] = []
    loop = QtCore.QEventLoop()

    def done(result: str) -> None:
        outcome.append(result)
        loop.quit()

    controller.jobFinished.connect(done)
    loop.exec()
    controller.jobFinished.disconnect(done)
    return outcome[0]


def run_loop(seconds: float) -> None:
    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def main() -> None:
    QtCore.QCoreApplication.setAttribute(QtCore.Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QtWidgets.QApplication(sys.argv[:1])
    from posestudio.ui.main_window import MainWindow
    from posestudio.ui.photo_import import install

    args = [a for a in sys.argv[1:] if a != "--gc-freeze"]
    if args:
        photo = Path(args[0])
    else:
        from PIL import Image
        from skimage import data

        photo = Path(tempfile.mkdtemp()) / "astronaut.png"
        Image.fromarray(data.astronaut()).save(photo)
    window = MainWindow(previews=False, thumbnails=False)
    window.resize(1400, 900)
    window.show()
    controller = install(window)
    # Importing again over the imported scene asks where the photo goes (replace / add / new
    # window); answer "replace" as a user would, without the modal dialog.
    controller._ask_target = lambda path: "replace"
    run_loop(0.3)
    if "--gc-freeze" in sys.argv:
        # what the app could do once its window is up: objects alive now (modules, Qt wrappers,
        # the body model) leave the GC's generations, so a full collection scans far less
        gc.freeze()

    gcs = GcTimes()

    def row(name: str, seconds: float, gaps: np.ndarray) -> None:
        print(f"{name:<22} {seconds * 1000:8.0f} ms   longest stall {gaps.max():6.0f} ms"
              f"   p95 tick gap {np.percentile(gaps, 95):5.1f} ms{gcs.take()}")

    print(f"photo: {photo}   load average: {os.getloadavg()[0]:.2f}")
    with Ticks() as idle:
        run_loop(1.0)
    row("idle", 1.0, idle.gaps())
    for run in range(3):
        with Ticks() as ticks:
            start = time.perf_counter()
            controller.import_file(photo)
            outcome = wait_for(controller)
            seconds = time.perf_counter() - start
        assert outcome == "imported", window.statusBar().currentMessage()
        row(f"import {'cold' if run == 0 else 'warm'} #{run + 1}", seconds, ticks.gaps())
    for run in range(2):
        with Ticks() as ticks:
            start = time.perf_counter()
            controller.refit()
            assert wait_for(controller) == "refitted"
            seconds = time.perf_counter() - start
        row(f"refit #{run + 1}", seconds, ticks.gaps())
    window.ask_save_changes = lambda: QtWidgets.QMessageBox.StandardButton.Discard
    window.close()


if __name__ == "__main__":
    main()
