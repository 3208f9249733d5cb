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

from pathlib import Path

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Signal

from posestudio.errors import PoseStudioError

from .run_controls import RunControls
from .service import job_service
from .settings import load_state, save_state
from .widgets import VerticalScroll

__all__ = ["JobPanel"]


class JobPanel(RunControls, QtWidgets.QWidget):
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
        self._follow(job_service, document, status_bar, output_dir)
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
        self._add_action_row(outer, self.run)
        self.cancel_button.setToolTip("Stop after the current step; nothing is written")

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

    def output_path(self) -> Path:
        """A new file in the output folder, named after the scene, the job kind and the time."""
        return self._new_output(f"{self.kind}-", self.suffix)

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
        self._start_busy()
        return self.runner.start(
            lambda service: service.submit(self.kind, scene, request.to_dict(), out))

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
