"""Helpers for GUI tests: open/close a main window, read the viewport's pixels, drag the mouse."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


def open_window(qtbot, modals, **kwargs):
    """A shown main window whose unsaved-changes prompt answers "Discard" (and is counted)."""
    from PySide6.QtWidgets import QMessageBox

    from posestudio.ui.main_window import MainWindow

    modals.answers.setdefault("Unsaved changes", QMessageBox.StandardButton.Discard)
    win = MainWindow(**{"previews": False, "thumbnails": False, "extras": False, **kwargs})
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()                  # window shortcuts need the active window
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    return win


def close_window(win) -> None:
    """Close like the user does; the window must go away and stop its workers."""
    win.close()
    assert not win.isVisible(), "the window refused to close"
    if win.preview is not None:
        assert not win.preview.running(), "the preview worker outlived its window"
    worker = win.presets_panel.worker
    assert worker is None or not worker.running(), "the thumbnail worker outlived its window"


def framebuffer(viewport) -> np.ndarray:
    """What the viewport shows now, (H, W, 3) uint8 in widget pixels."""
    from PySide6.QtGui import QImage

    image = viewport.grabFramebuffer().convertToFormat(QImage.Format.Format_RGB888)
    if image.size() != viewport.size():           # device pixel ratio ≠ 1
        image = image.scaled(viewport.size())
    h, w = image.height(), image.width()
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return rows[:, : w * 3].reshape(h, w, 3).copy()


def pt(p) -> QPoint:
    if isinstance(p, QPoint):
        return p
    return QPoint(int(round(p[0])), int(round(p[1])))


def click(widget, p, modifier=NO_MOD) -> None:
    QTest.mouseClick(widget, LEFT, modifier, pt(p))


def drag(qtbot, widget, points, button=LEFT, modifier=NO_MOD) -> None:
    """Press at the first point, move through the others, release at the last."""
    QTest.mousePress(widget, button, modifier, pt(points[0]))
    for p in points[1:]:
        QTest.mouseMove(widget, pt(p))
        qtbot.wait(1)
    QTest.mouseRelease(widget, button, modifier, pt(points[-1]))


def joint_px(win, person: int, joint: int) -> np.ndarray:
    """Where a joint is drawn in the viewport, (2,) widget pixels."""
    pos = np.asarray(win.controller.posed[person].joints[joint], float)
    px, _ = win.viewport.project(pos[None])
    return px[0]


def quarter_turn(win, joint: int, axis: str, steps: int = 20) -> list[np.ndarray]:
    """Mouse path that grabs the selected joint's ``axis`` ring and sweeps a quarter turn
    around the joint's projected centre."""
    vp = win.viewport
    gizmo = vp.gizmo()
    assert gizmo is not None, "no gizmo: select an unlocked joint first"
    view, proj = vp.view_matrix_np(), vp.proj_matrix_np()
    start = gizmo.ring_pixel(axis, view, proj, vp.width(), vp.height())
    assert gizmo.hit(*start, view, proj, vp.width(), vp.height()) == axis
    center = joint_px(win, 0, joint)
    r = start - center
    return [center + np.array([np.cos(a) * r[0] - np.sin(a) * r[1],
                               np.sin(a) * r[0] + np.cos(a) * r[1]])
            for a in np.linspace(0, np.pi / 2, steps)]


def save_screenshot(window, path: Path, width: int | None = None) -> None:
    """The window with the viewport's GL framebuffer painted in (``QWidget.grab`` leaves out
    what the viewport paints with QPainter: the photo, the keypoints, the canvas frame), and
    the widgets over the viewport (the people's numbers) on top of it."""
    image = window.grab()
    vp = window.viewport
    painter = QtGui.QPainter(image)
    painter.drawImage(vp.mapTo(window, QtCore.QPoint(0, 0)), vp.grabFramebuffer())
    direct = QtCore.Qt.FindChildOption.FindDirectChildrenOnly
    for child in vp.findChildren(QtWidgets.QWidget, options=direct):
        if child.isVisible():
            painter.drawPixmap(vp.mapTo(window, child.pos()), child.grab())
    painter.end()
    if width is not None and image.width() > width:
        image = image.scaledToWidth(width, QtCore.Qt.TransformationMode.SmoothTransformation)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(path))
