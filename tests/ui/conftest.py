"""GUI fixtures: a real main window under Xvfb, its data dir in a temporary folder.

No GUI test may block: every modal dialog the app can open (message boxes, input and file
dialogs, ``QDialog.exec``) is answered by :class:`Modals` instead of waiting for a person, and a
watchdog closes any other modal window. A test that did not expect a dialog fails, naming it.
"""

from __future__ import annotations

import os

# The root conftest selects EGL for PyOpenGL (pyrender runs headless in this process too), so Qt
# must create its GL contexts through EGL as well, or pyqtgraph's GL calls find no context.
os.environ.setdefault("QT_XCB_GL_INTEGRATION", "xcb_egl")

from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402

# pyqtgraph caches compiled shaders process-wide; each test makes a new window (a new GL
# context), so contexts must share resources, as the app does (set before QApplication exists).
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)

import posestudio.ui  # noqa: E402,F401  (guards PySide6 6.12's refcount bug before any signal)
import pytest  # noqa: E402
from gui_helpers import close_window, joint_px, open_window  # noqa: E402


class Modals:
    """Answers the app's modal dialogs in tests and records them.

    ``answers`` maps a dialog's title, or its kind (``"question"``, ``"warning"``, ``"getText"``,
    ``"getSaveFileName"``, ``"exec"`` …), to the value the dialog returns (or a function giving
    it); the title wins. Dialogs without an answer are *unexpected*: they return a cancel-like
    value and fail the test at teardown.
    """

    def __init__(self) -> None:
        self.answers: dict[str, object] = {}
        self.seen: list[tuple[str, str]] = []          # (kind, title or class name)
        self.unexpected: list[tuple[str, str]] = []

    def answer(self, kind: str, title: str, default):
        self.seen.append((kind, title))
        for key in (title, kind):
            if key in self.answers:
                value = self.answers[key]
                return value() if callable(value) else value
        self.unexpected.append((kind, title))
        return default


@pytest.fixture(autouse=True)
def modals(request, monkeypatch):
    guard = Modals()
    if request.node.get_closest_marker("gui") is None:
        yield guard                   # no display, no Qt application: nothing can block
        return
    request.getfixturevalue("qapp")
    from PySide6 import QtCore, QtWidgets

    B = QtWidgets.QMessageBox.StandardButton
    for kind, default in (("question", B.Cancel), ("warning", B.Ok), ("critical", B.Ok),
                          ("information", B.Ok)):
        monkeypatch.setattr(QtWidgets.QMessageBox, kind, staticmethod(
            lambda parent, title, *a, _k=kind, _d=default, **kw: guard.answer(_k, title, _d)))
    for kind in ("getText", "getItem", "getInt", "getDouble", "getMultiLineText"):
        monkeypatch.setattr(QtWidgets.QInputDialog, kind, staticmethod(
            lambda parent, title, *a, _k=kind, **kw: guard.answer(_k, title, ("", False))))
    for kind, default in (("getOpenFileName", ("", "")), ("getSaveFileName", ("", "")),
                          ("getOpenFileNames", ([], "")), ("getExistingDirectory", "")):
        monkeypatch.setattr(QtWidgets.QFileDialog, kind, staticmethod(
            lambda parent=None, title="", *a, _k=kind, _d=default, **kw:
            guard.answer(_k, title, _d)))
    monkeypatch.setattr(QtWidgets.QDialog, "exec", lambda self: guard.answer(
        "exec", type(self).__name__, int(QtWidgets.QDialog.DialogCode.Rejected)))

    def close_stray_modal() -> None:
        # only application-modal windows block (exec); window-modal ones opened with open()
        # leave the event loop running
        widget = QtWidgets.QApplication.activeModalWidget()
        blocking = QtCore.Qt.WindowModality.ApplicationModal
        if widget is not None and widget.windowModality() == blocking:
            guard.unexpected.append(("modal", widget.windowTitle() or type(widget).__name__))
            widget.close()

    watchdog = QtCore.QTimer()
    watchdog.setInterval(200)
    watchdog.timeout.connect(close_stray_modal)
    watchdog.start()
    yield guard
    watchdog.stop()
    assert not guard.unexpected, f"the test opened modal dialogs it did not answer: " \
                                 f"{guard.unexpected}"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "appdata"
    monkeypatch.setenv("POSESTUDIO_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def window(qtbot, data_dir, modals):
    """The main window on the default scene, 1400×900, previews off (tests that need them
    start their own worker). Closed at teardown, which must not block."""
    win = open_window(qtbot, modals)
    yield win
    close_window(win)


@pytest.fixture
def joint_pixel():
    """``joint_pixel(win, person, joint)``: where a joint is drawn, (2,) widget pixels."""
    return joint_px


@pytest.fixture(scope="module")
def astronaut(tmp_path_factory):
    """scikit-image's astronaut photo as a PNG (one per test module)."""
    from PIL import Image
    from skimage import data

    path = tmp_path_factory.mktemp("photos") / "astronaut.png"
    Image.fromarray(data.astronaut()).save(path)
    return path


@pytest.fixture
def photo(window):
    """The window's photo import controller; a running import is cancelled at teardown and
    every import thread must end."""
    from posestudio.ui.photo_import import install
    from posestudio.ui.photo_import.job import FitJob

    controller = install(window)
    yield controller
    if controller.job is not None:
        controller.cancel()
    assert FitJob.wait_all(30_000), "an import thread outlived its test"
