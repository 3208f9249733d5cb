"""Posing with real mouse events in the real viewport: pick, gizmo rotate, IK drag, mirror, undo."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import drag, pt as _pt, quarter_turn
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from posestudio.skeletons import SMPLX_JOINT_INDEX as J

pytestmark = pytest.mark.gui
LEFT = Qt.MouseButton.LeftButton


def test_click_picks_the_joint_under_the_mouse(window, qtbot, joint_pixel):
    vp = window.viewport
    for name in ("left_elbow", "right_knee", "head"):
        QTest.mouseClick(vp, LEFT, Qt.KeyboardModifier.NoModifier,
                         _pt(joint_pixel(window, 0, J[name])))
        assert (window.doc.person, window.doc.joint) == (0, J[name])
    # the outliner and the joint panel follow the selection
    assert window.outliner.selectedItems()[0].text(0) == "head"
    assert "head" in window.joint_panel.title.text()
    # a click on empty floor selects nothing
    QTest.mouseClick(vp, LEFT, Qt.KeyboardModifier.NoModifier, QPoint(5, vp.height() - 5))
    assert window.doc.joint == -1


def test_click_on_the_mesh_away_from_joints_picks_the_bone(window, qtbot):
    posed = window.controller.posed[0]
    mid = (np.asarray(posed.joints[J["left_knee"]]) + np.asarray(posed.joints[J["left_ankle"]])) / 2
    px, _ = window.viewport.project(mid[None])
    QTest.mouseClick(window.viewport, LEFT, Qt.KeyboardModifier.NoModifier, _pt(px[0]))
    assert window.doc.joint == J["left_knee"]          # the shin turns about the knee


def test_dragging_a_gizmo_ring_rotates_about_that_axis_in_one_undo_step(window, qtbot, joint_pixel):
    doc, vp = window.doc, window.viewport
    original = doc.scene.copy()
    elbow = J["left_elbow"]
    QTest.mouseClick(vp, LEFT, Qt.KeyboardModifier.NoModifier, _pt(joint_pixel(window, 0, elbow)))
    path = quarter_turn(window, elbow, "y")       # grab the Y ring, sweep a quarter turn
    before = doc.undo_stack.count()
    drag(qtbot, vp, path)
    rot = doc.scene.people[0].pose[elbow]
    angle = np.linalg.norm(rot)
    assert angle > np.radians(20), "the ring drag should bend the elbow noticeably"
    # rotation about the joint's local Y axis (the ring dragged); its frame was identity at rest
    assert abs(abs(rot[1]) - angle) < 1e-6
    assert doc.undo_stack.count() == before + 1, "a whole drag must be one undo step"
    # the forearm moved; the upper arm did not
    assert not np.allclose(window.controller.posed[0].joints[J["left_wrist"]],
                           _rest_wrist(window, original))
    window.actions["undo"].trigger()
    assert doc.scene == original


def _rest_wrist(window, scene):
    from posestudio.body import load_body_model

    return load_body_model("mannequin").pose_person(scene.people[0]).joints[J["left_wrist"]]


def test_numeric_fields_set_the_rotation_and_reset_joint_clears_it(window, qtbot):
    doc = window.doc
    doc.select(0, J["right_elbow"])
    window.joint_panel.fields[1].setValue(45.0)
    assert np.allclose(doc.scene.people[0].pose[J["right_elbow"]], [0, np.radians(45), 0])
    window.actions["reset_joint"].trigger()
    assert np.all(doc.scene.people[0].pose[J["right_elbow"]] == 0)


def test_locked_joint_has_no_gizmo(window, qtbot):
    window.doc.select(0, J["left_knee"])
    assert window.viewport.gizmo() is not None
    window.actions["lock"].trigger()
    assert window.viewport.gizmo() is None
    assert window.joint_panel.lock.isChecked()


def test_ik_drag_of_the_wrist_reaches_the_target_within_limits(window, qtbot, joint_pixel):
    from posestudio.kinematics.limits import DEFAULT_LIMITS
    from posestudio.ui.viewport.math3d import ray_plane

    doc, vp = window.doc, window.viewport
    original = doc.scene.copy()
    wrist = J["left_wrist"]
    start_px = joint_pixel(window, 0, wrist)
    QTest.mouseClick(vp, LEFT, Qt.KeyboardModifier.NoModifier, _pt(start_px))
    assert doc.joint == wrist
    start = np.asarray(window.controller.posed[0].joints[wrist], float)
    # aim 15 cm inwards, 20 cm up and 10 cm forward (reachable: the T-pose arm is straight)
    goal_px, _ = vp.project((start + [-0.15, 0.20, 0.10])[None])
    path = [start_px + (goal_px[0] - start_px) * t for t in np.linspace(0, 1, 15)]
    path = [np.round(p) for p in path]
    before = doc.undo_stack.count()
    drag(qtbot, vp, [start_px] + path)
    # the target the mouse pointed at: the screen plane through the wrist at drag start
    view = vp.view_matrix_np()
    target = ray_plane(*vp.ray(*path[-1]), start, view[2, :3])
    reached = np.asarray(window.controller.posed[0].joints[wrist], float)
    assert np.linalg.norm(reached - target) < 0.005, "wrist must end within 5 mm of the target"
    pose = doc.scene.people[0].pose
    assert DEFAULT_LIMITS.violations(pose, tol=1e-6) == []
    assert doc.undo_stack.count() == before + 1
    # only the arm chain moved
    assert np.array_equal(pose[J["right_elbow"]], original.people[0].pose[J["right_elbow"]])
    window.actions["undo"].trigger()
    assert doc.scene == original


def test_pinned_wrist_stays_when_the_pelvis_is_dragged(window, qtbot, joint_pixel):
    doc, vp = window.doc, window.viewport
    ankle = J["left_ankle"]
    doc.select(0, ankle)
    window.actions["pin"].trigger()
    doc.select(0, J["right_ankle"])
    window.actions["pin"].trigger()
    before = np.asarray(window.controller.posed[0].joints[ankle], float).copy()
    pelvis_px = joint_pixel(window, 0, 0)
    doc.select(0, 0)
    pelvis_before = np.asarray(window.controller.posed[0].joints[0], float).copy()
    drag(qtbot, vp, [pelvis_px + [0, d] for d in np.linspace(0, 40, 10)])   # crouch
    after = window.controller.posed[0]
    assert np.linalg.norm(np.asarray(after.joints[ankle]) - before) < 0.01
    assert np.asarray(after.joints[0])[1] < pelvis_before[1] - 0.05, "the pelvis went down"
    assert not np.allclose(doc.scene.people[0].transl, 0)


def test_pose_and_hand_presets_apply_as_one_undo_step_each(window, tmp_path):
    from posestudio.presets import hand_preset, load_pose_preset
    from posestudio.skeletons import LEFT_HAND_JOINTS

    doc = window.doc
    original = doc.scene.copy()
    window.presets_panel.apply("waving")
    pose, transl = load_pose_preset("waving")
    assert np.array_equal(doc.scene.people[0].pose, pose)
    hands = window.hands_panel
    hands.preset["left"].setCurrentText("fist")
    hands._on_preset("left")
    assert np.allclose(doc.scene.people[0].pose[list(LEFT_HAND_JOINTS)],
                       hand_preset("fist", "left"))
    name = window.presets_panel.save_current("my wave")
    assert name in window.presets_panel.poses
    window.actions["undo"].trigger()
    window.actions["undo"].trigger()
    assert doc.scene == original


def test_dragging_inside_the_rings_is_a_free_trackball(window, qtbot, joint_pixel):
    doc, vp = window.doc, window.viewport
    shoulder = J["right_shoulder"]
    QTest.mouseClick(vp, LEFT, Qt.KeyboardModifier.NoModifier, _pt(joint_pixel(window, 0, shoulder)))
    gizmo = vp.gizmo()
    view, proj = vp.view_matrix_np(), vp.proj_matrix_np()
    centre = joint_pixel(window, 0, shoulder)
    start = centre + np.array([0.0, 30.0])           # inside the rings, off the joint's dot
    assert gizmo.hit(*start, view, proj, vp.width(), vp.height()) == "ball"
    before = doc.undo_stack.index()
    drag(qtbot, vp, [start + [0.0, -dy] for dy in range(0, 61, 6)])   # drag 60 px up
    rot = doc.scene.people[0].pose[shoulder]
    # 1° per 2 px about the screen's horizontal axis: 30° in total
    assert np.degrees(np.linalg.norm(rot)) == pytest.approx(30.0, abs=1.0)
    axis_cam = view[:3, :3] @ (rot / np.linalg.norm(rot))
    assert abs(axis_cam[0]) > 0.99, "turned about the screen's horizontal axis"
    assert doc.undo_stack.index() == before + 1
