"""Dragging the detected 2D keypoints in the viewport (scene-camera view), to correct a detection.

An event filter on the viewport: a left press within ``GRAB_PIXELS`` of a shown keypoint grabs it
(the viewport never sees the press, so no orbit or selection starts), moves follow the mouse, the
release reports the moved point. The selected joint's gizmo keeps priority (rotating a joint that
sits on a keypoint must still work); hiding the keypoints gives every click back to posing. Keypoints are scene-canvas pixels; the viewport maps them into
its canvas frame (:meth:`Viewport.canvas_to_widget`), and this module inverts that map.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, Signal

GRAB_PIXELS = 9.0


def widget_to_canvas(viewport, x: float, y: float) -> np.ndarray:
    """Widget pixel → scene-canvas pixel (the inverse of ``viewport.canvas_to_widget``)."""
    frame, canvas = viewport.canvas_frame_rect(), viewport.canvas
    return np.array([(x - frame.x()) * canvas.width / frame.width(),
                     (y - frame.y()) * canvas.height / frame.height()])


class KeypointDragger(QObject):
    """Signals: ``moved(person, index, (x, y) canvas px)`` during a drag, ``dropped(person,
    index)`` at the end.

    ``points()`` returns the draggable keypoints: a list of (K, 3) arrays (scene-canvas pixels,
    confidence 0 = absent), or None when nothing can be dragged.
    """

    moved = Signal(int, int, object)
    dropped = Signal(int, int)

    def __init__(self, viewport, points: Callable[[], list | None]) -> None:
        super().__init__(viewport)
        self.viewport = viewport
        self.points = points
        self._grab: tuple[int, int] | None = None
        viewport.installEventFilter(self)

    def keypoint_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(person, index) of the present keypoint nearest to widget pixel (x, y), if close."""
        people = self.points()
        if not people or not self.viewport.look_through:
            return None
        best, best_d = None, GRAB_PIXELS
        for person, keypoints in enumerate(people):
            present = np.flatnonzero(keypoints[:, 2] > 0)
            if len(present) == 0:
                continue
            px = self.viewport.canvas_to_widget(keypoints[present, :2])
            d = np.hypot(px[:, 0] - x, px[:, 1] - y)
            k = int(np.argmin(d))
            if d[k] < best_d:
                best, best_d = (person, int(present[k])), float(d[k])
        return best

    def _on_gizmo(self, x: float, y: float) -> bool:
        """The selected joint's rotation gizmo is under the pixel: posing wins over keypoints."""
        gizmo = self.viewport.gizmo()
        if gizmo is None:
            return False
        vp = self.viewport
        return gizmo.hit(x, y, vp.view_matrix_np(), vp.proj_matrix_np(), vp.width(),
                         vp.height()) is not None

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            pos = event.position()
            self._grab = None if self._on_gizmo(pos.x(), pos.y()) else \
                self.keypoint_at(pos.x(), pos.y())
            return self._grab is not None
        if kind == QEvent.Type.MouseMove and self._grab is not None:
            pos = event.position()
            self.moved.emit(*self._grab, widget_to_canvas(self.viewport, pos.x(), pos.y()))
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._grab is not None:
            grab, self._grab = self._grab, None
            self.dropped.emit(*grab)
            return True
        return False
