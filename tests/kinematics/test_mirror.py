"""Mirroring: an involution whose posed joints and mesh are the reflection x → −x."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import cKDTree

from posestudio.errors import InputError
from posestudio.kinematics import mirror_limb, mirror_pose, mirror_translation
from posestudio.kinematics.limits import DEFAULT_LIMITS
from posestudio.kinematics.mirror import MIRROR_PERMUTATION, limb_joints
from posestudio.skeletons import (
    LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS, SMPLX_JOINT_INDEX as J, SMPLX_JOINT_NAMES, mirror_name,
)

REFLECT = np.array([-1.0, 1.0, 1.0])
RNG = np.random.default_rng(8)


def _random_pose(rng, scale=0.5):
    return rng.normal(0.0, scale, (55, 3))


def test_permutation_pairs_left_with_right():
    assert sorted(MIRROR_PERMUTATION.tolist()) == list(range(55))
    np.testing.assert_array_equal(MIRROR_PERMUTATION[MIRROR_PERMUTATION], np.arange(55))
    for j, name in enumerate(SMPLX_JOINT_NAMES):
        twin = SMPLX_JOINT_NAMES[MIRROR_PERMUTATION[j]]
        assert twin == mirror_name(name)
        assert (twin == name) == (not name.startswith(("left_", "right_")))


@pytest.mark.parametrize("seed", range(5))
def test_mirror_twice_is_identity(seed):
    pose = _random_pose(np.random.default_rng(seed), 1.0)
    np.testing.assert_array_equal(mirror_pose(mirror_pose(pose)), pose)
    t = np.random.default_rng(seed).normal(size=3)
    np.testing.assert_array_equal(mirror_translation(mirror_translation(t)), t)


@pytest.mark.parametrize("seed", range(3))
def test_mirrored_pose_is_the_reflection_of_the_body(mannequin, seed):
    rng = np.random.default_rng(seed)
    pose = _random_pose(rng)
    betas = rng.normal(0.0, 1.0, 10)  # the shape space is symmetric too
    transl = np.array([0.0, 0.975, 0.3])
    body = mannequin.pose(betas, pose, transl)
    mirrored = mannequin.pose(betas, mirror_pose(pose), transl)
    # joint j of the mirror = the reflection of its twin's position
    np.testing.assert_allclose(mirrored.joints, body.joints[MIRROR_PERMUTATION] * REFLECT,
                               atol=2e-5)
    # the whole surface too, as a point set
    dist, _ = cKDTree(body.vertices * REFLECT).query(mirrored.vertices)
    assert dist.max() < 1e-4
    # named surface points swap sides
    for name in ("left_eye", "left_ear", "left_big_toe", "left_heel", "left_index_tip"):
        np.testing.assert_allclose(mirrored.landmark(name),
                                   body.landmark(mirror_name(name)) * REFLECT, atol=2e-3)


def test_mirror_with_translation_reflects_about_x0_and_without_about_the_body(mannequin):
    pose = _random_pose(RNG)
    transl = np.array([0.7, 0.975, -0.2])
    body = mannequin.pose(None, pose, transl)
    world = mannequin.pose(None, mirror_pose(pose), mirror_translation(transl))
    np.testing.assert_allclose(world.joints, body.joints[MIRROR_PERMUTATION] * REFLECT,
                               atol=2e-5)
    in_place = mannequin.pose(None, mirror_pose(pose), transl)  # about the plane x = 0.7
    expect = body.joints[MIRROR_PERMUTATION].copy()
    expect[:, 0] = 2 * transl[0] - expect[:, 0]
    np.testing.assert_allclose(in_place.joints, expect, atol=2e-5)


def test_mirror_keeps_poses_within_limits():
    for seed in range(20):
        pose = DEFAULT_LIMITS.clamp(_random_pose(np.random.default_rng(seed), 1.0))
        assert DEFAULT_LIMITS.within(mirror_pose(pose))
        outside = _random_pose(np.random.default_rng(seed), 2.0)
        assert (set(DEFAULT_LIMITS.violations(mirror_pose(outside)))
                == {mirror_name(n) for n in DEFAULT_LIMITS.violations(outside)})


def test_limb_joints():
    arm = {SMPLX_JOINT_NAMES[j] for j in limb_joints("left_elbow")}
    assert {"left_collar", "left_shoulder", "left_elbow", "left_wrist", "left_thumb3"} <= arm
    assert not any(n.startswith("right_") or n in ("spine3", "neck") for n in arm)
    assert limb_joints("right_knee") == tuple(sorted(
        J[n] for n in ("right_hip", "right_knee", "right_ankle", "right_foot")))
    assert limb_joints("left_index2") == tuple(sorted(LEFT_HAND_JOINTS))
    assert limb_joints("head") == (J["head"],)
    assert limb_joints(J["left_eye_smplhf"]) == (J["left_eye_smplhf"],)
    with pytest.raises(InputError):
        limb_joints("left_hand")


@pytest.mark.parametrize("selected,side", [("left_elbow", "left"), ("right_ankle", "right")])
def test_mirror_limb_copies_the_limb_onto_the_other_side(mannequin, selected, side):
    rng = np.random.default_rng(3)
    pose = _random_pose(rng, 0.4)
    pose[[0, J["spine1"], J["spine2"], J["spine3"]]] = 0.0  # a symmetric trunk
    pose[[0, J["spine1"], J["spine2"], J["spine3"]], 0] = [0.3, 0.1, 0.1, 0.1]  # bending is ok
    out = mirror_limb(pose, selected)
    limb = list(limb_joints(selected))
    twins = MIRROR_PERMUTATION[limb]
    untouched = sorted(set(range(55)) - set(twins.tolist()))
    np.testing.assert_array_equal(out[untouched], pose[untouched])
    body = mannequin.pose(pose=out)
    np.testing.assert_allclose(body.joints[twins], body.joints[limb] * REFLECT, atol=2e-5)
    assert all(SMPLX_JOINT_NAMES[j].startswith(side) for j in limb)


def test_mirror_limb_on_a_hand_or_central_joint():
    pose = _random_pose(RNG)
    hand = mirror_limb(pose, "right_middle1")
    np.testing.assert_allclose(hand[list(LEFT_HAND_JOINTS)],
                               pose[list(RIGHT_HAND_JOINTS)] * [1, -1, -1])
    rest = sorted(set(range(55)) - set(LEFT_HAND_JOINTS))
    np.testing.assert_array_equal(hand[rest], pose[rest])
    head = mirror_limb(pose, "head")  # a head turned left turns right
    np.testing.assert_allclose(head[J["head"]], pose[J["head"]] * [1, -1, -1])
    np.testing.assert_array_equal(np.delete(head, J["head"], 0), np.delete(pose, J["head"], 0))
    with pytest.raises(InputError):
        mirror_pose(np.zeros((24, 3)))


def test_scene_edit_applies_and_reverts_a_mirror():
    """The UI's path: a SetPose edit built from mirror_pose, undone back to the exact pose."""
    from posestudio.scene.edits import SetPose
    from posestudio.scene.model import Person, Scene

    original = _random_pose(RNG)
    scene = Scene(people=[Person(pose=original.copy())])
    edit = SetPose.from_scene(scene, 0, mirror_pose(scene.people[0].pose), text="Mirror pose")
    edit.apply(scene)
    np.testing.assert_array_equal(scene.people[0].pose, mirror_pose(original))
    edit.revert(scene)
    np.testing.assert_array_equal(scene.people[0].pose, original)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(-10.0, 10.0, allow_nan=False), min_size=165, max_size=165))
def test_property_mirror_is_an_involution(values):
    pose = np.asarray(values).reshape(55, 3)
    twice = mirror_pose(mirror_pose(pose))
    np.testing.assert_array_equal(twice, pose)
    for name in ("left_elbow", "right_knee", "left_thumb2", "neck"):
        np.testing.assert_array_equal(mirror_limb(mirror_limb(pose, name), name)[
            list(limb_joints(name))], pose[list(limb_joints(name))])
