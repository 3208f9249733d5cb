"""Between the timeline and the animation model: the frame's pose written into the scene, and
the key edits (set / delete / move, frame rate and play range) built from the timeline's terms
(a person, a time, a pose, the joints in scope)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from posestudio.anim import Animation, CameraKey, PoseKey
from posestudio.anim.evaluate import evaluate_camera, evaluate_track
from posestudio.scene.edits import Change, DeleteKey, Edit, MoveKey, SetAnimation, SetKey
from posestudio.scene.model import Scene

DEFAULT_FPS = 30.0


def pose_at(track: list[PoseKey], time: float) -> tuple[np.ndarray, np.ndarray]:
    """Pose (55, 3) axis-angle and translation (3,) metres of a non-empty track at ``time`` s."""
    return evaluate_track(track, time)


def write_frame(scene: Scene, time: float) -> tuple[Change, ...]:
    """Put the animation at ``time`` seconds into ``scene``'s keyed people and camera.

    Returns what changed (nothing for a still scene or when the scene already shows that time).
    People without keys keep their pose; a scene whose tracks are not parallel to its people
    (mid-way through an edit) is left alone.
    """
    anim: Animation | None = scene.animation
    if anim is None or len(anim.tracks) != len(scene.people):
        return ()
    changes: list[Change] = []
    for i, (person, track) in enumerate(zip(scene.people, anim.tracks)):
        if not track:
            continue
        pose, transl = evaluate_track(track, time)
        if not (np.array_equal(pose, person.pose) and np.array_equal(transl, person.transl)):
            person.pose, person.transl = pose, transl
            changes.append(Change("person", i, ("pose", "transl")))
    if anim.camera_keys:
        camera = evaluate_camera(anim.camera_keys, time)
        if camera != scene.camera:
            scene.camera = camera
            changes.append(Change("camera"))
    return tuple(changes)


def _track(scene: Scene, person: int) -> list[PoseKey]:
    anim = scene.animation
    if anim is None or not 0 <= person < len(anim.tracks):
        return []
    return anim.tracks[person]


def key_edit(scene: Scene, person: int, time: float, pose: np.ndarray, transl: np.ndarray,
             joints: Sequence[int] | None = None, text: str = "Key") -> Edit:
    """The edit that keys ``person`` at ``time`` seconds.

    Parameters
    ----------
    pose : (55, 3) axis-angle radians; transl : (3,) metres.
    joints : joint indices, or None for the whole body. With joints, only their rotations come
        from ``pose``; the other joints (and the translation, unless the pelvis is among them)
        keep what the animation has at ``time``. A key already at ``time`` is replaced and keeps
        its interpolation.
    """
    track = _track(scene, person)
    pose = np.array(pose, dtype=np.float64)
    transl = np.array(transl, dtype=np.float64)
    if joints is not None and track:
        base_pose, base_transl = evaluate_track(track, time)
        mask = np.zeros(len(base_pose), bool)
        mask[list(joints)] = True
        pose = np.where(mask[:, None], pose, base_pose)
        if 0 not in joints:
            transl = base_transl
    interp = next((k.interp for k in track if abs(k.time - time) < 1e-9), "smooth")
    return SetKey(person, PoseKey(time, pose, transl, interp), text=text)


def camera_key_edit(scene: Scene, time: float, text: str = "Key camera") -> Edit:
    """The edit that keys the scene camera as it is at ``time`` seconds (replacing a camera key
    there and keeping its interpolation)."""
    keys = scene.animation.camera_keys if scene.animation is not None else []
    interp = next((k.interp for k in keys if abs(k.time - time) < 1e-9), "smooth")
    return SetKey(None, CameraKey(time, dataclasses.replace(scene.camera), interp), text=text)


def interp_edit(person: int, key: PoseKey, interp: str, text: str = "Interpolation") -> Edit:
    """The edit that gives ``person``'s ``key`` another interpolation (same time and pose)."""
    return SetKey(person, dataclasses.replace(key, interp=interp), text=text)


def delete_key_edit(scene: Scene, person: int, time: float, text: str = "Delete key") -> Edit:
    return DeleteKey.from_scene(scene, person, time, text=text)


def move_key_edit(scene: Scene, person: int, old_time: float, new_time: float,
                  text: str = "Move key") -> Edit:
    return MoveKey.from_scene(scene, person, old_time, new_time, text=text)


def animation_settings_edit(scene: Scene, **fields) -> Edit:
    """Change the animation's ``fps``, ``start`` or ``end`` (one undo step); keys stay at their
    times in seconds."""
    return SetAnimation.from_scene(scene, dataclasses.replace(scene.animation, **fields))
