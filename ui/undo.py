"""Edits of :mod:`posestudio.scene.edits` wrapped as ``QUndoCommand`` s.

Every scene change the UI makes goes through :meth:`ui.document.Document.push`, which pushes one
:class:`EditCommand`, or folds the edit into the command on top of the stack when both belong to
the same gesture (same ``merge_key``), so a whole drag is one undo step.

The document merges, not Qt: ``QUndoStack`` would merge through ``mergeWith`` and then delete the
absorbed command in C++, and PySide6 keeps the Python half of every command deleted that way
alive for the life of the stack (with its edit), so each drag would leak a few commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand, QUndoStack

if TYPE_CHECKING:
    from posestudio.scene.edits import Edit

    from .document import Document

#: Undo steps kept by default; older steps are dropped (``editor/undo_limit`` in the settings).
DEFAULT_UNDO_LIMIT = 1000


class EditCommand(QUndoCommand):
    """``redo`` applies the edit, ``undo`` reverts it; views hear about it from the document.

    ``applied``: the scene already holds the edit, so the first ``redo`` (the one
    ``QUndoStack.push`` makes) only tells the views.
    """

    def __init__(self, document: "Document", edit: "Edit", applied: bool = False) -> None:
        super().__init__(edit.text)
        self.document = document
        self.edit = edit
        self._applied = applied

    def redo(self) -> None:
        if self._applied:
            self._applied = False
        else:
            self.edit.apply(self.document.scene)
        self.document.notify(self.edit.changes)

    def undo(self) -> None:
        self.edit.revert(self.document.scene)
        self.document.notify(self.edit.changes)


def merge_target(stack: QUndoStack, edit: "Edit") -> EditCommand | None:
    """The command ``edit`` may fold into: the one on top of ``stack`` when nothing can be
    redone and the top is not the saved state (as ``QUndoStack`` merges); else None."""
    index = stack.index()
    if (edit.merge_key is None or index == 0 or index != stack.count()
            or index == stack.cleanIndex()):
        return None
    top = stack.command(index - 1)
    return top if isinstance(top, EditCommand) else None
