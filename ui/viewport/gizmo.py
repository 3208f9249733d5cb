"""Rotation gizmo: three rings in the selected joint's local axes plus a free trackball.

Geometry and hit-testing are plain numpy (screen pixels), so tests can aim real mouse events at a
ring. Drawing lives in :mod:`ui.viewport.view`.
"""

from __future__ import annotations

import numpy as np

from .math3d import project_to_screen

RING_SEGMENTS = 64
RING_PIXELS = 70.0        # on-screen radius of the rings
HIT_PIXELS = 7.0          # how close to a ring a press must be
AXIS_COLORS = ((0.95, 0.25, 0.25, 1.0), (0.3, 0.9, 0.3, 1.0), (0.3, 0.5, 1.0, 1.0))


def ring_points(center: np.ndarray, axis: np.ndarray, radius: float,
                segments: int = RING_SEGMENTS) -> np.ndarray:
    """(segments + 1, 3) closed circle around ``axis`` through ``center``, world metres."""
    axis = axis / np.linalg.norm(axis)
    helper = np.array([1.0, 0, 0]) if abs(axis[0]) < 0.9 else np.array([0, 1.0, 0])
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    t = np.linspace(0, 2 * np.pi, segments + 1)
    return center + radius * (np.cos(t)[:, None] * u + np.sin(t)[:, None] * v)


class Gizmo:
    """Where the gizmo is and which part of it lies under a pixel.

    Parameters
    ----------
    center : (3,) world position of the selected joint.
    frame : (3, 3) joint orientation in the world; its columns are the ring axes.
    """

    def __init__(self, center: np.ndarray, frame: np.ndarray) -> None:
        self.center = np.asarray(center, dtype=np.float64)
        self.frame = np.asarray(frame, dtype=np.float64)
        self.radius = 0.1

    def update_scale(self, view: np.ndarray, proj: np.ndarray, height: float) -> None:
        """Resize the rings so they keep ``RING_PIXELS`` on screen at any zoom."""
        depth = -(view[:3, :3] @ self.center + view[:3, 3])[2]
        metres_per_pixel = 2 * max(depth, 1e-3) / (proj[1, 1] * height)
        self.radius = RING_PIXELS * metres_per_pixel

    def rings(self) -> list[np.ndarray]:
        return [ring_points(self.center, self.frame[:, k], self.radius) for k in range(3)]

    def hit(self, x: float, y: float, view, proj, width, height) -> str | None:
        """'x'/'y'/'z' for a ring under the pixel, 'ball' inside the rings, else None.

        Ring segments facing away from the viewer are ignored so the nearer half wins.
        """
        best, best_d = None, HIT_PIXELS
        cam_center = view[:3, :3] @ self.center + view[:3, 3]
        for k, pts in enumerate(self.rings()):
            px, _ = project_to_screen(pts, view, proj, width, height)
            cam = pts @ view[:3, :3].T + view[:3, 3]
            front = cam[:, 2] >= cam_center[2] - 1e-6
            a, b = px[:-1], px[1:]
            keep = front[:-1] | front[1:]
            d = _segment_distance(np.array([x, y]), a[keep], b[keep])
            if d.size and d.min() < best_d:
                best, best_d = "xyz"[k], float(d.min())
        if best is not None:
            return best
        c, _ = project_to_screen(self.center[None], view, proj, width, height)
        if np.hypot(x - c[0, 0], y - c[0, 1]) < RING_PIXELS:
            return "ball"
        return None

    def ring_pixel(self, axis: str, view, proj, width, height) -> np.ndarray:
        """A pixel on the front half of a ring (for tests and tooltips), (2,)."""
        pts = self.rings()["xyz".index(axis)]
        px, _ = project_to_screen(pts, view, proj, width, height)
        cam = pts @ view[:3, :3].T + view[:3, 3]
        # the frontmost point whose screen position is well away from the other rings
        order = np.argsort(-cam[:, 2])
        for i in order:
            if self.hit(px[i, 0], px[i, 1], view, proj, width, height) == axis:
                return px[i]
        return px[order[0]]


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ab = b - a
    denom = np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-12)
    t = np.clip(np.einsum("ij,ij->i", p - a, ab) / denom, 0, 1)
    closest = a + t[:, None] * ab
    return np.linalg.norm(closest - p, axis=1)


def drag_rotation(axis_name: str, gizmo: Gizmo, p0: tuple[float, float], p1: tuple[float, float],
                  view, proj, width, height) -> np.ndarray:
    """World rotation (3, 3) for dragging the mouse from ``p0`` to ``p1`` on the gizmo.

    A ring turns about its axis by the angle the mouse sweeps around the joint's projected
    centre (sign chosen so the ring follows the cursor); the trackball turns about the screen
    axis perpendicular to the motion, 1 degree per 2 pixels.
    """
    from scipy.spatial.transform import Rotation

    c, _ = project_to_screen(gizmo.center[None], view, proj, width, height)
    c = c[0]
    rot = view[:3, :3]
    if axis_name == "ball":
        dx, dy = p1[0] - p0[0], p1[1] - p0[1]
        dist = np.hypot(dx, dy)
        if dist < 1e-9:
            return np.eye(3)
        # camera-space axis: screen motion (dx, -dy) rotated by 90°
        axis_cam = np.array([dy, dx, 0.0]) / dist
        axis_world = rot.T @ axis_cam
        return Rotation.from_rotvec(axis_world * np.radians(dist * 0.5)).as_matrix()
    axis = gizmo.frame[:, "xyz".index(axis_name)]
    a0 = np.arctan2(p0[1] - c[1], p0[0] - c[0])
    a1 = np.arctan2(p1[1] - c[1], p1[0] - c[0])
    sweep = (a1 - a0 + np.pi) % (2 * np.pi) - np.pi
    # screen y points down, so a clockwise sweep on screen is a positive angle about the axis
    # pointing *into* the screen; flip when the axis points at the viewer.
    toward_viewer = (rot @ axis)[2] > 0
    angle = -sweep if toward_viewer else sweep
    return Rotation.from_rotvec(axis * angle).as_matrix()
