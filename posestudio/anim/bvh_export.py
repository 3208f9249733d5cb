"""BVH export of an animated (or still) scene's person on the mannequin skeleton.

The skeleton is the person's body model at its shape (``BodyModel.rest_joints(betas)``): all 55
SMPL-X joints with their SMPL-X names, the pelvis as ROOT with position channels, rest frames
world-aligned (Y up, facing +Z, T-pose), offsets in centimetres (or metres) and rotations in
degrees in the chosen channel order. Leaves get an end site half a bone long. Frames are the
scene's timeline at its fps (:func:`posestudio.anim.frame_times`). :func:`load_bvh` of the
result and :func:`~posestudio.anim.bvh_import.import_bvh` give the same rotations back.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable

import numpy as np

from posestudio.anim.evaluate import evaluate_track, frame_times
from posestudio.errors import Cancelled, InputError
from posestudio.rotations import axis_angle_to_matrix, matrix_to_euler
from posestudio.skeletons import SMPLX_JOINT_NAMES, SMPLX_PARENTS

__all__ = ["bvh_text", "save_bvh", "UNITS"]

UNITS = {"cm": 100.0, "m": 1.0}  # file units per metre


def _person_frames(scene, person: int, fps: float | None) -> tuple[np.ndarray, np.ndarray, float]:
    """Poses (T, 55, 3) and translations (T, 3) of one person at the timeline's frames."""
    animation = scene.animation
    rate = float(fps) if fps is not None else (animation.fps if animation is not None else 30.0)
    times = frame_times(scene, rate)
    track = animation.tracks[person] if animation is not None and person < len(animation.tracks) else []
    who = scene.people[person]
    if not track:
        return (np.broadcast_to(who.pose, (len(times), 55, 3)).copy(),
                np.broadcast_to(who.transl, (len(times), 3)).copy(), rate)
    poses = np.empty((len(times), 55, 3))
    transl = np.empty((len(times), 3))
    for i, t in enumerate(times):
        poses[i], transl[i] = evaluate_track(track, float(t))
    return poses, transl, rate


def bvh_text(scene, person: int = 0, *, fps: float | None = None, units: str = "cm",
             order: str = "ZXY", body=None,
             progress: Callable[[float, str], None] | None = None,
             cancelled: Callable[[], bool] | None = None) -> str:
    """The BVH text of ``scene.people[person]``'s motion.

    Parameters
    ----------
    person : int
        0-based.
    fps : float or None
        Frame rate (default the animation's; a still scene gives one frame).
    units : "cm" or "m"
        Unit of offsets and root positions.
    order : str
        Rotation channel order, e.g. ``"ZXY"`` (the usual mocap order) or ``"XYZ"``.

    Raises
    ------
    InputError
        Bad person index, units or order.
    """
    from posestudio.body import load_body_model

    if not 0 <= person < len(scene.people):
        raise InputError(f"--person {person}: the scene has {len(scene.people)} people (0-based index)")
    if units not in UNITS:
        raise InputError(f"BVH units must be one of {', '.join(UNITS)}, got {units!r}")
    order = str(order).upper()
    if sorted(order) != ["X", "Y", "Z"]:
        raise InputError(f"BVH rotation order must be a permutation of XYZ, got {order!r}")
    who = scene.people[person]
    body = body or load_body_model(who.rig)
    rest = body.rest_joints(who.betas).astype(np.float64)
    scale = UNITS[units]
    poses, transl, rate = _person_frames(scene, person, fps)
    out = io.StringIO()
    out.write("HIERARCHY\n")
    children = {j: [c for c, p in enumerate(SMPLX_PARENTS) if p == j] for j in range(len(SMPLX_PARENTS))}
    rot_channels = " ".join(f"{a}rotation" for a in order)

    def write(j: int, depth: int) -> None:
        pad = "  " * depth
        p = SMPLX_PARENTS[j]
        offset = (rest[j] - (rest[p] if p >= 0 else 0.0)) * scale
        out.write(f"{pad}{'ROOT' if p < 0 else 'JOINT'} {SMPLX_JOINT_NAMES[j]}\n{pad}{{\n")
        out.write(f"{pad}  OFFSET {offset[0]:.6f} {offset[1]:.6f} {offset[2]:.6f}\n")
        if p < 0:
            out.write(f"{pad}  CHANNELS 6 Xposition Yposition Zposition {rot_channels}\n")
        else:
            out.write(f"{pad}  CHANNELS 3 {rot_channels}\n")
        for c in children[j]:
            write(c, depth + 1)
        if not children[j]:
            tip = 0.5 * (rest[j] - rest[p]) * scale if p >= 0 else np.array([0.0, 0.1 * scale, 0.0])
            out.write(f"{pad}  End Site\n{pad}  {{\n{pad}    OFFSET {tip[0]:.6f} {tip[1]:.6f} "
                      f"{tip[2]:.6f}\n{pad}  }}\n")
        out.write(f"{pad}}}\n")

    write(0, 0)
    # file order of the joints (depth first, as written) → their channels per frame
    file_order: list[int] = []

    def visit(j: int) -> None:
        file_order.append(j)
        for c in children[j]:
            visit(c)

    visit(0)
    out.write(f"MOTION\nFrames: {len(poses)}\nFrame Time: {1.0 / rate:.8f}\n")
    chunk = 2000
    for begin in range(0, len(poses), chunk):
        if cancelled is not None and cancelled():
            raise Cancelled("BVH export cancelled")
        if progress is not None:
            progress(begin / max(len(poses), 1), "writing frames")
        block = poses[begin:begin + chunk][:, file_order]
        euler = np.degrees(matrix_to_euler(axis_angle_to_matrix(block), order))
        root = (transl[begin:begin + chunk] + rest[0]) * scale
        values = np.concatenate([root, euler.reshape(len(block), -1)], axis=1)
        np.savetxt(out, values, fmt="%.6f")
    if progress is not None:
        progress(1.0, "done")
    return out.getvalue()


def save_bvh(scene, path: str | os.PathLike, person: int = 0, **options) -> None:
    """Write :func:`bvh_text` to ``path`` atomically (nothing is left behind on failure)."""
    from posestudio.export.atomic import check_writable_file, write_file_atomic

    text = bvh_text(scene, person, **options)
    write_file_atomic(check_writable_file(path), text)
