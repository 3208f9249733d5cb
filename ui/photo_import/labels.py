"""Numbers on the photo: which detected person is which, so the Photo dock's list can be matched.

A transparent widget over the viewport (mouse events pass through it) that, in scene-camera view,
draws a numbered badge above each detected person's keypoints: in their mannequin's colour when
they are chosen, grey with their keypoints as hollow rings when they are left out (the viewport
draws only the chosen people's keypoints). Drawn only when the photo holds more than one person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import QEvent, Qt

LEFT_OUT_COLOR = (0.55, 0.55, 0.55)
BADGE_RADIUS = 11.0


@dataclass
class PersonMark:
    """One detected person as drawn: number (1-based), keypoints (K, 3) in scene-canvas
    pixels + confidence, colour (r, g, b 0..1), and whether they are a mannequin."""

    number: int
    keypoints: np.ndarray
    color: tuple[float, float, float]
    chosen: bool


def badge_anchor(keypoints: np.ndarray) -> np.ndarray | None:
    """Canvas point above the person: horizontally the middle of their body keypoints, vertically
    the top of all their present keypoints (the face's reach above the eyes); None if absent."""
    body = keypoints[:18][keypoints[:18, 2] > 0, :2]
    every = keypoints[keypoints[:, 2] > 0, :2]
    if len(body) == 0:
        return None
    return np.array([(body[:, 0].min() + body[:, 0].max()) / 2, every[:, 1].min()])


class PeopleLabels(QtWidgets.QWidget):
    """Badges over ``viewport``; :meth:`set_marks` replaces what is drawn."""

    def __init__(self, viewport) -> None:
        super().__init__(viewport)
        self.viewport = viewport
        self.marks: list[PersonMark] = []
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setGeometry(viewport.rect())
        viewport.installEventFilter(self)
        self.hide()

    def set_marks(self, marks: list[PersonMark]) -> None:
        self.marks = list(marks)
        self.setVisible(len(self.marks) > 1)
        self.update()

    def badge_centers(self) -> dict[int, np.ndarray]:
        """Number → where its badge is drawn (widget pixels), for the people that have one."""
        centers = {}
        for mark in self.marks:
            anchor = badge_anchor(mark.keypoints)
            if anchor is not None:
                x, y = self.viewport.canvas_to_widget(anchor[None])[0]
                centers[mark.number] = np.array([x, y - BADGE_RADIUS - 6.0])
        return centers

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self.viewport and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.viewport.rect())
        return False

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if not self.viewport.look_through or len(self.marks) < 2:
            return
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        font = painter.font()
        font.setBold(True)
        font.setPointSizeF(max(font.pointSizeF(), 10.0))
        painter.setFont(font)
        centers = self.badge_centers()
        for mark in self.marks:
            color = QtGui.QColor.fromRgbF(*(mark.color if mark.chosen else LEFT_OUT_COLOR))
            if not mark.chosen:               # the viewport leaves their keypoints out: rings
                present = mark.keypoints[mark.keypoints[:, 2] > 0, :2]
                painter.setPen(QtGui.QPen(color, 1.5))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                for x, y in self.viewport.canvas_to_widget(present):
                    painter.drawEllipse(QtCore.QPointF(x, y), 3.5, 3.5)
            if mark.number not in centers:
                continue
            x, y = centers[mark.number]
            painter.setPen(QtGui.QPen(QtGui.QColor(20, 20, 20), 1.5))
            painter.setBrush(color)
            painter.drawEllipse(QtCore.QPointF(x, y), BADGE_RADIUS, BADGE_RADIUS)
            painter.setPen(QtGui.QColor(15, 15, 15))
            box = QtCore.QRectF(x - BADGE_RADIUS, y - BADGE_RADIUS, 2 * BADGE_RADIUS,
                                2 * BADGE_RADIUS)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(mark.number))
        painter.end()
