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
sys.path.insert(0, str(ROOT / "bench"))


def build_prior(source: str, clips, components: int = 2, reg: float = 0.05):
    """The pose prior (``PoseGMM``) fitted to ``clips`` of ``source``, every frame also mirrored;
    returns (gmm, frames used)."""
    from motion_clips import load_clip

    from posestudio.kinematics.mirror import mirror_pose
    from posestudio.lift.pose_prior_gmm import JOINT_IDS, fit_gmm

    poses = np.concatenate([load_clip(source, name)[0] for name in clips])
    poses = np.concatenate([poses, np.stack([mirror_pose(p) for p in poses])])
    features = poses[:, JOINT_IDS].reshape(len(poses), -1)
    return fit_gmm(features, components, reg=reg, seed=0), len(poses)


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
    gmm, frames = build_prior(source, TRAIN_CLIPS, args.components, args.reg)
    gmm.save(args.out, clips=np.array(TRAIN_CLIPS), frames=frames)
    print(f"{args.out}: {args.components} components over {gmm.means.shape[1]} features, "
          f"{frames} frames (mirrored) from {', '.join(TRAIN_CLIPS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
