"""Current person: name, visibility and body shape sliders, named after the rig's shape
coefficients (the mannequin's: height, weight, leg length …), the height shown in cm."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from posestudio.scene.edits import SetPersonField

from ..document import Document
from .common import blocked

BETA_RANGE = 3.0        # sliders span ±3 standard deviations
SLIDER_STEPS = 60


def beta_label(name: str) -> str:
    """``"leg_length"`` → ``"Leg length"``; ``"masculine"`` → ``"Masculine ↔ feminine"``."""
    if name == "masculine":
        return "Masculine ↔ feminine"
    return name.replace("_", " ").capitalize()


def body_height_cm(person) -> float:
    """Standing height (cm) of a person's body shape: the rest mesh from soles to crown."""
    from posestudio.body import load_body_model

    vertices = np.asarray(load_body_model(person.rig).rest_vertices(person.betas))
    return float(np.ptp(vertices[:, 1]) * 100.0)


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
        self.sliders: list[QtWidgets.QSlider] = []
        self.labels: list[QtWidgets.QLabel] = []
        self.values: list[QtWidgets.QLabel] = []
        for k in range(10):
            slider = QtWidgets.QSlider(Qt.Orientation.Horizontal)
            slider.setRange(-SLIDER_STEPS, SLIDER_STEPS)
            slider.valueChanged.connect(self._on_beta)
            slider.sliderReleased.connect(self._end_gesture)
            value = QtWidgets.QLabel()
            value.setMinimumWidth(value.fontMetrics().horizontalAdvance("-3.0 σ "))
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            row = QtWidgets.QHBoxLayout()
            row.addWidget(slider, 1)
            row.addWidget(value)
            label = QtWidgets.QLabel(f"β{k}")
            self.sliders.append(slider)
            self.labels.append(label)
            self.values.append(value)
            form.addRow(label, row)
        self._rig = None
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
        self._name_sliders(person.rig)
        self._show_values(person)

    def _name_sliders(self, rig: str) -> None:
        """Label the sliders with the rig's shape names (mannequin: height, weight …)."""
        if rig == self._rig:
            return
        from posestudio.body import load_body_model

        self._rig = rig
        try:
            names = load_body_model(rig).beta_names
        except Exception:  # noqa: BLE001 - a rig that does not load shows plain β labels
            names = ()
        for k, (label, slider) in enumerate(zip(self.labels, self.sliders)):
            name = names[k] if k < len(names) else f"beta_{k}"
            text = f"β{k}" if name == f"beta_{k}" else beta_label(name)
            label.setText(text)
            slider.setToolTip(f"Body shape: {text} (β{k}, ±{BETA_RANGE:g} σ)")

    def _show_values(self, person) -> None:
        """Each slider's value: the height in cm (measured on the body), the others in σ."""
        for k, (value, beta) in enumerate(zip(self.values, person.betas)):
            value.setText(f"{beta:+.1f} σ")
        if self.labels[0].text() == "Height":
            value = self.values[0]
            value.setText(f"{body_height_cm(person):.0f} cm")

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
