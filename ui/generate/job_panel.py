"""What the video and re-pose panels share: one job at a time of the job process, a Run/Cancel
row with a progress bar and a one-line status, remembered fields, and where outputs go.

The fields and the result scroll; the Run/Cancel row, progress bar and status stay below them
in view (as in the Generate panel). A subclass builds its fields in ``_build_fields(layout)``, says how a run is asked for in
``build_request()`` (a request whose ``to_dict()`` the job process takes), and shows the
``done`` payload in ``_show_result(payload)``. It lists the widgets whose values are remembered
in ``state()``/``restore(state)``. Errors never open a dialog: they go to the status line (red)
and the window's status bar.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from posestudio.errors import PoseStudioError

from .job import JobRunner
from .service import job_service
from .settings import default_output_dir, load_state, save_state
from .widgets import ActionRow, VerticalScroll

__all__ = ["JobPanel", "open_path"]


def open_path(path: str | Path) -> bool:
    """Hand a file or folder to the desktop (the system's video player, file manager)."""
    return QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(path)))


class JobPanel(QtWidgets.QWidget):
    """A panel that runs one job kind ("video", "repose") of the job process.

    Class attributes
    ----------------
    kind : the job kind the process runs
    settings_key : where :mod:`ui.generate.settings` keeps the fields
    run_text : the run button's text
    suffix : the output file's suffix

    Signals
    -------
    resultReady(dict)   the ``done`` payload of a finished run, after the panel shows it
    runFinished(str)    "done", "failed" or "cancelled" when a run ends
    """

    kind = ""
    settings_key = ""
    run_text = "Run"
    suffix = ".png"

    resultReady = Signal(object)
    runFinished = Signal(str)

    def __init__(self, document, parent=None, *, status_bar: QtWidgets.QStatusBar | None = None,
                 output_dir: Path | None = None) -> None:
        super().__init__(parent)
        self.doc = document
        self.status_bar = status_bar
        self.output_dir = Path(output_dir) if output_dir else None
        self.runner = JobRunner(job_service, self)
        self.runner.stage.connect(self._on_stage)
        self.runner.progress.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_succeeded)
        self.runner.failed.connect(lambda message: self._message(message, error=True))
        self.runner.cancelled.connect(lambda: self._message("Cancelled"))
        self.runner.ended.connect(self._finish)
        self._restoring = True
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        self._build_fields(layout)
        self._build_result(layout)
        layout.addStretch(1)
        self.fields_scroll = VerticalScroll(body)     # fields and result scroll in a short dock,
        outer.addWidget(self.fields_scroll, 1)
        self._build_run_row(outer)                     # Run/Cancel/progress/status stay in view
        try:
            self.restore(load_state(self.settings_key))
        finally:
            self._restoring = False

    # -- for subclasses --------------------------------------------------------------------------
    def _build_fields(self, layout: QtWidgets.QVBoxLayout) -> None:
        raise NotImplementedError

    def _build_result(self, layout: QtWidgets.QVBoxLayout) -> None:
        raise NotImplementedError

    def build_request(self):
        """The request of the fields; PoseStudioError names a bad field."""
        raise NotImplementedError

    def check(self, request) -> None:
        """Milliseconds of checks before a run (model folder, files); PoseStudioError."""

    def _show_result(self, payload: dict) -> None:
        raise NotImplementedError

    def state(self) -> dict:
        return {}

    def restore(self, state: dict) -> None:
        """Put remembered fields back (a damaged value is skipped)."""

    # -- shared layout ------------------------------------------------------------------------
    def _build_run_row(self, outer: QtWidgets.QVBoxLayout) -> None:
        actions = ActionRow(self.run_text)
        self.run_button, self.cancel_button = actions.run_button, actions.cancel_button
        self.progress, self.status = actions.progress, actions.status
        self.saved_in, self.open_folder_button = actions.saved_in, actions.open_folder_button
        self.run_button.clicked.connect(self.run)
        self.cancel_button.setToolTip("Stop after the current step; nothing is written")
        self.cancel_button.clicked.connect(self.cancel)
        self.open_folder_button.clicked.connect(self.open_output_folder)
        outer.addWidget(actions)
        self.show_output_dir()

    def show_output_dir(self) -> None:
        """Say where the results go (after the output folder changed)."""
        self.saved_in.set_full_text(f"Saved in {self._output_dir()}")

    def open_output_folder(self) -> bool:
        """Show the output folder in the system's file manager (made first if need be)."""
        try:
            self._output_dir().mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._message(f"cannot make the output folder {self._output_dir()}: {exc.strerror}",
                          error=True)
            return False
        return open_path(self._output_dir())

    def _save(self, *_args) -> None:
        if not self._restoring:
            save_state(self.settings_key, self.state())

    def remember(self, *signals) -> None:
        """Save the fields whenever one of ``signals`` fires."""
        for signal in signals:
            signal.connect(self._save)

    # -- running --------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.runner.running

    def _output_dir(self) -> Path:
        return self.output_dir or default_output_dir()

    def output_path(self) -> Path:
        """A new file in the output folder, named after the scene and the time."""
        stem = self.doc.path.name.split(".")[0] if self.doc.path else "untitled"
        stem = f"{stem}-{self.kind}-{time.strftime('%Y%m%d-%H%M%S')}"
        folder = self._output_dir()
        out, n = folder / f"{stem}{self.suffix}", 2
        while out.exists():
            out, n = folder / f"{stem}_{n}{self.suffix}", n + 1
        return out

    def run(self) -> bool:
        """Start a job in the job process; False (one line in the status) if the fields are
        wrong or a job is already running."""
        if self.running:
            return False
        from posestudio.scene.file_format import scene_to_dict

        try:
            request = self.build_request()
            self.check(request)
        except PoseStudioError as exc:
            self._message(str(exc), error=True)
            return False
        self._save()
        scene, out = scene_to_dict(self.doc.scene), str(self.output_path())
        self.progress.setRange(0, 0)     # busy until the first report
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._message("Starting…")
        return self.runner.start(
            lambda service: service.submit(self.kind, scene, request.to_dict(), out))

    def cancel(self) -> None:
        if self.runner.cancel():
            self._message("Cancelling…")

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel a running job and wait until it stopped (the window is closing)."""
        self.runner.shutdown(timeout_ms)

    def _on_stage(self, text: str) -> None:
        self._message(text[:1].upper() + text[1:])

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_succeeded(self, payload: dict) -> None:
        self._show_result(payload)
        self.resultReady.emit(payload)
        QtCore.QTimer.singleShot(0, self._reveal_result)

    def result_widget(self) -> QtWidgets.QWidget | None:
        """The widget showing the result, scrolled into view when a run succeeds."""
        return None

    def _reveal_result(self) -> None:
        widget = self.result_widget()          # a short dock scrolls: bring the result in view
        if widget is not None:
            self.fields_scroll.ensureWidgetVisible(widget)

    def _finish(self, how: str) -> None:
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        if how != "done":
            self.progress.setValue(0)
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.runFinished.emit(how)

    def _message(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #e05050;" if error else "")
        if self.status_bar is not None:
            self.status_bar.showMessage((f"{self.run_text}: " if error else "") + text, 8000)
