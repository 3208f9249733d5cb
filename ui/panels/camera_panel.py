"""Scene camera: canvas size presets, FOV / focal length, orbit fields, "frame the people",
saved camera views."""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6 import QtWidgets

from posestudio.camera import focal_mm_from_fov, fov_from_focal_mm
from posestudio.scene.edits import SetCamera, SetCanvas, SetViews
from posestudio.scene.model import Canvas

from ..document import Document
from .common import blocked, spin

CANVAS_PRESETS = (
    ("SD 512×512", 512, 512), ("SD 512×768 portrait", 512, 768), ("768×768", 768, 768),
    ("768×1024 portrait", 768, 1024), ("SDXL 1024×1024", 1024, 1024),
    ("SDXL 832×1216 portrait", 832, 1216), ("SDXL 1216×832 landscape", 1216, 832),
    ("SDXL 896×1152 portrait", 896, 1152), ("SDXL 1152×896 landscape", 1152, 896),
    ("SDXL 768×1344 portrait", 768, 1344), ("SDXL 1344×768 landscape", 1344, 768),
    ("16:9 1280×720", 1280, 720), ("16:9 1920×1080", 1920, 1080), ("9:16 720×1280", 720, 1280),
)


class CameraPanel(QtWidgets.QWidget):
    def __init__(self, document: Document, frame_people, parent=None) -> None:
        super().__init__(parent)
        self.doc = document
        form = QtWidgets.QFormLayout(self)
        self.preset = QtWidgets.QComboBox()
        self.preset.addItem("Custom")
        for name, w, h in CANVAS_PRESETS:
            self.preset.addItem(name, f"{w}x{h}")
        self.preset.setToolTip("Canvas size presets (the size of every exported map)")
        self.preset.activated.connect(self._on_preset)
        form.addRow("Canvas", self.preset)
        size = QtWidgets.QHBoxLayout()
        self.width_box = QtWidgets.QSpinBox()
        self.height_box = QtWidgets.QSpinBox()
        for box in (self.width_box, self.height_box):
            box.setRange(16, 8192)
            box.setSingleStep(8)
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self._on_size)
            size.addWidget(box)
        form.addRow("W × H", size)
        self.fov = spin(1, 170, 1, 1, "°", "Vertical field of view")
        self.focal = spin(1, 2000, 1, 1, " mm", "Focal length (full-frame, 24 mm sensor height)")
        self.yaw = spin(-180, 180, 5, 1, "°", "Orbit yaw: 0 = in front of the person")
        self.pitch = spin(-89.9, 89.9, 5, 1, "°", "Orbit pitch: + = above, looking down")
        self.roll = spin(-180, 180, 5, 1, "°", "Roll about the view axis")
        self.distance = spin(0.05, 100, 0.1, 2, " m", "Distance from the target")
        self.target = [spin(-100, 100, 0.05, 2, " m", f"Target {a}") for a in "xyz"]
        for label, box in (("FOV", self.fov), ("Focal", self.focal), ("Yaw", self.yaw),
                           ("Pitch", self.pitch), ("Roll", self.roll),
                           ("Distance", self.distance)):
            form.addRow(label, box)
        target = QtWidgets.QHBoxLayout()
        for box in self.target:
            target.addWidget(box)
        form.addRow("Target", target)
        for box in (self.fov, self.yaw, self.pitch, self.roll, self.distance, *self.target):
            box.valueChanged.connect(self._on_camera)
        self.focal.valueChanged.connect(self._on_focal)
        frame = QtWidgets.QPushButton("Frame the people")
        frame.setToolTip("Fit every visible person in the canvas (Shift+F)")
        frame.clicked.connect(frame_people)
        form.addRow(frame)
        self.views = QtWidgets.QListWidget()
        self.views.setToolTip("Saved camera views: double-click to restore")
        self.views.itemDoubleClicked.connect(self._restore_view)
        self.views.setMaximumHeight(90)
        form.addRow("Views", self.views)
        row = QtWidgets.QHBoxLayout()
        for text, slot in (("Save view", self.save_view), ("Restore", self._restore_current),
                           ("Delete", self._delete_view)):
            button = QtWidgets.QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
        form.addRow(row)
        document.changed.connect(self._on_changed)
        self.refresh()

    def _boxes(self):
        return (self.preset, self.width_box, self.height_box, self.fov, self.focal, self.yaw,
                self.pitch, self.roll, self.distance, *self.target)

    def _on_changed(self, changes) -> None:
        if any(c.kind in ("camera", "canvas", "views") for c in changes):
            self.refresh()

    def refresh(self) -> None:
        scene = self.doc.scene
        cam, canvas = scene.camera, scene.canvas
        with blocked(*self._boxes()):
            self.width_box.setValue(canvas.width)
            self.height_box.setValue(canvas.height)
            index = self.preset.findData(f"{canvas.width}x{canvas.height}")
            self.preset.setCurrentIndex(max(index, 0))
            self.fov.setValue(cam.fov_y_deg)
            self.focal.setValue(focal_mm_from_fov(cam.fov_y_deg))
            self.yaw.setValue(cam.yaw_deg)
            self.pitch.setValue(cam.pitch_deg)
            self.roll.setValue(cam.roll_deg)
            self.distance.setValue(cam.distance)
            for box, value in zip(self.target, cam.target):
                box.setValue(value)
        names = sorted(scene.views)
        if [self.views.item(i).text() for i in range(self.views.count())] != names:
            self.views.clear()
            self.views.addItems(names)

    def _on_preset(self, index: int) -> None:
        data = self.preset.itemData(index)
        if data:
            self.set_canvas(*map(int, data.split("x")))

    def set_canvas(self, width: int, height: int) -> None:
        self.doc.push(SetCanvas.from_scene(self.doc.scene, Canvas(int(width), int(height))))

    def _on_size(self) -> None:
        self.set_canvas(self.width_box.value(), self.height_box.value())

    def _on_camera(self) -> None:
        cam = dataclasses.replace(
            self.doc.scene.camera, fov_y_deg=self.fov.value(), yaw_deg=self.yaw.value(),
            pitch_deg=self.pitch.value(), roll_deg=self.roll.value(),
            distance=self.distance.value(), target=tuple(b.value() for b in self.target))
        self.doc.push(SetCamera.from_scene(self.doc.scene, cam))

    def _on_focal(self) -> None:
        fov = float(np.clip(fov_from_focal_mm(self.focal.value()), 1.0, 170.0))
        self.doc.push(SetCamera.from_scene(
            self.doc.scene, dataclasses.replace(self.doc.scene.camera, fov_y_deg=fov)))

    def save_view(self) -> None:
        scene = self.doc.scene
        name, ok = QtWidgets.QInputDialog.getText(self, "Save camera view", "View name:",
                                                  text=f"View {len(scene.views) + 1}")
        if ok and name.strip():
            views = dict(scene.views)
            views[name.strip()] = dataclasses.replace(scene.camera)
            self.doc.push(SetViews(scene.views, views))

    def _restore_view(self, item) -> None:
        cam = self.doc.scene.views.get(item.text())
        if cam is not None:
            self.doc.push(SetCamera.from_scene(self.doc.scene, dataclasses.replace(cam)))

    def _restore_current(self) -> None:
        if self.views.currentItem() is not None:
            self._restore_view(self.views.currentItem())

    def _delete_view(self) -> None:
        item = self.views.currentItem()
        if item is not None:
            views = dict(self.doc.scene.views)
            views.pop(item.text(), None)
            self.doc.push(SetViews(self.doc.scene.views, views))
