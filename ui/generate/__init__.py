"""Generation in the editor: panels that run jobs of a service process without blocking.

``install(window)`` adds the Generate dock (local ControlNet generation from the scene) and the
Generate menu; ``MainWindow`` calls it once after its menus and docks exist.

Modules: ``job`` (:class:`~ui.generate.job.JobRunner`: one job at a time of a service process,
followed by a thread, with stage/progress/outcome signals, cancel and shutdown), ``service``
(the app's one generation process), ``settings`` (what a panel remembers, where outputs go),
``widgets`` (model pickers, ControlNet rows, result strip), ``panel`` (the Generate panel's
fields, request and gallery) and ``dock`` (putting a job panel into the window: a dock tabbed
with the tall right-hand panels, the Generate menu, shutdown when the window closes).

The Generate Video and Re-pose panels run in the job process (``service.job_service``):
``job_panel`` (:class:`~ui.generate.job_panel.JobPanel`, their run/cancel/progress/status and
remembered fields), ``job_widgets`` (image field, seed, frame player), ``video_panel`` and
``repose_panel``; ``install`` adds them too.
"""

from __future__ import annotations

from PySide6 import QtGui

from .dock import add_job_panel, generate_menu
from .job import JobRunner, ServiceJob
from .panel import GeneratePanel
from .repose_panel import ReposePanel
from .video_panel import VideoPanel

__all__ = ["GeneratePanel", "JobRunner", "ReposePanel", "ServiceJob", "VideoPanel",
           "add_job_panel", "beside_generate", "generate_menu", "install", "install_repose",
           "install_video"]


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
    install_video(window)
    install_repose(window)
    return panel


def beside_generate(window, dock) -> None:
    """Tab ``dock`` with the Generate dock (the tall right-hand group), where there is one."""
    generate = getattr(window, "generate_dock", None)
    if generate is not None:
        window.tabifyDockWidget(generate, dock)


def _install_job_panel(window, panel, name: str, title: str, run_text: str,
                       cancel_text: str):
    """Dock a job ``panel`` beside Generate and add Run (shows the dock), Cancel and the dock's
    toggle to the Generate menu; returns the panel."""
    dock = add_job_panel(window, panel, name=name, title=title)
    beside_generate(window, dock)
    menu = generate_menu(window)
    menu.addSeparator()
    menu.addAction(run_text, lambda: (dock.show(), dock.raise_(), panel.run()))
    menu.addAction(cancel_text, panel.cancel)
    menu.addAction(dock.toggleViewAction())
    return panel


def install_video(window) -> VideoPanel:
    """Add the Generate Video panel (a dock) and its entries in the Generate menu."""
    window.video_panel = _install_job_panel(
        window, VideoPanel(window.doc, window, status_bar=window.statusBar()),
        "generate-video", "Generate Video", "Generate &Video", "Cancel Video")
    return window.video_panel


def install_repose(window) -> ReposePanel:
    """Add the Re-pose panel (a dock) and its entries in the Generate menu."""
    window.repose_panel = _install_job_panel(
        window, ReposePanel(window.doc, window, status_bar=window.statusBar()),
        "repose", "Re-pose", "&Re-pose Photo", "Cancel Re-pose")
    return window.repose_panel
