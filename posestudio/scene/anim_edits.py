"""Undoable edits of a scene's animation: set, move and delete keys, replace the animation.

Each is one undo step and follows :class:`~posestudio.scene.edits.Edit` (apply / revert /
merge, re-exported from :mod:`posestudio.scene.edits`). A key lives on a *track*: a person's
track (``person`` = index into ``scene.people``, keys are :class:`~posestudio.anim.PoseKey`) or
the camera's (``person=None``, keys are :class:`~posestudio.anim.CameraKey`). Two keys closer
than :data:`KEY_TIME_TOLERANCE` seconds are at the same time.

What a key edit replaces (the key it overwrote, whether the scene had no animation yet) is
recorded when it is applied, so the edit can be built from the timeline's terms alone and still
reverts exactly. After apply/revert ``changes`` names ``Change("animation", person)``.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable
from typing import Any

from posestudio.anim.model import Animation, CameraKey, PoseKey
from posestudio.errors import InputError
from posestudio.scene.edits import Change, Edit, _person
from posestudio.scene.model import Scene

__all__ = ["KEY_TIME_TOLERANCE", "SetKey", "DeleteKey", "MoveKey", "SetAnimation"]

#: Seconds within which two key times are the same key (well under a frame at 1000 fps).
KEY_TIME_TOLERANCE = 1e-6

Key = PoseKey | CameraKey


def _keys(scene: Scene, person: int | None) -> list:
    """The key list of a track; InputError when the scene has no animation or no such person."""
    animation = scene.animation
    if animation is None:
        raise InputError("the scene has no animation (no keys to edit)")
    if person is None:
        return animation.camera_keys
    _person(scene, person)
    if len(animation.tracks) != len(scene.people):
        raise InputError(f"the animation has {len(animation.tracks)} tracks for "
                         f"{len(scene.people)} people")
    return animation.tracks[person]


def _find(keys: list, time: float) -> int | None:
    i = bisect.bisect_left(keys, time - KEY_TIME_TOLERANCE, key=lambda k: k.time)
    if i < len(keys) and abs(keys[i].time - time) <= KEY_TIME_TOLERANCE:
        return i
    return None


def _insert(keys: list, key: Key) -> None:
    keys.insert(bisect.bisect_left(keys, key.time, key=lambda k: k.time), key.copy())


def _check_key(person: int | None, key: Any) -> None:
    wanted = CameraKey if person is None else PoseKey
    if not isinstance(key, wanted):
        track = "the camera track" if person is None else f"person {person}'s track"
        raise InputError(f"a key on {track} must be a {wanted.__name__}, got {type(key).__name__}")


def _label(person: int | None) -> Hashable:
    return "camera" if person is None else int(person)


class SetKey(Edit):
    """Put ``key`` on a track, replacing a key at the same time (the replaced key comes back on
    revert). On a still scene the first key creates the animation (one empty track per person);
    revert removes it again.

    Parameters
    ----------
    person : int or None
        Person index, or None for the camera track.
    key : PoseKey or CameraKey
        Matching the track; copied.
    merge_key : hashable or None
        Re-keying the same time during one gesture merges into one step.
    """

    text = "Set key"

    def __init__(self, person: int | None, key: Key, text: str | None = None,
                 merge_key: Hashable | None = None) -> None:
        self.person = None if person is None else int(person)
        _check_key(self.person, key)
        self.key = key.copy()
        self.merge_key = merge_key
        if text:
            self.text = text
        self._replaced: Key | None = None
        self._created = False

    def apply(self, scene: Scene) -> None:
        if self.person is not None:
            _person(scene, self.person)
        self._created = scene.animation is None
        if self._created:
            scene.animation = Animation(tracks=[[] for _ in scene.people])
        keys = _keys(scene, self.person)
        i = _find(keys, self.key.time)
        self._replaced = None if i is None else keys.pop(i)
        _insert(keys, self.key)

    def revert(self, scene: Scene) -> None:
        keys = _keys(scene, self.person)
        i = _find(keys, self.key.time)
        if i is not None:
            del keys[i]
        if self._replaced is not None:
            _insert(keys, self._replaced)
        if self._created:
            scene.animation = None

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change("animation", self.person),)

    def _target(self) -> Hashable:
        return (_label(self.person), round(self.key.time / KEY_TIME_TOLERANCE))

    def _absorb(self, other: SetKey) -> None:
        self.key = other.key.copy()


class DeleteKey(Edit):
    """Remove the key at ``time`` from a track (``person`` None = the camera track)."""

    text = "Delete key"

    def __init__(self, person: int | None, time: float, text: str | None = None) -> None:
        self.person = None if person is None else int(person)
        self.time = float(time)
        if text:
            self.text = text
        self._removed: Key | None = None

    @classmethod
    def from_scene(cls, scene: Scene, person: int | None, time: float,
                   text: str | None = None) -> DeleteKey:
        """The edit, after checking that the track has a key at ``time``."""
        if _find(_keys(scene, person), float(time)) is None:
            raise InputError(f"no key at {float(time):g} s to delete")
        return cls(person, time, text)

    def apply(self, scene: Scene) -> None:
        keys = _keys(scene, self.person)
        i = _find(keys, self.time)
        if i is None:
            raise InputError(f"no key at {self.time:g} s to delete")
        self._removed = keys.pop(i)

    def revert(self, scene: Scene) -> None:
        if self._removed is not None:
            _insert(_keys(scene, self.person), self._removed)

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change("animation", self.person),)


class MoveKey(Edit):
    """Move the key at ``old_time`` to ``new_time`` (seconds >= 0) on one track.

    Refused (InputError, scene unchanged) when another key is already at ``new_time``. Steps of
    one drag merge (same ``merge_key``, each starting where the previous ended).
    """

    text = "Move key"

    def __init__(self, person: int | None, old_time: float, new_time: float,
                 text: str | None = None, merge_key: Hashable | None = None) -> None:
        self.person = None if person is None else int(person)
        self.old_time = float(old_time)
        self.new_time = float(new_time)
        if not self.new_time >= 0:
            raise InputError(f"a key cannot move to {self.new_time:g} s (times are >= 0)")
        self.merge_key = merge_key
        if text:
            self.text = text

    @classmethod
    def from_scene(cls, scene: Scene, person: int | None, old_time: float, new_time: float,
                   text: str | None = None, merge_key: Hashable | None = None) -> MoveKey:
        """The edit, after checking there is a key to move and room where it goes."""
        edit = cls(person, old_time, new_time, text, merge_key)
        edit._check(_keys(scene, person), edit.old_time, edit.new_time)
        return edit

    @staticmethod
    def _check(keys: list, source: float, target: float) -> int:
        i = _find(keys, source)
        if i is None:
            raise InputError(f"no key at {source:g} s to move")
        j = _find(keys, target)
        if j is not None and j != i:
            raise InputError(f"there is already a key at {target:g} s")
        return i

    def _move(self, scene: Scene, source: float, target: float) -> None:
        keys = _keys(scene, self.person)
        key = keys.pop(self._check(keys, source, target))
        key.time = target
        _insert(keys, key)

    def apply(self, scene: Scene) -> None:
        self._move(scene, self.old_time, self.new_time)

    def revert(self, scene: Scene) -> None:
        self._move(scene, self.new_time, self.old_time)

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change("animation", self.person),)

    def is_noop(self) -> bool:
        return abs(self.old_time - self.new_time) <= KEY_TIME_TOLERANCE

    def merge(self, other: Edit) -> bool:
        if not (isinstance(other, MoveKey) and self.merge_key is not None
                and other.merge_key == self.merge_key and other.person == self.person
                and abs(other.old_time - self.new_time) <= KEY_TIME_TOLERANCE):
            return False
        self.new_time = other.new_time
        return True


class SetAnimation(Edit):
    """Replace the whole animation (import a clip, clear it, change fps / play range / BVH map).

    ``old`` and ``new`` are :class:`Animation` or None; both are copied. Applying checks the
    tracks are parallel to the people.
    """

    text = "Change animation"

    def __init__(self, old: Animation | None, new: Animation | None, text: str | None = None,
                 merge_key: Hashable | None = None) -> None:
        for name, value in (("old", old), ("new", new)):
            if value is not None and not isinstance(value, Animation):
                raise InputError(f"SetAnimation {name} must be an Animation or None, got "
                                 f"{type(value).__name__}")
        self.old = None if old is None else old.copy()
        self.new = None if new is None else new.copy()
        self.merge_key = merge_key
        if text:
            self.text = text

    @classmethod
    def from_scene(cls, scene: Scene, new: Animation | None, text: str | None = None,
                   merge_key: Hashable | None = None) -> SetAnimation:
        return cls(scene.animation, new, text, merge_key)

    def _set(self, scene: Scene, animation: Animation | None) -> None:
        if animation is not None and len(animation.tracks) != len(scene.people):
            raise InputError(f"the animation has {len(animation.tracks)} tracks for "
                             f"{len(scene.people)} people; they must be parallel")
        scene.animation = None if animation is None else animation.copy()

    def apply(self, scene: Scene) -> None:
        self._set(scene, self.new)

    def revert(self, scene: Scene) -> None:
        self._set(scene, self.old)

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change("animation"),)

    def is_noop(self) -> bool:
        return self.old == self.new

    def _absorb(self, other: SetAnimation) -> None:
        self.new = None if other.new is None else other.new.copy()
