"""Forward kinematics and linear blend skinning in plain numpy (no torch, no grad).

This is the fast path behind :meth:`BodyModel.pose` (the UI calls it on every drag) and the
independent reference the tests compare ``smplx`` against. Conventions follow ``smplx.lbs``:
axis-angle per joint, rotations about the rest joints ``J``, ``A_j = G_j * translate(-J_j)``.
"""

from __future__ import annotations

import numpy as np


def rodrigues(axis_angle: np.ndarray) -> np.ndarray:
    """Rotation matrices from axis-angle vectors.

    Parameters
    ----------
    axis_angle : (N, 3) float, radians (direction = axis, norm = angle)

    Returns
    -------
    (N, 3, 3) float, same dtype as the input (float64 for integer input)
    """
    aa = np.asarray(axis_angle)
    if not np.issubdtype(aa.dtype, np.floating):
        aa = aa.astype(np.float64)
    angle = np.sqrt((aa * aa).sum(-1, keepdims=True))
    # smplx adds 1e-8 to the norm; do the same so both agree to float precision near zero.
    axis = aa / (angle + 1e-8)
    c, s = np.cos(angle)[..., None], np.sin(angle)[..., None]
    x, y, z = axis[:, 0], axis[:, 1], axis[:, 2]
    zero = np.zeros_like(x)
    k = np.stack([zero, -z, y, z, zero, -x, -y, x, zero], axis=-1).reshape(-1, 3, 3)
    eye = np.eye(3, dtype=aa.dtype)
    return eye + s * k + (1.0 - c) * (k @ k)


def forward_kinematics(rot: np.ndarray, joints: np.ndarray,
                       parents: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Global joint rotations and positions.

    Parameters
    ----------
    rot : (J, 3, 3) local rotations
    joints : (J, 3) rest joint positions, model frame, metres
    parents : (J,) parent index, -1 for the root; a parent must come before its children

    Returns
    -------
    g_rot : (J, 3, 3) global rotations
    g_pos : (J, 3) posed joint positions (model frame, before ``transl``)
    """
    n = len(parents)
    g_rot = np.empty_like(rot)
    g_pos = np.empty_like(joints)
    g_rot[0] = rot[0]
    g_pos[0] = joints[0]
    for i in range(1, n):
        p = parents[i]
        g_rot[i] = g_rot[p] @ rot[i]
        g_pos[i] = g_rot[p] @ (joints[i] - joints[p]) + g_pos[p]
    return g_rot, g_pos


def skinning_transforms(g_rot: np.ndarray, g_pos: np.ndarray,
                        joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-joint transforms ``x -> R x + t`` that carry rest points to posed points.

    Returns ``R (J, 3, 3)`` and ``t (J, 3)`` with ``t = g_pos - R @ joints``.
    """
    return g_rot, g_pos - np.einsum("jab,jb->ja", g_rot, joints)


def skin_rigid(vertices: np.ndarray, skin: np.ndarray, r: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Rigid skinning: every vertex follows one joint with weight 1.

    vertices : (V, 3) rest (shaped) vertices; skin : (V,) joint index; r, t from
    :func:`skinning_transforms`. Returns (V, 3) posed vertices.
    """
    return np.einsum("vab,vb->va", r[skin], vertices) + t[skin]


def skin_linear(vertices: np.ndarray, weights: np.ndarray, r: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linear blend skinning with dense weights (V, J). Returns (V, 3) posed vertices."""
    m = np.concatenate([r, t[:, :, None]], axis=2).reshape(len(r), 12)
    blended = (weights @ m).reshape(-1, 3, 4)
    return np.einsum("vab,vb->va", blended[:, :, :3], vertices) + blended[:, :, 3]


def pose_feature(rot: np.ndarray) -> np.ndarray:
    """SMPL pose-corrective input: ``(R_j - I)`` of joints 1.. flattened, shape ((J-1)*9,)."""
    return (rot[1:] - np.eye(3, dtype=rot.dtype)).reshape(-1)


def barycentric_points(vertices: np.ndarray, vertex_ids: np.ndarray,
                       weights: np.ndarray) -> np.ndarray:
    """Surface points ``sum_k weights[l, k] * vertices[vertex_ids[l, k]]``.

    vertices : (V, 3); vertex_ids : (L, 3) int (a triangle's corners, or one vertex repeated);
    weights : (L, 3) barycentric weights summing to 1. Returns (L, 3).
    """
    return np.einsum("lkc,lk->lc", vertices[vertex_ids], weights)
