"""A BVH clip onto the mannequin: rest-pose alignment, joint rotations, root path, frame rate.

Rotations go through world orientations, so a BVH skeleton with more or fewer joints than the
mannequin still drives it: for each mapped SMPL-X joint ``s`` (BVH joint ``b``) the mannequin's
world orientation is ``G_s(t) = Wᵀ · G_b(t) · A_s``:

* ``W`` turns the mannequin's world into the clip's (an axis permutation: the clip's up and
  left axes, from its rest pose's spine and hips), so Z-up clips and clips facing along another
  axis come out upright and facing +Z;
* ``A_s`` is the rest-pose alignment: the smallest rotation taking the mannequin's rest bone
  direction at ``s`` (towards its main child) onto the clip's rest bone direction at ``b``. A
  T-pose clip gives ``A_s ≈ W``; an A-pose clip bends the mannequin's arms into its A-pose at
  rest, so the motion means the same on both.

Unmapped SMPL-X joints keep their parent's orientation (their local rotation is zero), and the
rotation of an unmapped BVH joint reaches the mannequin through the mapped joints below it. The
root path is the clip's pelvis path in metres, scaled by the ratio of the mannequin's leg length
to the clip's (Everybody Dance Now's global normalisation), with the lowest foot point of the clip
put on the floor (y = 0).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from posestudio.anim.bvh import BvhClip, load_bvh
from posestudio.anim.bvh_map import auto_map, check_map
from posestudio.errors import Cancelled, ImportFormatError, InputError
from posestudio.rotations import (
    axis_angle_to_quaternion, matrix_to_axis_angle, quaternion_slerp, quaternion_to_axis_angle,
    rotation_between,
)
from posestudio.skeletons import SMPLX_JOINT_INDEX, SMPLX_JOINT_NAMES, SMPLX_PARENTS

__all__ = ["clip_to_smplx", "resample", "import_bvh", "leg_length", "main_child"]

ProgressFn = Callable[[float, str], None]

# For joints with several children: the child that gives the bone direction.
_MAIN_CHILD = {"pelvis": "spine1", "spine3": "neck", "head": None, "left_wrist": "left_middle1",
               "right_wrist": "right_middle1", "neck": "head"}
_FEET = ("left_ankle", "right_ankle", "left_foot", "right_foot")


def main_child(joint: int) -> int | None:
    """The SMPL-X child whose direction is ``joint``'s bone (None for a leaf)."""
    name = SMPLX_JOINT_NAMES[joint]
    if name in _MAIN_CHILD:
        child = _MAIN_CHILD[name]
        return None if child is None else SMPLX_JOINT_INDEX[child]
    children = [c for c, p in enumerate(SMPLX_PARENTS) if p == joint]
    return children[0] if children else None


def leg_length(points: np.ndarray, index: dict[str, int]) -> float | None:
    """Hip→knee→ankle length (mean of both legs that are present), or None."""
    lengths = []
    for side in ("left", "right"):
        names = [f"{side}_hip", f"{side}_knee", f"{side}_ankle"]
        if all(n in index for n in names):
            p = [points[index[n]] for n in names]
            lengths.append(np.linalg.norm(p[1] - p[0]) + np.linalg.norm(p[2] - p[1]))
    return float(np.mean(lengths)) if lengths else None


def _nearest_axis(v: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
    """The signed coordinate axis closest to ``v`` (not parallel to ``exclude``)."""
    scores = np.abs(v).copy()
    if exclude is not None:
        scores[np.argmax(np.abs(exclude))] = -1.0
    k = int(np.argmax(scores))
    axis = np.zeros(3)
    axis[k] = 1.0 if v[k] >= 0 else -1.0
    return axis


def _world_alignment(rest_b: np.ndarray, to_b: dict[int, int]) -> np.ndarray:
    """W: mannequin world (Y up, +X = the figure's left) → clip world.

    BVH worlds are axis-aligned, so the clip's up axis is the coordinate axis nearest its
    pelvis→(neck|spine3|head) direction and its left axis the one nearest right hip → left hip;
    W is then an exact axis permutation and the clip's own leaning and facing come through
    unchanged. Identity when those joints are not mapped.
    """
    pelvis = SMPLX_JOINT_INDEX["pelvis"]
    top = next((SMPLX_JOINT_INDEX[n] for n in ("neck", "spine3", "head", "spine2")
                if SMPLX_JOINT_INDEX[n] in to_b), None)
    hips = [SMPLX_JOINT_INDEX["left_hip"], SMPLX_JOINT_INDEX["right_hip"]]
    if pelvis not in to_b or top is None or not all(h in to_b for h in hips):
        return np.eye(3)
    up = rest_b[to_b[top]] - rest_b[to_b[pelvis]]
    left = rest_b[to_b[hips[0]]] - rest_b[to_b[hips[1]]]
    if np.linalg.norm(up) < 1e-9 or np.linalg.norm(left) < 1e-9:
        return np.eye(3)
    up_axis = _nearest_axis(up)
    left_axis = _nearest_axis(left, exclude=up_axis)
    return np.stack([left_axis, up_axis, np.cross(left_axis, up_axis)], axis=1)


def _bone_pair(s: int, rest_m: np.ndarray, clip_points: np.ndarray, clip: BvhClip,
               to_b: dict[int, int]) -> tuple[np.ndarray, np.ndarray] | None:
    """The rest bone direction at SMPL-X joint ``s`` on the mannequin and on the clip."""
    b = to_b[s]
    c = main_child(s)
    if c is not None and c in to_b:
        pair = rest_m[c] - rest_m[s], clip_points[to_b[c]] - clip_points[b]
        if min(np.linalg.norm(pair[0]), np.linalg.norm(pair[1])) > 1e-6:
            return pair
    children_b = [j for j, p in enumerate(clip.parents) if p == b]
    if c is not None:  # the clip's own single child or end site stands for the bone
        tip = None
        if len(children_b) == 1:
            tip = clip_points[children_b[0]] - clip_points[b]
        elif not children_b and b in clip.end_sites:
            tip = clip.end_sites[b] * clip.unit_scale
        if tip is not None and np.linalg.norm(tip) > 1e-6 and np.linalg.norm(rest_m[c] - rest_m[s]) > 1e-6:
            return rest_m[c] - rest_m[s], tip
    p = SMPLX_PARENTS[s]
    if p >= 0 and p in to_b:  # a leaf: the bone that ends here
        pair = rest_m[s] - rest_m[p], clip_points[b] - clip_points[to_b[p]]
        if min(np.linalg.norm(pair[0]), np.linalg.norm(pair[1])) > 1e-6:
            return pair
    return None


def clip_to_smplx(clip: BvhClip, rest_joints: np.ndarray, joint_map: dict[str, str],
                  frames: slice = slice(None)) -> tuple[np.ndarray, np.ndarray]:
    """The clip's frames as mannequin poses.

    Parameters
    ----------
    clip : BvhClip
    rest_joints : (55, 3) float
        The mannequin's rest joints (``BodyModel.rest_joints(betas)``), metres.
    joint_map : dict
        BVH joint name → SMPL-X joint name.
    frames : slice
        Which source frames.

    Returns
    -------
    poses : (T, 55, 3) float64
        Axis-angle radians, SMPL-X order.
    pelvis : (T, 3) float64
        The clip's pelvis path in metres, mannequin world axes (not yet scaled to the mannequin).
    """
    index = {n: i for i, n in enumerate(clip.names)}
    to_b = {SMPLX_JOINT_INDEX[s]: index[b] for b, s in joint_map.items() if b in index}
    if SMPLX_JOINT_INDEX["pelvis"] not in to_b:
        raise ImportFormatError("the BVH joint map has no pelvis (hips) joint; map one to 'pelvis'")
    rest_m = np.asarray(rest_joints, dtype=np.float64)
    clip_points = clip.rest_positions() * clip.unit_scale
    w = _world_alignment(clip_points, to_b)
    align: dict[int, np.ndarray] = {}
    for s in to_b:
        pair = _bone_pair(s, rest_m, clip_points, clip, to_b)
        align[s] = w if pair is None else rotation_between(w @ pair[0], pair[1]) @ w
    sub = BvhClip(clip.names, clip.parents, clip.offsets, clip.channels, clip.end_sites,
                  clip.frame_time, clip.motion[frames], clip.unit_scale, clip.units)
    g_b, p_b = sub.global_transforms()
    t = sub.num_frames
    globals_ = np.empty((t, len(SMPLX_PARENTS), 3, 3))
    local = np.empty_like(globals_)
    for s, p in enumerate(SMPLX_PARENTS):
        parent = globals_[:, p] if p >= 0 else np.broadcast_to(np.eye(3), (t, 3, 3))
        if s in to_b:
            globals_[:, s] = w.T @ g_b[:, to_b[s]] @ align[s]
            local[:, s] = np.swapaxes(parent, -1, -2) @ globals_[:, s]
        else:
            globals_[:, s] = parent
            local[:, s] = np.eye(3)
    pelvis = p_b[:, to_b[SMPLX_JOINT_INDEX["pelvis"]]] * clip.unit_scale @ w  # row-vector Wᵀ·p
    return matrix_to_axis_angle(local), pelvis


def resample(poses: np.ndarray, transl: np.ndarray, fps_in: float,
             fps_out: float) -> tuple[np.ndarray, np.ndarray]:
    """Resample a pose sequence to another frame rate (rotations by slerp, translation lerp).

    ``poses`` (T, J, 3) axis-angle, ``transl`` (T, 3); returns the frames at ``i / fps_out`` for
    every ``i`` whose time is within the clip (the first frame kept, the last one when it falls
    on an output frame).
    """
    count = len(poses)
    if count == 0 or abs(fps_in - fps_out) < 1e-9:
        return poses.copy(), transl.copy()
    duration = (count - 1) / fps_in
    times = np.arange(int(np.floor(duration * fps_out + 1e-6)) + 1) / fps_out
    pos = times * fps_in
    i0 = np.minimum(np.floor(pos).astype(int), count - 1)
    i1 = np.minimum(i0 + 1, count - 1)
    u = pos - i0
    q = axis_angle_to_quaternion(poses)
    out = quaternion_to_axis_angle(quaternion_slerp(q[i0], q[i1], u[:, None]))
    return out, transl[i0] * (1 - u[:, None]) + transl[i1] * u[:, None]


def _check_range(start: int | None, end: int | None, count: int) -> slice:
    if count == 0:
        raise ImportFormatError("the clip has no frames (Frames: 0)")
    first = 0 if start is None else int(start)
    stop = count if end is None else int(end)
    if not 0 <= first < stop <= count:
        raise InputError(f"frame range {first}:{stop} is outside the clip's {count} frames")
    return slice(first, stop)


def import_bvh(source: str | os.PathLike | BvhClip, *, fps: float | None = None,
               start: int | None = None, end: int | None = None,
               joint_map: dict[str, str] | None = None, body=None, ground: bool = True,
               canvas=None, progress: ProgressFn | None = None, cancelled: Callable[[], bool] | None = None):
    """A BVH clip as an animated scene with one mannequin performing it.

    Parameters
    ----------
    source : path or BvhClip
    fps : float or None
        Frame rate of the scene (default the clip's); the motion is resampled (slerp).
    start, end : int or None
        Source frames ``start .. end-1`` (default all).
    joint_map : dict or None
        BVH joint name → SMPL-X joint name; default :func:`~posestudio.anim.bvh_map.auto_map`.
        Saved with the scene as ``Animation.bvh_map``.
    body : BodyModel or None
        Default the bundled mannequin.
    ground : bool
        Put the lowest foot point of the clip on the floor (default); False keeps the clip's own
        height (scaled like the root path).
    canvas : Canvas or None
        The new scene's canvas (the camera frames the motion for it).

    Returns
    -------
    Scene
        One person (frame 0's pose), dense ``linear`` keys at ``fps``, a camera that frames the
        motion.

    Raises
    ------
    ImportFormatError, InputError, Cancelled
    """
    from posestudio.anim.build import animation_from_samples
    from posestudio.anim.retarget import ground_transl
    from posestudio.body import load_body_model
    from posestudio.scene.model import Person, Scene

    def step(fraction: float, message: str) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled("BVH import cancelled")
        if progress is not None:
            progress(fraction, message)

    step(0.0, "reading the clip")
    clip = source if isinstance(source, BvhClip) else load_bvh(source)
    name = "Clip" if isinstance(source, BvhClip) else Path(source).stem
    if fps is not None and not (0 < float(fps) <= 1000):
        raise InputError(f"fps must be a number from 0 to 1000, got {fps!r}")
    where = name if isinstance(source, BvhClip) else str(source)
    try:
        frames = _check_range(start, end, clip.num_frames)
    except ImportFormatError as exc:
        raise ImportFormatError(f"{where}: {exc}") from None
    mapping = auto_map(clip.names, clip.parents) if joint_map is None else check_map(joint_map, clip.names)
    body = body or load_body_model("mannequin")
    person = Person(name=name)
    rest = body.rest_joints(person.betas)
    step(0.2, "mapping the joints")
    try:
        poses, pelvis = clip_to_smplx(clip, rest, mapping, frames)
    except ImportFormatError as exc:
        raise ImportFormatError(f"{where}: {exc}") from None
    index = {s: SMPLX_JOINT_INDEX[s] for s in SMPLX_JOINT_INDEX}
    clip_points = clip.rest_positions() * clip.unit_scale
    by_name = {s: clip_points[clip.names.index(b)] for b, s in mapping.items()}
    leg_clip = leg_length(np.array(list(by_name.values())), {s: i for i, s in enumerate(by_name)})
    leg_body = leg_length(rest, index)
    ratio = leg_body / leg_clip if leg_clip and leg_body else 1.0
    transl = pelvis * ratio - rest[0]
    step(0.6, "resampling")
    rate = clip.fps if fps is None else float(fps)
    poses, transl = resample(poses, transl, clip.fps, rate)
    if ground:
        transl = ground_transl(poses, transl, body, person.betas)
    step(0.8, "building the scene")
    animation = animation_from_samples([poses], [transl], rate)
    animation.bvh_map = dict(mapping)
    person.pose, person.transl = poses[0].copy(), transl[0].copy()
    scene = Scene(people=[person], animation=animation)
    if canvas is not None:
        scene.canvas = canvas
    scene.camera = _framing(scene, body, poses, transl)
    step(1.0, "done")
    return scene


def _framing(scene, body, poses: np.ndarray, transl: np.ndarray):
    """A front camera that keeps the whole motion in view."""
    from posestudio.camera import frame_points
    from posestudio.kinematics.fk import chain_transforms
    from posestudio.rotations import axis_angle_to_matrix

    pick = np.unique(np.linspace(0, len(poses) - 1, min(len(poses), 60)).astype(int))
    rest = body.rest_joints(scene.people[0].betas)
    _, joints = chain_transforms(axis_angle_to_matrix(poses[pick]), rest, SMPLX_PARENTS)
    points = (joints + transl[pick, None, :]).reshape(-1, 3)
    head_room = np.array([[0.0, 0.25, 0.0]])
    points = np.vstack([points, points.min(0, keepdims=True), points.max(0, keepdims=True) + head_room])
    return frame_points(scene.camera, scene.canvas, points)
