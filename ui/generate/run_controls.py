"""What every generating panel does around a run: the action row, the output folder, the status
line, and the end of a run. Mixed into :class:`~ui.generate.panel.GeneratePanel` and
:class:`~ui.generate.job_panel.JobPanel` (both own a ``runner``: a ``JobRunner``)."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from .settings import default_output_dir
from .widgets import ActionRow

__all__ = ["RunControls", "open_path"]


def open_path(path: str | Path) -> bool:
    """Hand a file or folder to the desktop (the system's video player, file manager)."""
    return QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(path)))


class RunControls:
    """Mixin for a panel with an :class:`ActionRow`.

    The panel sets ``run_text`` (the run button's text, also the prefix of errors in the status
    bar), ``status_bar`` (or None), ``doc`` (the document) and ``output_dir`` (None: the app's
    folder), and calls :meth:`_add_action_row` once while building.
    """

    run_text = "Run"
    status_bar: QtWidgets.QStatusBar | None = None

    def _follow(self, service, document, status_bar: QtWidgets.QStatusBar | None,
                output_dir: Path | None) -> None:
        """Keep the panel's ``doc``, ``status_bar`` and ``output_dir``; make ``runner``, a
        ``JobRunner`` of the process ``service()``, and show what it reports (the panel's
        ``_on_stage``, ``_on_progress`` and ``_on_succeeded``)."""
        from .job import JobRunner

        self.doc = document
        self.status_bar = status_bar
        self.output_dir = Path(output_dir) if output_dir else None
        self.runner = JobRunner(service, self)
        self.runner.stage.connect(self._on_stage)
        self.runner.progress.connect(self._on_progress)
        self.runner.succeeded.connect(self._on_succeeded)
        self.runner.failed.connect(lambda message: self._message(message, error=True))
        self.runner.cancelled.connect(lambda: self._message("Cancelled"))
        self.runner.ended.connect(self._finish)

    def _add_action_row(self, outer: QtWidgets.QBoxLayout, run) -> ActionRow:
        """Add the run/cancel/progress/status row to ``outer``; ``run`` starts a run."""
        actions = ActionRow(self.run_text)
        self.run_button, self.cancel_button = actions.run_button, actions.cancel_button
        self.progress, self.status = actions.progress, actions.status
        self.saved_in, self.open_folder_button = actions.saved_in, actions.open_folder_button
        self.run_button.clicked.connect(run)
        self.cancel_button.clicked.connect(self.cancel)
        self.open_folder_button.clicked.connect(self.open_output_folder)
        outer.addWidget(actions)
        self.show_output_dir()
        return actions

    # -- output folder ----------------------------------------------------------------------------
    def _output_dir(self) -> Path:
        return self.output_dir or default_output_dir()

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

    def _new_output(self, tag: str, suffix: str) -> Path:
        """A new file in the output folder named after the scene, ``tag`` (may be empty) and
        the time, with ``suffix`` (``"_2"``, ``"_3"``… added if the name is taken)."""
        stem = self.doc.path.name.split(".")[0] if self.doc.path else "untitled"
        stem = f"{stem}-{tag}{time.strftime('%Y%m%d-%H%M%S')}"
        folder = self._output_dir()
        out, n = folder / f"{stem}{suffix}", 2
        while out.exists():
            out, n = folder / f"{stem}_{n}{suffix}", n + 1
        return out

    # -- reuse ----------------------------------------------------------------------------------
    def _pick_reuse_file(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Reuse parameters from image",
                                                        str(self._output_dir()), "PNG (*.png)")
        if path:
            self.reuse_file(path)

    def _apply_reused(self, path: str | Path, request, scene) -> None:
        """Put a reused ``request`` into the fields and, if not None, ``scene`` (read from
        ``path``) into the document as one undo step."""
        from posestudio.generate.reuse import ReplaceScene

        if scene is not None:
            self.doc.push(ReplaceScene(self.doc.scene, scene,
                                       f"Restore scene from {Path(path).name}"))
        self.apply_request(request)
        if scene is not None:
            self._message(f"Parameters and scene reused (seed {request.seed}); "
                          f"Undo brings the previous scene back")

    def _add_reuse_row(self, layout: QtWidgets.QBoxLayout, selected_tip: str, file_tip: str,
                       scene_tip: str) -> None:
        """Add "Reuse parameters" (``reuse_button``, of the selected result), "From image…"
        and the "Also restore the scene" box (``reuse_scene``) below the results."""
        buttons = QtWidgets.QHBoxLayout()
        self.reuse_button = QtWidgets.QPushButton("Reuse parameters")
        self.reuse_button.setToolTip(selected_tip)
        self.reuse_button.setEnabled(False)
        self.reuse_button.clicked.connect(self.reuse_selected)
        reuse_file = QtWidgets.QPushButton("From image…")
        reuse_file.setToolTip(file_tip)
        reuse_file.clicked.connect(self._pick_reuse_file)
        buttons.addWidget(self.reuse_button)
        buttons.addWidget(reuse_file)
        layout.addLayout(buttons)
        self.reuse_scene = QtWidgets.QCheckBox("Also restore the scene")
        self.reuse_scene.setToolTip(scene_tip)
        layout.addWidget(self.reuse_scene)

    # -- a run ------------------------------------------------------------------------------------
    def _start_busy(self) -> None:
        """Show a run as started: busy progress until the first report, Cancel enabled."""
        self.progress.setRange(0, 0)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._message("Starting…")

    def cancel(self) -> None:
        if self.runner.cancel():
            self._message("Cancelling…")

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel a running job and wait until it stopped (the window is closing)."""
        self.runner.shutdown(timeout_ms)

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
