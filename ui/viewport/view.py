"""The 3D viewport: lit mannequins, bones/joints overlay, ground grid, rotation gizmo, orbit
camera, and the "look through scene camera" mode with the canvas frame drawn.

The widget only *shows* state and turns mouse input into signals; the posing controller
(:mod:`ui.posing`) turns those signals into scene edits. Navigation (orbit/pan/zoom) changes
the widget's own view camera — or, when looking through the scene camera, asks for a camera edit.

Photo matching (used by photo import): :meth:`Viewport.set_background_image` shows a photo inside
the canvas frame behind the mannequin and :meth:`Viewport.set_overlay_points` draws 2D keypoints
(canvas pixels) over it; both appear only while looking through the scene camera, where canvas
pixels have a place on screen.

Mouse: left click picks a joint/bone; left-drag on a gizmo ring rotates about that axis, inside
the rings it is a free trackball; a press on any joint dot selects it and drags it at once: an IK
effector's dot (hands, feet, head, pelvis) drags the chain (IK), another joint turns (trackball);
left-drag on empty space, middle-drag or Alt+left orbit; Shift+middle or right-drag pans; wheel/pinch zooms.

This module holds the widget's state, camera, navigation, picking and input; the GL items per
person live in :mod:`.body_items` and the drawing (offscreen GL frame, 2D overlay) in
:mod:`.painting`.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pyqtgraph.opengl as gl
from pyqtgraph.opengl.GLViewWidget import GLViewMixin
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from posestudio.camera import world_to_camera
from posestudio.scene.model import Camera, Canvas

from ..images import to_qimage
from .body_items import OVERLAY_GL, BodyView, PersonItems
# re-exported: ui.posing, photo import and the tests import these from this module
from .body_items import VertexNormals, person_color  # noqa: F401
from .gizmo import AXIS_COLORS, Gizmo, drag_rotation, ring_points
from .gl_target import OffscreenTarget
from .math3d import perspective, project_to_screen, ray_mesh, ray_plane, screen_ray
from .painting import OffscreenPainting

PICK_PIXELS = 12.0
FRAME_FILL = 0.9          # the canvas frame takes 90 % of the viewport in camera mode



class Viewport(OffscreenPainting, GLViewMixin, QtWidgets.QWidget):
    """pyqtgraph's GL view, drawn offscreen and painted as an image (see :mod:`.gl_target` for
    why it is not a QOpenGLWidget); the QOpenGLWidget calls other code relies on
    (``isValid``, ``makeCurrent``, ``doneCurrent``, ``grabFramebuffer``) keep their meaning."""

    selectionRequested = Signal(int, int)        # person, joint (-1, -1 clears)
    hoverChanged = Signal(int, int)
    rotateStarted = Signal()
    rotateDragged = Signal(object)               # (3, 3) world rotation since drag start
    ikStarted = Signal()
    ikDragged = Signal(object)                   # (3,) world target of the dragged joint
    dragFinished = Signal()
    sceneCameraEdited = Signal(object, bool)     # Camera, final (end of a drag)
    viewChanged = Signal()
    statusMessage = Signal(str)

    def __init__(self, parent=None) -> None:
        # painting state (:mod:`.painting`) set before the base __init__, which already
        # schedules repaints; the target gets its real parent once the QObject exists
        self._target = OffscreenTarget(None)
        self._image: QtGui.QImage | None = None       # the last GL frame, device pixels
        super().__init__(parent)
        self._target = OffscreenTarget(self)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(320, 240)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setBackgroundColor((46, 48, 54))
        self.view_camera = Camera(yaw_deg=20.0, pitch_deg=10.0, distance=3.6,
                                  target=(0.0, -0.1, 0.0), fov_y_deg=40.0)
        self.scene_camera = Camera()
        self.canvas = Canvas()
        self._look_through = False
        self.ik_joints: set[int] = set()
        self.ik_enabled = True
        self.show_mesh = True
        self.show_bones = True
        self._bodies: list[BodyView] = []
        self._items: list[PersonItems] = []
        self._selected = (-1, -1)
        self._hover = (-1, -1)
        self._gizmo: Gizmo | None = None
        self._drag: dict | None = None
        self.frame_times: list[float] = []
        self._background: QtGui.QImage | None = None
        self._background_opacity = 0.5
        self._overlay_points: np.ndarray | None = None       # (N, 3) canvas px + confidence

        grid = gl.GLGridItem(size=QtGui.QVector3D(10, 10, 1), color=(255, 255, 255, 60))
        grid.setSpacing(0.5, 0.5, 1)
        grid.rotate(90, 1, 0, 0)           # pyqtgraph grids lie in XY; our ground is XZ (Y up)
        self.addItem(grid)
        self._grid = grid
        axes = gl.GLLinePlotItem(pos=np.array([[0, 0, 0], [0.5, 0, 0], [0, 0, 0], [0, 0, 0.5]]),
                                 color=np.array([[1, .3, .3, 1]] * 2 + [[.3, .5, 1, 1]] * 2),
                                 mode="lines", width=2)
        self.addItem(axes)
        self._axes = axes
        self.floor_y = 0.0
        self._ring_items = [gl.GLLinePlotItem(mode="line_strip", width=3.0, antialias=True,
                                              color=c, glOptions=OVERLAY_GL) for c in AXIS_COLORS]
        self._ball_item = gl.GLLinePlotItem(mode="line_strip", width=1.5, antialias=True,
                                            color=(0.9, 0.9, 0.9, 0.6), glOptions=OVERLAY_GL)
        for item in self._ring_items + [self._ball_item]:
            item.setDepthValue(20)
            item.setVisible(False)
            self.addItem(item)

    @property
    def look_through(self) -> bool:
        """True while the viewport shows the scene camera's view (canvas frame, photo)."""
        return self._look_through

    @look_through.setter
    def look_through(self, on: bool) -> None:
        self._look_through = bool(on)
        self._update_floor_visibility()

    # ------------------------------------------------------------------ matrices
    def active_camera(self) -> Camera:
        return self.scene_camera if self.look_through else self.view_camera

    def view_matrix_np(self) -> np.ndarray:
        return world_to_camera(self.active_camera())

    def _view_fov(self) -> float:
        """Vertical FOV of the widget; in camera mode wider than the scene camera's so the canvas
        frame fits with a margin."""
        cam = self.active_camera()
        if not self.look_through:
            return cam.fov_y_deg
        w, h = max(self.width(), 1), max(self.height(), 1)
        frame_h = min(FRAME_FILL * h, FRAME_FILL * w / self.canvas.aspect)
        half = math.tan(math.radians(cam.fov_y_deg) / 2) * h / frame_h
        return math.degrees(2 * math.atan(half))

    def proj_matrix_np(self) -> np.ndarray:
        cam = self.active_camera()
        w, h = max(self.width(), 1), max(self.height(), 1)
        return perspective(self._view_fov(), w / h, max(cam.znear, 0.01), max(cam.zfar, 10.0))

    def canvas_frame_rect(self) -> QtCore.QRectF:
        """Where the scene camera's canvas lies in the widget (camera mode)."""
        w, h = self.width(), self.height()
        fh = min(FRAME_FILL * h, FRAME_FILL * w / self.canvas.aspect)
        fw = fh * self.canvas.aspect
        return QtCore.QRectF((w - fw) / 2, (h - fh) / 2, fw, fh)

    def canvas_to_widget(self, points_px: np.ndarray) -> np.ndarray:
        """Canvas pixels (N, 2) → widget pixels (N, 2) inside :meth:`canvas_frame_rect`."""
        frame = self.canvas_frame_rect()
        pts = np.asarray(points_px, dtype=np.float64).reshape(-1, 2)
        scale = np.array([frame.width() / self.canvas.width, frame.height() / self.canvas.height])
        return pts * scale + np.array([frame.x(), frame.y()])

    def viewMatrix(self):  # noqa: N802 (pyqtgraph API)
        return QtGui.QMatrix4x4(*self.view_matrix_np().astype(np.float32).ravel())

    def projectionMatrix(self, region, viewport):  # noqa: N802
        # pyqtgraph asks for sub-regions only for its own (unused) GL picking; we draw whole views
        return QtGui.QMatrix4x4(*self.proj_matrix_np().astype(np.float32).ravel())

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (N, 3) → widget pixels (N, 2), depth (N,)."""
        return project_to_screen(points, self.view_matrix_np(), self.proj_matrix_np(),
                                 self.width(), self.height())

    def ray(self, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
        return screen_ray(x, y, self.view_matrix_np(), self.proj_matrix_np(),
                          self.width(), self.height())

    # ------------------------------------------------------------------ content
    def set_bodies(self, bodies: list[BodyView]) -> None:
        """Replace what is drawn (called after every scene change)."""
        while len(self._items) > len(bodies):
            self._items.pop().remove(self)
        while len(self._items) < len(bodies):
            self._items.append(PersonItems(self))
        self._bodies = bodies
        for body, items in zip(bodies, self._items):
            items.mesh.set_body(body.vertices, body.faces, body.color)
            items.mesh.setVisible(self.show_mesh)
        self._refresh_overlay()

    def set_background_image(self, rgb: np.ndarray | None, opacity: float = 0.5) -> None:
        """Show a photo behind the mannequin, filling the canvas frame, in camera mode.

        Parameters
        ----------
        rgb : (H, W, 3) or (H, W, 4) uint8, or None to remove it. The photo is stretched over the
            canvas frame, so photo pixel (u, v) lies on canvas pixel (u·W/w, v·H/h); a photo
            imported at its own size (canvas = photo size) lines up pixel for pixel.
        opacity : 0..1, how strongly the photo shows over the viewport background.
        """
        if rgb is None:
            self._background = None
        else:
            array = np.asarray(rgb)
            if array.ndim != 3 or array.shape[2] not in (3, 4):
                raise ValueError(f"background must be (H, W, 3|4) uint8, got shape {array.shape}")
            self._background = to_qimage(array)
        self._background_opacity = float(np.clip(opacity, 0.0, 1.0))
        self._update_floor_visibility()
        self.update()

    def set_overlay_points(self, points_px: np.ndarray | None) -> None:
        """Draw 2D keypoints over the canvas frame in camera mode (None removes them).

        ``points_px``: (N, 2) canvas pixels, or (N, 3) with a confidence column; points with
        confidence ≤ 0 are absent and not drawn.
        """
        if points_px is None:
            self._overlay_points = None
        else:
            pts = np.asarray(points_px, dtype=np.float64)
            if pts.ndim != 2 or pts.shape[1] not in (2, 3):
                raise ValueError(f"overlay points must be (N, 2) or (N, 3), got shape {pts.shape}")
            if pts.shape[1] == 2:
                pts = np.column_stack([pts, np.ones(len(pts))])
            self._overlay_points = pts
        self._update_overlay()

    def set_floor(self, y: float) -> None:
        """Put the ground grid at height ``y`` (metres; the lowest foot of the rest pose)."""
        for item in (self._grid, self._axes):
            item.resetTransform()
        self._grid.rotate(90, 1, 0, 0)
        self._grid.translate(0, y, 0)
        self._axes.translate(0, y, 0)
        self.floor_y = float(y)
        self.update()

    def _update_floor_visibility(self) -> None:
        # the floor grid would cross the photo; the photo shows where the floor is
        shown = not (self.look_through and self._background is not None)
        for item in (self._grid, self._axes):
            if item.visible() != shown:
                item.setVisible(shown)

    def set_selection(self, person: int, joint: int) -> None:
        self._selected = (person, joint)
        self._refresh_overlay()

    def set_gizmo(self, center: np.ndarray | None, frame: np.ndarray | None = None) -> None:
        self._gizmo = None if center is None else Gizmo(center, frame)
        self._refresh_gizmo()

    def gizmo(self) -> Gizmo | None:
        return self._gizmo

    def _refresh_overlay(self) -> None:
        for body, items in zip(self._bodies, self._items):
            shown = body.shown_joints
            pairs = [(j, body.parents[j]) for j in shown if body.parents[j] >= 0]
            seg = np.array([[body.joints[a], body.joints[b]] for a, b in pairs]).reshape(-1, 3)
            items.bones.setData(pos=seg if len(seg) else np.zeros((0, 3)),
                                color=(1.0, 1.0, 1.0, 0.55))
            color = np.tile([0.2, 0.85, 1.0, 0.95], (len(shown), 1))
            size = np.where(shown < 25, 9.0, 5.0)
            for idx, (who, state) in enumerate(((self._hover, (1.0, 1.0, 0.3, 1.0)),
                                                (self._selected, (1.0, 0.55, 0.1, 1.0)))):
                if who[0] == body.person and who[1] in set(shown.tolist()):
                    k = int(np.flatnonzero(shown == who[1])[0])
                    color[k] = state
                    size[k] = 13.0
            items.dots.setData(pos=body.joints[shown], color=color, size=size)
            items.bones.setVisible(self.show_bones)
            items.dots.setVisible(self.show_bones)
        self._refresh_gizmo()

    def _refresh_gizmo(self) -> None:
        g = self._gizmo
        for item in self._ring_items + [self._ball_item]:
            item.setVisible(g is not None)
        if g is None:
            self.update()
            return
        view, proj = self.view_matrix_np(), self.proj_matrix_np()
        g.update_scale(view, proj, self.height())
        for item, pts in zip(self._ring_items, g.rings()):
            item.setData(pos=pts)
        # screen-facing trackball circle
        fwd = view[2, :3]
        self._ball_item.setData(pos=ring_points(g.center, fwd, g.radius * 1.0))
        self.update()

    # ------------------------------------------------------------------ picking
    def pick_joint(self, x: float, y: float) -> tuple[int, int]:
        """Person and joint whose dot is nearest to a pixel, within ``PICK_PIXELS``; (-1, -1)."""
        best, best_d = (-1, -1), PICK_PIXELS
        for body in self._bodies:
            px, depth = self.project(body.joints[body.shown_joints])
            d = np.hypot(px[:, 0] - x, px[:, 1] - y)
            d[depth <= 0] = np.inf
            k = int(np.argmin(d)) if len(d) else -1
            if k >= 0 and d[k] < best_d:
                best, best_d = (body.person, int(body.shown_joints[k])), float(d[k])
        return best

    def pick(self, x: float, y: float) -> tuple[int, int]:
        """Person and joint under a pixel: the nearest drawn joint within ``PICK_PIXELS``, else the
        bone nearest to where the mouse ray hits a mesh (its parent joint is what turns it)."""
        best = self.pick_joint(x, y)
        if best[0] >= 0:
            return best
        origin, direction = self.ray(x, y)
        nearest = None
        for body in self._bodies if self.show_mesh else []:
            hit = ray_mesh(origin, direction, body.vertices.astype(np.float64), body.faces)
            if hit is not None and (nearest is None or hit[0] < nearest[0]):
                nearest = (hit[0], body)
        if nearest is None:
            return (-1, -1)
        t, body = nearest
        point = origin + t * direction
        return (body.person, _nearest_bone_joint(point, body))

    # ------------------------------------------------------------------ navigation
    def _set_camera(self, camera: Camera, final: bool) -> None:
        if self.look_through:
            self.scene_camera = camera
            self.sceneCameraEdited.emit(camera, final)
        else:
            self.view_camera = camera
        self._refresh_gizmo()
        self.viewChanged.emit()

    def orbit_by(self, dyaw: float, dpitch: float, final: bool = False) -> None:
        cam = self.active_camera()
        pitch = float(np.clip(cam.pitch_deg + dpitch, -89.0, 89.0))
        self._set_camera(dataclasses.replace(cam, yaw_deg=(cam.yaw_deg + dyaw + 180) % 360 - 180,
                                             pitch_deg=pitch), final)

    def pan_by(self, dx_px: float, dy_px: float, final: bool = False) -> None:
        cam = self.active_camera()
        view = self.view_matrix_np()
        per_px = 2 * cam.distance * math.tan(math.radians(self._view_fov()) / 2) / max(
            self.height(), 1)
        shift = view[:3, :3].T @ np.array([-dx_px * per_px, dy_px * per_px, 0.0])
        self._set_camera(dataclasses.replace(cam, target=tuple(np.add(cam.target, shift))), final)

    def zoom_by(self, factor: float, final: bool = True) -> None:
        cam = self.active_camera()
        self._set_camera(dataclasses.replace(
            cam, distance=float(np.clip(cam.distance * factor, 0.05, 90.0))), final)

    def set_view_direction(self, yaw: float, pitch: float) -> None:
        """Numpad-style fixed views (front 0/0, side 90/0, top 0/89)."""
        self.look_through = False
        self.view_camera = dataclasses.replace(self.view_camera, yaw_deg=yaw, pitch_deg=pitch)
        self._refresh_gizmo()
        self.viewChanged.emit()

    def frame_points(self, points: np.ndarray, margin: float = 1.25) -> None:
        """Centre the view camera on points (N, 3) and back off until they fit."""
        pts = np.asarray(points, float).reshape(-1, 3)
        if len(pts) == 0:
            return
        lo, hi = pts.min(0), pts.max(0)
        center = (lo + hi) / 2
        radius = max(float(np.linalg.norm(hi - lo)) / 2, 0.05)
        fov = math.radians(min(self.view_camera.fov_y_deg,
                               self.view_camera.fov_y_deg * self.width() / max(self.height(), 1)))
        dist = margin * radius / math.sin(fov / 2)
        self.look_through = False
        self.view_camera = dataclasses.replace(self.view_camera, target=tuple(center),
                                               distance=float(dist))
        self._refresh_gizmo()
        self.viewChanged.emit()

    def set_look_through(self, on: bool) -> None:
        self.look_through = bool(on)
        self._refresh_gizmo()
        self.viewChanged.emit()

    # ------------------------------------------------------------------ mouse
    def dragging(self) -> bool:
        """True while a mouse button is held in the viewport (rotate, IK, orbit or pan)."""
        return self._drag is not None

    def mousePressEvent(self, ev):  # noqa: N802
        pos = ev.position()
        x, y = pos.x(), pos.y()
        self._drag = {"start": (x, y), "last": (x, y), "button": ev.button(), "moved": False}
        if ev.button() == Qt.MouseButton.LeftButton and not (
                ev.modifiers() & Qt.KeyboardModifier.AltModifier):
            g = self._gizmo
            if g is not None:
                view, proj = self.view_matrix_np(), self.proj_matrix_np()
                c, _ = self.project(g.center[None])
                on_dot = np.hypot(x - c[0, 0], y - c[0, 1]) < PICK_PIXELS
                part = g.hit(x, y, view, proj, self.width(), self.height())
                if on_dot and self.ik_enabled and self._selected[1] in self.ik_joints:
                    normal = view[2, :3]        # plane facing the viewer through the joint
                    self._drag.update(mode="ik", plane=(g.center.copy(), normal))
                    self.ikStarted.emit()
                    return
                # another joint's dot inside the trackball circle: that joint is what is meant
                other = part == "ball" and self.pick_joint(x, y) not in ((-1, -1), self._selected)
                if part is not None and not other:
                    self._drag.update(mode="rotate", axis=part, gizmo=Gizmo(g.center, g.frame))
                    self.rotateStarted.emit()
                    return
            if self._grab_joint(x, y):
                return
            self._drag["mode"] = "click-or-orbit"
        elif ev.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            shift = ev.modifiers() & Qt.KeyboardModifier.ShiftModifier
            self._drag["mode"] = "pan" if shift else "orbit"
        elif ev.button() == Qt.MouseButton.RightButton:
            self._drag["mode"] = "pan"
        ev.accept()

    def _grab_joint(self, x: float, y: float) -> bool:
        """Press on a joint dot (no gizmo part under the mouse): select it and start dragging it
        at once — an IK effector moves (IK), any other joint turns (free trackball). False when
        no dot is under the mouse or the joint cannot be dragged (locked: no gizmo)."""
        person, joint = self.pick_joint(x, y)
        if joint < 0:
            return False
        self.selectionRequested.emit(person, joint)     # the controller sets the gizmo now
        g = self._gizmo
        if g is None or self._selected != (person, joint):
            return False
        if self.ik_enabled and joint in self.ik_joints:
            self._drag.update(mode="ik", plane=(g.center.copy(), self.view_matrix_np()[2, :3]))
            self.ikStarted.emit()
        else:
            self._drag.update(mode="rotate", axis="ball", gizmo=Gizmo(g.center, g.frame))
            self.rotateStarted.emit()
        return True

    def mouseMoveEvent(self, ev):  # noqa: N802
        pos = ev.position()
        x, y = pos.x(), pos.y()
        d = self._drag
        if d is None:
            hover = self.pick(x, y)
            if hover != self._hover:
                self._hover = hover
                self._refresh_overlay()
                self.hoverChanged.emit(*hover)
            return
        lx, ly = d["last"]
        d["last"] = (x, y)
        if abs(x - d["start"][0]) + abs(y - d["start"][1]) > 3:
            d["moved"] = True
        mode = d.get("mode")
        if mode == "rotate":
            rot = drag_rotation(d["axis"], d["gizmo"], d["start"], (x, y), self.view_matrix_np(),
                                self.proj_matrix_np(), self.width(), self.height())
            self.rotateDragged.emit(rot)
        elif mode == "ik":
            origin, direction = self.ray(x, y)
            point, normal = d["plane"]
            target = ray_plane(origin, direction, point, normal)
            if target is not None:
                self.ikDragged.emit(target)
        elif mode == "click-or-orbit" and d["moved"]:
            self.orbit_by(-(x - lx) * 0.4, (y - ly) * 0.4)
            d["orbited"] = True
        elif mode == "orbit":
            self.orbit_by(-(x - lx) * 0.4, (y - ly) * 0.4)
        elif mode == "pan":
            self.pan_by(x - lx, y - ly)
        ev.accept()

    def mouseReleaseEvent(self, ev):  # noqa: N802
        d, self._drag = self._drag, None
        if d is None:
            return
        mode = d.get("mode")
        if mode in ("rotate", "ik"):
            self.dragFinished.emit()
        elif mode == "click-or-orbit" and not d["moved"]:
            self.selectionRequested.emit(*self.pick(*d["start"]))
        elif self.look_through and mode in ("orbit", "pan", "click-or-orbit"):
            self.sceneCameraEdited.emit(self.scene_camera, True)
        ev.accept()

    def wheelEvent(self, ev):  # noqa: N802
        delta = ev.angleDelta().y() or ev.pixelDelta().y()
        if delta:
            self.zoom_by(0.9 ** (delta / 120.0), final=True)
        ev.accept()

    def event(self, ev):  # noqa: D401
        # trackpad pinch (macOS / libinput native gestures) zooms like the wheel
        if (ev.type() == QtCore.QEvent.Type.NativeGesture
                and ev.gestureType() == Qt.NativeGestureType.ZoomNativeGesture):
            self.zoom_by(1.0 / max(1.0 + ev.value(), 0.2), final=True)
            ev.accept()
            return True
        return super().event(ev)

    def keyPressEvent(self, ev):  # noqa: N802
        # shortcuts live on the main window's actions; do not let pyqtgraph eat arrow keys
        ev.ignore()

    def keyReleaseEvent(self, ev):  # noqa: N802
        ev.ignore()


def _nearest_bone_joint(point: np.ndarray, body: BodyView) -> int:
    """Parent joint of the bone (parent → child segment) nearest to ``point``."""
    best, best_d = int(body.shown_joints[0]), np.inf
    for j in body.shown_joints:
        p = body.parents[j]
        if p < 0:
            continue
        a, b = body.joints[p], body.joints[j]
        ab = b - a
        t = np.clip(np.dot(point - a, ab) / max(np.dot(ab, ab), 1e-12), 0, 1)
        dist = np.linalg.norm(a + t * ab - point)
        if dist < best_d:
            best, best_d = int(p), dist
    return best
