"""Where a new person goes: beside the people already there, inside the scene camera's frame."""

from __future__ import annotations

import numpy as np

from posestudio.camera import frame_points, project
from posestudio.scene.model import Camera, Scene

GAP = 0.25            # metres between the new person and their neighbour
MARGIN_PX = 4.0       # a body this close to the canvas edge counts as cut


def in_frame(points: np.ndarray, camera: Camera, canvas) -> bool:
    """True when every world point (N, 3) projects inside the canvas, in front of the camera."""
    uv, depth = project(points, camera, canvas)
    return bool(np.all(np.isfinite(uv)) and np.all(depth > 0)
                and uv[:, 0].min() >= MARGIN_PX and uv[:, 1].min() >= MARGIN_PX
                and uv[:, 0].max() <= canvas.width - MARGIN_PX
                and uv[:, 1].max() <= canvas.height - MARGIN_PX)


def place_new_person(scene: Scene, people_points: np.ndarray, rest: np.ndarray,
                     floor_y: float) -> tuple[np.ndarray, Camera | None]:
    """Translation for a new person and, when no side has room, a camera that shows everyone.

    Parameters
    ----------
    people_points : (N, 3) world metres
        Vertices of the visible people (empty: the new person stands at the origin).
    rest : (V, 3) world metres
        The new person's rest vertices (transl 0).
    floor_y : float
        Ground height (metres); the new person's soles go there.

    Returns
    -------
    transl : (3,) metres
        Beside the others on the floor: to the right when that stays inside the canvas, else to
        the left, else to the right.
    camera : Camera or None
        None when the new person is inside the frame; else the scene camera re-aimed so that
        everyone (the new person too) fits.
    """
    if len(people_points) == 0:
        return np.zeros(3), None
    lo, hi = people_points.min(0), people_points.max(0)
    y = float(floor_y - rest[:, 1].min())
    z = float((lo[2] + hi[2]) / 2)
    right = np.array([hi[0] + GAP - rest[:, 0].min(), y, z])
    left = np.array([lo[0] - GAP - rest[:, 0].max(), y, z])
    for transl in (right, left):
        if in_frame(rest + transl, scene.camera, scene.canvas):
            return transl, None
    everyone = np.concatenate([people_points, rest + right])
    return right, frame_points(scene.camera, scene.canvas, everyone)
