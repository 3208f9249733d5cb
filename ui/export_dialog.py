"""Export dialog: which maps, which folder, which file names.

Names follow what ComfyUI / A1111 ControlNet users expect: one PNG per map named after the map
(``openpose.png``, ``depth.png`` …, as the CLI writes them), optionally with a prefix
(``shot01_openpose.png``) so several shots can share a folder; OpenPose also writes the
keypoints as ``openpose.json`` (OpenPose format + ``canvas_width``/``canvas_height``, which the
A1111 OpenPose editor reads) and every export writes ``camera.json``. All files appear together or
not at all.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from posestudio.errors import InputError, PoseStudioError

EXPORT_MAPS = ("openpose", "mannequin", "depth", "normal", "canny", "seg")
DEFAULT_MAPS = ("openpose", "depth", "normal", "canny")


def export_maps(scene, folder: str | Path, maps, prefix: str = "") -> list[Path]:
    """Render ``maps`` of ``scene`` at canvas size and write them into ``folder``.

    Returns the written paths. Raises :class:`InputError` for a bad prefix, no maps or an
    unwritable folder; nothing is written then.
    """
    from PIL import Image

    from posestudio.export.atomic import atomic_output_dir
    from posestudio.render.openpose_json import to_openpose_json
    from posestudio.render.pipeline import render_scene

    maps = [m for m in maps if m in EXPORT_MAPS]
    if not maps:
        raise InputError("export needs at least one map")
    if prefix and not re.fullmatch(r"[\w.\- ]+", prefix):
        raise InputError(f"file name prefix may hold letters, digits, '.', '-', '_' and spaces, "
                         f"got {prefix!r}")
    stem = f"{prefix}_" if prefix and not prefix.endswith(("_", "-", ".")) else prefix
    result = render_scene(scene, maps=maps)
    names = []
    with atomic_output_dir(folder, "export folder") as tmp:
        for name in maps:
            image = result.maps[name]
            Image.fromarray(np.ascontiguousarray(image)).save(tmp / f"{stem}{name}.png")
            names.append(f"{stem}{name}.png")
        if "depth" in maps:
            np.save(tmp / f"{stem}depth_metric.npy", result.maps["depth_metric"].astype(np.float32))
            names.append(f"{stem}depth_metric.npy")
        if "openpose" in maps:
            (tmp / f"{stem}openpose.json").write_text(
                json.dumps(to_openpose_json(result.people, result.canvas)), encoding="utf-8")
            names.append(f"{stem}openpose.json")
        (tmp / f"{stem}camera.json").write_text(json.dumps(result.camera_json(), indent=1),
                                                encoding="utf-8")
        names.append(f"{stem}camera.json")
    return [Path(folder) / n for n in names]


class ExportDialog(QtWidgets.QDialog):
    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.doc = document
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
        form.addRow(buttons)
        self.written: list[Path] = []

    def _default_folder(self) -> Path:
        base = self.doc.path.parent if self.doc.path else Path.home()
        return base / "controlnet_maps"

    def _browse(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Export folder",
                                                            self.folder.text())
        if folder:
            self.folder.setText(folder)

    def selected_maps(self) -> list[str]:
        return [name for name, box in self.checks.items() if box.isChecked()]

    def run_export(self) -> None:
        QtWidgets.QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.written = export_maps(self.doc.scene, Path(self.folder.text()),
                                       self.selected_maps(), self.prefix.text().strip())
        except PoseStudioError as exc:
            QtWidgets.QApplication.restoreOverrideCursor()
            QtWidgets.QMessageBox.warning(self, "Export failed", str(exc))
            return
        QtWidgets.QApplication.restoreOverrideCursor()
        parent = self.parent()
        if parent is not None and hasattr(parent, "statusBar"):
            parent.statusBar().showMessage(
                f"Exported {len(self.written)} files to {self.folder.text()}", 6000)
        self.accept()
