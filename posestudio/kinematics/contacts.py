"""Which feet are planted in a motion: one rule for the temporal fit's foot contact and for the
skating figure the benches report."""

from __future__ import annotations

import numpy as np

from posestudio.skeletons import FOOT_JOINTS, SMPLX_JOINT_INDEX

__all__ = ["planted_feet"]

PLANTED_SPEED = 0.25    # m/s: a foot point slower than this ...
PLANTED_HEIGHT = 0.05   # m: ... and this close to its lowest over the clip is planted


def planted_feet(joints: np.ndarray, fps: float, speed: float = PLANTED_SPEED,
                 height: float = PLANTED_HEIGHT) -> np.ndarray:
    """(T, 4) bool: the ankles and feet (``FOOT_JOINTS``) of ``joints`` (T, J ≥ 22, 3) metres,
    any fixed frame, that are slower than ``speed`` m/s (central differences) and within
    ``height`` of their lowest over the clip along the body's mean up direction (pelvis → neck)."""
    joints = np.asarray(joints, dtype=np.float64)
    feet = joints[:, list(FOOT_JOINTS)]                                  # (T, 4, 3)
    up = (joints[:, SMPLX_JOINT_INDEX["neck"]] - joints[:, SMPLX_JOINT_INDEX["pelvis"]]).mean(0)
    up = up / max(float(np.linalg.norm(up)), 1e-9)
    slow = np.linalg.norm(np.gradient(feet, axis=0), axis=-1) * fps < speed
    lift = feet @ up
    return slow & (lift < lift.min(0) + height)
