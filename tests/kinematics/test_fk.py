"""Forward kinematics: agrees with the body model (and so with smplx) and with scipy rotations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from posestudio.kinematics.fk import (
    axis_angle_one, forward_kinematics, joint_positions, rodrigues, rodrigues_one,
    rotation_to_axis_angle, tree_levels,
)
from posestudio.skeletons import SMPLX_PARENTS

RNG = np.random.default_rng(21)


@pytest.mark.parametrize("seed", range(4))
def test_fk_matches_body_model_joints(mannequin, seed):
    rng = np.random.default_rng(seed)
    betas = rng.normal(0.0, 1.0, 10) if seed else np.zeros(10)
    pose = rng.normal(0.0, 0.6, (55, 3)) if seed else np.zeros((55, 3))
    transl = rng.normal(0.0, 1.0, 3)
    fk = joint_positions(mannequin.rest_joints(betas), mannequin.parents, pose, transl)
    body = mannequin.pose(betas, pose, transl)
    np.testing.assert_allclose(fk, body.joints, atol=2e-5)


def test_fk_matches_plain_smplx_forward(mannequin):
    """Same numbers as smplx.SMPLX's own forward of the same model (batch of one)."""
    betas, pose, transl = RNG.normal(0, 1, 10), RNG.normal(0, 0.5, (55, 3)), RNG.normal(0, 1, 3)
    t = lambda a: torch.tensor(np.asarray(a, dtype=np.float32))[None]  # noqa: E731
    with torch.no_grad():
        out = mannequin.smplx_model(
            betas=t(betas), global_orient=t(pose[0]), body_pose=t(pose[1:22].ravel()),
            jaw_pose=t(pose[22]), leye_pose=t(pose[23]), reye_pose=t(pose[24]),
            left_hand_pose=t(pose[25:40].ravel()), right_hand_pose=t(pose[40:].ravel()),
            transl=t(transl), expression=torch.zeros(1, 10))
    fk = joint_positions(mannequin.rest_joints(betas), mannequin.parents, pose, transl)
    np.testing.assert_allclose(fk, out.joints[0, :55].numpy(), atol=2e-5)


def test_fk_frames_are_rotations_composed_down_the_tree(skeleton):
    rest, parents = skeleton
    pose = RNG.normal(0.0, 0.7, (55, 3))
    fk = forward_kinematics(rest, parents, pose)
    for j, p in enumerate(parents):
        expect = fk.local[j] if p < 0 else fk.rotations[p] @ fk.local[j]
        np.testing.assert_allclose(fk.rotations[j], expect, atol=1e-12)
        if p >= 0:  # bone lengths are preserved
            np.testing.assert_allclose(np.linalg.norm(fk.positions[j] - fk.positions[p]),
                                       np.linalg.norm(rest[j] - rest[p]), atol=1e-9)
    np.testing.assert_allclose(np.linalg.det(fk.rotations), 1.0, atol=1e-12)


def test_rodrigues_agrees_with_scipy_both_ways():
    vecs = np.concatenate([RNG.normal(0, 1.2, (200, 3)), [[0, 0, 0], [1e-9, 0, 0]],
                           [[np.pi - 1e-7, 0, 0], [0, 0, -np.pi + 1e-9]]])
    expect = Rotation.from_rotvec(vecs).as_matrix()
    np.testing.assert_allclose(rodrigues(vecs), expect, atol=1e-12)
    for v, m in zip(vecs, expect):
        np.testing.assert_allclose(rodrigues_one(v), m, atol=1e-12)
    back = rotation_to_axis_angle(expect)
    np.testing.assert_allclose(rodrigues(back), expect, atol=1e-9)
    assert np.all(np.linalg.norm(back, axis=1) <= np.pi + 1e-9)
    for v, m in zip(back, expect):
        np.testing.assert_allclose(rodrigues_one(axis_angle_one(m)), m, atol=1e-9)
    small = vecs[np.linalg.norm(vecs, axis=1) < np.pi - 1e-3]
    np.testing.assert_allclose(rotation_to_axis_angle(rodrigues(small)), small, atol=1e-9)


def test_tree_levels_and_bad_input(skeleton):
    rest, parents = skeleton
    levels = tree_levels(SMPLX_PARENTS)
    assert sorted(np.concatenate(levels).tolist()) == list(range(55))
    with pytest.raises(ValueError):
        tree_levels((1, -1))  # a child before its parent
    with pytest.raises(ValueError):
        forward_kinematics(rest, parents, np.zeros((24, 3)))
