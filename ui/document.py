"""The open document: the scene, its file, the undo stack, selection and per-joint locks.

Widgets never write to ``document.scene`` directly; they build an
:class:`~posestudio.scene.edits.Edit` and call :meth:`Document.push`. After any change (push,
undo, redo, load) the document emits :attr:`Document.changed` with the
:class:`~posestudio.scene.edits.Change` tuple, and widgets refresh from the scene while blocking
their own signals (no echo).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from posestudio.scene.edits import ALL_CHANGES, Change, Edit
from posestudio.scene.model import Person, Scene

from .undo import DEFAULT_UNDO_LIMIT, EditCommand, merge_target

#: Settings key of the number of undo steps kept (see :func:`undo_limit`).
UNDO_LIMIT_KEY = "editor/undo_limit"


def default_scene() -> Scene:
    """A scene with one mannequin standing at the origin, framed by the default camera."""
    return Scene(people=[Person(name="Person 1")])


def undo_limit() -> int:
    """Undo steps an editor keeps: ``editor/undo_limit`` in the settings file (0 = no limit),
    else :data:`ui.undo.DEFAULT_UNDO_LIMIT`. A value that is not a whole number ≥ 0 counts as
    unset."""
    from . import files

    value = files.settings().value(UNDO_LIMIT_KEY, DEFAULT_UNDO_LIMIT)
    try:
        limit = int(value)
    except (TypeError, ValueError):
        return DEFAULT_UNDO_LIMIT
    return limit if limit >= 0 else DEFAULT_UNDO_LIMIT


class Document(QObject):
    changed = Signal(object)            # tuple[Change, ...]
    selectionChanged = Signal(int, int)  # person, joint (-1 = none)
    pathChanged = Signal(object)         # Path | None

    def __init__(self, scene: Scene | None = None, parent: QObject | None = None,
                 undo_steps: int | None = None) -> None:
        """``undo_steps``: undo steps kept, oldest dropped first (0 = all); None reads
        :func:`undo_limit`."""
        super().__init__(parent)
        self.scene = scene if scene is not None else default_scene()
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(undo_limit() if undo_steps is None else undo_steps)
        self.person = 0 if self.scene.people else -1
        self.joint = -1
        self.locked: set[tuple[int, int]] = set()
        self._gesture = itertools.count(1)

    # -- edits ---------------------------------------------------------------------------------
    def push(self, edit: Edit) -> None:
        """Apply ``edit`` as one undoable command, or fold it into the command on top of the
        stack when both belong to one gesture (see :func:`ui.undo.merge_target`)."""
        if edit.is_noop() and edit.merge_key is None:
            return
        top = merge_target(self.undo_stack, edit)
        if top is None:
            self.undo_stack.push(EditCommand(self, edit))
            return
        edit.apply(self.scene)              # as QUndoStack does: apply first, then merge
        if top.edit.merge(edit):
            self.notify(edit.changes)
        else:
            self.undo_stack.push(EditCommand(self, edit, applied=True))

    def new_gesture(self) -> tuple[str, int]:
        """A fresh merge key: every edit of one drag carries the same one."""
        return ("gesture", next(self._gesture))

    def notify(self, changes: tuple[Change, ...]) -> None:
        if any(c.kind == "people" for c in changes):
            self._clamp_selection()
        self.changed.emit(tuple(changes))

    # -- whole-document operations -------------------------------------------------------------
    def replace_scene(self, scene: Scene, path: Path | None) -> None:
        """Load another scene (open/new/recover): clears undo history and selection."""
        self.scene = scene
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.locked.clear()
        self.set_path(path)
        self.person, self.joint = (0 if scene.people else -1), -1
        self.changed.emit(ALL_CHANGES)
        self.selectionChanged.emit(self.person, self.joint)

    def set_path(self, path: Path | None) -> None:
        self.path = None if path is None else Path(path)
        self.pathChanged.emit(self.path)

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    # -- selection & locks ---------------------------------------------------------------------
    def select(self, person: int, joint: int) -> None:
        if (person, joint) == (self.person, self.joint):
            return
        self.person, self.joint = person, joint
        self.selectionChanged.emit(person, joint)

    def _clamp_selection(self) -> None:
        n = len(self.scene.people)
        if self.person >= n:
            self.person, self.joint = n - 1, -1
            self.selectionChanged.emit(self.person, self.joint)

    def is_locked(self, person: int, joint: int) -> bool:
        return (person, joint) in self.locked

    def set_locked(self, person: int, joint: int, locked: bool) -> None:
        (self.locked.add if locked else self.locked.discard)((person, joint))
        self.selectionChanged.emit(self.person, self.joint)

    def current_person(self) -> Person | None:
        return self.scene.people[self.person] if 0 <= self.person < len(self.scene.people) else None
