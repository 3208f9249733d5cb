"""The viewport's fast path: drawn offscreen and painted as an image (no QOpenGLWidget, so the
window is never GL-composited), one GL frame per mouse move during a drag, and normals that
match the reference computation."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import drag, framebuffer
from PySide6 import QtWidgets
from PySide6.QtGui import QImage

from posestudio.skeletons import SMPLX_JOINT_INDEX as J

pytestmark = pytest.mark.gui


def test_no_gl_widget_in_the_window_and_the_screen_shows_the_gl_frame(window):
    from PySide6.QtOpenGLWidgets import QOpenGLWidget

    assert window.findChildren(QOpenGLWidget) == [], "a QOpenGLWidget makes Qt GL-compose " \
        "the whole window on every frame"
    vp = window.viewport
    shown = vp.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)  # via paintEvent
    h, w = shown.height(), shown.width()
    on_screen = np.frombuffer(shown.constBits(), np.uint8).reshape(h, shown.bytesPerLine())
    on_screen = on_screen[:, : w * 3].reshape(h, w, 3)
    if (w, h) == (vp.width(), vp.height()):
        assert np.abs(on_screen.astype(int) - framebuffer(vp)).max() <= 2
    # the mannequin is there: its pelvis pixel is not the background
    px, _ = vp.project(np.asarray(window.controller.posed[0].joints[J["spine1"]], float)[None])
    x, y = np.round(px[0]).astype(int) + [6, 0]
    assert np.abs(framebuffer(vp)[y, x].astype(int) - framebuffer(vp)[5, 5]).max() > 30


def test_an_ik_drag_draws_one_gl_frame_per_move_and_is_one_undo_step(window, qtbot, joint_pixel):
    from gui_helpers import click

    vp, doc = window.viewport, window.doc
    wrist = J["left_wrist"]
    click(vp, joint_pixel(window, 0, wrist))
    assert doc.joint == wrist
    QtWidgets.QApplication.processEvents()
    start = joint_pixel(window, 0, wrist)
    points = [start + [-3.0 * k, -2.5 * k] for k in range(25)]
    before_frames, before_steps = len(vp.frame_times), doc.undo_stack.index()
    drag(qtbot, vp, points)
    qtbot.wait(20)
    frames = len(vp.frame_times) - before_frames
    assert 1 <= frames <= len(points) + 2, f"{frames} GL frames for {len(points)} moves"
    assert doc.undo_stack.index() == before_steps + 1
    moved = joint_pixel(window, 0, wrist)
    assert np.hypot(*(moved - points[-1])) < 6.0, "the wrist followed the mouse"


def test_vertex_normals_match_the_reference_and_point_outwards():
    from posestudio.body import load_body_model
    from posestudio.ui.document import default_scene
    from posestudio.ui.viewport.view import VertexNormals

    posed = load_body_model("mannequin").pose_person(default_scene().people[0])
    v, f = np.asarray(posed.vertices, np.float64), np.asarray(posed.faces)
    face_n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    ref = np.zeros_like(v)
    for corner in range(3):
        np.add.at(ref, f[:, corner], face_n)
    ref /= np.maximum(np.linalg.norm(ref, axis=1, keepdims=True), 1e-12)
    normals = VertexNormals(f, len(v))(posed.vertices)
    assert normals.dtype == np.float32 and normals.shape == v.shape
    assert np.abs(normals - ref).max() < 1e-4
    # on the head (top-most vertex) the normal points up
    assert normals[np.argmax(v[:, 1]), 1] > 0.9
