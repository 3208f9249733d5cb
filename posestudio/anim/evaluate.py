"""Evaluate an animated scene at a time: a pure function of the keys.

Rotations blend on the sphere: each joint's axis-angle becomes a unit quaternion and keys are
joined by slerp (``linear``, ``ease``) or squad (``smooth``), never by lerping axis-angle
vectors. Translations and camera numbers use the matching scalar curves (lerp, eased lerp,
Catmull-Rom/Hermite). Before the first key a track holds its first key, after the last its last.
"""

from __future__ import annotations

import bisect
import dataclasses
import math

import numpy as np

from posestudio.anim.model import Animation, CameraKey, PoseKey
from posestudio.errors import InputError
from posestudio.rotations import (
    axis_angle_to_quaternion, quaternion_slerp, quaternion_squad, quaternion_to_axis_angle,
)
from posestudio.scene.model import Camera, Scene

__all__ = ["scene_at", "frame_times", "evaluate_track", "evaluate_camera", "ease"]

_CAMERA_NUMBERS = ("yaw_deg", "pitch_deg", "distance", "fov_y_deg", "roll_deg", "znear", "zfar")


def ease(u: float) -> float:
    """Ease-in/out curve ``3u² - 2u³`` on [0, 1]: speed 0 at both ends, so an eased clip's speed
    is continuous across keys."""
    return u * u * (3.0 - 2.0 * u)


def _locate(keys: list, time: float) -> tuple[int, float]:
    """Index ``i`` of the segment keys[i] → keys[i+1] holding ``time`` and the fraction ``u``;
    ``i = -1`` before the first key, ``i = len - 1`` at or after the last."""
    i = bisect.bisect_right(keys, time, key=lambda k: k.time) - 1
    if i < 0 or i >= len(keys) - 1:
        return i, 0.0
    t0, t1 = keys[i].time, keys[i + 1].time
    return i, min(max((time - t0) / (t1 - t0), 0.0), 1.0)


def _hermite(times: tuple[float, float, float, float], values: np.ndarray, u: float) -> np.ndarray:
    """Catmull-Rom-style cubic through values[1] (u=0) and values[2] (u=1).

    ``values`` (4, ...) are the previous, both segment keys and the next; tangents are central
    differences in time (one-sided at the ends of a track), so the curve is C¹ across keys.
    """
    tp, t0, t1, tn = times
    h = t1 - t0
    m0 = (values[2] - values[0]) / (t1 - tp) if t1 > tp else np.zeros_like(values[1])
    m1 = (values[3] - values[1]) / (tn - t0) if tn > t0 else np.zeros_like(values[1])
    u2, u3 = u * u, u * u * u
    return ((2 * u3 - 3 * u2 + 1) * values[1] + (u3 - 2 * u2 + u) * h * m0
            + (-2 * u3 + 3 * u2) * values[2] + (u3 - u2) * h * m1)


def _neighbours(keys: list, i: int) -> tuple[object, object, object, object]:
    prev = keys[i - 1] if i > 0 else keys[i]
    nxt = keys[i + 2] if i + 2 < len(keys) else keys[i + 1]
    return prev, keys[i], keys[i + 1], nxt


def _blend_numbers(keys: list, i: int, u: float, values) -> np.ndarray:
    """Scalar/vector value between keys[i] and keys[i+1]; ``values(key)`` reads a key's array."""
    k0, k1 = keys[i], keys[i + 1]
    mode = k0.interp
    if mode == "hold":
        return values(k0)
    if mode == "smooth":
        quad = _neighbours(keys, i)
        times = tuple(k.time for k in quad)
        if quad[0] is k0:
            times = (k0.time - (k1.time - k0.time),) + times[1:]
        if quad[3] is k1:
            times = times[:3] + (k1.time + (k1.time - k0.time),)
        return _hermite(times, np.stack([values(k) for k in quad]), u)
    s = ease(u) if mode == "ease" else u
    return (1.0 - s) * values(k0) + s * values(k1)


def evaluate_track(track: list[PoseKey], time: float) -> tuple[np.ndarray, np.ndarray]:
    """Pose (55, 3) axis-angle radians and translation (3,) metres of one person's keys at
    ``time`` seconds. ``track`` must not be empty."""
    if not track:
        raise InputError("an empty track has no value; the person holds its own pose")
    i, u = _locate(track, time)
    if i < 0 or i >= len(track) - 1:
        key = track[max(i, 0)]
        return key.pose.copy(), key.transl.copy()
    k0, k1 = track[i], track[i + 1]
    mode = k0.interp
    transl = _blend_numbers(track, i, u, lambda k: k.transl)
    if mode == "hold":
        return k0.pose.copy(), transl
    if mode == "smooth":
        quad = _neighbours(track, i)
        q = axis_angle_to_quaternion(np.stack([k.pose for k in quad]))
        rot = quaternion_squad(q[0], q[1], q[2], q[3], u)
    else:
        q = axis_angle_to_quaternion(np.stack([k0.pose, k1.pose]))
        rot = quaternion_slerp(q[0], q[1], ease(u) if mode == "ease" else u)
    return quaternion_to_axis_angle(rot), transl


def _camera_numbers(key: CameraKey) -> np.ndarray:
    cam = key.camera
    return np.array([getattr(cam, n) for n in _CAMERA_NUMBERS] + list(cam.target))


def evaluate_camera(keys: list[CameraKey], time: float) -> Camera:
    """The camera of ``keys`` at ``time`` seconds (each number on its own curve; values an
    overshooting spline would push out of range are clamped to what :class:`Camera` accepts)."""
    i, u = _locate(keys, time)
    if i < 0 or i >= len(keys) - 1:
        return dataclasses.replace(keys[max(i, 0)].camera)
    v = _blend_numbers(keys, i, u, _camera_numbers)
    fields = dict(zip(_CAMERA_NUMBERS, v[:7].tolist()))
    fields["pitch_deg"] = min(max(fields["pitch_deg"], -89.9), 89.9)
    fields["fov_y_deg"] = min(max(fields["fov_y_deg"], 1.0), 170.0)
    fields["distance"] = max(fields["distance"], 1e-3)
    fields["znear"] = max(fields["znear"], 1e-4)
    fields["zfar"] = max(fields["zfar"], fields["znear"] * 1.001)
    return Camera(target=tuple(v[7:].tolist()), **fields)


def scene_at(scene: Scene, time: float) -> Scene:
    """A still copy of ``scene`` (``animation=None``) at ``time`` seconds.

    Every person with keys takes the pose/translation of its track, the camera that of the
    camera keys; people without keys keep their own pose. A scene without animation returns a
    copy of itself.

    Raises
    ------
    InputError
        ``time`` is not a finite number, or the tracks are not parallel to the people.
    """
    time = float(time)
    if not math.isfinite(time):
        raise InputError(f"time must be a finite number of seconds, got {time!r}")
    animation: Animation | None = scene.animation
    out = dataclasses.replace(scene, animation=None).copy()
    if animation is None:
        return out
    if len(animation.tracks) != len(out.people):
        raise InputError(f"the animation has {len(animation.tracks)} tracks for "
                         f"{len(out.people)} people; they must be parallel")
    for person, track in zip(out.people, animation.tracks):
        if track:
            person.pose, person.transl = evaluate_track(track, time)
    if animation.camera_keys:
        out.camera = evaluate_camera(animation.camera_keys, time)
    return out


def frame_times(scene: Scene, fps: float | None = None, start: int | None = None,
                end: int | None = None) -> np.ndarray:
    """Times (seconds, (N,) float64) of output frames ``start .. end-1``.

    Parameters
    ----------
    fps : float or None
        Output frame rate; default the animation's.
    start, end : int or None
        Frame indices at ``fps``; by default the animation's play range, the frame at its end
        (the last key) included. A still scene gives ``[0.0]``.

    Raises
    ------
    InputError
        ``fps`` not > 0, or an empty/negative frame range.
    """
    animation: Animation | None = scene.animation
    if animation is None:
        return np.zeros(1)
    rate = animation.fps if fps is None else float(fps)
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(f"fps must be a number > 0, got {fps!r}")
    first = int(math.ceil(animation.start * rate - 1e-9)) if start is None else int(start)
    stop = int(math.floor(animation.duration() * rate + 1e-9)) + 1 if end is None else int(end)
    if first < 0 or stop <= first:
        raise InputError(f"frame range {first}:{stop} is empty or negative at {rate:g} fps")
    return np.arange(first, stop, dtype=np.float64) / rate
