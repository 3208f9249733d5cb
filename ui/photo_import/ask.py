"""Where an import goes when a scene is already open: replace it, add to it, or a new window."""

from __future__ import annotations

from PySide6 import QtWidgets

#: ``QDialog.exec`` results of :class:`ImportTargetDialog` (0 = cancelled).
REPLACE, ADD, NEW_WINDOW = 1, 2, 3
TARGETS = {REPLACE: "replace", ADD: "add", NEW_WINDOW: "new window"}


class ImportTargetDialog(QtWidgets.QDialog):
    """"Import <name>: Replace the scene / Add to this scene / New window / Cancel".

    ``exec()`` returns :data:`REPLACE`, :data:`ADD`, :data:`NEW_WINDOW` or 0 (cancel).
    """

    def __init__(self, name: str, modified: bool, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import into which scene?")
        text = QtWidgets.QLabel(
            f"Import <b>{name}</b>: the open scene"
            f"{' has unsaved changes' if modified else ' is not empty'}.<br>"
            "<i>Replace</i> makes the photo's people the scene (an untitled one, so saving does "
            "not overwrite the open file); <i>Add</i> puts them into this scene, looking through "
            "the photo's camera; <i>New window</i> leaves this scene as it is.")
        text.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox()
        for label, code, role in (("&Replace the scene", REPLACE, "AcceptRole"),
                                  ("&Add to this scene", ADD, "AcceptRole"),
                                  ("&New window", NEW_WINDOW, "AcceptRole"),
                                  ("Cancel", 0, "RejectRole")):
            button = buttons.addButton(label, getattr(QtWidgets.QDialogButtonBox.ButtonRole, role))
            button.clicked.connect(lambda _c=False, code=code: self.done(code))
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)


def ask_import_target(parent: QtWidgets.QWidget, name: str, modified: bool) -> str | None:
    """``"replace"``, ``"add"``, ``"new window"`` or None (cancelled)."""
    return TARGETS.get(int(ImportTargetDialog(name, modified, parent).exec()))
