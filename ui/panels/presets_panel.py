"""Pose library: bundled and user presets with thumbnails rendered from the rig; apply to the
selected person (one undo step) or save the current pose as a new preset."""

from __future__ import annotations

import hashlib
import re

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from posestudio.errors import PoseStudioError
from posestudio.export.atomic import atomic_output_file
from posestudio.scene.edits import SetPose

from .. import files
from ..document import Document
from ..images import to_qimage
from ..workers import ThumbnailWorker

ROLE = Qt.ItemDataRole.UserRole


def user_presets_dir():
    folder = files.data_dir() / "presets"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _thumb_path(name: str, pose: np.ndarray, transl: np.ndarray):
    digest = hashlib.sha1(np.ascontiguousarray(pose).tobytes()
                          + np.ascontiguousarray(transl).tobytes()).hexdigest()[:12]
    folder = files.data_dir() / "thumbnails"
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^\w-]", "_", name)
    return folder / f"{slug}-{digest}.png"


class PresetsPanel(QtWidgets.QWidget):
    def __init__(self, document: Document, controller, parent=None,
                 thumbnails: bool = True) -> None:
        super().__init__(parent)
        self.doc = document
        self.ctl = controller
        layout = QtWidgets.QVBoxLayout(self)
        self.list = QtWidgets.QListWidget()
        self.list.setViewMode(QtWidgets.QListView.ViewMode.IconMode)
        self.list.setIconSize(QtCore.QSize(72, 96))
        self.list.setGridSize(QtCore.QSize(100, 124))
        self.list.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.list.setMovement(QtWidgets.QListView.Movement.Static)
        self.list.setToolTip("Double-click to pose the selected person")
        self.list.itemDoubleClicked.connect(self._apply_item)
        layout.addWidget(self.list)
        row = QtWidgets.QHBoxLayout()
        apply = QtWidgets.QPushButton("Apply")
        apply.clicked.connect(lambda: self.list.currentItem() and
                              self._apply_item(self.list.currentItem()))
        save = QtWidgets.QPushButton("Save current pose…")
        save.clicked.connect(self.save_current)
        row.addWidget(apply)
        row.addWidget(save)
        layout.addLayout(row)
        self.poses: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.worker = ThumbnailWorker(self) if thumbnails else None
        if self.worker is not None:
            self.worker.done.connect(self._on_thumbnails)
        self.reload()

    def reload(self) -> None:
        from posestudio.presets import list_pose_presets, load_pose_preset
        from posestudio.scene.file_format import load_pose

        self.poses = {}
        for name in list_pose_presets():
            self.poses[name] = load_pose_preset(name)
        for path in sorted(user_presets_dir().glob("*.pose.json")):
            try:
                data = load_pose(path)
            except PoseStudioError:
                continue                     # a broken user file must not break the library
            self.poses[f"★ {data.name}"] = (data.pose, data.transl)
        self.list.clear()
        missing = []
        for name, (pose, transl) in self.poses.items():
            item = QtWidgets.QListWidgetItem(name.replace("_", " "))
            item.setData(ROLE, name)
            thumb = _thumb_path(name, pose, transl)
            if thumb.exists():
                item.setIcon(QtGui.QIcon(str(thumb)))
            else:
                missing.append((name, pose, transl))
            self.list.addItem(item)
        if self.worker is not None:
            self.worker.render(missing)

    def _on_thumbnails(self, images: dict) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            name = item.data(ROLE)
            if name in images:
                image = to_qimage(images[name])
                try:                       # a cache: a failed write only costs the icon
                    with atomic_output_file(_thumb_path(name, *self.poses[name])) as tmp:
                        image.save(str(tmp), "PNG")
                except PoseStudioError:
                    pass
                item.setIcon(QtGui.QIcon(QtGui.QPixmap.fromImage(image)))

    def apply(self, name: str) -> None:
        if self.doc.current_person() is None:
            return
        pose, transl = self.poses[name]
        self.ctl.settle_floor()            # a preset stands (sits, lies) on the ground
        self.doc.push(SetPose.from_scene(self.doc.scene, self.doc.person, pose, transl,
                                         text=f"Pose preset {name}"))

    def _apply_item(self, item) -> None:
        self.apply(item.data(ROLE))

    def save_current(self, name: str | None = None) -> str | None:
        from posestudio.scene.file_format import save_pose

        person = self.doc.current_person()
        if person is None:
            return None
        if name is None:
            name, ok = QtWidgets.QInputDialog.getText(self, "Save pose preset", "Preset name:")
            if not ok:
                return None
        name = name.strip()
        if not name:
            return None
        slug = re.sub(r"[^\w-]+", "_", name)
        save_pose(user_presets_dir() / f"{slug}.pose.json", name, person.pose, person.transl)
        self.reload()
        return f"★ {name}"
