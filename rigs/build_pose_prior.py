"""Rebuild ``rigs/pose_prior_gmm.npz``, the data-driven pose prior of lifting.

A Gaussian mixture (``posestudio.lift.pose_prior_gmm.fit_gmm``, 2 full-covariance components,
0.05 rad² added to each covariance's diagonal)
over the joint rotations of the DeepMimic humanoid motion-capture clips that pybullet ships,
retargeted to the mannequin — only the clips in ``bench/motion_clips.TRAIN_CLIPS``, so the
lifting bench can test on clips the prior has never seen. Every frame is used twice, as
recorded and mirrored left ↔ right. Deterministic (seeded EM). The size was chosen by
cross-validation over the training clips (fit on six, median NLL of the other two, four folds):
8 components with little regularisation scored a held-out NLL of 168, 4 / 0.01 rad² 14, 2 / 0.05
rad² 5.4, 1 / 0.05 rad² 4.3 — more components only learn the clips by heart.

    python rigs/build_pose_prior.py [--motions PYBULLET_WHEEL_OR_FOLDER] [--out rigs/pose_prior_gmm.npz]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LIMB_COMPONENTS, LIMB_REG = 8, 0.03
sys.path.insert(0, str(ROOT / "bench"))


def clip_poses(source: str, clips) -> np.ndarray:
    """(N, 55, 3) every frame of ``clips``, as recorded and mirrored left ↔ right."""
    from motion_clips import load_clip

    from posestudio.kinematics.mirror import mirror_pose

    poses = np.concatenate([load_clip(source, name)[0] for name in clips])
    return np.concatenate([poses, np.stack([mirror_pose(p) for p in poses])])


def clip_joints(poses: np.ndarray) -> np.ndarray:
    """(N, 55, 3) the mannequin's joints (betas 0, model frame) in ``poses`` (N, 55, 3)."""
    from posestudio.body import load_body_model
    from posestudio.kinematics.fk import chain_transforms
    from posestudio.rotations import axis_angle_to_matrix
    from posestudio.skeletons import SMPLX_PARENTS

    rest = load_body_model("mannequin").rest_joints().astype(np.float64)
    return chain_transforms(axis_angle_to_matrix(poses), rest, SMPLX_PARENTS)[1]


def build_prior(source: str, clips, components: int = 2, reg: float = 0.05,
                limb_components: int = LIMB_COMPONENTS, limb_reg: float = LIMB_REG):
    """The pose prior (``PoseGMM``) and the limb-direction prior (``LimbPrior``) fitted to
    ``clips`` of ``source``, every frame also mirrored; returns (gmm, limbs, frames used)."""
    from posestudio.lift.pose_prior_gmm import JOINT_IDS, fit_gmm, fit_limb_prior

    poses = clip_poses(source, clips)
    features = poses[:, JOINT_IDS].reshape(len(poses), -1)
    limbs = fit_limb_prior(clip_joints(poses), limb_components, limb_reg)
    return fit_gmm(features, components, reg=reg, seed=0), limbs, len(poses)


def main(argv: list[str] | None = None) -> int:
    from motion_clips import TRAIN_CLIPS, find_source

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--motions", help="pybullet wheel or folder of humanoid3d_*.txt")
    parser.add_argument("--out", default=str(ROOT / "rigs" / "pose_prior_gmm.npz"))
    parser.add_argument("--components", type=int, default=2)
    parser.add_argument("--reg", type=float, default=0.05, help="added to covariance diagonals (rad²)")
    args = parser.parse_args(argv)
    source = find_source(args.motions)
    if source is None:
        print("no motion clips: pass --motions PATH to a pybullet wheel "
              "(pip download --no-deps pybullet)", file=sys.stderr)
        return 2
    gmm, limbs, frames = build_prior(source, TRAIN_CLIPS, args.components, args.reg)
    gmm.save(args.out, clips=np.array(TRAIN_CLIPS), frames=frames, **limbs.save_arrays())
    print(f"{args.out}: {args.components} components over {gmm.means.shape[1]} features, "
          f"{frames} frames (mirrored) from {', '.join(TRAIN_CLIPS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
