"""Anatomical joint ranges for the SMPL-X skeleton, and clamping a pose into them.

A range is a box on the joint's axis-angle components ``(x, y, z)`` in the joint's local frame
(its parent's frame; at rest every frame is world-aligned: X = the person's left, Y = up,
Z = forward). For small and medium angles each component is the rotation about that axis, so the
box reads like per-axis anatomical limits, and clamping is a cheap, idempotent projection.

Signs, checked against the bundled rig (``tests/kinematics/test_joint_limits.py``):

* knee flexion is **+X** (the shin swings backwards), left and right alike;
* hip flexion (thigh forwards) is **−X**, spine/neck flexion (bending forwards) **+X**,
  ankle plantar flexion (toes down) **+X**;
* left elbow flexion is **−Y** (the forearm swings forwards from the T-pose), right elbow **+Y**;
* left finger curl (towards the palm, palm down at rest) is **−Z**, right **+Z**;
* raising the left arm / abducting the left leg is **+Z**, right **−Z**.

Tables are written for the left side and central joints in degrees; the right side is their
mirror image (x kept, y and z negated), exactly as :mod:`~posestudio.kinematics.mirror` maps poses,
so a mirrored pose is within limits iff the original is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from posestudio.errors import InputError
from posestudio.skeletons import SMPLX_JOINT_INDEX, SMPLX_JOINT_NAMES, mirror_name

__all__ = ["JointLimits", "DEFAULT_LIMITS", "LIMITS_DEG", "clamp_pose", "within_limits",
           "joint_indices"]

_FREE = (-180.0, 180.0)

# (x range, y range, z range) in degrees, local frame; left side and centre only.
LIMITS_DEG: dict[str, tuple[tuple[float, float], ...]] = {
    "pelvis": (_FREE, _FREE, _FREE),  # global orientation: anything goes
    "spine1": ((-30, 60), (-30, 30), (-30, 30)),
    "spine2": ((-20, 40), (-25, 25), (-25, 25)),
    "spine3": ((-20, 30), (-25, 25), (-20, 20)),
    "neck": ((-45, 50), (-50, 50), (-35, 35)),
    "head": ((-35, 40), (-45, 45), (-30, 30)),
    "jaw": ((0, 30), (-5, 5), (-8, 8)),
    "left_eye_smplhf": ((-30, 30), (-40, 40), (-2, 2)),
    "left_hip": ((-130, 35), (-45, 45), (-30, 80)),
    "left_knee": ((0, 150), (-15, 15), (-5, 5)),
    # dorsiflexion to 35 (a deep crouch with flat feet), plantar flexion to 75 (kneeling and
    # sitting on the heels point the feet flat backwards)
    "left_ankle": ((-35, 75), (-30, 30), (-25, 25)),
    "left_foot": ((-45, 30), (-5, 5), (-5, 5)),
    "left_collar": ((-15, 15), (-25, 20), (-15, 30)),
    "left_shoulder": ((-90, 90), (-130, 45), (-100, 90)),
    "left_elbow": ((-20, 20), (-150, 0), (-5, 5)),
    "left_wrist": ((-80, 80), (-25, 35), (-80, 70)),
    # thumb CMC: +X folds the thumb under the palm, up to ~60 degrees in a fist
    "left_thumb1": ((-45, 70), (-45, 45), (-45, 45)),
    "left_thumb2": ((-50, 50), (-50, 50), (-50, 50)),
    "left_thumb3": ((-60, 60), (-60, 60), (-60, 60)),
}
for _finger in ("index", "middle", "ring", "pinky"):
    LIMITS_DEG[f"left_{_finger}1"] = ((-10, 10), (-20, 20), (-90, 25))
    LIMITS_DEG[f"left_{_finger}2"] = ((-5, 5), (-5, 5), (-110, 5))
    LIMITS_DEG[f"left_{_finger}3"] = ((-5, 5), (-5, 5), (-90, 10))


def _table() -> tuple[np.ndarray, np.ndarray]:
    lower = np.empty((len(SMPLX_JOINT_NAMES), 3))
    upper = np.empty_like(lower)
    for j, name in enumerate(SMPLX_JOINT_NAMES):
        src = mirror_name(name)
        if name in LIMITS_DEG:
            box = np.radians(np.array(LIMITS_DEG[name], dtype=float))
            lo, hi = box[:, 0], box[:, 1]
        elif src in LIMITS_DEG:  # right side: x kept, y and z negated (ranges swap ends)
            box = np.radians(np.array(LIMITS_DEG[src], dtype=float))
            sign = np.array([1.0, -1.0, -1.0])
            a, b = box[:, 0] * sign, box[:, 1] * sign
            lo, hi = np.minimum(a, b), np.maximum(a, b)
        else:  # pragma: no cover - every SMPL-X joint is in the table
            raise KeyError(name)
        if name == "pelvis":
            lo, hi = np.full(3, -np.inf), np.full(3, np.inf)
        lower[j], upper[j] = lo, hi
    return lower, upper


def joint_indices(joints: Iterable[int | str]) -> frozenset[int]:
    """SMPL-X indices of joints given by index or name (InputError naming an unknown one)."""
    out = set()
    for joint in joints:
        if isinstance(joint, str):
            if joint not in SMPLX_JOINT_INDEX:
                raise InputError(f"unknown joint name {joint!r}")
            out.add(SMPLX_JOINT_INDEX[joint])
        elif isinstance(joint, (int, np.integer)) and 0 <= int(joint) < len(SMPLX_JOINT_NAMES):
            out.add(int(joint))
        else:
            raise InputError(f"joint must be a name or an index 0..54, got {joint!r}")
    return frozenset(out)


@dataclass(frozen=True)
class JointLimits:
    """Per-joint axis-angle boxes and a set of locked joints.

    Attributes
    ----------
    lower, upper : (55, 3) float64
        Bounds on each joint's axis-angle components, radians, local frame (±inf = free).
    locked : frozenset of int
        Joints that posing tools must not change (see ``clamp_pose(reference=...)`` and IK).
    """

    lower: np.ndarray
    upper: np.ndarray
    locked: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def default(cls) -> JointLimits:
        lower, upper = _table()
        return cls(lower, upper)

    def with_locked(self, joints: Iterable[int | str]) -> JointLimits:
        """A copy whose locked set is ``joints`` (names or indices)."""
        return JointLimits(self.lower, self.upper, joint_indices(joints))

    def range_deg(self, joint: int | str) -> np.ndarray:
        """(3, 2) lower/upper bounds of one joint, degrees."""
        (j,) = joint_indices([joint])
        return np.degrees(np.stack([self.lower[j], self.upper[j]], axis=1))

    def clamp(self, pose: np.ndarray, joints: Iterable[int] | None = None,
              reference: np.ndarray | None = None) -> np.ndarray:
        """Copy of ``pose`` (55, 3) with each joint's components clipped into its box.

        ``joints`` limits clamping to those indices (others are copied as they are). Locked
        joints are set to ``reference``'s rows when a reference pose is given, else left alone.
        """
        pose = np.array(pose, dtype=np.float64)
        if pose.shape != self.lower.shape:
            raise InputError(f"pose must be {self.lower.shape}, got {pose.shape}")
        rows = slice(None) if joints is None else np.fromiter(joints, dtype=np.intp)
        pose[rows] = np.clip(pose[rows], self.lower[rows], self.upper[rows])
        if self.locked:
            locked = np.fromiter(self.locked, dtype=np.intp)
            if reference is not None:
                pose[locked] = np.asarray(reference, dtype=np.float64)[locked]
        return pose

    def within(self, pose: np.ndarray, tol: float = 1e-9) -> bool:
        """True when every joint of ``pose`` (55, 3) lies inside its box (± ``tol`` radians)."""
        pose = np.asarray(pose, dtype=np.float64)
        return bool(np.all(pose >= self.lower - tol) and np.all(pose <= self.upper + tol))

    def violations(self, pose: np.ndarray, tol: float = 1e-9) -> list[str]:
        """Names of the joints of ``pose`` outside their box (for messages and tests)."""
        pose = np.asarray(pose, dtype=np.float64)
        bad = np.any((pose < self.lower - tol) | (pose > self.upper + tol), axis=1)
        return [SMPLX_JOINT_NAMES[j] for j in np.flatnonzero(bad)]


DEFAULT_LIMITS = JointLimits.default()


def clamp_pose(pose: np.ndarray, limits: JointLimits | None = None,
               reference: np.ndarray | None = None) -> np.ndarray:
    """``pose`` (55, 3) axis-angle clipped into the joint ranges (a new array).

    Parameters
    ----------
    pose : (55, 3) float
        Axis-angle per SMPL-X joint, radians.
    limits : JointLimits or None
        Default :data:`DEFAULT_LIMITS`.
    reference : (55, 3) float or None
        Locked joints of ``limits`` take their rows from this pose (e.g. the pose before a drag).
    """
    return (limits or DEFAULT_LIMITS).clamp(pose, reference=reference)


def within_limits(pose: np.ndarray, limits: JointLimits | None = None, tol: float = 1e-9) -> bool:
    """True when every joint of ``pose`` (55, 3) is inside its range."""
    return (limits or DEFAULT_LIMITS).within(pose, tol)
