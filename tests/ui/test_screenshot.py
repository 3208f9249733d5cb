"""The whole window with a posed mannequin and live previews, saved for people to look at
(``tests/_artifacts/main_window.png``), and checked as pixels: a shaded figure on a grid, not a
blank or black viewport; the preview dock shows the maps the worker process rendered."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtWidgets
from gui_helpers import close_window, framebuffer, open_window

pytestmark = pytest.mark.gui
ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"


def test_main_window_screenshot_shows_a_shaded_posed_mannequin_and_previews(qtbot, data_dir,
                                                                              modals):
    win = open_window(qtbot, modals, previews=True, extras=True)
    try:
        # the whole app: photo import and generation are installed too
        menus = [a.text().replace("&", "") for a in win.menuBar().actions()]
        assert "Generate" in menus and menus[0] == "File" and menus[-1] == "Help"
        docks = {d.windowTitle() for d in win.findChildren(QtWidgets.QDockWidget)}
        assert {"Generate", "Photo", "Pose Library", "Control Maps"} <= docks, docks
        win.presets_panel.apply("waving")
        win.camera_panel.set_canvas(832, 1216)
        win.frame_people()
        win.viewport.set_view_direction(25, 12)
        win.actions["frame_all"].trigger()
        with qtbot.waitSignal(win.preview.ready, timeout=90000):
            pass                                  # first answer: the worker process is up
        # an edit after start-up reaches the previews too
        win.doc.select(0, 18)                     # left elbow
        win.joint_panel.fields[1].setValue(-40.0)
        with qtbot.waitSignal(win.preview.ready, timeout=30000):
            pass
        qtbot.waitUntil(lambda: not win.preview._sent, timeout=30000)   # the newest scene shown
        qtbot.wait(100)
        ARTIFACTS.mkdir(exist_ok=True)
        assert win.grab().save(str(ARTIFACTS / "main_window.png"))

        pixels = framebuffer(win.viewport).astype(int)
        background = np.array([46, 48, 54])
        assert (np.abs(pixels - background).max(axis=2) <= 3).mean() > 0.3, "background shows"
        # the figure: warm, lit pixels of the mannequin colour, with shading (many tones)
        r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
        figure = (r > g + 8) & (g > b + 5) & (r > 90)
        assert figure.mean() > 0.03, f"mannequin covers only {figure.mean():.3%} of the viewport"
        assert len(np.unique(r[figure])) > 40, "the figure is shaded, not a flat silhouette"
        # the grid: light-grey lines below the figure
        rows = np.flatnonzero(figure.any(axis=1))
        floor = pixels[rows.max():]
        grey = (np.abs(floor - floor.mean(axis=2, keepdims=True)).max(axis=2) < 6) & (
            floor.mean(axis=2) > background.mean() + 12)
        assert grey.mean() > 0.002, "grid lines are drawn on the floor"
        # the preview dock shows every map, and the OpenPose one has a skeleton on black
        views = win.previews.views
        assert all(v.image is not None and not v.image.isNull() for v in views.values())
        openpose = win.previews.images["openpose"]
        from posestudio.ui.workers import preview_size

        assert openpose.shape[:2] == preview_size(832, 1216)[::-1]     # the canvas, scaled
        assert 0.005 < (openpose.max(axis=2) > 0).mean() < 0.3
        depth = win.previews.images["depth"]
        assert (depth > 0).mean() > 0.05
        # Ctrl+Shift+C copies the OpenPose map to the clipboard
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        win.viewport.setFocus()
        QTest.keyClick(win.viewport, Qt.Key.Key_C,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        copied = QApplication.clipboard().image()
        assert (copied.width(), copied.height()) == (openpose.shape[1], openpose.shape[0])

        # through the scene camera: the canvas frame, the area outside it dimmed
        win.actions["add_person"].trigger()
        win.frame_people()
        win.actions["look_through"].setChecked(True)
        qtbot.wait(50)
        assert win.viewport.grabFramebuffer().save(str(ARTIFACTS / "camera_view.png"))
        shot = framebuffer(win.viewport).astype(int)
        frame = win.viewport.canvas_frame_rect()
        inside = shot[int(frame.top()) + 30, int(frame.left()) + 5]
        outside = shot[int(frame.top()) + 30, int(frame.left()) - 10]
        assert outside.sum() < inside.sum() - 30, "outside the canvas is dimmed"
        x = int(round(frame.left()))
        border = shot[int(frame.center().y()), x - 2:x + 3]
        assert ((border[:, 0] > 150) & (border[:, 2] < 120)).any(), "the canvas frame is drawn"
        # the new person stands on the same floor as the first one
        feet = [float(np.asarray(b.vertices)[:, 1].min()) for b in win.controller.posed.values()]
        assert abs(feet[0] - feet[1]) < 0.02
    finally:
        close_window(win)
