"""Generation in the editor: panels that run jobs of a service process without blocking.

``install(window)`` adds the Generate dock (local ControlNet generation from the scene) and the
Generate menu; ``MainWindow`` calls it once after its menus and docks exist.

Modules: ``job`` (:class:`~ui.generate.job.JobRunner`: one job at a time of a service process,
followed by a thread, with stage/progress/outcome signals, cancel and shutdown), ``service``
(the app's one generation process), ``settings`` (what a panel remembers, where outputs go),
``widgets`` (model pickers, ControlNet rows, result strip), ``panel`` (the Generate panel's
fields, request and gallery) and ``dock`` (putting a job panel into the window: a dock tabbed
with the tall right-hand panels, the Generate menu, shutdown when the window closes). Another
job panel (video generation, re-posing) reuses ``JobRunner`` for its service and
:func:`~ui.generate.dock.add_job_panel` for its dock and menu entry.
"""

from __future__ import annotations

from PySide6 import QtGui

from .dock import add_job_panel, generate_menu
from .job import JobRunner, ServiceJob
from .panel import GeneratePanel

__all__ = ["GeneratePanel", "JobRunner", "ServiceJob", "add_job_panel", "generate_menu",
           "install"]


def install(window) -> GeneratePanel:
    """Add the Generate panel as a dock of ``window`` (a ``MainWindow``), with a Generate menu.

    The running generation is cancelled and waited for when the window closes or the app quits.
    """
    panel = GeneratePanel(window.doc, window, status_bar=window.statusBar())
    dock = add_job_panel(window, panel, name="generate", title="Generate")
    menu = generate_menu(window)
    run = menu.addAction("&Generate Image", panel.generate)
    run.setShortcut(QtGui.QKeySequence("Ctrl+Shift+G"))
    menu.addAction("&Cancel Generation", panel.cancel)
    menu.addSeparator()
    menu.addAction(dock.toggleViewAction())
    window.generate_panel = panel
    window.generate_dock = dock
    return panel
