"""Video import in the editor: File ▸ Import Video / Keypoint Sequence…, the Video Import dock,
the worker, and the animated scene landing as one undo step.

Flow: a source (menu, or the dock's field) → its preview (a video's first frame, or what the
keypoint file holds) → Import runs the core importer (:func:`ui.video_import.work.run_import`,
the same functions ``posestudio import`` calls) in a :class:`~ui.photo_import.job.FitJob`
thread with progress and Cancel → on success the whole scene is replaced by the animated one in
ONE undo step, and the timeline shows its keys. A failure or a cancel leaves the scene as it was
and says so in one line; no dialog opens except the file pickers.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6 import QtGui
from PySide6.QtCore import QObject, Signal

from posestudio.errors import PoseStudioError

from ..photo_import.job import FitJob
from .panel import VideoImportPanel
from .work import describe_source, preload, run_import

__all__ = ["VideoImport"]

MESSAGE_MS = 10000


class VideoImport(QObject):
    """Owns the import action, the Video Import dock and the running job.

    Signals
    -------
    jobFinished(str)   "imported", "failed" or "cancelled", after the scene (or nothing) changed
    """

    jobFinished = Signal(str)

    def __init__(self, window) -> None:
        super().__init__(window)
        from ..generate import add_job_panel, beside_generate

        self.window = window
        self.doc = window.doc
        self.job: FitJob | None = None
        self.panel = VideoImportPanel()
        self.panel.shutdown = self.shutdown          # what add_job_panel calls on close
        self.panel.sourceChosen.connect(self.set_source)
        self.panel.importRequested.connect(self.start)
        self.panel.cancelRequested.connect(self.cancel)
        self.dock = add_job_panel(window, self.panel, name="video-import", title="Video Import")
        beside_generate(window, self.dock)
        self.action = QtGui.QAction("Import &Video / Keypoint Sequence…", window)
        self.action.setStatusTip("Track and lift the people of a video (or of a keypoint "
                                 "sequence) into an animated scene")
        self.action.triggered.connect(self.import_dialog)
        window.addAction(self.action)
        if isinstance(getattr(window, "actions", None), dict):
            window.actions["import_video"] = self.action
        self._add_to_file_menu()

    def _add_to_file_menu(self) -> None:
        from ..photo_import.controller import _menu

        file_menu = _menu(self.window.menuBar(), "&File")
        if file_menu is None:
            return
        actions = file_menu.actions()
        anchor = next((a for a in actions if a.text().startswith("Import &OpenPose")), None)
        after = actions[actions.index(anchor) + 1] if anchor is not None and \
            actions.index(anchor) + 1 < len(actions) else None
        if after is not None:
            file_menu.insertAction(after, self.action)
        else:
            file_menu.addAction(self.action)

    # -- entry points ------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """An import is under way: from Import until its outcome is reported."""
        return self.job is not None

    def import_dialog(self) -> None:
        """File ▸ Import Video…: show the dock and pick a video (the dock's "…" offers the
        keypoint kinds)."""
        self.dock.show()
        self.dock.raise_()
        self.panel._pick_video()
        if self.panel.path.text() and self.panel.info.text():
            self.start()

    def set_source(self, path: str) -> bool:
        """Show ``path``'s preview and description; False (one line) if it cannot be read."""
        self.panel.path.setText(path)
        try:
            info = describe_source(path)
        except PoseStudioError as exc:
            self.panel.show_source("", None)
            self.panel.message(str(exc), error=True)
            return False
        self.panel.show_source(info.text, info.preview)
        self.panel.message("")
        return True

    def start(self) -> bool:
        """Import the panel's source with its options in a worker thread; False if busy or
        the source is wrong (one line in the panel)."""
        path = self.panel.path.text().strip()
        if self.busy:
            return False
        if not path:
            self.panel.message("choose a video or a keypoint sequence first", error=True)
            return False
        if not self.set_source(path):
            return False
        preload()
        work = functools.partial(run_import, path, self.panel.options())
        job = self.job = FitJob(work, f"Importing {Path(path).name}")
        job.progressed.connect(self.panel.set_progress)
        job.succeeded.connect(functools.partial(self._commit, Path(path)))
        job.failed.connect(self._failed)
        job.cancelled.connect(self._cancelled)
        self.panel.set_running(True)
        self.panel.message(f"Importing {Path(path).name}…")
        job.start()
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.panel.message("Cancelling…")

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Stop a running import and wait for it (the window is closing)."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait(timeout_ms)

    # -- outcome -----------------------------------------------------------------------------
    def _commit(self, path: Path, result) -> None:
        from posestudio.generate.reuse import ReplaceScene

        scene, report = result
        try:
            self.doc.push(ReplaceScene(self.doc.scene, scene, f"Import {path.name}"))
        except Exception as exc:  # an edit that cannot apply has reverted itself
            self._failed(f"Import {path.name} failed: {exc}")
            return
        people = len(scene.people)
        turned = (f"; the camera turned {report.camera_turn_deg:.1f}° and the scene camera "
                  f"turns with it" if scene.animation.camera_keys else "")
        text = (f"Imported {path.name}: {people} {'person' if people == 1 else 'people'}, "
                f"{report.num_frames} frames at {report.fps:g} fps{turned}; Undo brings the "
                f"previous scene back")
        self._done(text, "imported")
        timeline = getattr(self.window, "timeline", None)
        if timeline is not None and hasattr(timeline, "go_to"):
            timeline.go_to(0)

    def _failed(self, message: str) -> None:
        self._done(message, "failed", error=True)

    def _cancelled(self) -> None:
        self._done("Import cancelled: the scene is unchanged", "cancelled")

    def _done(self, text: str, outcome: str, error: bool = False) -> None:
        self.job = None         # the thread ends on its own (FitJob keeps itself alive till then)
        self.panel.set_running(False)
        if outcome != "imported":
            self.panel.progress.setValue(0)
        self.panel.message(text, error=error)
        self.window.statusBar().showMessage(text, MESSAGE_MS)
        self.jobFinished.emit(outcome)

