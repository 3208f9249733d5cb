"""GUI fixtures: a real main window under Xvfb, its data dir in a temporary folder."""

from __future__ import annotations

import os

# The root conftest selects EGL for PyOpenGL (pyrender runs headless in this process too), so Qt
# must create its GL contexts through EGL as well, or pyqtgraph's GL calls find no context.
os.environ.setdefault("QT_XCB_GL_INTEGRATION", "xcb_egl")

from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402

# pyqtgraph caches compiled shaders process-wide; each test makes a new window (a new GL
# context), so contexts must share resources, as the app does (set before QApplication exists).
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)

import numpy as np
import pytest


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "appdata"
    monkeypatch.setenv("POSESTUDIO_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def window(qtbot, data_dir):
    """The main window on the default scene, 1400×900, previews off (tests that need them
    start their own worker)."""
    from posestudio.ui.main_window import MainWindow

    win = MainWindow(previews=False, thumbnails=False)
    from PySide6.QtWidgets import QMessageBox

    win.prompts = []                    # unsaved-changes prompts the test caused
    win.ask_save_changes = lambda: (win.prompts.append(True), QMessageBox.StandardButton.Discard)[1]
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    qtbot.wait(50)
    return win


@pytest.fixture
def joint_pixel():
    """``joint_pixel(win, person, joint)``: where a joint is drawn, (2,) widget pixels."""

    def where(win, person: int, joint: int) -> np.ndarray:
        pos = np.asarray(win.controller.posed[person].joints[joint], float)
        px, _ = win.viewport.project(pos[None])
        return px[0]

    return where
