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
55 SMPL-X joints). ``check_against`` measures the difference to the full model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from posestudio.skeletons import SMPLX_PARENTS

if TYPE_CHECKING:  # pragma: no cover
    import torch


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
        # Depth levels of the tree: joints of one level are posed together.
        depth = [0] * self.num_joints
        for j in range(1, self.num_joints):
            depth[j] = depth[self.parents[j]] + 1
        self.depth = depth
        self.levels = [
            torch.tensor([j for j in range(self.num_joints) if depth[j] == d])
            for d in range(1, max(depth) + 1)
        ]
        self.level_parents = [torch.tensor([self.parents[j] for j in lv.tolist()]) for lv in self.levels]
        # Where each joint sits in the level-ordered stack that forward() builds.
        index_of, size, self.level_parent_slots = {0: 0}, 1, []
        for level, parents in zip(self.levels, self.level_parents):
            self.level_parent_slots.append(torch.tensor([index_of[int(p)] for p in parents]))
            for k, j in enumerate(level.tolist()):
                index_of[j] = size + k
            size += len(level)
        self.stack_order = torch.tensor([index_of[j] for j in range(self.num_joints)])

    def _find_landmark_joints(self, body_model):
        """Rotate each joint alone; a landmark belongs to the deepest joint that moves it."""
        import torch

        n = self.num_joints
        pose = torch.zeros(n + 1, n, 3)
        for j in range(n):
            pose[j + 1, j] = torch.tensor([0.9, 0.7, 0.5])
        _, _, lms = body_model.torch_forward(torch.zeros(n + 1, self.num_betas), pose, torch.zeros(n + 1, 3))
        moved = (lms[1:] - lms[:1]).norm(dim=-1) > 1e-4  # (J, L)
        depth = [0] * n
        for j in range(1, n):
            depth[j] = depth[self.parents[j]] + 1
        owner = []
        for li in range(lms.shape[1]):
            movers = [j for j in range(n) if moved[j, li]]
            owner.append(max(movers, key=lambda j: depth[j]) if movers else 0)
        return torch.tensor(owner, dtype=torch.long)

    def rest(self, betas: "torch.Tensor") -> tuple["torch.Tensor", "torch.Tensor"]:
        """Rest joints (B, J, 3) and landmarks (B, L, 3) for betas (B, NB)."""
        joints = self.joints_rest + (self.joints_dirs @ betas.T).permute(2, 0, 1)
        landmarks = self.landmarks_rest + (self.landmarks_dirs @ betas.T).permute(2, 0, 1)
        return joints, landmarks

    def forward(self, betas, pose, transl):
        """Posed joints (B, J, 3) and landmarks (B, L, 3), model frame + ``transl``.

        Parameters
        ----------
        betas : (B, NB) tensor
        pose : (B, J, 3) axis-angle, SMPL-X order, row 0 = global orientation about the pelvis
        transl : (B, 3) metres
        """
        import torch

        from posestudio.rotations_torch import axis_angle_to_matrix

        rest_j, rest_l = self.rest(betas)
        rot = axis_angle_to_matrix(pose)  # (B, J, 3, 3)
        # Level by level: R_j = R_parent @ r_j and p_j = p_parent + R_parent @ (J_j - J_parent).
        world_rot = rot[:, :1]
        world_pos = rest_j[:, :1]
        for level, parents, slots in zip(self.levels, self.level_parents, self.level_parent_slots):
            pr = world_rot[:, slots]                        # (B, n, 3, 3) parents' world rotations
            offset = rest_j[:, level] - rest_j[:, parents]  # (B, n, 3) bones at rest
            world_pos = torch.cat([world_pos, world_pos[:, slots] + (pr @ offset[..., None])[..., 0]], 1)
            world_rot = torch.cat([world_rot, pr @ rot[:, level]], 1)
        world_rot = world_rot[:, self.stack_order]
        world_pos = world_pos[:, self.stack_order]
        lj = self.landmark_joint
        local = rest_l - rest_j[:, lj]
        landmarks = world_pos[:, lj] + (world_rot[:, lj] @ local[..., None])[..., 0]
        t = transl[:, None, :]
        return world_pos + t, landmarks + t

    def check_against(self, body_model, betas, pose, transl) -> float:
        """Largest distance (metres) between our joints/landmarks and the full model's."""
        import torch

        with torch.no_grad():
            _, j_ref, l_ref = body_model.torch_forward(betas, pose, transl)
            j, l = self.forward(betas.to(self.dtype), pose.to(self.dtype), transl.to(self.dtype))
        return float(max((j - j_ref).abs().max(), (l - l_ref).abs().max()))
