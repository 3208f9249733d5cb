"""The timeline: key poses over time, play them back, onion skin (the editor side of animation).

``install(window)`` adds a "Timeline" dock under the viewport and a Timeline menu::

    from .timeline import install as install_timeline
    self.timeline = install_timeline(self)

Modules: ``clock`` (real-time playback that drops frames rather than slowing down), ``ruler``
(the frame strip: scrub, key marks, drag a key), ``panel`` (the dock's widgets), ``keying``
(frame evaluation and key edits), ``controller`` (ties them to the document and the viewport).
"""

from __future__ import annotations

from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt

from .controller import TimelineController
from .panel import TimelinePanel

__all__ = ["TimelineController", "TimelinePanel", "install"]

#: name, text, shortcut, tip, controller method (and argument)
ACTIONS = (
    ("play", "&Play / Pause", "Space", "Play the play range at the scene's frame rate",
     "toggle_play", None),
    ("key", "&Key Pose", "K", "Key the shown pose at the current frame", "set_key", None),
    ("delete_key", "&Delete Key", "Alt+K", "Delete the key at the current frame", "delete_key",
     None),
    ("next_frame", "&Next Frame", "Alt+Right", "", "step", 1),
    ("prev_frame", "P&revious Frame", "Alt+Left", "", "step", -1),
    ("next_key", "Next Ke&y", "Alt+Up", "", "step_key", 1),
    ("prev_key", "Previous K&ey", "Alt+Down", "", "step_key", -1),
    ("copy_pose", "&Copy Pose", "Ctrl+Alt+C", "Copy the selected person's pose at this frame",
     "copy_pose", None),
    ("paste_pose", "Pa&ste Pose as Key", "Ctrl+Alt+K", "Key the copied pose at this frame",
     "paste_pose", None),
)


def install(window) -> TimelineController:
    """Give ``window`` (a :class:`ui.main_window.MainWindow`) a timeline; returns its controller.

    Idempotent: a second call returns the controller already installed.
    """
    existing = getattr(window, "_timeline", None)
    if isinstance(existing, TimelineController):
        return existing
    panel = TimelinePanel()
    controller = TimelineController(window.doc, panel, window.controller, window.viewport)
    controller.message.connect(lambda text: window.statusBar().showMessage(text, 5000))
    dock = QtWidgets.QDockWidget("Timeline", window)
    dock.setObjectName("timeline")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    controller.dock = dock
    menu = QtWidgets.QMenu("&Timeline", window)
    for name, text, key, tip, method, arg in ACTIONS:
        action = QtGui.QAction(text, window)
        action.setShortcut(QtGui.QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip or text.replace('&', '')} ({key})")
        slot = getattr(controller, method)
        action.triggered.connect(slot if arg is None else (lambda _c=False, s=slot, a=arg: s(a)))
        window.addAction(action)
        menu.addAction(action)
        if isinstance(getattr(window, "actions", None), dict):
            window.actions[f"timeline_{name}"] = action
    menu.addSeparator()
    menu.addAction(dock.toggleViewAction())
    bar = window.menuBar()
    help_menu = getattr(window, "help_menu", None)
    if help_menu is not None:
        bar.insertMenu(help_menu.menuAction(), menu)
    else:
        bar.addMenu(menu)
    window._timeline = controller
    return controller
