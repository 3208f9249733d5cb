"""A fast, differentiable "keypoints only" view of a body model, for fitting.

Lifting runs a few hundred optimiser steps and only ever needs the joints and a handful of
surface points (nose, eyes, ears, toes, fingertips, face-70), not the ~10k mesh vertices that
``BodyModel.torch_forward`` skins. So we read the model once, through its public
``torch_forward``, into

* rest joints and rest landmarks as linear functions of the betas (exact: both are linear in
  the betas for SMPL-family models),
* for every landmark, the joint whose rotation carries it (the deepest joint that moves it:
  exact for the rigidly skinned mannequin, the dominant bone for smooth-skinned SMPL files),

and pose them with forward kinematics batched over the tree's depth levels (11 levels for the
55 SMPL-X joints), in float64 numpy with a hand-written gradient (:meth:`KeypointModel.vjp`);
``forward`` offers the same to torch code. ``check_against`` measures the difference to the
full model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from posestudio.lift.torch_bridge import apply, zeros_if_none
from posestudio.rotations import axis_angle_to_matrix
from posestudio.skeletons import SMPLX_PARENTS

if TYPE_CHECKING:  # pragma: no cover
    import torch


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross products over the last axis (np.cross costs ~10× more on small arrays)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], -1)


class KeypointModel:
    """Joints + landmarks of a body model as a cheap differentiable function.

    Attributes
    ----------
    joints_rest : (J, 3) float tensor, rest joints at betas = 0 (model frame, metres)
    joints_dirs : (J, 3, NB) change of the rest joints per unit beta
    landmarks_rest, landmarks_dirs : (L, 3), (L, 3, NB) the same for landmarks
    landmark_joint : (L,) long, joint that carries each landmark
    landmark_names : tuple of str
    """

    def __init__(self, body_model, dtype=None):
        import torch

        self.dtype = dtype or torch.float32
        self.parents = list(SMPLX_PARENTS)
        self.num_joints = len(self.parents)
        self.landmark_names = tuple(body_model.landmark_names)
        self.joint_names = tuple(body_model.joint_names)
        nb = int(getattr(body_model, "num_betas", 10))
        self.num_betas = nb
        with torch.no_grad():
            betas = torch.cat([torch.zeros(1, nb), torch.eye(nb)]).to(torch.float32)
            pose = torch.zeros(nb + 1, self.num_joints, 3)
            transl = torch.zeros(nb + 1, 3)
            _, joints, landmarks = body_model.torch_forward(betas, pose, transl)
            joints, landmarks = joints.double(), landmarks.double()
            self.joints_rest = joints[0]
            self.joints_dirs = (joints[1:] - joints[:1]).permute(1, 2, 0)
            self.landmarks_rest = landmarks[0]
            self.landmarks_dirs = (landmarks[1:] - landmarks[:1]).permute(1, 2, 0)
            self.landmark_joint = self._find_landmark_joints(body_model)
        for name in ("joints_rest", "joints_dirs", "landmarks_rest", "landmarks_dirs"):
            setattr(self, name, getattr(self, name).to(self.dtype))
        # Depth levels of the tree: joints of one level are posed together. forward() works in
        # "level order" (the root, then every joint of depth 1, of depth 2, ...), where a level is
        # a contiguous slice and its parents all lie in the level before it.
        depth = [0] * self.num_joints
        for j in range(1, self.num_joints):
            depth[j] = depth[self.parents[j]] + 1
        self.depth = depth
        order = sorted(range(self.num_joints), key=lambda j: (depth[j], j))
        position = {j: k for k, j in enumerate(order)}
        self.level_bounds, self.level_parent_local = [], []
        for d in range(1, max(depth) + 1):
            members = [k for k, j in enumerate(order) if depth[j] == d]
            previous = [k for k, j in enumerate(order) if depth[j] == d - 1]
            self.level_bounds.append((members[0], members[-1] + 1))
            self.level_parent_local.append(
                torch.tensor([position[self.parents[order[k]]] - previous[0] for k in members]))
        self.level_order = torch.tensor(order)
        self.stack_order = torch.tensor([position[j] for j in range(self.num_joints)])
        # Bones at rest in level order (the root's "bone" is its rest position), and each
        # landmark's offset from its joint at rest: linear in the betas, like the rest joints.
        parent_of = torch.tensor([0] + [self.parents[j] for j in order[1:]])
        self.bones_rest = self.joints_rest[self.level_order] - self.joints_rest[parent_of]
        self.bones_dirs = self.joints_dirs[self.level_order] - self.joints_dirs[parent_of]
        self.bones_rest[0] = self.joints_rest[0]
        self.bones_dirs[0] = self.joints_dirs[0]
        lj = self.landmark_joint
        self.landmark_local_rest = self.landmarks_rest - self.joints_rest[lj]
        self.landmark_local_dirs = self.landmarks_dirs - self.joints_dirs[lj]
        self.landmark_slot = self.stack_order[lj]
        self._build_numpy()

    def _build_numpy(self) -> None:
        """float64 numpy copies of the model for :meth:`forward_np` / :meth:`vjp`, and the
        one-hot matrices that gather each level's gradients into its parents."""
        as_np = lambda t: t.detach().double().numpy().copy()  # noqa: E731
        self.np_bones_rest, self.np_bones_dirs = as_np(self.bones_rest), as_np(self.bones_dirs)
        self.np_local_rest = as_np(self.landmark_local_rest)
        self.np_local_dirs = as_np(self.landmark_local_dirs)
        self.np_level_order = self.level_order.numpy().copy()
        self.np_stack_order = self.stack_order.numpy().copy()
        self.np_slot = self.landmark_slot.numpy().copy()
        # Per level: its slice and its parents (level-order indices).
        self.np_levels, previous = [], 0
        for (a, b), local in zip(self.level_bounds, self.level_parent_local):
            self.np_levels.append(((a, b), previous + local.numpy()))
            previous = a
        # Level-order parent of each joint (the root: itself), and which points (joints in
        # level order, then landmarks) each joint's rotation moves: the subtree indicator.
        n = self.num_joints
        order = list(self.np_level_order)
        parent = np.array([0] + [order.index(self.parents[j]) for j in order[1:]])
        self.np_parent = parent
        below = np.eye(n)
        for k in range(n - 1, 0, -1):          # children come after parents in level order
            below[parent[k]] += below[k]
        self.np_subtree = np.concatenate([below, below[:, self.np_slot]], 1)

    def _find_landmark_joints(self, body_model):
        """Rotate each joint alone; a landmark belongs to the deepest joint that moves it."""
        import torch

        n = self.num_joints
        pose = torch.zeros(n + 1, n, 3)
        for j in range(n):
            pose[j + 1, j] = torch.tensor([0.9, 0.7, 0.5])
        _, _, lms = body_model.torch_forward(torch.zeros(n + 1, self.num_betas), pose, torch.zeros(n + 1, 3))
        moved = ((lms[1:] - lms[:1]).norm(dim=-1) > 1e-4).tolist()  # (J, L) nested lists
        depth = [0] * n
        for j in range(1, n):
            depth[j] = depth[self.parents[j]] + 1
        owner = []
        for li in range(lms.shape[1]):
            movers = [j for j in range(n) if moved[j][li]]
            owner.append(max(movers, key=lambda j: depth[j]) if movers else 0)
        return torch.tensor(owner, dtype=torch.long)

    def rest(self, betas: "torch.Tensor") -> tuple["torch.Tensor", "torch.Tensor"]:
        """Rest joints (B, J, 3) and landmarks (B, L, 3) for betas (B, NB)."""
        joints = self.joints_rest + (self.joints_dirs @ betas.T).permute(2, 0, 1)
        landmarks = self.landmarks_rest + (self.landmarks_dirs @ betas.T).permute(2, 0, 1)
        return joints, landmarks

    def forward(self, betas, pose, transl):
        """Posed joints (B, J, 3) and landmarks (B, L, 3), model frame + ``transl``, as torch
        tensors (differentiable: :meth:`forward_np` and :meth:`vjp` through ``torch_bridge``).

        Parameters
        ----------
        betas : (B, NB) tensor
        pose : (B, J, 3) axis-angle, SMPL-X order, row 0 = global orientation about the pelvis
        transl : (B, 3) metres
        """
        return apply(self.piece, betas, pose, transl)

    def piece(self, betas: np.ndarray, pose: np.ndarray, transl: np.ndarray):
        """:meth:`forward_np` as a ``torch_bridge`` piece: ((joints, landmarks), vjp)."""
        joints, landmarks, cache = self.forward_np(betas, pose, transl)

        def vjp(g_joints, g_landmarks):
            return self.vjp(cache, zeros_if_none(g_joints, joints), zeros_if_none(g_landmarks, landmarks))

        return (joints, landmarks), vjp

    def forward_np(self, betas: np.ndarray, pose: np.ndarray, transl: np.ndarray):
        """:meth:`forward` in float64 numpy, with what :meth:`vjp` needs to go back.

        Parameters
        ----------
        betas : (B, NB); pose : (B, J, 3) axis-angle, SMPL-X order; transl : (B, 3) metres

        Returns
        -------
        joints (B, J, 3), landmarks (B, L, 3), and an opaque cache for :meth:`vjp`
        """
        aa = pose[:, self.np_level_order]
        rot = axis_angle_to_matrix(aa)                                      # (B, J, 3, 3)
        bones = self.np_bones_rest + np.einsum("jcn,bn->bjc", self.np_bones_dirs, betas)
        world_rot = np.empty_like(rot)
        world_pos = np.empty_like(bones)
        world_rot[:, 0], world_pos[:, 0] = rot[:, 0], bones[:, 0]
        for (a, b), parent in self.np_levels:
            pr = world_rot[:, parent]
            world_pos[:, a:b] = world_pos[:, parent] + (pr @ bones[:, a:b, :, None])[..., 0]
            world_rot[:, a:b] = pr @ rot[:, a:b]
        local = self.np_local_rest + np.einsum("lcn,bn->blc", self.np_local_dirs, betas)
        slot = self.np_slot
        landmarks = world_pos[:, slot] + (world_rot[:, slot] @ local[..., None])[..., 0]
        t = transl[:, None, :]
        cache = (aa, world_pos, world_rot, landmarks)
        return world_pos[:, self.np_stack_order] + t, landmarks + t, cache

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
        aa, world_pos, world_rot, landmarks = cache
        g_points = np.concatenate([grad_joints[:, self.np_level_order], grad_landmarks], 1)
        points = np.concatenate([world_pos, landmarks], 1)                    # (B, J + L, 3)
        below = self.np_subtree                                               # (J, J + L)
        g_sub = below @ g_points                                              # (B, J, 3)
        torque = below @ _cross(points, g_points) - _cross(world_pos, g_sub)
        rot_parent = world_rot[:, self.np_parent]
        rot_parent[:, 0] = np.eye(3)
        u = (torque[..., None, :] @ rot_parent)[..., 0, :]                   # R_parentᵀ τ
        theta2 = (aa * aa).sum(-1, keepdims=True)
        small = theta2 < 1e-4
        t2 = np.where(small, 1.0, theta2)
        t = np.sqrt(t2)
        b = np.where(small, 0.5 - theta2 / 24.0 + theta2 ** 2 / 720.0, (1.0 - np.cos(t)) / t2)
        c = np.where(small, 1.0 / 6.0 - theta2 / 120.0 + theta2 ** 2 / 5040.0, (t - np.sin(t)) / (t2 * t))
        wu = _cross(aa, u)
        g_aa = u - b * wu + c * _cross(aa, wu)                              # J_lᵀ u
        g_pose = np.empty_like(aa)
        g_pose[:, self.np_level_order] = g_aa
        # Shape: bone k moves its subtree by R_parent(k) · dirs_k β; a landmark's offset moves
        # it alone by R_slot · local_dirs β.
        g_bone = (g_sub[..., None, :] @ rot_parent)[..., 0, :]
        g_local = (grad_landmarks[..., None, :] @ world_rot[:, self.np_slot])[..., 0, :]
        g_betas = (np.einsum("jcn,bjc->bn", self.np_bones_dirs, g_bone)
                   + np.einsum("lcn,blc->bn", self.np_local_dirs, g_local))
        return g_betas, g_pose, g_points.sum(1)

    def check_against(self, body_model, betas, pose, transl) -> float:
        """Largest distance (metres) between our joints/landmarks and the full model's."""
        import torch

        with torch.no_grad():
            _, j_ref, l_ref = body_model.torch_forward(betas, pose, transl)
            j, l = self.forward(betas.to(self.dtype), pose.to(self.dtype), transl.to(self.dtype))
        return float(max((j - j_ref).abs().max(), (l - l_ref).abs().max()))
