"""Selected joint: numeric X/Y/Z rotation (intrinsic Euler degrees, in the parent frame), lock,
reset joint / reset pose, mirror, symmetric editing, IK options."""

from __future__ import annotations

import numpy as np
from PySide6 import QtWidgets

from posestudio.skeletons import SMPLX_JOINT_NAMES

from ..document import Document
from ..viewport.math3d import euler_xyz_deg, from_euler_xyz_deg
from .common import blocked, spin


class JointPanel(QtWidgets.QWidget):
    def __init__(self, document: Document, controller, actions: dict, parent=None) -> None:
        super().__init__(parent)
        self.doc = document
        self.ctl = controller
        form = QtWidgets.QFormLayout(self)
        self.title = QtWidgets.QLabel("No joint selected — click one in the viewport")
        self.title.setWordWrap(True)
        form.addRow(self.title)
        self.fields = []
        for axis in "XYZ":
            box = spin(-180, 180, 5, 1, "°", f"Rotation about the joint's {axis} axis "
                                             "(Euler XYZ, degrees, parent frame)")
            box.valueChanged.connect(self._on_field)
            self.fields.append(box)
            form.addRow(f"{axis}", box)
        self.lock = QtWidgets.QCheckBox("Lock joint")
        self.lock.setToolTip("A locked joint ignores the gizmo and keeps its rotation during IK (L)")
        self.lock.toggled.connect(self._on_lock)
        form.addRow(self.lock)
        buttons = QtWidgets.QGridLayout()
        for i, name in enumerate(("reset_joint", "reset_pose", "mirror_limb", "mirror_pose",
                                  "pin")):
            button = QtWidgets.QToolButton()
            button.setDefaultAction(actions[name])
            button.setToolButtonStyle(button.toolButtonStyle().ToolButtonTextOnly)
            button.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                 QtWidgets.QSizePolicy.Policy.Preferred)
            buttons.addWidget(button, i // 2, i % 2)
        form.addRow(buttons)
        for name in ("symmetric", "ik_limits"):
            box = QtWidgets.QCheckBox(actions[name].text().replace("&", ""))
            box.setToolTip(actions[name].toolTip())
            box.setChecked(actions[name].isChecked())
            box.toggled.connect(actions[name].setChecked)
            actions[name].toggled.connect(box.setChecked)
            form.addRow(box)
        document.changed.connect(lambda changes: self.refresh())
        document.selectionChanged.connect(lambda p, j: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        p, j = self.doc.person, self.doc.joint
        person = self.doc.current_person()
        active = person is not None and j >= 0
        for w in self.fields + [self.lock]:
            w.setEnabled(active)
        with blocked(*self.fields, self.lock):
            if not active:
                self.title.setText("No joint selected — click one in the viewport")
                for box in self.fields:
                    box.setValue(0.0)
                self.lock.setChecked(False)
                return
            self.title.setText(f"<b>{person.name}</b> · {SMPLX_JOINT_NAMES[j]}")
            for box, value in zip(self.fields, euler_xyz_deg(person.pose[j])):
                box.setValue(float(value))
            self.lock.setChecked(self.doc.is_locked(p, j))

    def _on_field(self) -> None:
        p, j = self.doc.person, self.doc.joint
        if self.doc.current_person() is None or j < 0 or self.doc.is_locked(p, j):
            self.refresh()
            return
        angles = np.array([box.value() for box in self.fields])
        self.ctl.set_joint_rotation(p, j, from_euler_xyz_deg(angles))

    def _on_lock(self, on: bool) -> None:
        if self.doc.joint >= 0:
            self.doc.set_locked(self.doc.person, self.doc.joint, on)
