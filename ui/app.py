"""``posestudio-gui [SCENE]``: start the editor.

With no argument it opens the bundled example ``resources/examples/standing.pose.json`` (as a new,
untitled scene, so Save asks where to write), or a default scene with one mannequin when the
example is missing. If the previous session died with unsaved work, it offers to recover it.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from importlib import resources
from pathlib import Path


def bundled_example() -> Path | None:
    """The example scene shipped in ``posestudio.resources``, if present."""
    try:
        ref = resources.files("posestudio.resources") / "examples" / "standing.pose.json"
    except (ModuleNotFoundError, TypeError):
        return None
    return Path(str(ref)) if ref.is_file() else None


def initial_scene(path: str | None):
    """(scene, path-or-None) to start with; raises PoseStudioError for a bad file."""
    from posestudio.scene.file_format import load_scene

    from .document import default_scene

    if path:
        return load_scene(path), Path(path)
    example = bundled_example()
    if example is not None:
        return load_scene(example), None
    return default_scene(), None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="posestudio-gui", description="PoseStudio editor")
    parser.add_argument("scene", nargs="?", help="a .pose.json scene to open")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # Previews render in a worker process through EGL. The viewport's PyOpenGL calls must match
    # how Qt made its context: with PyOpenGL on EGL (headless setups), Qt must use EGL too.
    if os.environ.get("PYOPENGL_PLATFORM") == "egl":
        os.environ.setdefault("QT_XCB_GL_INTEGRATION", "xcb_egl")

    from PySide6 import QtWidgets

    from posestudio.errors import PoseStudioError

    from .document import Document
    from .main_window import MainWindow

    from PySide6.QtCore import QCoreApplication, Qt

    # pyqtgraph caches compiled shaders process-wide: every GL widget must share one context group
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("PoseStudio")
    app.setOrganizationName("PoseStudio")
    try:
        scene, path = initial_scene(args.scene)
    except PoseStudioError as exc:
        print(f"posestudio-gui: {exc}", file=sys.stderr)
        return 2
    doc = Document(scene)
    doc.set_path(path)
    window = MainWindow(doc)
    window.show()
    if path is not None:
        from . import files

        files.add_recent(path)
    window.offer_recovery()
    # What start-up built lives as long as the session: out of the collector's reach, full
    # collections stay short (they froze the UI for 250-450 ms once torch and the detector loaded).
    gc.freeze()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
