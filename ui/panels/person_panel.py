"""Current person: name, visibility and body shape (betas) sliders."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from posestudio.scene.edits import SetPersonField

from ..document import Document
from .common import blocked

BETA_RANGE = 3.0        # sliders span ±3 standard deviations
SLIDER_STEPS = 60


class PersonPanel(QtWidgets.QWidget):
    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.doc = document
        self._key = None
        form = QtWidgets.QFormLayout(self)
        self.name = QtWidgets.QLineEdit()
        self.name.setToolTip("Person name (F2 renames)")
        self.name.editingFinished.connect(self._on_name)
        form.addRow("Name", self.name)
        self.visible = QtWidgets.QCheckBox("Visible")
        self.visible.toggled.connect(self._on_visible)
        form.addRow(self.visible)
        self.sliders = []
        for k in range(10):
            slider = QtWidgets.QSlider(Qt.Orientation.Horizontal)
            slider.setRange(-SLIDER_STEPS, SLIDER_STEPS)
            slider.setToolTip(f"Body shape β{k} (±{BETA_RANGE:g} σ); double-click the label to reset")
            slider.valueChanged.connect(self._on_beta)
            slider.sliderReleased.connect(self._end_gesture)
            self.sliders.append(slider)
            form.addRow(f"β{k}" + (" (size)" if k == 0 else " (weight)" if k == 1 else ""), slider)
        reset = QtWidgets.QPushButton("Reset shape")
        reset.clicked.connect(self._reset)
        form.addRow(reset)
        document.changed.connect(lambda changes: self.refresh())
        document.selectionChanged.connect(lambda p, j: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        person = self.doc.current_person()
        self.setEnabled(person is not None)
        if person is None:
            return
        with blocked(self.name, self.visible, *self.sliders):
            if not self.name.hasFocus():
                self.name.setText(person.name)
            self.visible.setChecked(person.visible)
            for slider, beta in zip(self.sliders, person.betas):
                slider.setValue(int(round(beta / BETA_RANGE * SLIDER_STEPS)))

    def _on_name(self) -> None:
        text = self.name.text().strip()
        person = self.doc.current_person()
        if person is not None and text and text != person.name:
            self.doc.push(SetPersonField.from_scene(self.doc.scene, self.doc.person, "name", text))

    def _on_visible(self, on: bool) -> None:
        if self.doc.current_person() is not None:
            self.doc.push(SetPersonField.from_scene(self.doc.scene, self.doc.person, "visible", on))

    def _on_beta(self) -> None:
        if self.doc.current_person() is None:
            return
        if self._key is None:
            self._key = self.doc.new_gesture()
        betas = np.array([s.value() / SLIDER_STEPS * BETA_RANGE for s in self.sliders])
        self.doc.push(SetPersonField.from_scene(self.doc.scene, self.doc.person, "betas", betas,
                                                merge_key=self._key))
        if not any(s.isSliderDown() for s in self.sliders):
            self._end_gesture()       # keyboard / click steps: one undo step each

    def _end_gesture(self) -> None:
        self._key = None

    def _reset(self) -> None:
        if self.doc.current_person() is not None:
            self.doc.push(SetPersonField.from_scene(self.doc.scene, self.doc.person, "betas",
                                                    np.zeros(10)))
