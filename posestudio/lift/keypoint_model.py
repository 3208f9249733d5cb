"""A fast, differentiable "keypoints only" view of a body model, for fitting.

Lifting runs a few hundred optimiser steps and only ever needs the joints and a handful of
surface points (nose, eyes, ears, toes, fingertips, face-70), not the ~10k mesh vertices that
``BodyModel.pose`` skins. So we read the model once, through ``BodyModel.pose`` (numpy), into

* rest joints and rest landmarks as linear functions of the betas (exact: both are linear in
  the betas for SMPL-family models),
* for every landmark, the joint whose rotation carries it (the deepest joint that moves it:
  exact for the rigidly skinned mannequin, the dominant bone for smooth-skinned SMPL files),

and pose them with forward kinematics batched over the tree's depth levels (11 levels for the
55 SMPL-X joints), in float64 numpy with a hand-written gradient (:meth:`KeypointModel.vjp`).
``check_against`` measures the difference to the full model.
"""

from __future__ import annotations

import numpy as np

from posestudio.lift.pieces import zeros_if_none
from posestudio.rotations import axis_angle_to_matrix
from posestudio.skeletons import SMPLX_PARENTS

def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross products over the last axis (np.cross costs ~10× more on small arrays)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[..., 0], out[..., 1], out[..., 2] = a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0
    return out


def _rotate(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """R v over leading axes: (..., 3, 3), (..., 3) → (..., 3) (cheaper than a stacked matmul
    of 3×3 by 3×1)."""
    return r[..., 0] * v[..., 0, None] + r[..., 1] * v[..., 1, None] + r[..., 2] * v[..., 2, None]


def _rotate_t(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rᵀ v over leading axes, as :func:`_rotate`."""
    return r[..., 0, :] * v[..., 0, None] + r[..., 1, :] * v[..., 1, None] + r[..., 2, :] * v[..., 2, None]


class KeypointModel:
    """Joints + landmarks of a body model as a cheap differentiable function.

    Attributes
    ----------
    num_joints : 55 (SMPL-X order); num_betas : shape coefficients
    joint_names, landmark_names : tuples of str
    joints_rest : (J, 3) rest joints at betas = 0 (model frame, metres)
    joints_dirs : (J, 3, NB) change of the rest joints per unit beta
    landmarks_rest, landmarks_dirs : (L, 3), (L, 3, NB) the same for landmarks
    landmark_joint : (L,) int, joint that carries each landmark
    """

    def __init__(self, body_model):
        self.parents = list(SMPLX_PARENTS)
        self.num_joints = len(self.parents)
        self.landmark_names = tuple(body_model.landmark_names)
        self.joint_names = tuple(body_model.joint_names)
        nb = int(getattr(body_model, "num_betas", 10))
        self.num_betas = nb
        rest = [body_model.pose(betas=b) for b in np.concatenate([np.zeros((1, nb)), np.eye(nb)])]
        joints = np.stack([r.joints for r in rest]).astype(np.float64)
        landmarks = np.stack([r.landmarks for r in rest]).astype(np.float64)
        self.joints_rest, self.landmarks_rest = joints[0], landmarks[0]
        self.joints_dirs = (joints[1:] - joints[:1]).transpose(1, 2, 0)
        self.landmarks_dirs = (landmarks[1:] - landmarks[:1]).transpose(1, 2, 0)
        self.landmark_joint = self._find_landmark_joints(body_model, landmarks[0])
        # Depth levels of the tree: joints of one level are posed together. forward_np works in
        # "level order" (the root, then every joint of depth 1, of depth 2, ...), where a level is
        # a contiguous slice and its parents all lie in the level before it.
        depth = [0] * self.num_joints
        for j in range(1, self.num_joints):
            depth[j] = depth[self.parents[j]] + 1
        order = sorted(range(self.num_joints), key=lambda j: (depth[j], j))
        position = {j: k for k, j in enumerate(order)}
        self.level_order = np.array(order)
        self.stack_order = np.array([position[j] for j in range(self.num_joints)])
        self.levels = []                     # (slice bounds, parents as level-order indices)
        for d in range(1, max(depth) + 1):
            members = [k for k, j in enumerate(order) if depth[j] == d]
            parents = np.array([position[self.parents[order[k]]] for k in members])
            self.levels.append(((members[0], members[-1] + 1), parents))
        self.parent = np.array([0] + [position[self.parents[j]] for j in order[1:]])
        # Bones at rest in level order (the root's "bone" is its rest position), and each
        # landmark's offset from its joint at rest: linear in the betas, like the rest joints.
        parent_of = np.array([0] + [self.parents[j] for j in order[1:]])
        self.bones_rest = self.joints_rest[order] - self.joints_rest[parent_of]
        self.bones_dirs = self.joints_dirs[order] - self.joints_dirs[parent_of]
        self.bones_rest[0] = self.joints_rest[0]
        self.bones_dirs[0] = self.joints_dirs[0]
        lj = self.landmark_joint
        self.local_rest = self.landmarks_rest - self.joints_rest[lj]
        self.local_dirs = self.landmarks_dirs - self.joints_dirs[lj]
        self.slot = self.stack_order[lj]
        # Which points (joints in level order, then landmarks) each joint's rotation moves.
        below = np.eye(self.num_joints)
        for k in range(self.num_joints - 1, 0, -1):   # children come after parents in level order
            below[self.parent[k]] += below[k]
        self.subtree = np.concatenate([below, below[:, self.slot]], 1)
        self.ancestry = below.T.copy()                 # [j, a] = 1: a is j or above it
        # Shape directions flattened to (P * 3, NB): a matrix product beats einsum here.
        self.bones_dirs_flat = self.bones_dirs.reshape(-1, nb).copy()
        self.local_dirs_flat = self.local_dirs.reshape(-1, nb).copy()

    def _find_landmark_joints(self, body_model, rest_landmarks: np.ndarray) -> np.ndarray:
        """Rotate each joint alone; a landmark belongs to the deepest joint that moves it."""
        n = self.num_joints
        depth = [0] * n
        for j in range(1, n):
            depth[j] = depth[self.parents[j]] + 1
        owner = np.zeros(len(rest_landmarks), dtype=np.int64)
        owner_depth = np.full(len(rest_landmarks), -1)
        for j in range(n):
            pose = np.zeros((n, 3))
            pose[j] = (0.9, 0.7, 0.5)
            moved = np.linalg.norm(body_model.pose(pose=pose).landmarks - rest_landmarks, axis=-1) > 1e-4
            deeper = moved & (depth[j] > owner_depth)
            owner[deeper], owner_depth[deeper] = j, depth[j]
        return owner

    def rest_joints(self, betas: np.ndarray) -> np.ndarray:
        """Rest joints (B, J, 3) for betas (B, NB)."""
        return self.joints_rest + (betas @ self.joints_dirs.reshape(-1, self.num_betas).T).reshape(len(betas), -1, 3)

    def piece(self, betas: np.ndarray, pose: np.ndarray, transl: np.ndarray):
        """:meth:`forward_np` as a piece (``lift.pieces``): ((joints, landmarks), vjp)."""
        joints, landmarks, cache = self.forward_np(betas, pose, transl)

        def vjp(g_joints, g_landmarks):
            return self.vjp(cache, zeros_if_none(g_joints, joints), zeros_if_none(g_landmarks, landmarks))

        return (joints, landmarks), vjp

    def forward_np(self, betas: np.ndarray, pose: np.ndarray, transl: np.ndarray):
        """Posed joints and landmarks (model frame + ``transl``, float64), with what
        :meth:`vjp` needs to go back.

        Parameters
        ----------
        betas : (B, NB); pose : (B, J, 3) axis-angle, SMPL-X order; transl : (B, 3) metres

        Returns
        -------
        joints (B, J, 3), landmarks (B, L, 3), and an opaque cache for :meth:`vjp`
        """
        aa = pose[:, self.level_order]
        rot = axis_angle_to_matrix(aa)                                      # (B, J, 3, 3)
        bones = self.bones_rest + (betas @ self.bones_dirs_flat.T).reshape(len(betas), -1, 3)
        world_rot = np.empty_like(rot)
        world_rot[:, 0] = rot[:, 0]
        for (a, b), parent in self.levels:
            world_rot[:, a:b] = world_rot[:, parent] @ rot[:, a:b]
        # A joint's position is the sum of the bones above it, each turned by its parent's
        # world rotation: every bone turned at once, then one product with the ancestry.
        rot_parent = world_rot[:, self.parent]
        rot_parent[:, 0] = np.eye(3)
        world_pos = self.ancestry @ _rotate(rot_parent, bones)
        local = self.local_rest + (betas @ self.local_dirs_flat.T).reshape(len(betas), -1, 3)
        slot = self.slot
        landmarks = world_pos[:, slot] + _rotate(world_rot[:, slot], local)
        t = transl[:, None, :]
        cache = (aa, world_pos, world_rot, rot_parent, landmarks)
        return world_pos[:, self.stack_order] + t, landmarks + t, cache

    def vjp(self, cache, grad_joints: np.ndarray, grad_landmarks: np.ndarray):
        """Gradients (betas (B, NB), pose (B, J, 3), transl (B, 3)) of a scalar whose gradients
        with respect to :meth:`forward_np`'s joints and landmarks are the ones given.

        Every output is a point, so no pass back through the tree is needed: turning joint k
        by a small world-frame rotation δ moves every point q below it by δ × (q − p_k), hence
        dL/dδ_k = Σ_q (q − p_k) × g_q = Σ q × g_q − p_k × Σ g_q, the sums over the points of
        k's subtree (one matrix product with the subtree indicator). δ = R_parent J_l(ω) dω
        (J_l the left Jacobian of the exponential map) gives dL/dω. A bone's length moves every
        point below it along R_parent · bone direction, which gives dL/dβ the same way.
        """
        aa, world_pos, world_rot, rot_parent, landmarks = cache
        g_points = np.concatenate([grad_joints[:, self.level_order], grad_landmarks], 1)
        points = np.concatenate([world_pos, landmarks], 1)                    # (B, J + L, 3)
        # Subtree sums of the gradients and of their moments, one product for both (batched
        # over B: a single large product would start BLAS threads, which costs more here).
        n = len(g_points)
        sums = self.subtree @ np.concatenate([g_points, _cross(points, g_points)], -1)  # (B, J, 6)
        g_sub = sums[..., :3]
        torque = sums[..., 3:] - _cross(world_pos, g_sub)
        u = _rotate_t(rot_parent, torque)                                   # R_parentᵀ τ
        theta2 = (aa * aa).sum(-1, keepdims=True)
        small = theta2 < 1e-4
        t2 = np.where(small, 1.0, theta2)
        t = np.sqrt(t2)
        b = np.where(small, 0.5 - theta2 / 24.0 + theta2 ** 2 / 720.0, (1.0 - np.cos(t)) / t2)
        c = np.where(small, 1.0 / 6.0 - theta2 / 120.0 + theta2 ** 2 / 5040.0, (t - np.sin(t)) / (t2 * t))
        wu = _cross(aa, u)
        g_aa = u - b * wu + c * _cross(aa, wu)                              # J_lᵀ u
        g_pose = np.empty_like(aa)
        g_pose[:, self.level_order] = g_aa
        # Shape: bone k moves its subtree by R_parent(k) · dirs_k β; a landmark's offset moves
        # it alone by R_slot · local_dirs β.
        g_bone = _rotate_t(rot_parent, g_sub)
        g_local = _rotate_t(world_rot[:, self.slot], grad_landmarks)
        g_betas = g_bone.reshape(n, -1) @ self.bones_dirs_flat + g_local.reshape(n, -1) @ self.local_dirs_flat
        return g_betas, g_pose, g_points.sum(1)

    def check_against(self, body_model, betas: np.ndarray, pose: np.ndarray, transl: np.ndarray) -> float:
        """Largest distance (metres) between our joints/landmarks and the full model's, for one
        body: betas (NB,), pose (J, 3), transl (3,)."""
        posed = body_model.pose(betas=betas, pose=pose, transl=transl)
        j, lm, _ = self.forward_np(np.asarray(betas, float)[None], np.asarray(pose, float)[None],
                                   np.asarray(transl, float)[None])
        return float(max(np.abs(j[0] - posed.joints).max(), np.abs(lm[0] - posed.landmarks).max()))
