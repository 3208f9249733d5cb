"""The rotation module against scipy (an independent implementation), across the whole sphere
with angles 0 and π included, plus slerp/squad properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from posestudio import rotations as R

finite = st.floats(-1.0, 1.0, allow_nan=False)
axes = st.tuples(finite, finite, finite).filter(lambda v: np.linalg.norm(v) > 1e-3).map(
    lambda v: np.array(v) / np.linalg.norm(v))
# angles with the special values drawn often: 0, π, and their float neighbours
angles = st.one_of(st.sampled_from([0.0, 1e-12, 1e-7, math.pi, math.pi - 1e-9, math.pi - 1e-6,
                                    math.pi / 2]),
                   st.floats(0.0, math.pi))


def _scipy_matrix(aa):
    return Rotation.from_rotvec(np.atleast_2d(aa)).as_matrix()


@settings(max_examples=300, deadline=None)
@given(axes, angles)
def test_axis_angle_matrix_round_trip_whole_sphere(axis, angle):
    aa = axis * angle
    m = R.axis_angle_to_matrix(aa)
    np.testing.assert_allclose(m, _scipy_matrix(aa)[0], atol=1e-12)
    back = R.matrix_to_axis_angle(m)
    # the same rotation (at π the axis sign may flip), angle in [0, π]
    np.testing.assert_allclose(R.axis_angle_to_matrix(back), m, atol=1e-9)
    assert np.linalg.norm(back) <= math.pi + 1e-12
    if angle < math.pi - 1e-3:
        np.testing.assert_allclose(back, aa, atol=1e-9)
    one = R.matrix_to_axis_angle_one(m)
    np.testing.assert_allclose(R.axis_angle_to_matrix_one(one), m, atol=1e-9)
    np.testing.assert_allclose(R.axis_angle_to_matrix_one(aa), m, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(axes, angles)
def test_quaternion_conversions_agree_with_scipy(axis, angle):
    aa = axis * angle
    q = R.axis_angle_to_quaternion(aa)
    ref = Rotation.from_rotvec(aa).as_quat()  # scipy: (x, y, z, w)
    ref = np.concatenate([ref[3:], ref[:3]])
    assert abs(abs(q @ ref) - 1.0) < 1e-12
    assert abs(np.linalg.norm(q) - 1.0) < 1e-12
    m = R.quaternion_to_matrix(q)
    np.testing.assert_allclose(m, _scipy_matrix(aa)[0], atol=1e-12)
    q2 = R.matrix_to_quaternion(m)
    assert q2[0] >= 0 and abs(abs(q2 @ q) - 1.0) < 1e-12
    np.testing.assert_allclose(R.axis_angle_to_matrix(R.quaternion_to_axis_angle(q2)), m, atol=1e-9)


def test_the_case_a_half_turn_copy_got_wrong():
    axis = np.array([0.0, 1.0, -1.0]) / math.sqrt(2.0)
    m = R.axis_angle_to_matrix(axis * math.pi)
    back = R.matrix_to_axis_angle(m)
    assert np.linalg.norm(R.axis_angle_to_matrix(back) - m) < 1e-12
    assert abs(np.linalg.norm(back) - math.pi) < 1e-12
    assert abs(abs(back @ axis) - math.pi) < 1e-12


def test_batched_shapes_and_identity():
    aa = np.zeros((4, 5, 3))
    assert R.axis_angle_to_matrix(aa).shape == (4, 5, 3, 3)
    np.testing.assert_array_equal(R.axis_angle_to_matrix(aa), np.broadcast_to(np.eye(3), (4, 5, 3, 3)))
    np.testing.assert_array_equal(R.matrix_to_axis_angle(np.broadcast_to(np.eye(3), (2, 3, 3))), 0.0)
    np.testing.assert_array_equal(R.quaternion_to_axis_angle(np.array([[1.0, 0, 0, 0]])), 0.0)


@settings(max_examples=200, deadline=None)
@given(axes, angles, axes, angles, st.floats(0.0, 1.0))
def test_slerp_unit_shortest_and_constant_speed(a0, t0, a1, t1, t):
    q0 = R.axis_angle_to_quaternion(a0 * t0)
    q1 = R.axis_angle_to_quaternion(a1 * t1)
    q = R.quaternion_slerp(q0, q1, t)
    assert abs(np.linalg.norm(q) - 1.0) < 1e-12
    np.testing.assert_allclose(abs(R.quaternion_slerp(q0, q1, 0.0) @ q0), 1.0, atol=1e-12)
    np.testing.assert_allclose(abs(R.quaternion_slerp(q0, q1, 1.0) @ q1), 1.0, atol=1e-12)
    m0, m1, m = (R.quaternion_to_matrix(x) for x in (q0, q1, q))
    total = R.rotation_distance(m0, m1)
    assert total <= math.pi + 1e-9  # shortest path: never more than a half turn
    # the path is a geodesic walked at constant speed: t of the way from q0, 1 - t from q1
    assert abs(R.rotation_distance(m0, m) - t * total) < 1e-6
    assert abs(R.rotation_distance(m, m1) - (1 - t) * total) < 1e-6


def test_slerp_takes_the_short_way_for_opposite_sign_quaternions():
    q0 = R.axis_angle_to_quaternion(np.array([0.0, 0.0, 0.1]))
    q1 = -R.axis_angle_to_quaternion(np.array([0.0, 0.0, 0.3]))  # same rotation as +q1
    mid = R.quaternion_to_axis_angle(R.quaternion_slerp(q0, q1, 0.5))
    np.testing.assert_allclose(mid, [0.0, 0.0, 0.2], atol=1e-12)


def test_squad_passes_through_keys_and_is_smooth():
    keys = R.axis_angle_to_quaternion(np.array([[0, 0, 0], [0.5, 0.2, 0], [0.9, -0.4, 0.3],
                                                [1.2, 0.1, 0.9]], dtype=float))
    np.testing.assert_allclose(abs(R.quaternion_squad(keys[0], keys[1], keys[2], keys[3], 0.0)
                                   @ keys[1]), 1.0, atol=1e-12)
    np.testing.assert_allclose(abs(R.quaternion_squad(keys[0], keys[1], keys[2], keys[3], 1.0)
                                   @ keys[2]), 1.0, atol=1e-12)
    # tangent continuity at key 2: angular velocity just before equals just after
    h = 1e-5
    before = R.quaternion_squad(keys[0], keys[1], keys[2], keys[3], np.array([1 - h, 1.0]))
    after = R.quaternion_squad(keys[1], keys[2], keys[3], keys[3], np.array([0.0, h]))
    w_before = R.quaternion_to_axis_angle(R.quaternion_multiply(before[1], R.quaternion_conjugate(before[0]))) / h
    w_after = R.quaternion_to_axis_angle(R.quaternion_multiply(after[1], R.quaternion_conjugate(after[0]))) / h
    np.testing.assert_allclose(w_before, w_after, atol=1e-3 * (1 + np.linalg.norm(w_after)))


@pytest.mark.parametrize("order", ["XYZ", "ZXY", "ZYX", "YXZ", "YZX", "XZY"])
def test_euler_matches_scipy_intrinsic(order):
    rng = np.random.default_rng(1)
    angles = rng.uniform(-math.pi, math.pi, size=(50, 3))
    m = R.euler_to_matrix(angles, order)
    np.testing.assert_allclose(m, Rotation.from_euler(order, angles).as_matrix(), atol=1e-12)
    np.testing.assert_allclose(R.euler_to_matrix(R.matrix_to_euler(m, order), order), m, atol=1e-9)


def test_one_rotation_and_one_forward_kinematics_implementation():
    """Skinning, IK and the viewport call the one rotation module and the one joint chain."""
    from posestudio.body import lbs
    from posestudio.kinematics import fk

    assert lbs.rodrigues is R.axis_angle_to_matrix and fk.rodrigues is R.axis_angle_to_matrix
    assert fk.rotation_to_axis_angle is R.matrix_to_axis_angle
    assert fk.rodrigues_one is R.axis_angle_to_matrix_one
    assert fk.axis_angle_one is R.matrix_to_axis_angle_one
    assert lbs.forward_kinematics is fk.chain_transforms
    from posestudio.skeletons import SMPLX_PARENTS

    pose = np.random.default_rng(3).normal(size=(55, 3)) * 0.4
    rest = np.random.default_rng(4).normal(size=(55, 3))
    g = fk.forward_kinematics(rest, SMPLX_PARENTS, pose)
    np.testing.assert_allclose(fk.global_rotations(pose, SMPLX_PARENTS), g.rotations, atol=1e-12)
    # the chain against a plain recursive walk
    local = R.axis_angle_to_matrix(pose)
    for j, p in enumerate(SMPLX_PARENTS):
        if p >= 0:
            np.testing.assert_allclose(g.rotations[j], g.rotations[p] @ local[j], atol=1e-12)
            np.testing.assert_allclose(g.positions[j], g.positions[p] + g.rotations[p] @ (rest[j] - rest[p]),
                                       atol=1e-12)


@pytest.mark.parametrize("pair", ["random", "same", "opposite", "opposite_x"])
def test_rotation_between_one_equals_the_batched_rotation_and_maps_a_onto_b(pair):
    rng = np.random.default_rng(7)
    for _ in range(50):
        a = rng.normal(size=3) * rng.uniform(0.1, 10)
        b = {"random": rng.normal(size=3), "same": 2.5 * a, "opposite": -0.3 * a,
             "opposite_x": None}[pair]
        if pair == "opposite_x":
            a, b = np.array([3.0, 0.0, 0.0]), np.array([-1.0, 0.0, 0.0])
        one = R.rotation_between_one(a, b)
        assert np.allclose(one @ one.T, np.eye(3), atol=1e-12) and np.linalg.det(one) > 0
        assert np.allclose(one @ (a / np.linalg.norm(a)), b / np.linalg.norm(b), atol=1e-9)
        if pair != "opposite_x":   # a half turn's axis is a free choice; elsewhere both agree
            assert np.allclose(one, R.rotation_between(a, b), atol=1e-9)
