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


def to_first_camera(poses: np.ndarray, transl: np.ndarray, pelvis_rest: np.ndarray,
                    rotations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A body fitted in each frame's camera frame, moved into the first frame's camera frame.

    ``rotations`` (T, 3, 3) map the first frame's camera coordinates to frame t's (X_t = R_t X_0,
    ``video.camera_motion``): X_0 = R_tᵀ X_t, a turn about the camera centre. The body turns
    about its root joint, so the global orientation becomes R_tᵀ g_t and the translation
    R_tᵀ (j0 + τ_t) − j0, with ``pelvis_rest`` j0 (3,) the root joint of the body's rest pose.
    poses (T, 55, 3) axis-angle, transl (T, 3) → new (poses, transl).
    """
    from posestudio.rotations import axis_angle_to_matrix, matrix_to_axis_angle

    back = np.transpose(rotations, (0, 2, 1))
    poses = np.array(poses, dtype=np.float64)
    poses[:, 0] = matrix_to_axis_angle(back @ axis_angle_to_matrix(poses[:, 0]))
    j0 = np.asarray(pelvis_rest, dtype=np.float64)
    transl = np.einsum("tij,tj->ti", back, np.asarray(transl, dtype=np.float64) + j0) - j0
    return poses, transl


def turning_camera_keys(camera: Camera, rotations: np.ndarray, fps: float) -> list:
    """Camera keys (``anim.CameraKey``, one per frame, linear) that turn the scene ``camera``
    (the first frame's) about its eye as the video's camera turned (``rotations`` as in
    :func:`to_first_camera`), so every frame's render overlays that frame of the clip."""
    import dataclasses

    from posestudio.anim.model import CameraKey
    from posestudio.camera import camera_axes, camera_position, look_at
    from posestudio.errors import InputError

    eye, first = camera_position(camera), camera_axes(camera)
    keys, previous = [], camera
    for t, rotation in enumerate(rotations):
        axes = first @ rotation.T                      # frame t's camera axes in the world
        try:
            turned = look_at(eye, eye - axes[:, 2] * camera.distance, camera.fov_y_deg,
                             znear=camera.znear, zfar=camera.zfar)
        except InputError:                             # straight up or down: hold the last
            turned = previous
        else:
            level = camera_axes(turned)
            roll = math.degrees(math.atan2(axes[:, 0] @ level[:, 1], axes[:, 0] @ level[:, 0]))
            turned = dataclasses.replace(turned, roll_deg=roll)
        keys.append(CameraKey(t / fps, turned, "linear"))
        previous = turned
    return keys
