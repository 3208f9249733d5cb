"""From bodies fitted in the photo's camera frame to a scene: world people + matching camera.

The fit happens in the OpenGL frame of the photo's camera. The scene gets a level orbit camera
(yaw 0, pitch 0, roll 0) with the photo's vertical field of view, so its world axes are the
camera's axes shifted: world = camera frame + ``offset``. We choose the offset so that

* the first (largest) person's pelvis is at x = z = 0 (the orbit target sits at that depth on
  the optical axis, so orbiting turns around the person),
* the lowest point of all bodies is at y = 0 (the floor),

and the render of the scene through its camera lands exactly on the photo: same focal length
in pixels, principal point at the canvas centre, same axes.
"""

from __future__ import annotations

import math

import numpy as np

from posestudio.scene.model import Camera, Canvas


def fov_y_deg(focal_px: float, height: int) -> float:
    """Vertical field of view (degrees) of a focal length in pixels on an image ``height`` tall."""
    return math.degrees(2.0 * math.atan((height / 2.0) / focal_px))


def world_offset(pelvis_cam: np.ndarray, lowest_y_cam: float) -> np.ndarray:
    """Offset (3,) added to camera-frame points to get world points (see module docstring)."""
    return np.array([-pelvis_cam[0], -lowest_y_cam, -pelvis_cam[2]], dtype=np.float64)


def scene_camera(offset: np.ndarray, pelvis_cam: np.ndarray, focal_px: float, canvas: Canvas) -> Camera:
    """Level orbit camera at world ``offset`` (the camera-frame origin), looking down −Z at the
    depth of the pelvis, with the field of view of ``focal_px`` on ``canvas``."""
    distance = float(max(-pelvis_cam[2], 0.05))
    target = (float(offset[0]), float(offset[1]), float(offset[2] - distance))
    fov = float(np.clip(fov_y_deg(focal_px, canvas.height), 1.0, 170.0))
    return Camera(yaw_deg=0.0, pitch_deg=0.0, roll_deg=0.0, distance=distance, target=target,
                  fov_y_deg=fov, znear=0.05, zfar=max(100.0, 4 * distance))
