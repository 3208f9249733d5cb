"""Linear blend skinning in plain numpy (no torch, no grad).

This is the fast path behind :meth:`BodyModel.pose` (the UI calls it on every drag) and the
independent reference the tests compare ``smplx`` against. Conventions follow ``smplx.lbs``:
axis-angle per joint, rotations about the rest joints ``J``, ``A_j = G_j * translate(-J_j)``.
Rotations come from :mod:`posestudio.rotations` and the joint chain from
:func:`posestudio.kinematics.fk.chain_transforms`; this module adds the skinning.
"""

from __future__ import annotations

import numpy as np

# The one forward kinematics and the one Rodrigues, under the names the skinning path uses:
# ``forward_kinematics(rot (J,3,3), joints (J,3), parents) -> (g_rot, g_pos)``.
from posestudio.kinematics.fk import chain_transforms as forward_kinematics  # noqa: F401
from posestudio.rotations import axis_angle_to_matrix as rodrigues  # noqa: F401


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
