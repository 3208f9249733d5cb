"""Keyframes as plain, validated data: pose keys per person, camera keys, frame rate, loop range.

A key holds a time (seconds on the scene's timeline), a value and how to go from it to the next
key (``interp``); evaluation at a time is a pure function of the keys
(:mod:`posestudio.anim.evaluate`). No I/O, no Qt; the scene file reads and writes this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from posestudio.errors import InputError
from posestudio.scene.model import NUM_JOINTS, Camera, checked_array

__all__ = ["INTERPOLATIONS", "MAX_FPS", "PoseKey", "CameraKey", "Animation"]

#: Per key: how to go from this key to the next. ``hold`` keeps the value until the next key,
#: ``linear`` slerps at constant speed, ``ease`` slerps with an ease-in/out curve (speed 0 at both
#: keys), ``smooth`` follows a spline through the neighbouring keys (squad / Catmull-Rom).
INTERPOLATIONS: tuple[str, ...] = ("hold", "linear", "ease", "smooth")
MAX_FPS = 1000.0


def _time(name: str, value) -> float:
    if isinstance(value, bool):
        raise InputError(f"{name} must be a number of seconds, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number of seconds, got {value!r}") from None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
    return value


def _interp(name: str, value) -> str:
    if value not in INTERPOLATIONS:
        raise InputError(f"{name} must be one of {', '.join(INTERPOLATIONS)}, got {value!r}")
    return value


@dataclass
class PoseKey:
    """One key of one person.

    Attributes
    ----------
    time : float
        Seconds from the start of the timeline, >= 0.
    pose : (55, 3) float64
        Axis-angle radians, SMPL-X order (like ``Person.pose``).
    transl : (3,) float64
        Metres (like ``Person.transl``).
    interp : str
        One of :data:`INTERPOLATIONS`: how to go from this key to the next.
    """

    time: float
    pose: np.ndarray
    transl: np.ndarray = field(default_factory=lambda: np.zeros(3))
    interp: str = "smooth"

    def __post_init__(self) -> None:
        self.time = _time("key time", self.time)
        self.pose = checked_array("key pose", self.pose, (NUM_JOINTS, 3))
        self.transl = checked_array("key transl", self.transl, (3,))
        self.interp = _interp("key interp", self.interp)

    def copy(self) -> PoseKey:
        return PoseKey(self.time, self.pose.copy(), self.transl.copy(), self.interp)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PoseKey):
            return NotImplemented
        return (self.time == other.time and self.interp == other.interp
                and np.array_equal(self.pose, other.pose) and np.array_equal(self.transl, other.transl))


@dataclass
class CameraKey:
    """One key of the scene camera (time in seconds, a :class:`Camera`, interpolation)."""

    time: float
    camera: Camera
    interp: str = "smooth"

    def __post_init__(self) -> None:
        self.time = _time("camera key time", self.time)
        if not isinstance(self.camera, Camera):
            raise InputError(f"camera key camera must be a Camera, got {type(self.camera).__name__}")
        self.interp = _interp("camera key interp", self.interp)

    def copy(self) -> CameraKey:
        return CameraKey(self.time, Camera(**vars(self.camera)), self.interp)


def _check_order(name: str, keys: list) -> None:
    for i in range(1, len(keys)):
        if not keys[i].time > keys[i - 1].time:
            raise InputError(f"{name}[{i}] time {keys[i].time} must be later than the key before "
                             f"({keys[i - 1].time}); keys are in time order, one per time")


@dataclass
class Animation:
    """The scene's timeline: ``Scene.animation`` is one of these or None (a still scene).

    Attributes
    ----------
    fps : float
        Frame rate of the timeline; frame ``i`` is at ``t = i / fps`` seconds.
    tracks : list of list of PoseKey
        One key list per person, **parallel to** ``scene.people``; an empty list means that
        person holds its ``Person.pose``/``transl``. Keys in strictly increasing time.
    camera_keys : list of CameraKey
        Empty = the fixed ``scene.camera``.
    start, end : float, float or None
        Play/loop range in seconds; ``end`` None = the time of the last key.
    bvh_map : dict or None
        BVH joint name → SMPL-X joint name of an imported clip (editable, saved with the scene).
    """

    fps: float = 30.0
    tracks: list[list[PoseKey]] = field(default_factory=list)
    camera_keys: list[CameraKey] = field(default_factory=list)
    start: float = 0.0
    end: float | None = None
    bvh_map: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.fps, bool):
            raise InputError(f"animation fps must be a number, got {self.fps!r}")
        try:
            self.fps = float(self.fps)
        except (TypeError, ValueError):
            raise InputError(f"animation fps must be a number, got {self.fps!r}") from None
        if not (math.isfinite(self.fps) and 0 < self.fps <= MAX_FPS):
            raise InputError(f"animation fps must be > 0 and <= {MAX_FPS:g}, got {self.fps!r}")
        self.start = _time("animation start", self.start)
        if self.end is not None:
            self.end = _time("animation end", self.end)
            if self.end < self.start:
                raise InputError(f"animation end ({self.end}) must not be before start ({self.start})")
        self.tracks = [list(track) for track in self.tracks]
        for p, track in enumerate(self.tracks):
            for k, key in enumerate(track):
                if not isinstance(key, PoseKey):
                    raise InputError(f"animation tracks[{p}][{k}] must be a PoseKey")
            _check_order(f"animation tracks[{p}]", track)
        self.camera_keys = list(self.camera_keys)
        for k, key in enumerate(self.camera_keys):
            if not isinstance(key, CameraKey):
                raise InputError(f"animation camera_keys[{k}] must be a CameraKey")
        _check_order("animation camera_keys", self.camera_keys)
        if self.bvh_map is not None:
            if not isinstance(self.bvh_map, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in self.bvh_map.items()):
                raise InputError("animation bvh_map must map BVH joint names to SMPL-X joint names")
            self.bvh_map = dict(self.bvh_map)

    def last_key_time(self) -> float:
        """Time of the latest key of any track or the camera (0 without keys)."""
        times = [track[-1].time for track in self.tracks if track]
        if self.camera_keys:
            times.append(self.camera_keys[-1].time)
        return max(times, default=0.0)

    def duration(self) -> float:
        """End of the play range in seconds: ``end``, or the last key's time (0 for no keys)."""
        return self.end if self.end is not None else self.last_key_time()

    def copy(self) -> Animation:
        return Animation(self.fps, [[k.copy() for k in t] for t in self.tracks],
                         [k.copy() for k in self.camera_keys], self.start, self.end,
                         None if self.bvh_map is None else dict(self.bvh_map))
