"""Small numpy helpers the viewport needs: projection matrices, screen-space projection, rays;
rotations and joint frames come from :mod:`posestudio.rotations` and
:mod:`posestudio.kinematics.fk` under the names the UI uses.

Everything is world space (Y up, metres) unless said otherwise. Screen pixels have (0, 0) at the
top-left corner of the widget, as Qt mouse events report them.
"""

from __future__ import annotations

import math

import numpy as np

from posestudio.kinematics.fk import global_rotations  # noqa: F401  (re-exported for the UI)
from posestudio.rotations import axis_angle_to_matrix, euler_to_matrix, matrix_to_euler
from posestudio.rotations import matrix_to_axis_angle as axis_angle  # (3, 3) → (3,) radians


def euler_xyz_deg(axis_angle_vec: np.ndarray) -> np.ndarray:
    """Axis-angle (3,) → intrinsic XYZ Euler angles in degrees (what the numeric fields show)."""
    return np.degrees(matrix_to_euler(axis_angle_to_matrix(axis_angle_vec), "XYZ"))


def from_euler_xyz_deg(angles: np.ndarray) -> np.ndarray:
    """Intrinsic XYZ Euler angles in degrees → axis-angle (3,)."""
    return axis_angle(euler_to_matrix(np.radians(np.asarray(angles, float)), "XYZ"))


def perspective(fov_y_deg: float, aspect: float, znear: float, zfar: float) -> np.ndarray:
    """OpenGL perspective projection (4, 4): OpenGL camera space → clip space."""
    f = 1.0 / math.tan(math.radians(fov_y_deg) / 2.0)
    m = np.zeros((4, 4))
    m[0, 0] = f / aspect
    m[1, 1] = f
    m[2, 2] = (zfar + znear) / (znear - zfar)
    m[2, 3] = 2 * zfar * znear / (znear - zfar)
    m[3, 2] = -1.0
    return m


def project_to_screen(points: np.ndarray, view: np.ndarray, proj: np.ndarray,
                      width: float, height: float) -> tuple[np.ndarray, np.ndarray]:
    """World points (N, 3) → widget pixels (N, 2) and view depth (N,) (metres, > 0 in front)."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    cam = pts @ view[:3, :3].T + view[:3, 3]
    clip = cam @ proj[:3, :3].T + proj[:3, 3]
    w = -cam[:, 2]
    safe = np.where(np.abs(w) < 1e-9, 1e-9, w)
    ndc = clip[:, :2] / safe[:, None]
    px = np.stack([(ndc[:, 0] + 1) * 0.5 * width, (1 - ndc[:, 1]) * 0.5 * height], axis=1)
    return px, w


def screen_ray(x: float, y: float, view: np.ndarray, proj: np.ndarray,
               width: float, height: float) -> tuple[np.ndarray, np.ndarray]:
    """Ray through widget pixel (x, y): origin (3,) and unit direction (3,) in world space."""
    ndc = np.array([2 * x / width - 1, 1 - 2 * y / height])
    # camera-space direction at z = -1 for a symmetric frustum
    d_cam = np.array([ndc[0] / proj[0, 0], ndc[1] / proj[1, 1], -1.0])
    rot = view[:3, :3]
    origin = -rot.T @ view[:3, 3]
    d = rot.T @ d_cam
    return origin, d / np.linalg.norm(d)


def ray_plane(origin: np.ndarray, direction: np.ndarray, point: np.ndarray,
              normal: np.ndarray) -> np.ndarray | None:
    """Intersection of a ray with a plane, or None when parallel or behind the origin."""
    denom = float(np.dot(direction, normal))
    if abs(denom) < 1e-9:
        return None
    t = float(np.dot(point - origin, normal)) / denom
    return None if t < 0 else origin + t * direction


def ray_mesh(origin: np.ndarray, direction: np.ndarray, vertices: np.ndarray,
             faces: np.ndarray) -> tuple[float, int] | None:
    """Nearest hit of a ray with a triangle mesh (Möller–Trumbore, vectorised).

    Returns ``(distance, face_index)`` or None.
    """
    v0 = vertices[faces[:, 0]]
    e1 = vertices[faces[:, 1]] - v0
    e2 = vertices[faces[:, 2]] - v0
    p = np.cross(direction, e2)
    det = np.einsum("ij,ij->i", e1, p)
    ok = np.abs(det) > 1e-12
    inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    s = origin - v0
    u = np.einsum("ij,ij->i", s, p) * inv
    q = np.cross(s, e1)
    v = (q @ direction) * inv
    t = np.einsum("ij,ij->i", e2, q) * inv
    hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 1e-6)
    if not hit.any():
        return None
    idx = np.flatnonzero(hit)
    best = idx[np.argmin(t[idx])]
    return float(t[best]), int(best)

