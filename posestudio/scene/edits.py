"""Undoable edits of a :class:`~posestudio.scene.model.Scene`.

Every change the UI makes to a scene is an :class:`Edit`: it knows how to :meth:`~Edit.apply`
itself, how to :meth:`~Edit.revert` exactly, and whether it can :meth:`~Edit.merge` a following
edit of the same gesture (one mouse drag = one undo step). Edits hold *copies* of every value they
are given and write copies into the scene, so neither the caller nor the scene can change an edit
after the fact, and undo restores bit-identical arrays.

The editor keeps its history as a ``QUndoStack`` of these edits (``ui/undo.py``): each command's
``redo()`` calls ``apply`` and ``undo()`` calls ``revert``; the document folds the next edit of a
gesture into the command on top by calling ``merge`` itself (not through Qt's ``mergeWith``, whose
absorbed commands PySide keeps alive); after each, the document tells its views what
``edit.changes`` names. Scripts and tests use the edits directly: ``apply`` to change a scene,
``revert`` (in reverse order) to undo.

Merging
-------
``a.merge(b)`` succeeds (returns True and makes ``a`` hold ``a``'s *old* and ``b``'s *new*) only
when both are the same kind of edit, both have the same non-None ``merge_key`` and both target the
same thing (same person and joint, same person field...). Use one merge key per gesture, e.g.
``("drag", gesture_counter)``, so two separate drags stay two undo steps. ``merge`` does not touch
the scene: ``b`` has already been applied by then.

Person indices
--------------
``person`` is the index into ``scene.people``. An edit whose index is out of range raises
:class:`~posestudio.errors.InputError` from ``apply``/``revert`` and leaves the scene unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from posestudio.errors import InputError
from posestudio.scene.model import (
    NUM_JOINTS,
    Camera,
    Canvas,
    Person,
    RenderSettings,
    Scene,
    checked_array,
)
from posestudio.skeletons import SMPLX_JOINT_INDEX, SMPLX_JOINT_NAMES

__all__ = [
    "ALL_CHANGES", "Change", "Edit", "SetJointRotation", "SetPose", "SetPersonField", "AddPerson",
    "RemovePerson", "SetCamera", "SetCanvas", "SetRenderSettings", "SetViews", "CompositeEdit",
    "PERSON_FIELDS", "SetKey", "DeleteKey", "MoveKey", "SetAnimation",
]

#: Person attributes :class:`SetPersonField` may change (pose/transl go through SetPose).
PERSON_FIELDS: tuple[str, ...] = ("name", "betas", "visible", "color", "rig", "expression")


@dataclass(frozen=True)
class Change:
    """What an edit touched, so views redraw only that.

    Attributes
    ----------
    kind : str
        ``"person"`` (one person's fields; see ``index`` and ``fields``), ``"people"`` (the list
        itself: a person was added or removed at ``index``; later indices shifted), ``"camera"``,
        ``"canvas"``, ``"render"`` (render settings), ``"views"`` (saved cameras),
        ``"animation"`` (keys or timeline settings; ``index`` = the person whose track changed,
        None for the camera track or the whole animation). A whole new scene (opened,
        restored) names every kind: :data:`ALL_CHANGES`.
    index : int or None
        Person index for ``"person"``/``"people"``/``"animation"``; None otherwise.
    fields : tuple of str
        For ``"person"``: the attributes that changed, among ``"pose"``, ``"transl"`` and
        :data:`PERSON_FIELDS`. Empty otherwise.
    """

    kind: str
    index: int | None = None
    fields: tuple[str, ...] = ()


#: What a whole-scene swap touches (a file opened, a scene restored from an image).
ALL_CHANGES: tuple[Change, ...] = (Change("people"), Change("camera"), Change("canvas"),
                                   Change("render"), Change("views"), Change("animation"))


def merge_changes(changes: Sequence[Change]) -> tuple[Change, ...]:
    """Combine changes (in order), joining the fields of repeated ``("person", index)`` entries."""
    out: list[Change] = []
    for change in changes:
        for i, seen in enumerate(out):
            if seen.kind == change.kind and seen.index == change.index:
                fields = seen.fields + tuple(f for f in change.fields if f not in seen.fields)
                out[i] = Change(seen.kind, seen.index, fields)
                break
        else:
            out.append(change)
    return tuple(out)


# --- helpers ---------------------------------------------------------------------------------

def _person(scene: Scene, index: int) -> Person:
    if not 0 <= index < len(scene.people):
        raise InputError(f"person index {index} is out of range (the scene has "
                         f"{len(scene.people)} people)")
    return scene.people[index]


def _joint_index(joint: int | str) -> int:
    if isinstance(joint, str):
        if joint not in SMPLX_JOINT_INDEX:
            raise InputError(f"unknown joint name {joint!r}; expected one of SMPLX_JOINT_NAMES")
        return SMPLX_JOINT_INDEX[joint]
    if isinstance(joint, bool) or not isinstance(joint, (int, np.integer)) or not (
        0 <= int(joint) < NUM_JOINTS
    ):
        raise InputError(f"joint index must be 0..{NUM_JOINTS - 1}, got {joint!r}")
    return int(joint)


def _field_value(field: str, value: Any) -> Any:
    """Validate and normalise ``value`` for ``Person.<field>`` exactly as ``Person`` does."""
    if field not in PERSON_FIELDS:
        raise InputError(f"person field must be one of {', '.join(PERSON_FIELDS)}; got {field!r}")
    return getattr(Person(**{field: value}), field)


def _copy_value(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b)
    return a == b


# --- base ------------------------------------------------------------------------------------

class Edit:
    """One undoable change of a scene.

    Attributes
    ----------
    text : str
        Short human description for the Edit menu ("Rotate left_elbow", "Move camera").
    merge_key : hashable or None
        Edits with the same non-None key and the same target merge (see module docs).
    """

    text: str = "Edit"
    merge_key: Hashable | None = None

    def apply(self, scene: Scene) -> None:
        """Write the new value(s) into ``scene`` (copies)."""
        raise NotImplementedError

    def revert(self, scene: Scene) -> None:
        """Write the old value(s) back into ``scene`` (copies); exact inverse of :meth:`apply`."""
        raise NotImplementedError

    @property
    def changes(self) -> tuple[Change, ...]:
        """What :meth:`apply`/:meth:`revert` touch."""
        raise NotImplementedError

    def is_noop(self) -> bool:
        """True when applying would leave the scene as it is (old equals new)."""
        return False

    def merge(self, other: Edit) -> bool:
        """Absorb ``other`` (applied after ``self``) into ``self``; True if it was merged.

        Merges only the same edit type with the same non-None ``merge_key`` and the same target.
        The merged edit keeps ``self``'s old value(s) and takes a copy of ``other``'s new value(s).
        """
        if (
            type(other) is not type(self)
            or self.merge_key is None
            or other.merge_key != self.merge_key
            or self._target() != other._target()
        ):
            return False
        self._absorb(other)
        return True

    def _target(self) -> Hashable:
        """Identity of what is edited; edits merge only with an equal target."""
        return None

    def _absorb(self, other: Any) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.text!r}>"


# --- people ----------------------------------------------------------------------------------

class SetJointRotation(Edit):
    """Set one joint's axis-angle rotation of one person.

    Parameters
    ----------
    person : int
        Index into ``scene.people``.
    joint : int or str
        SMPL-X joint index (0..54) or name (``"left_elbow"``); index 0 is the global orientation.
    old, new : (3,) array_like
        Axis-angle, radians, in the joint's parent frame (as ``Person.pose`` rows).
    merge_key : hashable or None
        One rotation drag = one key.
    """

    def __init__(self, person: int, joint: int | str, old: Any, new: Any,
                 merge_key: Hashable | None = None, text: str | None = None) -> None:
        self.person = int(person)
        self.joint = _joint_index(joint)
        self.old = checked_array("joint rotation old", old, (3,))
        self.new = checked_array("joint rotation new", new, (3,))
        self.merge_key = merge_key
        self.text = text or f"Rotate {SMPLX_JOINT_NAMES[self.joint]}"

    @classmethod
    def from_scene(cls, scene: Scene, person: int, joint: int | str, new: Any,
                   merge_key: Hashable | None = None) -> SetJointRotation:
        """The edit that sets ``joint`` of ``scene.people[person]`` to ``new`` from its current value."""
        j = _joint_index(joint)
        return cls(person, j, _person(scene, person).pose[j], new, merge_key)

    def apply(self, scene: Scene) -> None:
        _person(scene, self.person).pose[self.joint] = self.new

    def revert(self, scene: Scene) -> None:
        _person(scene, self.person).pose[self.joint] = self.old

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change("person", self.person, ("pose",)),)

    def is_noop(self) -> bool:
        return np.array_equal(self.old, self.new)

    def _target(self) -> Hashable:
        return (self.person, self.joint)

    def _absorb(self, other: SetJointRotation) -> None:
        self.new = other.new.copy()


class SetPose(Edit):
    """Replace a person's whole pose and translation (IK results, mirror, presets, reset).

    Parameters
    ----------
    person : int
        Index into ``scene.people``.
    old_pose, new_pose : (55, 3) array_like
        Axis-angle per SMPL-X joint, radians.
    old_transl, new_transl : (3,) array_like
        Translation, world metres.
    text : str
        Menu text, e.g. ``"Move left_wrist"``, ``"Mirror pose"``.
    merge_key : hashable or None
        One IK drag = one key.
    """

    def __init__(self, person: int, old_pose: Any, new_pose: Any, old_transl: Any,
                 new_transl: Any, text: str = "Set pose", merge_key: Hashable | None = None) -> None:
        self.person = int(person)
        self.old_pose = checked_array("old pose", old_pose, (NUM_JOINTS, 3))
        self.new_pose = checked_array("new pose", new_pose, (NUM_JOINTS, 3))
        self.old_transl = checked_array("old transl", old_transl, (3,))
        self.new_transl = checked_array("new transl", new_transl, (3,))
        self.text = text
        self.merge_key = merge_key

    @classmethod
    def from_scene(cls, scene: Scene, person: int, new_pose: Any, new_transl: Any = None,
                   text: str = "Set pose", merge_key: Hashable | None = None) -> SetPose:
        """The edit from the person's current pose/transl; ``new_transl=None`` keeps it."""
        p = _person(scene, person)
        return cls(person, p.pose, new_pose, p.transl,
                   p.transl if new_transl is None else new_transl, text, merge_key)

    def apply(self, scene: Scene) -> None:
        p = _person(scene, self.person)
        p.pose = self.new_pose.copy()
        p.transl = self.new_transl.copy()

    def revert(self, scene: Scene) -> None:
        p = _person(scene, self.person)
        p.pose = self.old_pose.copy()
        p.transl = self.old_transl.copy()

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change("person", self.person, ("pose", "transl")),)

    def is_noop(self) -> bool:
        return (np.array_equal(self.old_pose, self.new_pose)
                and np.array_equal(self.old_transl, self.new_transl))

    def _target(self) -> Hashable:
        return self.person

    def _absorb(self, other: SetPose) -> None:
        self.new_pose = other.new_pose.copy()
        self.new_transl = other.new_transl.copy()


class SetPersonField(Edit):
    """Change one of a person's :data:`PERSON_FIELDS` (name, betas, visible, color, rig, expression).

    ``old`` and ``new`` are validated and normalised exactly as :class:`Person` does
    (``InputError`` naming the field otherwise): betas/expression become (10,) float64 arrays,
    color a 3-tuple in 0..1 or None. A betas slider drag merges with one ``merge_key``.
    """

    def __init__(self, person: int, field: str, old: Any, new: Any,
                 merge_key: Hashable | None = None, text: str | None = None) -> None:
        self.person = int(person)
        self.field = field
        self.old = _field_value(field, old)
        self.new = _field_value(field, new)
        self.merge_key = merge_key
        self.text = text or ("Rename person" if field == "name" else f"Change {field}")

    @classmethod
    def from_scene(cls, scene: Scene, person: int, field: str, new: Any,
                   merge_key: Hashable | None = None) -> SetPersonField:
        if field not in PERSON_FIELDS:
            raise InputError(f"person field must be one of {', '.join(PERSON_FIELDS)}; "
                             f"got {field!r}")
        return cls(person, field, getattr(_person(scene, person), field), new, merge_key)

    def apply(self, scene: Scene) -> None:
        setattr(_person(scene, self.person), self.field, _copy_value(self.new))

    def revert(self, scene: Scene) -> None:
        setattr(_person(scene, self.person), self.field, _copy_value(self.old))

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change("person", self.person, (self.field,)),)

    def is_noop(self) -> bool:
        return _equal(self.old, self.new)

    def _target(self) -> Hashable:
        return (self.person, self.field)

    def _absorb(self, other: SetPersonField) -> None:
        self.new = _copy_value(other.new)


class AddPerson(Edit):
    """Insert a copy of ``person`` at ``index`` (0..len(people)); revert removes it again.

    An animated scene gets an empty track for the new person (tracks stay parallel to people).
    """

    def __init__(self, index: int, person: Person, text: str = "Add person") -> None:
        if not isinstance(person, Person):
            raise InputError(f"AddPerson needs a Person, got {type(person).__name__}")
        self.index = int(index)
        self.person = person.copy()
        self.text = text

    def apply(self, scene: Scene) -> None:
        if not 0 <= self.index <= len(scene.people):
            raise InputError(f"cannot add a person at index {self.index} (the scene has "
                             f"{len(scene.people)} people)")
        scene.people.insert(self.index, self.person.copy())
        if scene.animation is not None:
            scene.animation.tracks.insert(self.index, [])

    def revert(self, scene: Scene) -> None:
        _person(scene, self.index)
        del scene.people[self.index]
        if scene.animation is not None:
            del scene.animation.tracks[self.index]

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change("people", self.index),)


class RemovePerson(Edit):
    """Remove the person at ``index``; ``person`` is (a copy of) who is there, restored on revert.

    Use :meth:`from_scene` to take ``person`` from the scene. In an animated scene the person's
    track goes too and comes back on revert.
    """

    def __init__(self, index: int, person: Person, text: str = "Remove person") -> None:
        if not isinstance(person, Person):
            raise InputError(f"RemovePerson needs a Person, got {type(person).__name__}")
        self.index = int(index)
        self.person = person.copy()
        self.text = text
        self._track: list | None = None  # the person's keys, taken on apply

    @classmethod
    def from_scene(cls, scene: Scene, index: int) -> RemovePerson:
        return cls(index, _person(scene, index))

    def apply(self, scene: Scene) -> None:
        _person(scene, self.index)
        del scene.people[self.index]
        self._track = None
        if scene.animation is not None:
            self._track = scene.animation.tracks.pop(self.index)

    def revert(self, scene: Scene) -> None:
        if not 0 <= self.index <= len(scene.people):
            raise InputError(f"cannot restore a person at index {self.index} (the scene has "
                             f"{len(scene.people)} people)")
        scene.people.insert(self.index, self.person.copy())
        if scene.animation is not None:
            scene.animation.tracks.insert(self.index, self._track or [])

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change("people", self.index),)


# --- scene-wide settings ---------------------------------------------------------------------

class _ReplaceDataclass(Edit):
    """Replace one dataclass attribute of the scene (camera, canvas, render)."""

    attribute: str = ""
    kind: str = ""
    cls: type = object

    def __init__(self, old: Any, new: Any, merge_key: Hashable | None = None,
                 text: str | None = None) -> None:
        for name, value in (("old", old), ("new", new)):
            if not isinstance(value, self.cls):
                raise InputError(f"{type(self).__name__} {name} must be a {self.cls.__name__}, "
                                 f"got {type(value).__name__}")
        self.old = dataclasses.replace(old)
        self.new = dataclasses.replace(new)
        self.merge_key = merge_key
        if text:
            self.text = text

    @classmethod
    def from_scene(cls, scene: Scene, new: Any, merge_key: Hashable | None = None) -> Any:
        return cls(getattr(scene, cls.attribute), new, merge_key)

    def apply(self, scene: Scene) -> None:
        setattr(scene, self.attribute, dataclasses.replace(self.new))

    def revert(self, scene: Scene) -> None:
        setattr(scene, self.attribute, dataclasses.replace(self.old))

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change(self.kind),)

    def is_noop(self) -> bool:
        return self.old == self.new

    def _absorb(self, other: Any) -> None:
        self.new = dataclasses.replace(other.new)


class SetCamera(_ReplaceDataclass):
    """Replace ``scene.camera`` (orbit, pan, zoom, FOV). One orbit drag = one ``merge_key``."""

    attribute, kind, cls, text = "camera", "camera", Camera, "Move camera"


class SetCanvas(_ReplaceDataclass):
    """Replace ``scene.canvas`` (output size)."""

    attribute, kind, cls, text = "canvas", "canvas", Canvas, "Change canvas size"


class SetRenderSettings(_ReplaceDataclass):
    """Replace ``scene.render`` (OpenPose layout, hands/face, canny thresholds...)."""

    attribute, kind, cls, text = "render", "render", RenderSettings, "Change render settings"


class SetViews(Edit):
    """Replace ``scene.views`` (the saved cameras, name → Camera)."""

    text = "Change saved views"

    def __init__(self, old: dict[str, Camera], new: dict[str, Camera],
                 text: str | None = None) -> None:
        self.old = self._copy(old, "old")
        self.new = self._copy(new, "new")
        if text:
            self.text = text

    @staticmethod
    def _copy(views: dict[str, Camera], name: str) -> dict[str, Camera]:
        if not isinstance(views, dict) or not all(
            isinstance(k, str) and isinstance(v, Camera) for k, v in views.items()
        ):
            raise InputError(f"SetViews {name} must map view names to Camera objects")
        return {k: dataclasses.replace(v) for k, v in views.items()}

    def apply(self, scene: Scene) -> None:
        scene.views = self._copy(self.new, "new")

    def revert(self, scene: Scene) -> None:
        scene.views = self._copy(self.old, "old")

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change("views"),)

    def is_noop(self) -> bool:
        return self.old == self.new


class CompositeEdit(Edit):
    """Several edits as one undo step: applied in order, reverted in reverse order.

    If one sub-edit fails to apply, those already applied are reverted before the error propagates,
    so the scene is never left half-edited. A composite never merges.
    """

    def __init__(self, text: str, edits: Sequence[Edit]) -> None:
        self.text = text
        self.edits = list(edits)
        if not all(isinstance(e, Edit) for e in self.edits):
            raise InputError("CompositeEdit takes Edit objects only")

    def apply(self, scene: Scene) -> None:
        done: list[Edit] = []
        try:
            for edit in self.edits:
                edit.apply(scene)
                done.append(edit)
        except Exception:
            for edit in reversed(done):
                edit.revert(scene)
            raise

    def revert(self, scene: Scene) -> None:
        done: list[Edit] = []
        try:
            for edit in reversed(self.edits):
                edit.revert(scene)
                done.append(edit)
        except Exception:
            for edit in reversed(done):
                edit.apply(scene)
            raise

    @property
    def changes(self) -> tuple[Change, ...]:
        return merge_changes([c for e in self.edits for c in e.changes])

    def is_noop(self) -> bool:
        return all(e.is_noop() for e in self.edits)

    def merge(self, other: Edit) -> bool:
        return False


# Animation edits live in their own module; they are part of this module's public names.
from posestudio.scene.anim_edits import DeleteKey, MoveKey, SetAnimation, SetKey  # noqa: E402
