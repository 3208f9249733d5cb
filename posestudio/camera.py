"""Camera maths: orbit camera → pose matrices, intrinsics, projection to pixels, framing.

Pure numpy; on the drag hot path, so no heavy imports and no per-point Python loops.

Conventions (``docs/architecture.md``)
--------------------------------------
* World: right-handed, Y up, metres; a person at rest faces +Z.
* The :class:`~posestudio.scene.model.Camera` orbits ``target``: its eye sits at
  ``target + distance * (cos(pitch) sin(yaw), sin(pitch), cos(pitch) cos(yaw))``. Yaw 0 puts the
  eye on +Z (in front of a person at rest), yaw 90 on +X; pitch > 0 lifts it above the target,
  looking down. ``roll_deg`` turns the camera about its viewing axis, right-handed about the
  camera's +Z axis (positive roll rotates the picture clockwise on screen).
* Camera frame: OpenGL (looks down −Z, +Y up on screen, +X right). ``world_to_camera`` maps world
  points into it; ``camera_to_world`` is the camera's pose, as pyrender takes it.
* Pixels: ``K`` is OpenCV-style and applies to OpenCV camera coordinates, i.e. ``(x, −y, −z)`` of
  the OpenGL camera. Pixel (0, 0) is the top-left *corner* of the top-left pixel, pixel centres
  are at +0.5, and the principal point is the canvas centre ``(W/2, H/2)``.
* Depth is metres along the viewing axis (``−z`` of the OpenGL camera), positive in front.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from posestudio.errors import InputError
from posestudio.scene.model import Camera, Canvas

__all__ = [
    "camera_axes", "camera_position", "camera_to_world", "focal_mm_from_fov",
    "fov_from_focal_mm", "frame_points", "intrinsics", "look_at", "orbit", "project",
    "projection_matrix", "world_to_camera",
]

MAX_PITCH_DEG = 89.9  # the orbit stays off the poles, where "up" would be undefined


def _orbit_direction(yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Unit vector from the target to the eye, (3,) world."""
    yaw, pitch = math.radians(yaw_deg), math.radians(pitch_deg)
    return np.array([math.cos(pitch) * math.sin(yaw), math.sin(pitch),
                     math.cos(pitch) * math.cos(yaw)])


def camera_position(camera: Camera) -> np.ndarray:
    """Eye position of ``camera``.

    Returns
    -------
    (3,) float64, world metres.
    """
    return np.asarray(camera.target, dtype=np.float64) + camera.distance * _orbit_direction(
        camera.yaw_deg, camera.pitch_deg)


def camera_axes(camera: Camera) -> np.ndarray:
    """Rotation of the camera: its right, up and backward axes as columns.

    Returns
    -------
    R : (3, 3) float64
        Columns are the OpenGL camera's +X (screen right), +Y (screen up) and +Z (pointing back,
        away from the target) in world coordinates. ``R`` maps camera directions to world ones.
    """
    back = _orbit_direction(camera.yaw_deg, camera.pitch_deg)
    # Right is horizontal because pitch never reaches ±90°: cross(Y, back) has no zero length.
    right = np.array([back[2], 0.0, -back[0]])
    right /= np.linalg.norm(right)
    up = np.cross(back, right)
    if camera.roll_deg:
        c, s = math.cos(math.radians(camera.roll_deg)), math.sin(math.radians(camera.roll_deg))
        right, up = c * right + s * up, -s * right + c * up
    return np.stack([right, up, back], axis=1)


def camera_to_world(camera: Camera) -> np.ndarray:
    """Pose of the camera: maps OpenGL camera coordinates to world ones.

    Returns
    -------
    (4, 4) float64 rigid transform (the ``pose`` pyrender expects for a camera node).
    """
    matrix = np.eye(4)
    matrix[:3, :3] = camera_axes(camera)
    matrix[:3, 3] = camera_position(camera)
    return matrix


def world_to_camera(camera: Camera) -> np.ndarray:
    """View matrix: maps world points to OpenGL camera coordinates (camera looks down −Z).

    Returns
    -------
    (4, 4) float64 rigid transform, the inverse of :func:`camera_to_world`.
    """
    rotation = camera_axes(camera)
    matrix = np.eye(4)
    matrix[:3, :3] = rotation.T
    matrix[:3, 3] = -rotation.T @ camera_position(camera)
    return matrix


def focal_px(camera: Camera, canvas: Canvas) -> float:
    """Focal length in pixels, ``(H/2) / tan(fov_y/2)`` (square pixels: fx = fy)."""
    return 0.5 * canvas.height / math.tan(math.radians(camera.fov_y_deg) / 2.0)


def intrinsics(camera: Camera, canvas: Canvas) -> np.ndarray:
    """OpenCV intrinsic matrix for ``camera`` on ``canvas``.

    Returns
    -------
    K : (3, 3) float64
        ``[[f, 0, W/2], [0, f, H/2], [0, 0, 1]]`` with ``f = (H/2) / tan(fov_y/2)`` pixels. It
        applies to OpenCV camera coordinates ``(x, −y, −z)`` of the OpenGL camera and gives pixels
        with (0, 0) at the top-left corner of the canvas.
    """
    f = focal_px(camera, canvas)
    return np.array([[f, 0.0, canvas.width / 2.0], [0.0, f, canvas.height / 2.0], [0.0, 0.0, 1.0]])


def projection_matrix(camera: Camera, canvas: Canvas) -> np.ndarray:
    """OpenGL perspective projection (camera → clip space), the same one pyrender builds.

    Returns
    -------
    (4, 4) float64 for ``yfov = fov_y``, ``aspect = W/H`` and the camera's znear/zfar.
    """
    t = 1.0 / math.tan(math.radians(camera.fov_y_deg) / 2.0)
    n, f = camera.znear, camera.zfar
    matrix = np.zeros((4, 4))
    matrix[0, 0] = t / canvas.aspect
    matrix[1, 1] = t
    matrix[2, 2] = (f + n) / (n - f)
    matrix[2, 3] = 2.0 * f * n / (n - f)
    matrix[3, 2] = -1.0
    return matrix


def project(points_world: np.ndarray, camera: Camera, canvas: Canvas) -> tuple[np.ndarray, np.ndarray]:
    """Project world points to pixels.

    Parameters
    ----------
    points_world : (N, 3) array_like
        World metres (any leading shape ``(..., 3)`` works).

    Returns
    -------
    uv : (N, 2) float64
        Continuous pixel coordinates, (0, 0) at the top-left corner of the canvas, x right,
        y down; pixel ``(i, j)`` has its centre at ``(i + 0.5, j + 0.5)``. NaN for points not in
        front of the camera (depth ≤ 0), so any inside-the-canvas test rejects them.
    depth : (N,) float64
        Metres along the viewing axis (``−z`` of the OpenGL camera); ≤ 0 behind the camera.
    """
    points = np.asarray(points_world, dtype=np.float64)
    if points.shape[-1:] != (3,):
        raise InputError(f"project: points must have shape (N, 3), got {points.shape}")
    view = world_to_camera(camera)
    cam = points @ view[:3, :3].T + view[:3, 3]
    depth = -cam[..., 2]
    f = focal_px(camera, canvas)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(depth > 0.0, 1.0 / depth, np.nan)
    uv = np.empty(points.shape[:-1] + (2,))
    uv[..., 0] = f * cam[..., 0] * inv + canvas.width / 2.0
    uv[..., 1] = -f * cam[..., 1] * inv + canvas.height / 2.0
    return uv, depth


def frame_points(camera: Camera, canvas: Canvas, points: np.ndarray, margin: float = 0.1) -> Camera:
    """Move ``camera`` so that ``points`` fill the canvas, keeping its direction and lens.

    Yaw, pitch, roll and field of view are kept; the target and distance change so that the
    points' bounding frustum touches the margin on the tighter axis and is centred on the other.
    Works for any aspect ratio (portrait, landscape, square).

    Parameters
    ----------
    points : (N, 3) array_like
        World metres, e.g. the vertices of every visible person.
    margin : float
        Free border on each side as a fraction of the canvas size, in [0, 0.45]: 0.1 keeps every
        point within ``[0.1 W, 0.9 W] × [0.1 H, 0.9 H]``.

    Returns
    -------
    Camera
        A new camera; its target is the centre of the points' depth range on the viewing axis.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if not 0.0 <= margin <= 0.45:
        raise InputError(f"frame margin must be from 0 to 0.45 of the canvas, got {margin}")
    if len(pts) == 0 or not np.all(np.isfinite(pts)):
        raise InputError("frame_points needs at least one finite point")
    rotation = camera_axes(camera)
    local = pts @ rotation  # coordinates along the camera's right/up/back axes, origin at world 0
    tan_y = math.tan(math.radians(camera.fov_y_deg) / 2.0) * (1.0 - 2.0 * margin)
    tan_x = tan_y * canvas.aspect
    if tan_y <= 0.0:  # margin 0.5 would leave no room; excluded above, kept as a guard
        raise InputError("frame margin leaves no room on the canvas")
    # For each screen axis, points lie inside the frustum of half-angle tan_a iff
    #   max(a_i + tan_a z_i) <= a_eye + tan_a z_eye  and  min(a_i - tan_a z_i) >= a_eye - tan_a z_eye.
    # Solving with equality gives the nearest eye position for that axis.
    eye_local = np.empty(3)
    z_needed = []
    for axis, tan_a in ((0, tan_x), (1, tan_y)):
        hi = np.max(local[:, axis] + tan_a * local[:, 2])
        lo = np.min(local[:, axis] - tan_a * local[:, 2])
        eye_local[axis] = (hi + lo) / 2.0
        z_needed.append((hi - lo) / (2.0 * tan_a))
    z_lo, z_hi = local[:, 2].min(), local[:, 2].max()
    # The tighter axis sets the distance; the near plane must stay in front of every point.
    eye_local[2] = max(max(z_needed), z_hi + 2.0 * camera.znear)
    distance = eye_local[2] - (z_lo + z_hi) / 2.0
    if distance <= camera.znear:  # a single point (or a flat, tiny set): keep a sane distance
        distance = max(camera.distance, 4.0 * camera.znear)
        eye_local[2] = (z_lo + z_hi) / 2.0 + distance
    eye = rotation @ eye_local
    target = eye - distance * rotation[:, 2]
    zfar = max(camera.zfar, 2.0 * (eye_local[2] - z_lo))
    return dataclasses.replace(camera, target=tuple(float(v) for v in target),
                               distance=float(distance), zfar=float(zfar))


def look_at(eye, target, fov_y_deg: float = 40.0, *, roll_deg: float = 0.0,
            znear: float = 0.05, zfar: float = 100.0) -> Camera:
    """Orbit camera at ``eye`` looking at ``target`` (both (3,) world metres).

    Raises
    ------
    InputError
        If eye and target coincide or the eye is (almost) straight above or below the target,
        where the orbit camera's pitch limit of ±89.9° applies.
    """
    eye = np.asarray(eye, dtype=np.float64).reshape(3)
    target = np.asarray(target, dtype=np.float64).reshape(3)
    offset = eye - target
    distance = float(np.linalg.norm(offset))
    if not distance > 1e-6:
        raise InputError("look_at: eye and target are the same point")
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, offset[1] / distance))))
    if abs(pitch) > MAX_PITCH_DEG:
        raise InputError(f"look_at: the eye is straight {'above' if pitch > 0 else 'below'} the "
                         f"target (pitch {pitch:.2f}°); the camera pitch must stay within ±89.9°")
    yaw = math.degrees(math.atan2(offset[0], offset[2]))
    return Camera(yaw_deg=yaw, pitch_deg=pitch, distance=distance,
                  target=tuple(float(v) for v in target), fov_y_deg=fov_y_deg,
                  roll_deg=roll_deg, znear=znear, zfar=zfar)


def orbit(camera: Camera, yaw_deg: float, pitch_deg: float) -> Camera:
    """Turn ``camera`` around its target by ``yaw_deg`` and ``pitch_deg`` (relative, degrees).

    Yaw wraps to (−180, 180]; pitch is clamped to ±89.9° so the orbit never flips over a pole.
    Distance, target, lens and roll are kept.
    """
    yaw = math.remainder(camera.yaw_deg + float(yaw_deg), 360.0)
    if yaw == -180.0:
        yaw = 180.0
    pitch = min(MAX_PITCH_DEG, max(-MAX_PITCH_DEG, camera.pitch_deg + float(pitch_deg)))
    return dataclasses.replace(camera, yaw_deg=yaw, pitch_deg=pitch)


def fov_from_focal_mm(focal_mm: float, sensor_height_mm: float = 24.0) -> float:
    """Vertical field of view (degrees) of a lens of ``focal_mm`` on a sensor ``sensor_height_mm``
    tall (24 mm: full frame, where 50 mm gives 27.0°)."""
    if not (focal_mm > 0 and sensor_height_mm > 0):
        raise InputError(f"focal length and sensor height must be > 0 mm, got {focal_mm}, "
                         f"{sensor_height_mm}")
    return math.degrees(2.0 * math.atan(sensor_height_mm / (2.0 * focal_mm)))


def focal_mm_from_fov(fov_y_deg: float, sensor_height_mm: float = 24.0) -> float:
    """Focal length (mm) that gives vertical field of view ``fov_y_deg`` on the sensor."""
    if not (0.0 < fov_y_deg < 180.0 and sensor_height_mm > 0):
        raise InputError(f"field of view must be between 0 and 180 degrees, got {fov_y_deg}")
    return sensor_height_mm / (2.0 * math.tan(math.radians(fov_y_deg) / 2.0))
