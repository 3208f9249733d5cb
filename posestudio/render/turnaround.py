"""Character turnaround sheets: one pose seen from the front, three-quarter, side and back.

Views are placed relative to the way the (first visible) person faces, not to the world, so a
sheet of a turned figure still starts with its front. All panels share one camera distance
(the largest any view needs to frame everybody), so the figure has the same scale in each.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from posestudio.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from posestudio.body import PosedBody
    from posestudio.render.gl import OffscreenRenderer
    from posestudio.scene.model import Camera, Canvas, Scene

__all__ = ["TURNAROUND_VIEWS", "facing_yaw_deg", "turnaround_cameras", "turnaround_sheets",
           "write_turnaround"]

# (name, yaw offset from the person's front, degrees; + = towards the person's left)
TURNAROUND_VIEWS: tuple[tuple[str, float], ...] = (
    ("front", 0.0), ("three_quarter", 45.0), ("side", 90.0), ("back", 180.0))


def facing_yaw_deg(posed: "PosedBody") -> float:
    """Camera yaw that looks at the person's front, degrees (0 for a person at rest).

    The facing direction is horizontal and perpendicular to the hip line (right hip → left hip).
    """
    names = list(posed.joint_names)
    left = posed.joints[names.index("left_hip")]
    right = posed.joints[names.index("right_hip")]
    forward = np.cross(np.asarray(left - right, dtype=np.float64), [0.0, 1.0, 0.0])
    if np.hypot(forward[0], forward[2]) < 1e-9:
        return 0.0
    return math.degrees(math.atan2(forward[0], forward[2]))


def turnaround_cameras(posed: Sequence["PosedBody"], camera: "Camera", canvas: "Canvas",
                       views: Sequence[tuple[str, float]] = TURNAROUND_VIEWS
                       ) -> list["Camera"]:
    """One camera per view, framing all people at a common distance.

    ``camera`` gives pitch, fov and clipping planes; yaw and target are replaced.
    """
    from posestudio import camera as camera_math

    if not posed:
        raise InputError("turnaround needs at least one visible person")
    points = np.concatenate([np.asarray(p.vertices, dtype=np.float64) for p in posed])
    front = facing_yaw_deg(posed[0])
    framed = [camera_math.frame_points(dataclasses.replace(camera, yaw_deg=front + offset),
                                       canvas, points, margin=0.08)
              for _, offset in views]
    distance = max(c.distance for c in framed)
    return [dataclasses.replace(c, distance=distance) for c in framed]


def turnaround_sheets(scene: "Scene", maps: Iterable[str] = ("mannequin",),
                      size: tuple[int, int] | None = None, *,
                      views: Sequence[tuple[str, float]] = TURNAROUND_VIEWS,
                      renderer: "OffscreenRenderer | None" = None) -> dict[str, np.ndarray]:
    """Turnaround sheets of a scene, one per map: the views side by side on one canvas.

    Parameters
    ----------
    scene : Scene
    maps : map names (``pipeline.MAP_NAMES``)
    size : (width, height) of one panel, default the scene canvas

    Returns
    -------
    dict map name → (H, n·W[, C]) uint8 (``depth_metric`` too when depth is asked for).
    """
    from posestudio.body import pose_people
    from posestudio.render.pipeline import render_bodies
    from posestudio.scene.model import Canvas

    canvas = scene.canvas if size is None else Canvas(int(size[0]), int(size[1]))
    posed = pose_people(scene)
    colors = [p.color for p in scene.people if p.visible]
    # A sheet shows the figure from behind too: a skeleton with the face drawn on the back of the
    # head misreads as a front view, so keypoints hidden by the body are always dropped here.
    settings = dataclasses.replace(scene.render, hide_occluded=True)
    panels: dict[str, list[np.ndarray]] = {}
    for camera in turnaround_cameras(posed, scene.camera, canvas, views):
        result = render_bodies(posed, camera, canvas, settings, maps=maps, colors=colors,
                               renderer=renderer)
        for name, image in result.maps.items():
            panels.setdefault(name, []).append(image)
    return {name: np.concatenate(images, axis=1) for name, images in panels.items()}


def write_turnaround(scene: "Scene", maps: Iterable[str], out_dir: str | os.PathLike,
                     size: tuple[int, int] | None = None) -> list[Path]:
    """Write ``turnaround_<map>.png`` for each map into ``out_dir`` (all or nothing).

    Returns
    -------
    list of Path: the files written.
    """
    from posestudio.export.atomic import atomic_output_dir
    from posestudio.render.pipeline import _save_png

    sheets = turnaround_sheets(scene, maps, size)
    names = []
    with atomic_output_dir(out_dir, "output folder") as tmp:
        for name, image in sheets.items():
            if name == "depth_metric":
                continue
            _save_png(tmp / f"turnaround_{name}.png", image)
            names.append(f"turnaround_{name}.png")
    return [Path(out_dir) / n for n in names]
