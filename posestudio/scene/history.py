"""Undo/redo history of one scene, Qt-free.

:class:`History` applies :mod:`~posestudio.scene.edits` to its scene, keeps them for undo/redo,
merges the steps of one gesture, tracks the saved ("clean") state and tells views what changed.
The desktop UI may use it directly or wrap the same edits in ``QUndoCommand`` objects; either way
the edits are the only code that changes a scene.

Example
-------
>>> from posestudio.scene import Person, Scene
>>> from posestudio.scene.edits import SetJointRotation
>>> history = History(Scene(people=[Person()]))
>>> _ = history.changed.connect(lambda e: print(e.action, e.changes))
>>> history.push(SetJointRotation.from_scene(history.scene, 0, "left_elbow", [0, -1.2, 0]))
push (Change(kind='person', index=0, fields=('pose',)),)
True
>>> history.undo()
undo (Change(kind='person', index=0, fields=('pose',)),)
True
"""

from __future__ import annotations

from posestudio.errors import InputError
from posestudio.scene.edits import Change, Edit
from posestudio.scene.events import EventEmitter
from posestudio.scene.model import Scene

__all__ = ["History"]


class History:
    """Linear undo/redo stack over ``scene``.

    Parameters
    ----------
    scene : Scene
        Edited in place; ``history.scene`` is always the live scene.
    limit : int
        Most undo steps kept (the oldest are dropped); 0 = unlimited.

    Attributes
    ----------
    changed : EventEmitter
        Emitted after every change of the scene, with ``event.action`` (``"push"``, ``"merge"``
        — the pushed edit was merged into the top step —, ``"undo"``, ``"redo"`` or ``"reset"``),
        ``event.edit`` (the :class:`Edit` applied or reverted; None for ``"reset"``) and
        ``event.changes`` (tuple of :class:`~posestudio.scene.edits.Change`; ``"reset"`` sends
        ``(Change("scene"),)``: redraw everything).
    state_changed : EventEmitter
        Emitted after the stack changed (for Undo/Redo menu items and the window's modified mark),
        with ``can_undo``, ``can_redo``, ``clean`` (bools), ``undo_text`` and ``redo_text`` (str,
        empty when there is nothing to undo/redo).
    """

    def __init__(self, scene: Scene, limit: int = 0) -> None:
        if not isinstance(scene, Scene):
            raise InputError(f"History needs a Scene, got {type(scene).__name__}")
        if limit < 0:
            raise InputError(f"history limit must be >= 0, got {limit}")
        self.scene = scene
        self.limit = int(limit)
        self._done: list[Edit] = []     # applied edits, oldest first; top = last
        self._undone: list[Edit] = []   # reverted edits; the next redo is the last
        self._clean: int | None = 0     # len(_done) at the saved state; None = unreachable
        self._merge_open = False        # may the next push merge into the top step?
        self.changed = EventEmitter("changed")
        self.state_changed = EventEmitter("state_changed")

    # -- editing ------------------------------------------------------------------------------
    def push(self, edit: Edit) -> bool:
        """Apply ``edit`` to the scene and record it; clears the redo steps.

        The edit is merged into the top step (``top.merge(edit)``) when merging is open: the top
        was pushed last (no undo/redo/:meth:`set_clean`/:meth:`close_merge` since) and is not the
        saved state. A no-op edit (``edit.is_noop()``, e.g. a click without a drag) that cannot
        merge is applied but not recorded.

        Returns
        -------
        bool
            True if the edit was recorded or merged, False if it was dropped as a no-op.

        Raises
        ------
        InputError
            From ``edit.apply`` (e.g. a person index out of range); nothing was recorded and the
            scene is unchanged.
        """
        if not isinstance(edit, Edit):
            raise InputError(f"History.push takes an Edit, got {type(edit).__name__}")
        edit.apply(self.scene)
        top = self._done[-1] if self._done else None
        mergeable = top is not None and self._merge_open and self._clean != len(self._done)
        if mergeable and top.merge(edit):
            action = "merge"
        elif edit.is_noop():
            return False
        else:
            if self._clean is not None and self._clean > len(self._done):
                self._clean = None  # the saved state was among the redo steps just dropped
            self._undone.clear()
            self._done.append(edit)
            self._trim()
            action = "push"
        self._merge_open = True
        self.changed.emit(action=action, edit=edit, changes=edit.changes)
        self._state()
        return True

    def undo(self) -> bool:
        """Revert the top step; False (and nothing happens) when there is none."""
        if not self._done:
            return False
        edit = self._done.pop()
        try:
            edit.revert(self.scene)
        except Exception:
            self._done.append(edit)
            raise
        self._undone.append(edit)
        self._merge_open = False
        self.changed.emit(action="undo", edit=edit, changes=edit.changes)
        self._state()
        return True

    def redo(self) -> bool:
        """Re-apply the last undone step; False when there is none."""
        if not self._undone:
            return False
        edit = self._undone.pop()
        try:
            edit.apply(self.scene)
        except Exception:
            self._undone.append(edit)
            raise
        self._done.append(edit)
        self._merge_open = False
        self.changed.emit(action="redo", edit=edit, changes=edit.changes)
        self._state()
        return True

    def close_merge(self) -> None:
        """End the current gesture: the next push starts a new step even with the same key."""
        self._merge_open = False

    def reset(self, scene: Scene) -> None:
        """Replace the scene (e.g. after opening a file) and forget all steps; it is clean."""
        if not isinstance(scene, Scene):
            raise InputError(f"History needs a Scene, got {type(scene).__name__}")
        self.scene = scene
        self.clear()
        self.changed.emit(action="reset", edit=None, changes=(Change("scene"),))

    def clear(self) -> None:
        """Forget all undo/redo steps and mark the current scene as saved; the scene stays."""
        self._done.clear()
        self._undone.clear()
        self._clean = 0
        self._merge_open = False
        self._state()

    # -- state --------------------------------------------------------------------------------
    def can_undo(self) -> bool:
        return bool(self._done)

    def can_redo(self) -> bool:
        return bool(self._undone)

    def undo_text(self) -> str:
        """Text of the step :meth:`undo` would revert ("" if none)."""
        return self._done[-1].text if self._done else ""

    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    def set_clean(self) -> None:
        """Mark the current state as saved (call after a successful save)."""
        self._clean = len(self._done)
        self._merge_open = False
        self._state()

    def is_clean(self) -> bool:
        """True when the scene equals the last saved state (by history position)."""
        return self._clean == len(self._done)

    @property
    def index(self) -> int:
        """Number of applied steps (QUndoStack's index)."""
        return len(self._done)

    @property
    def done(self) -> tuple[Edit, ...]:
        """Applied steps, oldest first (replaying them on the original scene gives the scene)."""
        return tuple(self._done)

    @property
    def undone(self) -> tuple[Edit, ...]:
        """Redo steps, the next one to redo first."""
        return tuple(reversed(self._undone))

    # -- internals ----------------------------------------------------------------------------
    def _trim(self) -> None:
        if self.limit and len(self._done) > self.limit:
            drop = len(self._done) - self.limit
            del self._done[:drop]
            if self._clean is not None:
                self._clean = self._clean - drop if self._clean >= drop else None

    def _state(self) -> None:
        self.state_changed.emit(
            can_undo=self.can_undo(), can_redo=self.can_redo(), clean=self.is_clean(),
            undo_text=self.undo_text(), redo_text=self.redo_text(),
        )
