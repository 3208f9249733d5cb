"""Joint limits: sign conventions hold on the rig, boxes are mirror-symmetric, clamping works."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.errors import InputError
from posestudio.kinematics.fk import joint_positions
from posestudio.kinematics.limits import DEFAULT_LIMITS, LIMITS_DEG, clamp_pose, within_limits
from posestudio.kinematics.mirror import MIRROR_PERMUTATION, MIRROR_SIGNS
from posestudio.skeletons import SMPLX_JOINT_INDEX as J, SMPLX_JOINT_NAMES

DEG = np.pi / 180


def _moved(skeleton, joint, rotvec, watch):
    """Displacement (3,) of joint ``watch`` when ``joint`` alone is rotated by ``rotvec``."""
    rest, parents = skeleton
    pose = np.zeros((55, 3))
    pose[J[joint]] = rotvec
    return joint_positions(rest, parents, pose)[J[watch]] - rest[J[watch]]


@pytest.mark.parametrize("joint,rotvec,watch,axis,sign", [
    ("left_knee", (40 * DEG, 0, 0), "left_ankle", 2, -1),       # shin swings backwards
    ("right_knee", (40 * DEG, 0, 0), "right_ankle", 2, -1),
    ("left_hip", (-40 * DEG, 0, 0), "left_knee", 2, +1),        # hip flexion: thigh forwards
    ("spine1", (30 * DEG, 0, 0), "head", 2, +1),                # bending forwards
    ("neck", (30 * DEG, 0, 0), "head", 2, +1),
    ("left_ankle", (30 * DEG, 0, 0), "left_foot", 1, -1),       # plantar flexion: toes down
    ("left_elbow", (0, -60 * DEG, 0), "left_wrist", 2, +1),     # forearm forwards
    ("right_elbow", (0, 60 * DEG, 0), "right_wrist", 2, +1),
    ("left_shoulder", (0, 0, 40 * DEG), "left_elbow", 1, +1),   # raising the arm
    ("right_shoulder", (0, 0, -40 * DEG), "right_elbow", 1, +1),
    ("left_hip", (0, 0, 30 * DEG), "left_knee", 0, +1),         # abduction: leg outwards
    ("left_index1", (0, 0, -60 * DEG), "left_index3", 1, -1),   # finger curl: down to the palm
    ("right_index1", (0, 0, 60 * DEG), "right_index3", 1, -1),
])
def test_documented_signs_hold_on_the_rig(skeleton, joint, rotvec, watch, axis, sign):
    d = _moved(skeleton, joint, rotvec, watch)
    assert sign * d[axis] > 0.01 * np.linalg.norm(skeleton[0][J[watch]] - skeleton[0][J[joint]])
    # ... and that motion is one the limits allow (the boxes point the anatomical way)
    pose = np.zeros((55, 3))
    pose[J[joint]] = rotvec
    assert within_limits(pose)
    pose[J[joint]] = -np.asarray(rotvec)  # the opposite motion is out of range or small
    if not within_limits(pose):
        assert DEFAULT_LIMITS.violations(pose) == [joint]


def test_flexion_ranges_are_anatomical():
    r = DEFAULT_LIMITS.range_deg
    assert r("left_knee")[0].tolist() == [0, 150] and r("right_knee")[0].tolist() == [0, 150]
    assert r("left_elbow")[1].tolist() == [-150, 0] and r("right_elbow")[1].tolist() == [0, 150]
    assert r("left_index2")[2, 0] <= -90 and r("left_index2")[2, 1] <= 5
    assert np.all(np.isinf(DEFAULT_LIMITS.lower[0]))  # global orientation is free


def test_every_joint_has_a_box_and_right_mirrors_left():
    lo, hi = DEFAULT_LIMITS.lower, DEFAULT_LIMITS.upper
    assert lo.shape == hi.shape == (55, 3) and np.all(lo <= hi)
    assert np.all(lo[1:] <= 0) and np.all(hi[1:] >= 0)  # the rest pose is allowed
    assert set(LIMITS_DEG) <= set(SMPLX_JOINT_NAMES)
    # a reflected box: x kept, y and z negated (their ends swap)
    twin_lo = np.where(MIRROR_SIGNS > 0, lo[MIRROR_PERMUTATION], -hi[MIRROR_PERMUTATION])
    twin_hi = np.where(MIRROR_SIGNS > 0, hi[MIRROR_PERMUTATION], -lo[MIRROR_PERMUTATION])
    central = MIRROR_PERMUTATION == np.arange(55)
    np.testing.assert_array_equal(twin_lo[~central], lo[~central])
    np.testing.assert_array_equal(twin_hi[~central], hi[~central])


def test_clamp_projects_into_the_box_idempotently():
    rng = np.random.default_rng(4)
    pose = rng.normal(0.0, 2.0, (55, 3))
    assert not within_limits(pose) and DEFAULT_LIMITS.violations(pose)
    clamped = clamp_pose(pose)
    assert within_limits(clamped) and DEFAULT_LIMITS.violations(clamped) == []
    np.testing.assert_array_equal(clamp_pose(clamped), clamped)
    inside = (pose >= DEFAULT_LIMITS.lower) & (pose <= DEFAULT_LIMITS.upper)
    np.testing.assert_array_equal(clamped[inside], pose[inside])  # in-range values untouched
    np.testing.assert_array_equal(clamped[0], pose[0])


def test_locked_joints_take_the_reference():
    limits = DEFAULT_LIMITS.with_locked(["left_elbow", J["head"]])
    assert limits.locked == {J["left_elbow"], J["head"]}
    ref = np.zeros((55, 3))
    pose = np.full((55, 3), 0.1)
    out = limits.clamp(pose, reference=ref)
    assert not out[J["left_elbow"]].any() and not out[J["head"]].any()
    assert out[J["spine1"]].tolist() == [0.1, 0.1, 0.1]
    with pytest.raises(InputError, match="elbo"):
        DEFAULT_LIMITS.with_locked(["left_elbo"])
    with pytest.raises(InputError):
        DEFAULT_LIMITS.clamp(np.zeros((24, 3)))


def test_bundled_pose_presets_are_within_limits():
    """Presets are poses a body can take: with limits on, IK never snaps them to a bound."""
    from posestudio.presets import list_pose_presets, load_pose_preset

    names = list_pose_presets()
    assert {"standing", "sitting", "kneeling", "running", "fighting_stance"} <= set(names)
    for name in names:
        pose, _ = load_pose_preset(name)
        assert DEFAULT_LIMITS.within(pose), (name, DEFAULT_LIMITS.violations(pose))
