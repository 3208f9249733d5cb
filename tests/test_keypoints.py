"""OpenPose keypoints of posed bodies: sources, projection and the visibility rules."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from posestudio import camera as camera_math
from posestudio.errors import InputError
from posestudio.keypoints import OpenPosePerson, openpose_points_3d, people_keypoints_2d
from posestudio.scene.model import Camera, Canvas
from posestudio.skeletons import BODY25_NAMES, COCO18_NAMES

CANVAS = Canvas(192, 256)


@pytest.fixture(scope="module")
def model():
    from posestudio.body import load_body_model

    return load_body_model("mannequin")


@pytest.fixture(scope="module")
def rest(model):
    return model.pose()


def _visible(person, names=COCO18_NAMES):
    return {n for n, c in zip(names, person.body[:, 2]) if c > 0}


def test_points_3d_come_from_the_source_tables(rest):
    pts = openpose_points_3d(rest, "body25")
    body, present = pts["body"]
    assert body.shape == (25, 3) and present.all()
    idx = {n: i for i, n in enumerate(BODY25_NAMES)}
    assert np.allclose(body[idx["left_elbow"]], rest.joint("left_elbow"))
    assert np.allclose(body[idx["nose"]], rest.landmark("nose"))
    assert np.allclose(body[idx["neck"]],
                       (rest.joint("left_shoulder") + rest.joint("right_shoulder")) / 2)
    assert np.allclose(body[idx["mid_hip"]], (rest.joint("left_hip") + rest.joint("right_hip")) / 2)
    assert pts["hand_left"][0].shape == (21, 3) and pts["face"][0].shape == (70, 3)
    assert set(openpose_points_3d(rest, hands=False, face=False)) == {"body"}
    with pytest.raises(InputError, match="layout"):
        openpose_points_3d(rest, "coco19")


def test_a_source_the_rig_lacks_is_absent(rest):
    bare = dataclasses.replace(rest, landmarks=np.zeros((0, 3), np.float32), landmark_names=())
    pts = openpose_points_3d(bare)
    body, present = pts["body"]
    absent = {n for n, p in zip(COCO18_NAMES, present) if not p}
    assert absent == {"nose", "right_eye", "left_eye", "right_ear", "left_ear"}
    assert not pts["face"][1].any()
    assert pts["hand_left"][1].sum() == 16  # wrist + 15 finger joints; the 5 tips are landmarks
    # a rig without index-finger joints: those hand points are absent
    names = tuple(n for n in rest.joint_names if "index" not in n)
    keep = [rest.joint_names.index(n) for n in names]
    no_index = dataclasses.replace(rest, joints=rest.joints[keep], joint_names=names)
    person = people_keypoints_2d([no_index], Camera(distance=4.5), CANVAS)[0]
    # hand-21 order: wrist, thumb 1-4, index 5-8 (the tip is a landmark, still there)
    assert not person.hand_left[5:8].any()
    assert person.hand_left[[0, 1, 8], 2].all()


def test_pixels_equal_camera_projection(rest):
    camera = Camera(yaw_deg=30, pitch_deg=10, distance=3.2, roll_deg=5)
    person = people_keypoints_2d([rest], camera, CANVAS, layout="body25")[0]
    assert person.body.shape == (25, 3) and person.hand_right.shape == (21, 3)
    pts, _ = openpose_points_3d(rest, "body25")["body"]
    uv, depth = camera_math.project(pts, camera, CANVAS)
    shown = person.body[:, 2] > 0
    assert shown.sum() == 25
    assert np.allclose(person.body[:, :2], uv)
    assert np.allclose(person.depth, depth)


def test_off_canvas_points_are_absent(rest):
    # Close up on the chest: head, hands and feet fall off the canvas.
    camera = Camera(distance=0.9, target=(0.0, 0.2, 0.0))
    person = people_keypoints_2d([rest], camera, CANVAS)[0]
    visible = _visible(person)
    assert "neck" in visible and "left_ankle" not in visible and "left_wrist" not in visible
    off = person.body[:, 2] == 0
    assert not person.body[off, :2].any()  # absent = 0, 0, 0
    shown = person.body[~off, :2]
    assert (shown >= 0).all() and (shown[:, 0] < CANVAS.width).all()
    assert (shown[:, 1] < CANVAS.height).all()


def test_points_behind_the_camera_are_absent(model):
    # Turned 90° about Y, the arms lie along Z; a camera 0.3 m in front of the chest has the
    # right hand (now towards +Z) behind it. Its projection would land somewhere on the canvas if not caught.
    posed = model.pose(pose=np.vstack([[0, np.pi / 2, 0], np.zeros((54, 3))]))
    camera = Camera(distance=0.3, fov_y_deg=150, target=(0.0, 0.3, 0.0))
    person = people_keypoints_2d([posed], camera, CANVAS)[0]
    _, depth = camera_math.project(posed.joint("right_wrist")[None], camera, CANVAS)
    assert depth[0] < 0
    assert person.body[COCO18_NAMES.index("right_wrist"), 2] == 0
    assert person.hand_right[:, 2].sum() == 0
    behind = model.pose(transl=(0.0, 0.0, 4.0))  # the whole body behind a camera at z = 3
    assert not people_keypoints_2d([behind], Camera(), CANVAS)[0].body.any()


def test_hide_occluded_side_and_front(rest):
    front = people_keypoints_2d([rest], Camera(), CANVAS, hide_occluded=True)[0]
    assert _visible(front) == set(COCO18_NAMES)  # joints inside the body stay visible
    assert front.face[:, 2].all()
    side = people_keypoints_2d([rest], Camera(yaw_deg=90), CANVAS, hide_occluded=True)[0]
    hidden = set(COCO18_NAMES) - _visible(side)
    # camera on the person's left: the far eye, ear, shoulder and hip are behind the body
    assert {"right_eye", "right_ear", "right_shoulder", "right_hip"} <= hidden
    assert not {"left_eye", "left_ear", "nose", "left_hip", "left_knee"} & hidden
    assert side.hand_right[:, 2].sum() == 0 and side.hand_left[:, 2].sum() > 10
    back = people_keypoints_2d([rest], Camera(yaw_deg=180), CANVAS, hide_occluded=True)[0]
    assert back.face[:, 2].sum() == 0 and {"nose", "right_eye", "left_eye"} <= (
        set(COCO18_NAMES) - _visible(back))
    without = people_keypoints_2d([rest], Camera(yaw_deg=90), CANVAS)[0]
    assert _visible(without) == set(COCO18_NAMES)


def test_hidden_neck_follows_the_shoulders(model):
    """The neck (mid-shoulder) lies inside the chest; seen from the side it shows with the near
    shoulder. In the T-pose the near arm points at the camera and hides that shoulder too."""
    from posestudio.skeletons import SMPLX_JOINT_NAMES

    pose = np.zeros((55, 3))
    pose[SMPLX_JOINT_NAMES.index("left_shoulder")] = (0.0, 0.0, -1.3)   # arms down
    pose[SMPLX_JOINT_NAMES.index("right_shoulder")] = (0.0, 0.0, 1.3)
    arms_down = model.pose(pose=pose)
    for yaw, near, far in ((90, "left", "right"), (-90, "right", "left")):
        person = people_keypoints_2d([arms_down], Camera(yaw_deg=yaw), CANVAS,
                                     hide_occluded=True)[0]
        visible = _visible(person)
        assert {"neck", f"{near}_shoulder"} <= visible and f"{far}_shoulder" not in visible
    t_pose = people_keypoints_2d([model.pose()], Camera(yaw_deg=90), CANVAS,
                                 hide_occluded=True)[0]
    assert not {"neck", "left_shoulder", "right_shoulder"} & _visible(t_pose)


def test_another_person_in_front_hides(model):
    from posestudio.render.maps import render_geometry

    behind = model.pose()
    front = model.pose(transl=(0.05, 0.0, 0.8))
    camera = Camera(distance=4.0)
    people = people_keypoints_2d([behind, front], camera, CANVAS, hide_occluded=True)
    hidden = set(COCO18_NAMES) - _visible(people[0])
    assert {"left_hip", "right_hip"} <= hidden, hidden
    assert _visible(people[1]) == set(COCO18_NAMES)
    # Independently: a point of the person behind is hidden exactly where the person in front
    # covers its pixel (seen from the front nothing of it hides itself) — except the neck, a
    # midpoint, which shows as long as one shoulder does.
    pts, _ = openpose_points_3d(behind)["body"]
    uv, _ = camera_math.project(pts, camera, CANVAS)
    owner = render_geometry([behind, front], camera, CANVAS).person
    covered = {n for n, (x, y) in zip(COCO18_NAMES, uv) if owner[int(y), int(x)] == 1}
    if not {"left_shoulder", "right_shoulder"} <= covered:
        covered.discard("neck")
    assert hidden == covered
    assert 5 <= len(hidden) <= 14  # the arms stick out below the front person's, the torso not


def test_depth_map_must_match_canvas(rest):
    with pytest.raises(InputError, match="depth map"):
        people_keypoints_2d([rest], Camera(), CANVAS, hide_occluded=True,
                            depth=np.zeros((10, 10), np.float32))


def test_openpose_person_validates():
    with pytest.raises(InputError, match="body"):
        OpenPosePerson(np.zeros((17, 3)))
    with pytest.raises(InputError, match="hand_left"):
        OpenPosePerson(np.zeros((18, 3)), hand_left=np.zeros((20, 3)))
    with pytest.raises(InputError, match="finite"):
        OpenPosePerson(np.full((18, 3), np.nan))
    p = OpenPosePerson(np.arange(75.0).reshape(25, 3))
    assert p.coco18_body().shape == (18, 3) and p.layout == "body25"
    assert np.array_equal(p.coco18_body()[0], p.body[0])
    assert set(p.parts()) == {"body"}
