"""The recovery dialog: the work each crashed editor left, to reopen or discard one by one.

Opened window-modal (no nested event loop) at start-up when :class:`ui.autosave.Recovery` finds
slots of editors that did not exit cleanly. *Recover* opens the selected work in this window
(as unsaved changes, autosaved at once into this editor's own slot, then the crashed slot is
deleted); *Discard* deletes the selected slot; *Later* keeps the rest for the next start.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

from posestudio.errors import PoseStudioError

from .autosave import CrashedSlot, Recovery


class RecoveryDialog(QtWidgets.QDialog):
    """Lists :attr:`Recovery.slots`; ``recovered(slot)`` after one is opened in the window."""

    recovered = QtCore.Signal(object)

    def __init__(self, recovery: Recovery, window) -> None:
        super().__init__(window)
        self.setWindowTitle("Recover unsaved work")
        self.setWindowModality(QtCore.Qt.WindowModality.WindowModal)
        self.recovery = recovery
        self.window_ = window
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(QtWidgets.QLabel(
            "These editors did not exit cleanly. Pick the work to reopen in this window:"))
        self.list = QtWidgets.QListWidget(self)
        self.list.itemDoubleClicked.connect(lambda item: self.recover_selected())
        layout.addWidget(self.list)
        self.message = QtWidgets.QLabel("", self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QtWidgets.QDialogButtonBox(self)
        self.recover_button = self.buttons.addButton(
            "Recover", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.discard_button = self.buttons.addButton(
            "Discard", QtWidgets.QDialogButtonBox.ButtonRole.DestructiveRole)
        self.later_button = self.buttons.addButton(
            "Later", QtWidgets.QDialogButtonBox.ButtonRole.RejectRole)
        self.recover_button.clicked.connect(self.recover_selected)
        self.discard_button.clicked.connect(self.discard_selected)
        self.later_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.finished.connect(lambda _code: self.recovery.close())
        self._fill()

    def _fill(self) -> None:
        self.list.clear()
        for slot in self.recovery.slots:
            item = QtWidgets.QListWidgetItem(slot.describe())
            item.setData(QtCore.Qt.ItemDataRole.UserRole, str(slot.folder))
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        else:
            self.accept()

    def selected(self) -> CrashedSlot | None:
        item = self.list.currentItem()
        if item is None:
            return None
        folder = item.data(QtCore.Qt.ItemDataRole.UserRole)
        return next((s for s in self.recovery.slots if str(s.folder) == folder), None)

    def recover_selected(self) -> bool:
        """Open the selected work in the window; True when it was recovered."""
        from posestudio.scene.file_format import load_scene

        slot = self.selected()
        if slot is None:
            return False
        try:
            scene = load_scene(slot.scene_path)
        except PoseStudioError as exc:
            self.message.setText(f"Cannot recover: {exc}")
            return False
        window = self.window_
        window.doc.replace_scene(scene, Path(slot.source) if slot.source else None)
        window.doc.undo_stack.resetClean()     # recovered work is unsaved work
        window.autosave()                      # in this editor's own slot before the old goes
        self.recovery.discard(slot)
        window._update_title()
        window._frame_all()
        window.statusBar().showMessage(f"Recovered {slot.describe()}", 6000)
        self.recovered.emit(slot)
        self._fill()
        return True

    def discard_selected(self) -> None:
        slot = self.selected()
        if slot is not None:
            self.recovery.discard(slot)
            self._fill()


def offer_recovery(window) -> RecoveryDialog | None:
    """Show what crashed editors left (window-modal); None when there is nothing."""
    recovery = Recovery()
    if not recovery.slots:
        recovery.close()
        return None
    dialog = RecoveryDialog(recovery, window)
    dialog.open()
    return dialog
