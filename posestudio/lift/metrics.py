"""Accuracy measures of a lifted pose against the truth, as the lifting benches and tests report them.

PA-MPJPE is the mean joint error after the best similarity alignment (Procrustes), in millimetres,
on :data:`EVAL_JOINTS`; the acceleration error compares second differences of hip-centred joints
over frames (the jitter a video model turns into flicker). Pure numpy; no torch, no Qt.
"""

from __future__ import annotations

import numpy as np

from posestudio import camera as cam
from posestudio.scene.model import Camera
from posestudio.skeletons import FOOT_JOINTS
from posestudio.skeletons import SMPLX_JOINT_INDEX as _J

__all__ = ["EVAL_JOINTS", "to_camera", "procrustes", "pa_mpjpe_mm", "mean_pa_mpjpe_mm",
           "accel_error_mm", "foot_skate_mm"]

#: The 14 SMPL-X joints that carry a pose (no hands or face): what the errors are measured on.
EVAL_JOINTS: list[int] = [_J[n] for n in (
    "neck", "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee",
    "left_ankle", "right_ankle")]
_HIPS = slice(8, 10)  # left_hip, right_hip within EVAL_JOINTS


def to_camera(points: np.ndarray, camera: Camera) -> np.ndarray:
    """World points (N, 3) metres → the camera's OpenGL frame (N, 3) metres (looks down −Z)."""
    m = cam.world_to_camera(camera)
    return np.asarray(points, dtype=float) @ m[:3, :3].T + m[:3, 3]


def procrustes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` (N, 3) aligned onto ``b`` (N, 3) by the best rotation, uniform scale and shift."""
    ma, mb = a.mean(0), b.mean(0)
    a0, b0 = a - ma, b - mb
    u, s, vt = np.linalg.svd(a0.T @ b0)
    d = np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))])
    r = u @ d @ vt
    return (s * np.diag(d)).sum() / (a0 ** 2).sum() * a0 @ r + mb


def pa_mpjpe_mm(pred: np.ndarray, truth: np.ndarray) -> float:
    """PA-MPJPE (mm) of one pose: ``pred``/``truth`` (J, 3) metres, all SMPL-X joints."""
    a, b = np.asarray(pred)[EVAL_JOINTS], np.asarray(truth)[EVAL_JOINTS]
    return 1000.0 * float(np.linalg.norm(procrustes(a, b) - b, axis=1).mean())


def mean_pa_mpjpe_mm(pred: np.ndarray, truth: np.ndarray) -> float:
    """Mean over frames of :func:`pa_mpjpe_mm`; ``pred``/``truth`` (T, J, 3) metres."""
    return float(np.mean([pa_mpjpe_mm(p, g) for p, g in zip(pred, truth)]))


def accel_error_mm(pred: np.ndarray, truth: np.ndarray) -> float:
    """Mean acceleration error (mm / frame²) of :data:`EVAL_JOINTS`, each frame centred on its
    hips; ``pred``/``truth`` (T, J, 3) metres, T ≥ 3."""
    def centred(joints: np.ndarray) -> np.ndarray:
        joints = np.asarray(joints)[:, EVAL_JOINTS]
        return joints - joints[:, _HIPS].mean(1, keepdims=True)

    def accel(x: np.ndarray) -> np.ndarray:
        return x[2:] - 2 * x[1:-1] + x[:-2]

    return 1000.0 * float(np.linalg.norm(accel(centred(pred)) - accel(centred(truth)), axis=-1).mean())


def foot_skate_mm(pred: np.ndarray, truth: np.ndarray, fps: float) -> float:
    """Foot skating: the mean step (mm / frame) of ``pred``'s ankles and feet over the steps
    where ``truth``'s are planted at both ends (``kinematics.contacts.planted_feet``);
    ``pred``/``truth`` (T, J, 3) metres in one fixed frame (the camera's), T ≥ 2. NaN when no
    foot is planted."""
    from posestudio.kinematics.contacts import planted_feet

    planted = planted_feet(truth, fps)
    both = planted[1:] & planted[:-1]                                   # (T-1, 4)
    if not both.any():
        return float("nan")
    step = np.linalg.norm(np.diff(np.asarray(pred, dtype=float)[:, list(FOOT_JOINTS)], axis=0),
                          axis=-1)
    return 1000.0 * float(step[both].mean())
