"""Rotation maths in one place (numpy): axis-angle ↔ matrix ↔ quaternion ↔ Euler, slerp, squad.

Conventions
-----------
- **Axis-angle** (rotation vector): ``(..., 3)``, direction = unit axis, norm = angle in radians,
  right-hand rule. Converters return angles in ``[0, π]``; at exactly π the sign of the axis is
  arbitrary (both describe the same rotation).
- **Matrix**: ``(..., 3, 3)``, acting on column vectors: ``R @ v`` rotates ``v``.
- **Quaternion**: ``(..., 4)`` = ``(w, x, y, z)``, **real part first**, unit norm. ``q`` and
  ``-q`` are the same rotation; converters return ``w >= 0``.
- **Euler**: intrinsic rotations in the order of a string such as ``"ZXY"`` (the BVH channel
  order): ``R = R_Z(a0) @ R_X(a1) @ R_Y(a2)``.

Every function is batched over leading dimensions and returns float64. Angle 0 (series
expansions, no division by zero) and angle π (Shepperd's method picks the largest quaternion
component, so the axis is recovered exactly) are handled explicitly. The fits' gradients go
through :func:`axis_angle_to_matrix_vjp`. Nothing here imports torch or Qt.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = [
    "axis_angle_to_matrix", "matrix_to_axis_angle", "axis_angle_to_quaternion",
    "quaternion_to_axis_angle", "quaternion_to_matrix", "matrix_to_quaternion",
    "quaternion_multiply", "quaternion_conjugate", "quaternion_normalize", "quaternion_log",
    "quaternion_exp", "quaternion_slerp", "squad_control_points", "quaternion_squad",
    "euler_to_matrix", "matrix_to_euler", "axis_angle_to_matrix_one", "matrix_to_axis_angle_one",
    "rotation_distance", "rotation_between", "rotation_between_one", "axis_angle_to_matrix_vjp",
]

_SMALL = 1e-6  # below this angle (radians) the series expansions are exact to float64


def _f64(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def axis_angle_to_matrix(axis_angle) -> np.ndarray:
    """Rotation matrices of axis-angle vectors (Rodrigues' formula).

    Parameters
    ----------
    axis_angle : (..., 3) float, radians

    Returns
    -------
    (..., 3, 3) float64
    """
    aa = _f64(axis_angle)
    theta2 = (aa * aa).sum(-1)
    small = theta2 < _SMALL * _SMALL
    t2 = np.where(small, 1.0, theta2)
    t = np.sqrt(t2)
    a = np.where(small, 1.0 - theta2 / 6.0, np.sin(t) / t)           # sin θ / θ
    b = np.where(small, 0.5 - theta2 / 24.0, (1.0 - np.cos(t)) / t2)  # (1 - cos θ) / θ²
    x, y, z = aa[..., 0], aa[..., 1], aa[..., 2]
    bx, by, ax, ay, az = b * x, b * y, a * x, a * y, a * z
    bxy, bxz, byz = bx * y, bx * z, by * z
    # R = I + a K + b K², K the cross-product matrix of the rotation vector
    m = np.empty(aa.shape[:-1] + (3, 3))
    m[..., 0, 0], m[..., 0, 1], m[..., 0, 2] = 1.0 - b * (y * y + z * z), bxy - az, bxz + ay
    m[..., 1, 0], m[..., 1, 1], m[..., 1, 2] = bxy + az, 1.0 - b * (x * x + z * z), byz - ax
    m[..., 2, 0], m[..., 2, 1], m[..., 2, 2] = bxz - ay, byz + ax, 1.0 - b * (x * x + y * y)
    return m


def _skew(v: np.ndarray) -> np.ndarray:
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    zero = np.zeros_like(x)
    return np.stack([zero, -z, y, z, zero, -x, -y, x, zero], axis=-1).reshape(v.shape + (3,))


def _vee_antisymmetric(m: np.ndarray) -> np.ndarray:
    """(..., 3) v with ⟨m, [e_i]×⟩ = v_i: the gradient of ⟨m, [ω]×⟩ with respect to ω."""
    return np.stack([m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0],
                     m[..., 1, 0] - m[..., 0, 1]], axis=-1)


def axis_angle_to_matrix_vjp(axis_angle, grad_matrix) -> np.ndarray:
    """Gradient with respect to the axis-angle of a scalar whose gradient with respect to
    ``axis_angle_to_matrix(axis_angle)`` is ``grad_matrix`` (a vector-Jacobian product).

    With W = [ω]×, R = I + a W + b W² (a = sin θ/θ, b = (1 − cos θ)/θ²), so
    dL/dω = (⟨G, W⟩ a′ + ⟨G, W²⟩ b′) ω + a vee(G) − b vee(G W + W G), where a′ and b′ are the
    derivatives of a and b with respect to θ, divided by θ (series near 0: exact and finite).

    Parameters
    ----------
    axis_angle : (..., 3) radians; grad_matrix : (..., 3, 3)

    Returns
    -------
    (..., 3) float64
    """
    aa = _f64(axis_angle)
    g = _f64(grad_matrix)
    theta2 = (aa * aa).sum(-1)
    small = theta2 < 1e-4
    t2 = np.where(small, 1.0, theta2)
    t = np.sqrt(t2)
    s, c = np.sin(t), np.cos(t)
    a = np.where(small, 1.0 - theta2 / 6.0 + theta2 ** 2 / 120.0, s / t)
    b = np.where(small, 0.5 - theta2 / 24.0 + theta2 ** 2 / 720.0, (1.0 - c) / t2)
    da = np.where(small, -1.0 / 3.0 + theta2 / 30.0 - theta2 ** 2 / 840.0, (t * c - s) / (t2 * t))
    db = np.where(small, -1.0 / 12.0 + theta2 / 180.0 - theta2 ** 2 / 6720.0,
                  (t * s - 2.0 * (1.0 - c)) / (t2 * t2))
    w = _skew(aa)
    ww = w @ w
    coef = (g * w).sum((-2, -1)) * da + (g * ww).sum((-2, -1)) * db
    return (coef[..., None] * aa + a[..., None] * _vee_antisymmetric(g)
            - b[..., None] * _vee_antisymmetric(g @ w + w @ g))


def axis_angle_to_quaternion(axis_angle) -> np.ndarray:
    """Unit quaternions (w, x, y, z) of axis-angle vectors (..., 3) → (..., 4), ``w >= 0`` for
    angles up to π."""
    aa = _f64(axis_angle)
    theta2 = (aa * aa).sum(-1, keepdims=True)
    theta = np.sqrt(theta2)
    small = theta < _SMALL
    t = np.where(small, 1.0, theta)
    scale = np.where(small, 0.5 - theta2 / 48.0, np.sin(t / 2.0) / t)      # sin(θ/2) / θ
    return np.concatenate([np.cos(theta / 2.0), aa * scale], axis=-1)


def quaternion_to_axis_angle(quaternion) -> np.ndarray:
    """Axis-angle vectors (..., 3) of quaternions (..., 4) (normalised first); angle in [0, π]."""
    q = quaternion_normalize(quaternion)
    q = np.where(q[..., :1] < 0, -q, q)  # w >= 0: the short way round, angle <= π
    w, v = q[..., 0], q[..., 1:]
    s = np.linalg.norm(v, axis=-1)
    angle = 2.0 * np.arctan2(s, w)
    small = s < _SMALL
    # angle / sin(angle/2); near 0 the series 2/w (1 + s²/(3w²)) avoids 0/0.
    w_safe = np.where(small, w, 1.0)
    scale = np.where(small, 2.0 / w_safe * (1.0 + s * s / (3.0 * w_safe * w_safe)),
                     angle / np.where(small, 1.0, s))
    return v * scale[..., None]


def quaternion_to_matrix(quaternion) -> np.ndarray:
    """Rotation matrices (..., 3, 3) of quaternions (..., 4) (normalised first)."""
    q = quaternion_normalize(quaternion)
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    m = np.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
        2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
        2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
    ], axis=-1)
    return m.reshape(q.shape[:-1] + (3, 3))


def matrix_to_quaternion(matrix) -> np.ndarray:
    """Unit quaternions (..., 4), ``w >= 0``, of rotation matrices (..., 3, 3).

    Shepperd's method: of the four ways to read the quaternion off the matrix, use the one whose
    pivot (4w², 4x², 4y² or 4z²) is largest, so the result is accurate everywhere, angle π
    included.
    """
    m = _f64(matrix)
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    pivots = np.stack([1 + m00 + m11 + m22, 1 + m00 - m11 - m22,
                       1 - m00 + m11 - m22, 1 - m00 - m11 + m22], axis=-1)
    r = np.sqrt(np.maximum(pivots, 1e-300))  # 2|w|, 2|x|, 2|y|, 2|z|
    d21, d02, d10 = m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]
    s01, s02, s12 = m[..., 0, 1] + m[..., 1, 0], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1]
    cand = np.stack([
        np.stack([r[..., 0] ** 2, d21, d02, d10], -1) / (2 * r[..., 0, None]),
        np.stack([d21, r[..., 1] ** 2, s01, s02], -1) / (2 * r[..., 1, None]),
        np.stack([d02, s01, r[..., 2] ** 2, s12], -1) / (2 * r[..., 2, None]),
        np.stack([d10, s02, s12, r[..., 3] ** 2], -1) / (2 * r[..., 3, None]),
    ], axis=-2)
    pick = np.argmax(pivots, axis=-1)
    q = np.take_along_axis(cand, pick[..., None, None], axis=-2)[..., 0, :]
    q = quaternion_normalize(q)
    return np.where(q[..., :1] < 0, -q, q)


def matrix_to_axis_angle(matrix) -> np.ndarray:
    """Axis-angle vectors (..., 3) of rotation matrices (..., 3, 3); angle in [0, π]."""
    return quaternion_to_axis_angle(matrix_to_quaternion(matrix))


def quaternion_normalize(quaternion) -> np.ndarray:
    """``q / |q|`` over the last axis (..., 4); a zero quaternion becomes the identity."""
    q = _f64(quaternion)
    n = np.linalg.norm(q, axis=-1, keepdims=True)
    identity = np.zeros_like(q)
    identity[..., 0] = 1.0
    return np.where(n > 1e-300, q / np.where(n > 1e-300, n, 1.0), identity)


def quaternion_conjugate(quaternion) -> np.ndarray:
    """``(w, -x, -y, -z)``: the inverse of a unit quaternion."""
    q = _f64(quaternion)
    return q * np.array([1.0, -1.0, -1.0, -1.0])


def quaternion_multiply(a, b) -> np.ndarray:
    """Hamilton product ``a * b`` (..., 4): rotation ``b`` first, then ``a``."""
    a, b = _f64(a), _f64(b)
    aw, ax, ay, az = np.moveaxis(a, -1, 0)
    bw, bx, by, bz = np.moveaxis(b, -1, 0)
    return np.stack([
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    ], axis=-1)


def quaternion_log(quaternion) -> np.ndarray:
    """Logarithm of unit quaternions: the pure quaternion's vector part (..., 3) = axis · θ/2.

    Unlike :func:`quaternion_to_axis_angle` the sign of ``q`` is kept (``w < 0`` gives a
    half-angle above π/2), which squad's tangent construction needs.
    """
    q = quaternion_normalize(quaternion)
    w, v = q[..., 0], q[..., 1:]
    s = np.linalg.norm(v, axis=-1)
    half = np.arctan2(s, w)
    small = s < _SMALL
    scale = np.where(small, 1.0 / np.where(np.abs(w) > 0, w, 1.0), half / np.where(small, 1.0, s))
    return v * scale[..., None]


def quaternion_exp(vector) -> np.ndarray:
    """Unit quaternion (..., 4) ``exp((0, v))`` of a vector (..., 3) (inverse of the log)."""
    v = _f64(vector)
    h2 = (v * v).sum(-1, keepdims=True)
    h = np.sqrt(h2)
    small = h < _SMALL
    scale = np.where(small, 1.0 - h2 / 6.0, np.sin(h) / np.where(small, 1.0, h))
    return np.concatenate([np.cos(h), v * scale], axis=-1)


def quaternion_slerp(q0, q1, t) -> np.ndarray:
    """Spherical linear interpolation along the shortest arc.

    Parameters
    ----------
    q0, q1 : (..., 4) unit quaternions (w, x, y, z)
    t : float or (...) array, 0 gives ``q0``, 1 gives ``q1`` (or ``-q1``: the same rotation)

    Returns
    -------
    (..., 4) unit quaternions. Constant angular speed in ``t``; ``q1`` is flipped to the
    hemisphere of ``q0`` first so the path never takes the long way round.
    """
    q0, q1 = quaternion_normalize(q0), quaternion_normalize(q1)
    t = _f64(t)[..., None]
    dot = (q0 * q1).sum(-1, keepdims=True)
    q1 = np.where(dot < 0, -q1, q1)
    dot = np.abs(dot)
    close = dot > 1.0 - 1e-12
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    sin_theta = np.where(close, 1.0, np.sin(theta))
    w0 = np.where(close, 1.0 - t, np.sin((1.0 - t) * theta) / sin_theta)
    w1 = np.where(close, t, np.sin(t * theta) / sin_theta)
    return quaternion_normalize(w0 * q0 + w1 * q1)


def squad_control_points(q_prev, q, q_next) -> np.ndarray:
    """Squad's inner control point at key ``q`` given its neighbours (all (..., 4)).

    ``s = q · exp(-(log(q⁻¹ q_next) + log(q⁻¹ q_prev)) / 4)``, with both neighbours moved to the
    hemisphere of ``q`` first. At an end of a track pass the key itself as the missing neighbour.
    """
    q = quaternion_normalize(q)
    q_prev = _same_hemisphere(q, q_prev)
    q_next = _same_hemisphere(q, q_next)
    inv = quaternion_conjugate(q)
    tangent = quaternion_log(quaternion_multiply(inv, q_next)) + quaternion_log(
        quaternion_multiply(inv, q_prev))
    return quaternion_normalize(quaternion_multiply(q, quaternion_exp(-tangent / 4.0)))


def _same_hemisphere(reference, q) -> np.ndarray:
    q = quaternion_normalize(q)
    return np.where((reference * q).sum(-1, keepdims=True) < 0, -q, q)


def quaternion_squad(q_prev, q0, q1, q_next, t) -> np.ndarray:
    """Spherical cubic (squad) interpolation between ``q0`` and ``q1`` at ``t`` in [0, 1].

    ``q_prev`` and ``q_next`` are the keys before ``q0`` and after ``q1`` (pass ``q0``/``q1``
    themselves at the ends of a track). Passes through the keys with a tangent that is
    continuous across them (a C¹ curve for evenly spaced keys). All arrays (..., 4).
    """
    q0 = quaternion_normalize(q0)
    q1 = _same_hemisphere(q0, q1)
    s0 = squad_control_points(q_prev, q0, q1)
    s1 = squad_control_points(q0, q1, q_next)
    t = _f64(t)
    return quaternion_slerp(quaternion_slerp(q0, q1, t), quaternion_slerp(s0, s1, t),
                            2.0 * t * (1.0 - t))


_AXES = {"X": 0, "Y": 1, "Z": 2}


def _axis_matrix(axis: str, angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    one, zero = np.ones_like(angle), np.zeros_like(angle)
    rows = {
        "X": [one, zero, zero, zero, c, -s, zero, s, c],
        "Y": [c, zero, s, zero, one, zero, -s, zero, c],
        "Z": [c, -s, zero, s, c, zero, zero, zero, one],
    }[axis]
    return np.stack(rows, axis=-1).reshape(angle.shape + (3, 3))


def _check_order(order: str) -> str:
    order = str(order).upper()
    if len(order) != 3 or any(a not in _AXES for a in order) or order[0] == order[1] \
            or order[1] == order[2]:
        raise ValueError(f"Euler order must be three axes like 'ZXY', got {order!r}")
    return order


def euler_to_matrix(angles, order: str) -> np.ndarray:
    """Intrinsic Euler angles (..., 3) in radians → matrices (..., 3, 3).

    ``order`` names the axes in the order the angles are given (``"ZXY"``: ``angles[..., 0]`` is
    about Z); the matrix is ``R_order[0] @ R_order[1] @ R_order[2]`` (the BVH convention).
    """
    order = _check_order(order)
    a = _f64(angles)
    return (_axis_matrix(order[0], a[..., 0]) @ _axis_matrix(order[1], a[..., 1])
            @ _axis_matrix(order[2], a[..., 2]))


def matrix_to_euler(matrix, order: str) -> np.ndarray:
    """Inverse of :func:`euler_to_matrix`: angles (..., 3) in radians (at gimbal lock one of the
    many equivalent triples)."""
    from scipy.spatial.transform import Rotation

    order = _check_order(order)
    m = _f64(matrix)
    with warnings.catch_warnings():  # gimbal lock: scipy warns, the triple is still valid
        warnings.simplefilter("ignore", UserWarning)
        angles = Rotation.from_matrix(m.reshape(-1, 3, 3)).as_euler(order)
    return angles.reshape(m.shape[:-2] + (3,))


def rotation_distance(a, b) -> np.ndarray:
    """Angle (radians, (...)) of the rotation that takes matrices ``a`` to ``b`` (..., 3, 3)."""
    rel = np.swapaxes(_f64(a), -1, -2) @ _f64(b)
    return np.linalg.norm(matrix_to_axis_angle(rel), axis=-1)


def rotation_between(a, b) -> np.ndarray:
    """Smallest rotation (..., 3, 3) taking direction ``a`` to direction ``b`` (both (..., 3),
    any length > 0). Opposite directions give a half turn about an axis perpendicular to ``a``."""
    a, b = _f64(a), _f64(b)
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    axis = np.cross(a, b)
    s = np.linalg.norm(axis, axis=-1, keepdims=True)
    c = (a * b).sum(-1, keepdims=True)
    # a half turn needs an axis the cross product cannot give: any one perpendicular to a
    other = np.where(np.abs(a[..., :1]) < 0.9, np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    ortho = np.cross(a, other)
    ortho /= np.linalg.norm(ortho, axis=-1, keepdims=True)
    opposite = (s < 1e-12) & (c < 0)
    unit = np.where(opposite, ortho, axis / np.where(s < 1e-12, 1.0, s))
    angle = np.where(opposite, np.pi, np.arctan2(s, c))
    return axis_angle_to_matrix(unit * angle)


# --- single-rotation fast paths (IK inner loops: ~10x faster than the batched calls) ------------

def axis_angle_to_matrix_one(rotvec) -> np.ndarray:
    """:func:`axis_angle_to_matrix` for one (3,) vector; returns (3, 3)."""
    x, y, z = float(rotvec[0]), float(rotvec[1]), float(rotvec[2])
    theta2 = x * x + y * y + z * z
    if theta2 < _SMALL * _SMALL:
        a, b = 1.0 - theta2 / 6.0, 0.5 - theta2 / 24.0
    else:
        theta = math.sqrt(theta2)
        a, b = math.sin(theta) / theta, (1.0 - math.cos(theta)) / theta2
    return np.array([
        [1.0 - b * (y * y + z * z), -a * z + b * x * y, a * y + b * x * z],
        [a * z + b * x * y, 1.0 - b * (x * x + z * z), -a * x + b * y * z],
        [-a * y + b * x * z, a * x + b * y * z, 1.0 - b * (x * x + y * y)],
    ])


def matrix_to_axis_angle_one(matrix) -> np.ndarray:
    """:func:`matrix_to_axis_angle` for one (3, 3) rotation; returns (3,)."""
    m = np.asarray(matrix, dtype=np.float64).tolist()
    tr = m[0][0] + m[1][1] + m[2][2]
    if tr > max(m[0][0], m[1][1], m[2][2]):
        s = math.sqrt(max(1.0 + tr, 1e-300)) * 2
        w, x, y, z = 0.25 * s, (m[2][1] - m[1][2]) / s, (m[0][2] - m[2][0]) / s, (m[1][0] - m[0][1]) / s
    elif m[0][0] >= m[1][1] and m[0][0] >= m[2][2]:
        s = math.sqrt(max(1.0 + m[0][0] - m[1][1] - m[2][2], 1e-300)) * 2
        w, x, y, z = (m[2][1] - m[1][2]) / s, 0.25 * s, (m[0][1] + m[1][0]) / s, (m[0][2] + m[2][0]) / s
    elif m[1][1] >= m[2][2]:
        s = math.sqrt(max(1.0 - m[0][0] + m[1][1] - m[2][2], 1e-300)) * 2
        w, x, y, z = (m[0][2] - m[2][0]) / s, (m[0][1] + m[1][0]) / s, 0.25 * s, (m[1][2] + m[2][1]) / s
    else:
        s = math.sqrt(max(1.0 - m[0][0] - m[1][1] + m[2][2], 1e-300)) * 2
        w, x, y, z = (m[1][0] - m[0][1]) / s, (m[0][2] + m[2][0]) / s, (m[1][2] + m[2][1]) / s, 0.25 * s
    if w < 0:
        w, x, y, z = -w, -x, -y, -z
    sin_half = math.sqrt(x * x + y * y + z * z)
    if sin_half < _SMALL:
        return np.array([2.0 * x, 2.0 * y, 2.0 * z]) / max(w, 1e-300)
    scale = 2.0 * math.atan2(sin_half, w) / sin_half
    return np.array([x * scale, y * scale, z * scale])


def rotation_between_one(a, b) -> np.ndarray:
    """:func:`rotation_between` for one pair of (3,) directions; returns (3, 3)."""
    ax, ay, az = (float(v) for v in a)
    bx, by, bz = (float(v) for v in b)
    na, nb = math.sqrt(ax * ax + ay * ay + az * az), math.sqrt(bx * bx + by * by + bz * bz)
    ax, ay, az, bx, by, bz = ax / na, ay / na, az / na, bx / nb, by / nb, bz / nb
    cx, cy, cz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx
    s = math.sqrt(cx * cx + cy * cy + cz * cz)
    c = ax * bx + ay * by + az * bz
    if s < 1e-12:
        if c > 0:
            return np.eye(3)
        # opposite directions: a half turn about an axis perpendicular to a
        ox, oy, oz = (0.0, az, -ay) if abs(ax) < 0.9 else (-az, 0.0, ax)
        no = math.sqrt(ox * ox + oy * oy + oz * oz)
        return axis_angle_to_matrix_one((ox / no * math.pi, oy / no * math.pi, oz / no * math.pi))
    angle = math.atan2(s, c) / s
    return axis_angle_to_matrix_one((cx * angle, cy * angle, cz * angle))
