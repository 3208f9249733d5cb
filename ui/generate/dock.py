"""Putting a job panel into the main window: its dock, the Generate menu, shutdown on close.

A *job panel* is a widget with a ``shutdown()`` method that cancels its running job and waits
for it (see :class:`ui.generate.job.JobRunner`).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt

__all__ = ["add_job_panel", "generate_menu"]


def add_job_panel(window, panel: QtWidgets.QWidget, *, name: str,
                  title: str) -> QtWidgets.QDockWidget:
    """Put ``panel`` (scrollable) into a right-hand dock of ``window`` named ``name``.

    The dock is a tab beside the other tall right-hand panels (so it gets the full height) and
    is registered in ``window.docks``; ``panel.shutdown()`` runs once the window really closed
    and when the application quits.
    """
    scroll = QtWidgets.QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(panel)
    dock = QtWidgets.QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(scroll)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    docks = getattr(window, "docks", None)
    if isinstance(docks, dict):
        neighbour = docks.get("presets") or docks.get("camera")
        if neighbour is not None:
            window.tabifyDockWidget(neighbour, dock)
        docks[name] = dock
    window.installEventFilter(_CloseWatcher(panel, window))
    app = QtWidgets.QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(panel.shutdown)
    return dock


def generate_menu(window) -> QtWidgets.QMenu:
    """The window's "Generate" menu, made on first use (every generation panel adds to it)."""
    for action in window.menuBar().actions():
        menu = action.menu()
        if menu is not None and menu.objectName() == "generate-menu":
            return menu
    menu = window.menuBar().addMenu("&Generate")
    menu.setObjectName("generate-menu")
    return menu


class _CloseWatcher(QtCore.QObject):
    """Stops a panel's job once the window really closed (its own closeEvent may refuse)."""

    def __init__(self, panel: QtWidgets.QWidget, window) -> None:
        super().__init__(window)
        self.panel, self.window = panel, window

    def eventFilter(self, obj, event):  # noqa: N802 (Qt API)
        if obj is self.window and event.type() == QtCore.QEvent.Type.Close:
            QtCore.QTimer.singleShot(0, self.panel, self._after_close)
        return False

    def _after_close(self) -> None:
        if not self.window.isVisible():
            self.panel.shutdown()
