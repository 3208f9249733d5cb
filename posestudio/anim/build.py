"""Build an :class:`Animation` from dense per-frame samples (BVH import, video/keypoint lifts)."""

from __future__ import annotations

import numpy as np

from posestudio.anim.model import Animation, CameraKey, PoseKey
from posestudio.errors import InputError
from posestudio.scene.model import NUM_JOINTS

__all__ = ["animation_from_samples"]


def animation_from_samples(poses: list[np.ndarray], transls: list[np.ndarray], fps: float,
                           camera_keys: list[CameraKey] | None = None) -> Animation:
    """Dense keys, one per sample at ``t = i / fps``, interpolation ``linear``.

    Parameters
    ----------
    poses : list of (T, 55, 3) float
        Per person: axis-angle radians, SMPL-X order.
    transls : list of (T, 3) float
        Per person: metres; same T as that person's poses.
    fps : float
        Sample rate, > 0.
    camera_keys : list of CameraKey or None

    Returns
    -------
    Animation with one track per person (parallel to the people the caller adds).
    """
    if isinstance(fps, bool) or not isinstance(fps, (int, float, np.number)) or not 0 < fps < 1e4:
        raise InputError(f"fps must be a number > 0, got {fps!r}")
    if len(poses) != len(transls):
        raise InputError(f"got poses for {len(poses)} people but translations for {len(transls)}")
    tracks = []
    for p, (pose, transl) in enumerate(zip(poses, transls)):
        pose = np.asarray(pose, dtype=np.float64)
        transl = np.asarray(transl, dtype=np.float64)
        if pose.ndim != 3 or pose.shape[1:] != (NUM_JOINTS, 3):
            raise InputError(f"poses[{p}] must be (T, {NUM_JOINTS}, 3), got {pose.shape}")
        if transl.shape != (len(pose), 3):
            raise InputError(f"transls[{p}] must be ({len(pose)}, 3), got {transl.shape}")
        tracks.append([PoseKey(i / fps, pose[i], transl[i], "linear") for i in range(len(pose))])
    return Animation(fps=fps, tracks=tracks, camera_keys=list(camera_keys or []))
