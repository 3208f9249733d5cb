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
        """Posed joints (B, J, 3) and landmarks (B, L, 3), model frame + ``transl``.

        Parameters
        ----------
        betas : (B, NB) tensor
        pose : (B, J, 3) axis-angle, SMPL-X order, row 0 = global orientation about the pelvis
        transl : (B, 3) metres
        """
        import torch

        from posestudio.rotations_torch import axis_angle_to_matrix

        bt = betas.T
        rot = axis_angle_to_matrix(pose[:, self.level_order])           # (B, J, 3, 3) level order
        bones = self.bones_rest + (self.bones_dirs @ bt).permute(2, 0, 1)  # (B, J, 3)
        # Level by level: R_j = R_parent @ r_j and p_j = p_parent + R_parent @ bone_j.
        rots, positions = [rot[:, :1]], [bones[:, :1]]
        for (a, b), local in zip(self.level_bounds, self.level_parent_local):
            pr = rots[-1][:, local]                                     # (B, n, 3, 3)
            positions.append(positions[-1][:, local] + (pr @ bones[:, a:b, :, None])[..., 0])
            rots.append(pr @ rot[:, a:b])
        world_rot = torch.cat(rots, 1)
        world_pos = torch.cat(positions, 1)
        slot = self.landmark_slot
        local = self.landmark_local_rest + (self.landmark_local_dirs @ bt).permute(2, 0, 1)
        landmarks = world_pos[:, slot] + (world_rot[:, slot] @ local[..., None])[..., 0]
        t = transl[:, None, :]
        return world_pos[:, self.stack_order] + t, landmarks + t

    def check_against(self, body_model, betas, pose, transl) -> float:
        """Largest distance (metres) between our joints/landmarks and the full model's."""
        import torch

        with torch.no_grad():
            _, j_ref, l_ref = body_model.torch_forward(betas, pose, transl)
            j, l = self.forward(betas.to(self.dtype), pose.to(self.dtype), transl.to(self.dtype))
        return float(max((j - j_ref).abs().max(), (l - l_ref).abs().max()))
