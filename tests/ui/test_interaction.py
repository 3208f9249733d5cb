"""Keyboard and mouse beyond posing: mirror (M / Shift+M), symmetric editing, hover highlight,
orbit / pan / zoom, numpad views, frame selected, and orbiting the scene camera while looking
through it (one undo step per drag)."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import click, drag, quarter_turn
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QNativeGestureEvent, QPointingDevice, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from posestudio.skeletons import SMPLX_JOINT_INDEX as J

pytestmark = pytest.mark.gui
REFLECT = np.array([-1.0, 1.0, 1.0])


def key(window, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press as the user types it, into the focused viewport (shortcuts included)."""
    window.viewport.setFocus()
    QTest.keyClick(window.viewport, k, modifier)


def _joints(window) -> np.ndarray:
    return np.asarray(window.controller.posed[0].joints, float)


def _bend_left_arm(window, qtbot, joint_pixel) -> None:
    click(window.viewport, joint_pixel(window, 0, J["left_elbow"]))
    assert window.doc.joint == J["left_elbow"]
    window.joint_panel.fields[1].setValue(-70.0)
    window.joint_panel.fields[2].setValue(25.0)


def test_m_mirrors_the_selected_limb_and_shift_m_the_whole_pose(window, qtbot, joint_pixel):
    doc = window.doc
    original = doc.scene.copy()
    _bend_left_arm(window, qtbot, joint_pixel)
    left = _joints(window)[J["left_wrist"]]
    assert np.linalg.norm(_joints(window)[J["right_wrist"]] - left * REFLECT) > 0.1
    key(window, Qt.Key.Key_M)
    joints = _joints(window)
    # the right arm is now the reflection of the left one (symmetric rig, pelvis at x = 0)
    for side in ("elbow", "wrist", "index3"):
        assert np.linalg.norm(joints[J[f"right_{side}"]] - joints[J[f"left_{side}"]] * REFLECT) \
            < 1e-3, side
    # mirror the whole pose: every joint lands on its twin's reflection
    doc.select(0, J["spine1"])
    window.joint_panel.fields[2].setValue(20.0)          # lean sideways: not symmetric any more
    before = _joints(window)
    key(window, Qt.Key.Key_M, Qt.KeyboardModifier.ShiftModifier)
    after = _joints(window)
    assert np.linalg.norm(after[J["head"]] - before[J["head"]] * REFLECT) < 1e-3
    assert np.linalg.norm(after[J["left_wrist"]] - before[J["right_wrist"]] * REFLECT) < 1e-3
    # four undo steps (two fields, mirror limb … ) lead back to the exact original
    while doc.undo_stack.canUndo():
        key(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.scene == original


def test_symmetric_editing_turns_the_twin_joint_with_the_gizmo(window, qtbot, joint_pixel):
    key(window, Qt.Key.Key_X)                            # symmetric editing on
    assert window.controller.symmetric
    click(window.viewport, joint_pixel(window, 0, J["right_knee"]))
    assert window.doc.joint == J["right_knee"]
    before = window.doc.undo_stack.count()
    drag(qtbot, window.viewport, quarter_turn(window, J["right_knee"], "x"))
    pose = window.doc.scene.people[0].pose
    assert np.linalg.norm(pose[J["right_knee"]]) > np.radians(20)
    assert np.allclose(pose[J["left_knee"]], pose[J["right_knee"]] * [1, -1, -1])
    joints = _joints(window)
    assert np.linalg.norm(joints[J["left_ankle"]] - joints[J["right_ankle"]] * REFLECT) < 1e-3
    assert window.doc.undo_stack.count() == before + 1


def test_hovering_a_joint_highlights_it(window, qtbot, joint_pixel):
    vp = window.viewport
    with qtbot.waitSignal(vp.hoverChanged, timeout=2000) as hover:
        QTest.mouseMove(vp, QPoint(*np.round(joint_pixel(window, 0, J["right_wrist"])).astype(int)))
    assert hover.args == [0, J["right_wrist"]]
    QTest.mouseMove(vp, QPoint(5, 5))
    qtbot.waitUntil(lambda: vp._hover == (-1, -1), timeout=2000)


def test_orbit_pan_zoom_with_the_mouse_change_only_the_view(window, qtbot):
    vp, doc = window.viewport, window.doc
    scene = doc.scene.copy()
    empty = np.array([60.0, 60.0])
    yaw0 = vp.view_camera.yaw_deg
    drag(qtbot, vp, [empty + [dx, 0] for dx in range(0, 101, 10)])          # left drag: orbit
    assert abs((vp.view_camera.yaw_deg - yaw0 + 180) % 360 - 180) > 20
    target0 = np.array(vp.view_camera.target)
    drag(qtbot, vp, [empty + [dx, dx] for dx in range(0, 61, 10)], button=Qt.MouseButton.RightButton)
    assert np.linalg.norm(np.array(vp.view_camera.target) - target0) > 0.05  # right drag: pan
    d0 = vp.view_camera.distance
    QTest.mouseMove(vp, QPoint(200, 200))
    wheel = QWheelEvent(
        vp.rect().center().toPointF(), vp.mapToGlobal(vp.rect().center()).toPointF(),
        QPoint(0, 0), QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, wheel)
    assert vp.view_camera.distance == pytest.approx(d0 * 0.81)
    centre = vp.rect().center().toPointF()
    pinch = QNativeGestureEvent(Qt.NativeGestureType.ZoomNativeGesture,
                                QPointingDevice.primaryPointingDevice(), 2, centre, centre,
                                vp.mapToGlobal(centre), 0.25, centre, 0)
    QApplication.sendEvent(vp, pinch)
    assert vp.view_camera.distance == pytest.approx(d0 * 0.81 / 1.25), "pinch out zooms in"
    assert doc.scene == scene and not doc.dirty, "navigating the user view is not an edit"


def test_numpad_views_and_frame_selected(window, qtbot):
    vp = window.viewport
    for k, mod, (yaw, pitch) in ((Qt.Key.Key_1, Qt.KeyboardModifier.KeypadModifier, (0, 0)),
                                 (Qt.Key.Key_3, Qt.KeyboardModifier.KeypadModifier, (-90, 0)),
                                 (Qt.Key.Key_7, Qt.KeyboardModifier.KeypadModifier, (0, 89)),
                                 (Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier, (180, 0))):
        key(window, k, mod)
        assert (vp.view_camera.yaw_deg, vp.view_camera.pitch_deg) == (yaw, pitch)
    window.doc.select(0, J["left_wrist"])
    key(window, Qt.Key.Key_F)
    wrist = _joints(window)[J["left_wrist"]]
    centre, _ = vp.project(wrist[None])
    assert np.allclose(centre[0], [vp.width() / 2, vp.height() / 2], atol=2)
    assert vp.view_camera.distance < 1.0, "zoomed in on the hand"


def test_orbiting_through_the_scene_camera_is_one_camera_edit(window, qtbot):
    doc, vp = window.doc, window.viewport
    key(window, Qt.Key.Key_0, Qt.KeyboardModifier.KeypadModifier)
    assert vp.look_through and window.actions["look_through"].isChecked()
    original = doc.scene.camera
    before = doc.undo_stack.count()
    drag(qtbot, vp, [np.array([40.0, 300.0]) + [dx, 0] for dx in range(0, 81, 8)],
         button=Qt.MouseButton.MiddleButton)
    assert doc.scene.camera.yaw_deg != original.yaw_deg
    assert window.camera_panel.yaw.value() == pytest.approx(doc.scene.camera.yaw_deg, abs=0.1)
    assert doc.undo_stack.count() == before + 1
    window.actions["undo"].trigger()
    assert doc.scene.camera == original
