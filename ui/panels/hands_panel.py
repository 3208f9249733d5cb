"""Hands: per hand, finger curl and spread sliders plus presets (relaxed, fist, open, point,
pinch, peace…). Each slider drag (or key step, or click on the track) is one undo step.

The sliders are absolute: a value always means "this much curl/spread from the *base* hand", the
hand as it was when the panel last showed 0 (selection change, a preset, or any edit of that hand
not made by the sliders). The base is kept across gestures, so stepping 0 → 1 → 2 with the keys
gives the same hand as dragging straight to 2, never a curl applied on top of a curl.
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets
from PySide6.QtCore import Qt

from posestudio.scene.edits import SetPose
from posestudio.skeletons import LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS

from ..document import Document
from .common import blocked

SIDES = ("left", "right")


class HandsPanel(QtWidgets.QWidget):
    def __init__(self, document: Document, controller, parent=None) -> None:
        super().__init__(parent)
        from posestudio.presets import list_hand_presets

        self.doc = document
        self.ctl = controller
        self._key = None
        # per side: the base hand (15, 3) the slider values apply to, and the hand last written
        self._base: dict[str, np.ndarray | None] = dict.fromkeys(SIDES)
        self._written: dict[str, np.ndarray | None] = dict.fromkeys(SIDES)
        layout = QtWidgets.QVBoxLayout(self)
        self.curl: dict[str, QtWidgets.QSlider] = {}
        self.spread: dict[str, QtWidgets.QSlider] = {}
        self.preset: dict[str, QtWidgets.QComboBox] = {}
        for side in SIDES:
            box = QtWidgets.QGroupBox(f"{side.title()} hand")
            form = QtWidgets.QFormLayout(box)
            combo = QtWidgets.QComboBox()
            combo.addItem("— preset —")
            combo.addItems(list_hand_presets())
            combo.setToolTip(f"Set the {side} hand's fingers to a preset")
            combo.activated.connect(lambda i, s=side: self._on_preset(s))
            form.addRow("Preset", combo)
            self.preset[side] = combo
            for label, store, lo, hi, tip in (
                    ("Curl", self.curl, -20, 100, "Curl all fingers: 0 = straight, 100 = fist"),
                    ("Spread", self.spread, -50, 100, "Spread the fingers apart (− = together)")):
                slider = QtWidgets.QSlider(Qt.Orientation.Horizontal)
                slider.setRange(lo, hi)
                slider.setToolTip(tip)
                slider.valueChanged.connect(lambda v, s=side: self._on_slider(s))
                slider.sliderReleased.connect(self._end_gesture)
                store[side] = slider
                form.addRow(label, slider)
            layout.addWidget(box)
        both = QtWidgets.QPushButton("Mirror left hand → right")
        both.clicked.connect(self._mirror_left_to_right)
        layout.addWidget(both)
        layout.addStretch(1)
        document.selectionChanged.connect(lambda p, j: self._reset_sliders())
        document.changed.connect(self._on_changed)

    def _on_changed(self, changes) -> None:
        if self._key is None and any(c.kind == "people" for c in changes):
            self._reset_sliders()
            return
        person = self.doc.current_person()
        for side in SIDES:
            written = self._written[side]
            if written is None:
                continue
            # the hand changed under the sliders (undo, preset, mirror, file…): it is the new base
            if person is None or not np.allclose(person.pose[_rows(side)], written, rtol=0,
                                                 atol=1e-9):
                self._reset_sliders((side,))

    def _reset_sliders(self, sides=SIDES) -> None:
        """Show 0 on ``sides``' sliders; the next move takes the hand as it is then as its base."""
        with blocked(*self.curl.values(), *self.spread.values(), *self.preset.values()):
            for side in sides:
                self.curl[side].setValue(0)
                self.spread[side].setValue(0)
                self.preset[side].setCurrentIndex(0)
                self._base[side] = self._written[side] = None

    def _on_preset(self, side: str) -> None:
        from posestudio.presets import apply_hand_preset

        combo = self.preset[side]
        person = self.doc.current_person()
        if person is None or combo.currentIndex() == 0:
            return
        name = combo.currentText()
        pose = apply_hand_preset(person.pose, name, side)
        with blocked(self.curl[side], self.spread[side]):      # the preset is the new base
            self.curl[side].setValue(0)
            self.spread[side].setValue(0)
        self._base[side] = self._written[side] = None
        self.doc.push(SetPose.from_scene(self.doc.scene, self.doc.person, pose,
                                         text=f"{side.title()} hand: {name}"))

    def _on_slider(self, side: str) -> None:
        from posestudio.kinematics.hands import hand_shape

        person = self.doc.current_person()
        if person is None:
            return
        rows = _rows(side)
        if self._key is None:
            self._key = self.doc.new_gesture()
        if self._base[side] is None:
            self._base[side] = person.pose[rows].copy()
        pose = person.pose.copy()
        pose[rows] = hand_shape(side, curl=self.curl[side].value() / 100.0,
                                spread=self.spread[side].value() / 100.0,
                                base=self._base[side])
        self._written[side] = pose[rows].copy()
        self.doc.push(SetPose.from_scene(self.doc.scene, self.doc.person, pose,
                                         text=f"{side.title()} hand curl/spread",
                                         merge_key=self._key))
        if not (self.curl[side].isSliderDown() or self.spread[side].isSliderDown()):
            self._end_gesture()

    def _end_gesture(self) -> None:
        self._key = None

    def _mirror_left_to_right(self) -> None:
        from posestudio.presets import mirror_hand_pose

        person = self.doc.current_person()
        if person is None:
            return
        pose = person.pose.copy()
        pose[list(RIGHT_HAND_JOINTS)] = mirror_hand_pose(pose[list(LEFT_HAND_JOINTS)])
        self.doc.push(SetPose.from_scene(self.doc.scene, self.doc.person, pose,
                                         text="Mirror left hand to right"))


def _rows(side: str) -> list[int]:
    return list(LEFT_HAND_JOINTS if side == "left" else RIGHT_HAND_JOINTS)
