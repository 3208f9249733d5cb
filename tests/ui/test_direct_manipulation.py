"""Direct manipulation on the first try, with real mouse events: a press on any effector dot
(hands, feet, head, pelvis) and a drag is IK, a press on another joint and a drag turns it, a
drag on empty space orbits — no joint needs to be selected first."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import drag

from posestudio.skeletons import SMPLX_JOINT_INDEX as J

pytestmark = pytest.mark.gui


def _path(start, offset, steps: int = 8) -> list[np.ndarray]:
    start = np.asarray(start, float)
    return [start + np.asarray(offset, float) * k / steps for k in range(steps + 1)]


def _joint(window, name: str) -> np.ndarray:
    return np.asarray(window.controller.posed[0].joints[J[name]], float).copy()


def test_dragging_an_unselected_wrist_dot_moves_the_wrist_not_the_camera(window, qtbot,
                                                                         joint_pixel):
    doc, vp = window.doc, window.viewport
    assert doc.joint == -1                                # nothing selected: no gizmo
    camera = vp.view_camera
    wrist, elbow = _joint(window, "left_wrist"), _joint(window, "left_elbow")
    steps_before = doc.undo_stack.count()
    start = joint_pixel(window, 0, J["left_wrist"])
    drag(qtbot, vp, _path(start, (40, -70)))
    assert vp.view_camera == camera                       # the camera did not orbit
    assert doc.joint == J["left_wrist"]                   # the wrist is now selected
    moved = _joint(window, "left_wrist")
    assert np.linalg.norm(moved - wrist) > 0.05           # the hand followed the mouse (IK)
    assert moved[1] > wrist[1] + 0.03                     # up on screen = up in the world
    assert np.linalg.norm(_joint(window, "left_elbow") - elbow) > 0.01   # its chain followed
    assert doc.undo_stack.count() == steps_before + 1     # one drag, one undo step
    doc.undo_stack.undo()
    assert np.allclose(_joint(window, "left_wrist"), wrist, atol=1e-6)


def test_dragging_an_unselected_elbow_turns_it(window, qtbot, joint_pixel):
    doc, vp = window.doc, window.viewport
    camera = vp.view_camera
    start = joint_pixel(window, 0, J["right_elbow"])
    drag(qtbot, vp, _path(start, (-50, 40)))
    assert vp.view_camera == camera
    assert doc.joint == J["right_elbow"]
    pose = doc.scene.people[0].pose
    assert np.degrees(np.linalg.norm(pose[J["right_elbow"]])) > 10
    changed = np.flatnonzero(np.linalg.norm(pose, axis=1) > 1e-9)
    assert changed.tolist() == [J["right_elbow"]]         # only that joint turned


def test_dragging_empty_space_still_orbits(window, qtbot):
    doc, vp = window.doc, window.viewport
    camera = vp.view_camera
    pose = doc.scene.people[0].pose.copy()
    corner = np.array([40.0, vp.height() - 40.0])
    drag(qtbot, vp, _path(corner, (120, 0)))
    assert vp.view_camera.yaw_deg != camera.yaw_deg
    assert np.array_equal(doc.scene.people[0].pose, pose)
    assert doc.undo_stack.count() == 0
