"""The main toolbar: the modes and actions a new user looks for first, as icons with text.

It only shows actions the window already has (``window.actions``); missing ones are skipped, so
the bar works with or without photo import and the timeline installed.
"""

from __future__ import annotations

import shiboken6
from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt

#: (action name, short label, the style's icon or None) in order; None = separator.
TOOLBAR_ACTIONS = (
    ("new", "New", "SP_FileIcon"), ("open", "Open", "SP_DialogOpenButton"),
    ("save", "Save", "SP_DialogSaveButton"),
    None,
    ("undo", "Undo", "SP_ArrowBack"), ("redo", "Redo", "SP_ArrowForward"),
    None,
    ("import_photo", "Photo", "SP_DirOpenIcon"), ("export", "Export", "SP_DialogApplyButton"),
    None,
    ("add_person", "Add person", "SP_FileDialogNewFolder"),
    ("frame_people", "Frame", "SP_TitleBarMaxButton"),
    ("look_through", "Camera view", "SP_DesktopIcon"), ("symmetric", "Symmetric", None),
    None,
    ("timeline_play", "Play", "SP_MediaPlay"), ("timeline_key", "Key", None),
)


def install(window: QtWidgets.QMainWindow) -> QtWidgets.QToolBar:
    """Add the "Main" toolbar to ``window`` (idempotent) and return it."""
    existing = window.findChild(QtWidgets.QToolBar, "main_toolbar")
    if existing is not None:
        return existing
    bar = QtWidgets.QToolBar("Main", window)
    bar.setObjectName("main_toolbar")
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    bar.setMovable(True)
    style = window.style()
    actions = getattr(window, "actions", {})
    last_separator = True
    for entry in TOOLBAR_ACTIONS:
        if entry is None:
            if not last_separator:
                bar.addSeparator()
                last_separator = True
            continue
        name, label, icon = entry
        action = actions.get(name)
        if action is None:
            continue
        if icon is not None and action.icon().isNull():
            action.setIcon(style.standardIcon(getattr(QtWidgets.QStyle.StandardPixmap, icon)))
        bar.addAction(_Twin(action, label, bar))
        last_separator = False
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return bar


class _Twin(QtGui.QAction):
    """A toolbar twin of an action with a short fixed label (undo/redo rename themselves after
    every edit; a checked button would take the action's long text back): it triggers the action
    and follows its enabled and checked state and tooltip. Connected through its own method, so
    the connection ends when the twin is deleted."""

    def __init__(self, action: QtGui.QAction, label: str, parent) -> None:
        super().__init__(action.icon(), label, parent)
        self.source = action
        self.setCheckable(action.isCheckable())
        self.triggered.connect(action.trigger)
        action.changed.connect(self.follow)
        action.toggled.connect(self.follow)
        self.follow()

    def follow(self) -> None:
        if not shiboken6.isValid(self.source):     # the action is being destroyed
            return
        self.setEnabled(self.source.isEnabled())
        if self.isCheckable() and self.isChecked() != self.source.isChecked():
            self.blockSignals(True)
            self.setChecked(self.source.isChecked())
            self.blockSignals(False)
        self.setToolTip(self.source.toolTip() or self.source.text())

