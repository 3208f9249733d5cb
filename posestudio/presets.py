"""Bundled pose presets (whole-body poses) and hand presets (finger poses).

Files live in the ``posestudio.resources`` package (``resources/presets/`` in the checkout) and
are read through :mod:`importlib.resources`, so an installed wheel works without the checkout:

* ``presets/poses/<name>.pose.json`` — person-pose files (``posestudio.scene.file_format``):
  SMPL-X axis-angle per joint (radians) plus a translation.
* ``presets/hands.json`` — finger poses for the LEFT hand, 15 joints × 3 in SMPL-X
  ``left_hand_pose`` order (index1-3, middle1-3, pinky1-3, ring1-3, thumb1-3).

Conventions
-----------
* World: Y up, metres; at rest (all zeros) the body is in a T-pose facing +Z with its arms along
  ±X, the left arm along +X.
* **The ground is the plane y = 0.** A preset's ``transl`` is chosen for the bundled mannequin with
  default shape (betas = 0) so that the body rests on the ground: the lowest vertex of a standing,
  kneeling or lying preset is at y ≈ 0; the sitting preset has its seat at chair height (the
  thighs about 0.45 m above the ground) and its feet on the ground.
* The right hand is the mirror image of the left: mirroring across the YZ plane (x → −x) maps an
  axis-angle rotation ``(x, y, z)`` to ``(x, −y, −z)``.

``resources/presets/build_presets.py`` writes these files (and the example scenes) from the
pose values it holds, measuring the mannequin for ``transl``; rerun it after changing the rig.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np

from posestudio.errors import InputError, SceneFormatError
from posestudio.scene.file_format import pose_from_dict
from posestudio.skeletons import LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS, SMPLX_JOINT_NAMES

__all__ = [
    "HAND_JOINT_NAMES", "apply_hand_preset", "hand_preset", "list_hand_presets",
    "list_pose_presets", "load_pose_preset", "mirror_hand_pose",
]

HANDS_FORMAT = "posestudio-hands"
HANDS_VERSION = 1
POSE_SUFFIX = ".pose.json"
# Finger joint names without the side prefix, in SMPL-X hand-pose order.
HAND_JOINT_NAMES: tuple[str, ...] = tuple(
    SMPLX_JOINT_NAMES[i][len("left_"):] for i in LEFT_HAND_JOINTS)
_MIRROR = np.array([1.0, -1.0, -1.0])  # axis-angle across the YZ plane


def _presets_dir():
    return resources.files("posestudio.resources").joinpath("presets")


def list_pose_presets() -> list[str]:
    """Names of the bundled pose presets, sorted (e.g. ``["a_pose", "fighting_stance", ...]``)."""
    folder = _presets_dir().joinpath("poses")
    return sorted(entry.name[: -len(POSE_SUFFIX)] for entry in folder.iterdir()
                  if entry.name.endswith(POSE_SUFFIX))


@lru_cache(maxsize=None)
def _pose_preset(name: str) -> tuple[np.ndarray, np.ndarray]:
    entry = _presets_dir().joinpath("poses", name + POSE_SUFFIX)
    label = f"pose preset {name!r} ({entry})"
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
        content = pose_from_dict(data)
    except (OSError, ValueError, SceneFormatError) as exc:
        raise SceneFormatError(f"{label}: {exc}") from None
    content.pose.setflags(write=False)
    content.transl.setflags(write=False)
    return content.pose, content.transl


def load_pose_preset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Pose and translation of a bundled pose preset.

    Returns
    -------
    pose : (55, 3) float64
        Axis-angle radians, SMPL-X joint order (row 0: global orientation). A fresh copy.
    transl : (3,) float64
        Metres; puts the default mannequin on the ground (y = 0), centred over x = z = 0.

    Raises
    ------
    InputError
        If there is no preset of that name (the message lists the ones there are).
    """
    names = list_pose_presets()
    if name not in names:
        raise InputError(f"unknown pose preset {name!r}; presets: {', '.join(names)}")
    pose, transl = _pose_preset(name)
    return pose.copy(), transl.copy()


@lru_cache(maxsize=None)
def _hand_presets() -> dict[str, np.ndarray]:
    entry = _presets_dir().joinpath("hands.json")
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SceneFormatError(f"hand presets ({entry}): {exc}") from None
    where = f"hand presets ({entry})"
    if not isinstance(data, dict) or data.get("format") != HANDS_FORMAT:
        raise SceneFormatError(f"{where}: format: expected {HANDS_FORMAT!r}")
    if data.get("version") != HANDS_VERSION:
        raise SceneFormatError(f"{where}: version: expected {HANDS_VERSION}, got "
                               f"{data.get('version')!r}")
    if data.get("side") != "left" or tuple(data.get("joints", ())) != HAND_JOINT_NAMES:
        raise SceneFormatError(f"{where}: side/joints: expected the left hand in SMPL-X order "
                               f"{', '.join(HAND_JOINT_NAMES)}")
    presets = {}
    for name, rows in data.get("presets", {}).items():
        try:
            hand = np.array(rows, dtype=np.float64)
        except (TypeError, ValueError):
            hand = np.zeros(0)
        if hand.shape != (15, 3) or not np.all(np.isfinite(hand)):
            raise SceneFormatError(f"{where}: presets.{name}: expected 15 rows of 3 numbers")
        hand.setflags(write=False)
        presets[name] = hand
    if not presets:
        raise SceneFormatError(f"{where}: presets: none defined")
    return presets


def list_hand_presets() -> list[str]:
    """Names of the bundled hand presets, in file order (``relaxed``, ``fist``, ``open``...)."""
    return list(_hand_presets())


def mirror_hand_pose(hand: np.ndarray) -> np.ndarray:
    """Mirror a hand pose to the other side (across the YZ plane): (x, y, z) → (x, −y, −z).

    Parameters
    ----------
    hand : (15, 3) axis-angle radians, SMPL-X hand order.
    """
    return np.asarray(hand, dtype=np.float64).reshape(15, 3) * _MIRROR


def hand_preset(name: str, side: str) -> np.ndarray:
    """Finger pose of a hand preset for one hand.

    Parameters
    ----------
    name : a name from :func:`list_hand_presets`.
    side : ``"left"`` or ``"right"``; the right hand is the mirror image of the left.

    Returns
    -------
    (15, 3) float64 axis-angle radians, SMPL-X ``left_hand_pose``/``right_hand_pose`` order.
    """
    if side not in ("left", "right"):
        raise InputError(f"hand side must be 'left' or 'right', got {side!r}")
    presets = _hand_presets()
    if name not in presets:
        raise InputError(f"unknown hand preset {name!r}; presets: {', '.join(presets)}")
    hand = presets[name].copy()
    return hand if side == "left" else mirror_hand_pose(hand)


def apply_hand_preset(pose: np.ndarray, name: str, side: str = "both") -> np.ndarray:
    """Copy of ``pose`` (55, 3) with the fingers of one hand (or ``"both"``) set to a preset."""
    pose = np.array(pose, dtype=np.float64).reshape(len(SMPLX_JOINT_NAMES), 3)
    sides = ("left", "right") if side == "both" else (side,)
    for s in sides:
        rows = list(LEFT_HAND_JOINTS if s == "left" else RIGHT_HAND_JOINTS)
        pose[rows] = hand_preset(name, s)
    return pose
