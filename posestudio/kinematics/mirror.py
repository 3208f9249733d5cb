"""Left↔right mirroring of poses (pure numpy).

Mirroring is the reflection ``x → −x`` across the body's YZ plane (the person's left is +X at
rest). A reflection ``M = diag(−1, 1, 1)`` turns a rotation ``R`` into ``M R M``; for an
axis-angle vector that is ``(x, y, z) → (x, −y, −z)``. Mirroring a pose therefore

* swaps every left joint with its right twin (``skeletons.mirror_name``) and
* reflects every rotation with ``MIRROR_SIGNS``.

On a rig whose rest skeleton is symmetric (the mannequin, the official SMPL-family models at
betas = 0), the posed joints of ``mirror_pose(pose)`` are exactly the reflection of the original's
about the plane ``x = transl_x``; with :func:`mirror_translation` as well, about ``x = 0``.
Mirroring twice gives back the pose, and ``limits.DEFAULT_LIMITS`` are built with the same rule,
so a mirrored pose is within limits iff the original is.
"""

from __future__ import annotations

import numpy as np

from posestudio.errors import InputError
from posestudio.skeletons import SMPLX_JOINT_INDEX, SMPLX_JOINT_NAMES, SMPLX_PARENTS, mirror_name

__all__ = ["MIRROR_SIGNS", "MIRROR_PERMUTATION", "mirror_rotations", "mirror_pose",
           "mirror_translation", "mirror_limb", "limb_joints"]

#: Axis-angle under the reflection x → −x: x kept, y and z negated.
MIRROR_SIGNS = np.array([1.0, -1.0, -1.0])

#: ``MIRROR_PERMUTATION[j]`` = index of joint j's left/right twin (itself when central).
MIRROR_PERMUTATION = np.array([SMPLX_JOINT_INDEX[mirror_name(n)] for n in SMPLX_JOINT_NAMES])

_LIMB_ROOTS = ("collar", "hip")


def _pose55(pose) -> np.ndarray:
    a = np.array(pose, dtype=np.float64)
    if a.shape != (len(SMPLX_JOINT_NAMES), 3):
        raise InputError(f"pose must be (55, 3) axis-angle in SMPL-X joint order, got {a.shape}")
    return a


def mirror_rotations(rotvecs: np.ndarray) -> np.ndarray:
    """Reflect axis-angle rotations (..., 3) across the YZ plane (no joint swap)."""
    return np.asarray(rotvecs, dtype=np.float64) * MIRROR_SIGNS


def mirror_pose(pose) -> np.ndarray:
    """The whole pose mirrored left↔right.

    Parameters
    ----------
    pose : (55, 3) axis-angle, radians, SMPL-X order (row 0 = global orientation).

    Returns
    -------
    (55, 3) float64, a new array: row j is the reflected rotation of joint j's twin.
    """
    return mirror_rotations(_pose55(pose)[MIRROR_PERMUTATION])


def mirror_translation(transl) -> np.ndarray:
    """(3,) translation reflected across x = 0 (use with :func:`mirror_pose` for a world mirror)."""
    return np.asarray(transl, dtype=np.float64).reshape(3) * np.array([-1.0, 1.0, 1.0])


def _children() -> list[list[int]]:
    kids: list[list[int]] = [[] for _ in SMPLX_PARENTS]
    for j, p in enumerate(SMPLX_PARENTS):
        if p >= 0:
            kids[p].append(j)
    return kids


def _subtree(root: int) -> list[int]:
    kids, out, stack = _children(), [], [root]
    while stack:
        j = stack.pop()
        out.append(j)
        stack.extend(kids[j])
    return sorted(out)


def limb_joints(joint: str | int) -> tuple[int, ...]:
    """The joints that make up the limb of ``joint`` (indices, sorted).

    A finger joint → the 15 finger joints of that hand; an arm joint (collar, shoulder, elbow,
    wrist) → the whole arm from the collar, fingers included; a leg joint → hip to foot; an eye →
    itself. A central joint (pelvis, spine, neck, head, jaw) → just itself.
    """
    j = _index(joint)
    name = SMPLX_JOINT_NAMES[j]
    if mirror_name(name) == name:
        return (j,)
    side = name.split("_")[0]
    if any(f in name for f in ("thumb", "index", "middle", "ring", "pinky")):
        wrist = SMPLX_JOINT_INDEX[f"{side}_wrist"]
        return tuple(k for k in _subtree(wrist) if k != wrist)
    k = j
    while SMPLX_PARENTS[k] >= 0:
        if any(SMPLX_JOINT_NAMES[k] == f"{side}_{r}" for r in _LIMB_ROOTS):
            return tuple(_subtree(k))
        k = SMPLX_PARENTS[k]
    return (j,)  # eyes: a paired joint with no limb


def _index(joint: str | int) -> int:
    if isinstance(joint, str):
        if joint not in SMPLX_JOINT_INDEX:
            raise InputError(f"unknown joint name {joint!r}")
        return SMPLX_JOINT_INDEX[joint]
    j = int(joint)
    if not 0 <= j < len(SMPLX_JOINT_NAMES):
        raise InputError(f"joint index must be 0..54, got {joint!r}")
    return j


def mirror_limb(pose, joint: str | int) -> np.ndarray:
    """Copy the limb of ``joint`` onto the other side, mirrored (the "mirror arm" action).

    The twin limb takes the reflected rotations of the selected limb, so its posed joints are the
    reflection of the selected limb's (about the body's own mid-plane, on a symmetric rig with
    a mirror-symmetric trunk); the selected limb itself is unchanged. A central joint has no twin:
    its own rotation is reflected (a head turned left turns right).

    Returns a new (55, 3) float64 pose.
    """
    out = _pose55(pose)
    rows = list(limb_joints(joint))
    twins = MIRROR_PERMUTATION[rows]
    out[twins] = mirror_rotations(out[rows])
    return out
