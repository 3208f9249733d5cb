"""Edits of :mod:`posestudio.scene.edits` wrapped as ``QUndoCommand`` s.

Every scene change the UI makes goes through :meth:`ui.document.Document.push`, which pushes one
:class:`EditCommand`. A drag pushes many edits with the same ``merge_key``; ``mergeWith`` folds
them into the first command, so the whole drag is one undo step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from posestudio.scene.edits import Edit

    from .document import Document

MERGEABLE_ID = 1


class EditCommand(QUndoCommand):
    """``redo`` applies the edit, ``undo`` reverts it; views hear about it from the document."""

    def __init__(self, document: "Document", edit: "Edit") -> None:
        super().__init__(edit.text)
        self.document = document
        self.edit = edit

    def redo(self) -> None:
        self.edit.apply(self.document.scene)
        self.document.notify(self.edit.changes)

    def undo(self) -> None:
        self.edit.revert(self.document.scene)
        self.document.notify(self.edit.changes)

    def id(self) -> int:  # noqa: A003 (Qt API)
        return -1 if self.edit.merge_key is None else MERGEABLE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt API)
        # Qt has already called other.redo(), so the scene holds the merged result.
        return isinstance(other, EditCommand) and self.edit.merge(other.edit)
