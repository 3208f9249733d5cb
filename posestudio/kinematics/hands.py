"""Finger curl and spread for the hand sliders (pure numpy).

A hand is the 15 finger joints of one side in SMPL-X hand-pose order (index1-3, middle1-3,
pinky1-3, ring1-3, thumb1-3; ``skeletons.LEFT_HAND_JOINTS`` / ``RIGHT_HAND_JOINTS``), as
axis-angle rows in each joint's parent frame. At rest the left hand lies palm down with the
fingers along +X, so (see ``limits``) left finger flexion is −Z, spreading the index towards the
thumb is −Y and the pinky away from it +Y; the thumb folds under the palm with +X and across it
with +Y. The tables below are written for the left hand; the right hand is its mirror image
(``mirror.MIRROR_SIGNS``), the same rule the hand presets (``posestudio.presets``) follow.

:func:`hand_shape` moves a starting hand (``base``, e.g. the hand when the slider drag began)
towards a full curl or a full extension, then spreads it, and clamps every joint into
``limits.DEFAULT_LIMITS``: sliders at 0 give back ``base`` untouched, and every result is a pose
the joint limits allow.
"""

from __future__ import annotations

import numpy as np

from posestudio.errors import InputError
from posestudio.kinematics.limits import DEFAULT_LIMITS, JointLimits
from posestudio.kinematics.mirror import MIRROR_SIGNS
from posestudio.skeletons import LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS

__all__ = ["FULL_CURL", "EXTENSION", "SPREAD", "hand_rows", "hand_shape",
           "apply_hand_shape"]

_FINGER_ORDER = ("index", "middle", "pinky", "ring", "thumb")  # SMPL-X hand-pose order


def _table(per_finger: dict[str, tuple[tuple[float, float, float], ...]]) -> np.ndarray:
    return np.radians(np.array([row for f in _FINGER_ORDER for row in per_finger[f]], float))


_CURL = ((0.0, 0.0, -80.0), (0.0, 0.0, -95.0), (0.0, 0.0, -60.0))
#: Left hand at curl = 1, radians: a fist (the thumb folds under and across the fingers).
FULL_CURL = _table({"index": _CURL, "middle": _CURL, "pinky": _CURL, "ring": _CURL,
                        "thumb": ((59.4, 18.1, -10.5), (0.0, 30.0, 0.0), (0.0, 40.0, 0.0))})

_EXT = ((0.0, 0.0, 20.0), (0.0, 0.0, 5.0), (0.0, 0.0, 10.0))
#: Left hand at curl = −1, radians: fingers bent slightly backwards, thumb opened out.
EXTENSION = _table({"index": _EXT, "middle": _EXT, "pinky": _EXT, "ring": _EXT,
                        "thumb": ((-10.0, -10.0, 0.0), (0.0, -10.0, 0.0), (0.0, -10.0, 0.0))})


def _spread(angle: float) -> tuple[tuple[float, float, float], ...]:
    return ((0.0, angle, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))


#: Added to the left hand per unit of spread, radians (at −0.6 straight fingers are about
#: parallel).
SPREAD = _table({"index": _spread(-12.0), "middle": _spread(-2.0), "pinky": _spread(15.0),
                     "ring": _spread(7.0), "thumb": _spread(-20.0)})


def hand_rows(side: str) -> list[int]:
    """SMPL-X pose rows of the 15 finger joints of ``side`` ("left" or "right")."""
    if side == "left":
        return list(LEFT_HAND_JOINTS)
    if side == "right":
        return list(RIGHT_HAND_JOINTS)
    raise InputError(f"hand side must be 'left' or 'right', got {side!r}")


def hand_shape(side: str, curl: float = 0.0, spread: float = 0.0, base=None,
               limits: JointLimits | None = None) -> np.ndarray:
    """Finger rotations for a curl and a spread amount.

    Parameters
    ----------
    side : "left" or "right"
    curl : float in [−1, 1]
        0 keeps ``base``; 1 = a fist; −1 = fingers bent back (the sliders use −0.2..1).
        Intermediate values blend each joint's axis-angle linearly.
    spread : float in [−1, 1]
        0 keeps the spread of ``base``; 1 = fingers fanned out; < 0 = pressed together.
    base : (15, 3) or None
        The hand to start from (that side's rows of the pose); None = flat open hand.
    limits : JointLimits or None
        Default ``DEFAULT_LIMITS``; the result is clamped into them.

    Returns
    -------
    (15, 3) float64 axis-angle, radians, SMPL-X hand order, for ``side``.
    """
    rows = hand_rows(side)
    curl, spread = float(curl), float(spread)
    if not (np.isfinite(curl) and -1.0 <= curl <= 1.0):
        raise InputError(f"curl must be a number in [-1, 1], got {curl!r}")
    if not (np.isfinite(spread) and -1.0 <= spread <= 1.0):
        raise InputError(f"spread must be a number in [-1, 1], got {spread!r}")
    sign = np.ones(3) if side == "left" else MIRROR_SIGNS  # work in the left hand's frame
    if base is None:
        left = np.zeros((15, 3))
    else:
        left = np.array(base, dtype=np.float64)
        if left.shape != (15, 3) or not np.all(np.isfinite(left)):
            raise InputError(f"base hand must be (15, 3) finite axis-angle, got {left.shape}")
        left = left * sign
    goal = FULL_CURL if curl >= 0 else EXTENSION
    left = left + abs(curl) * (goal - left)
    left = left + spread * SPREAD
    lim = limits or DEFAULT_LIMITS
    out = left * sign
    return np.clip(out, lim.lower[rows], lim.upper[rows])


def apply_hand_shape(pose, side: str, curl: float = 0.0, spread: float = 0.0,
                     limits: JointLimits | None = None) -> np.ndarray:
    """Copy of ``pose`` (55, 3) with one hand (or ``"both"``) curled/spread from its own fingers."""
    out = np.array(pose, dtype=np.float64)
    if out.shape != (55, 3):
        raise InputError(f"pose must be (55, 3) axis-angle in SMPL-X joint order, got {out.shape}")
    for s in (("left", "right") if side == "both" else (side,)):
        rows = hand_rows(s)
        out[rows] = hand_shape(s, curl, spread, base=out[rows], limits=limits)
    return out
