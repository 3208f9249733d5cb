"""Export dialog: which maps, which folder, which file names.

The files and their names are those of :func:`posestudio.render.export.export_maps` (the CLI's
``render`` writes the same set): one PNG per map named after the map, optionally after a prefix
(``shot01_openpose.png``), ``openpose.json``, ``depth_metric.npy`` and ``camera.json``; all
files appear together or not at all.

Rendering at canvas size takes about a second, so the dialog does not do it on the UI thread: the
job goes to the render worker process (:class:`ui.workers.PreviewWorker`, the one that renders
the previews when the window has it), the dialog shows a busy bar meanwhile and the answer (files
or an error message, shown in the dialog, never in a modal box) arrives as a signal.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

from posestudio.errors import PoseStudioError
from posestudio.render.export import EXPORT_MAPS, check_export

from .workers import PREVIEW_MAPS

#: Ticked at first: every map the previews show (what the user has been looking at).
DEFAULT_MAPS = PREVIEW_MAPS
LAST_FOLDER_KEY = "export/last_folder"


class ExportDialog(QtWidgets.QDialog):
    """``worker``: a :class:`ui.workers.PreviewWorker` to render in (the main window's); without
    one the dialog starts its own and stops it when it closes."""

    def __init__(self, document, parent=None, worker=None) -> None:
        super().__init__(parent)
        self.doc = document
        self._worker = worker
        self._own_worker = None
        self._job: int | None = None
        self.setWindowTitle("Export control maps")
        form = QtWidgets.QFormLayout(self)
        canvas = document.scene.canvas
        form.addRow(QtWidgets.QLabel(
            f"Maps are rendered through the scene camera at {canvas.width}×{canvas.height}.\n"
            "Normal map: camera-space normals, RGB = (x, y, z)·0.5+0.5 (ControlNet normal-bae)."))
        self.checks = {}
        row = QtWidgets.QGridLayout()
        for i, name in enumerate(EXPORT_MAPS):
            box = QtWidgets.QCheckBox(name)
            box.setChecked(name in DEFAULT_MAPS)
            self.checks[name] = box
            row.addWidget(box, i // 3, i % 3)
        form.addRow("Maps", row)
        self.folder = QtWidgets.QLineEdit(str(self._default_folder()))
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        line = QtWidgets.QHBoxLayout()
        line.addWidget(self.folder)
        line.addWidget(browse)
        form.addRow("Folder", line)
        self.prefix = QtWidgets.QLineEdit(document.path.name.split(".")[0] if document.path
                                          else "")
        self.prefix.setPlaceholderText("none: openpose.png, depth.png …")
        self.prefix.setToolTip("Optional prefix: shot01 → shot01_openpose.png")
        form.addRow("Name prefix", self.prefix)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.run_export)
        buttons.rejected.connect(self.reject)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 0)                     # busy: the worker reports no steps
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.message = QtWidgets.QLabel()
        self.message.setWordWrap(True)
        form.addRow(self.progress)
        form.addRow(self.message)
        form.addRow(buttons)
        self.buttons = buttons
        self.written: list[Path] = []
        self.error = ""

    def _default_folder(self) -> Path:
        """The folder used last; else ``controlnet_maps`` next to the scene file (unless that is
        inside the application, e.g. a bundled example); else ``~/PoseStudio/controlnet_maps``."""
        from . import files

        last = files.settings().value(LAST_FOLDER_KEY)
        if last and Path(str(last)).parent.is_dir():
            return Path(str(last))
        scene = self.doc.path
        if scene is not None and not _inside_application(scene):
            return scene.parent / "controlnet_maps"
        return Path.home() / "PoseStudio" / "controlnet_maps"

    def _browse(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Export folder",
                                                            self.folder.text())
        if folder:
            self.folder.setText(folder)

    def selected_maps(self) -> list[str]:
        return [name for name, box in self.checks.items() if box.isChecked()]

    def exporting(self) -> bool:
        return self._job is not None

    def run_export(self) -> None:
        """Check the choices, then hand the render to the worker; returns at once."""
        if self.exporting():
            return
        maps, prefix = self.selected_maps(), self.prefix.text().strip()
        try:
            check_export(maps, prefix)
        except PoseStudioError as exc:
            self._show_error(str(exc))
            return
        worker = self._worker
        if worker is None:
            from .workers import PreviewWorker

            worker = self._own_worker = self._own_worker or PreviewWorker((), self)
        worker.exported.connect(self._on_exported)
        canvas = self.doc.scene.canvas
        self._set_busy(True, f"Rendering {len(maps)} map(s) at {canvas.width}×{canvas.height}…")
        self._job = worker.export(self.doc.scene, Path(self.folder.text()), maps, prefix)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.progress.setVisible(busy)
        for box in self.checks.values():
            box.setEnabled(not busy)
        self.folder.setEnabled(not busy)
        self.prefix.setEnabled(not busy)
        self.buttons.setEnabled(not busy)
        self.message.setStyleSheet("")
        self.message.setText(text)

    def _show_error(self, text: str) -> None:
        self.error = text
        self.message.setStyleSheet("color: #d04040;")
        self.message.setText(f"Export failed: {text}")

    def _on_exported(self, seq: int, paths, error: str) -> None:
        if seq != self._job:
            return
        self._job = None
        self.sender().exported.disconnect(self._on_exported)
        self._set_busy(False)
        if error:
            self._show_error(error)
            return
        self.written = [Path(p) for p in paths]
        from . import files

        settings = files.settings()
        settings.setValue(LAST_FOLDER_KEY, self.folder.text())
        settings.sync()
        parent = self.parent()
        if parent is not None and hasattr(parent, "statusBar"):
            parent.statusBar().showMessage(
                f"Exported {len(self.written)} files to {self.folder.text()}", 6000)
        self.accept()

    def reject(self) -> None:
        if not self.exporting():         # a running export finishes (its files appear whole)
            super().reject()

    def done(self, result: int) -> None:
        if self._own_worker is not None:
            self._own_worker.stop()
            self._own_worker = None
        super().done(result)


def _inside_application(path: Path) -> bool:
    """True for a file inside the installed application (its bundled examples)."""
    import posestudio

    app = Path(posestudio.__file__).resolve().parent
    try:
        Path(path).resolve().relative_to(app)
    except ValueError:
        return False
    return True
