"""Torch twins of :mod:`posestudio.rotations` for differentiable code (the lifting fit).

Same conventions: axis-angle (..., 3) radians, matrices (..., 3, 3) acting on column vectors,
quaternions (..., 4) = (w, x, y, z) real part first. Batched over leading dimensions, any float
dtype and device. Gradients are finite at angle 0 (series expansions with ``torch.where`` on
both branches kept finite). Import this module only where torch is already needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import torch

__all__ = ["axis_angle_to_matrix", "axis_angle_to_quaternion", "quaternion_to_matrix",
           "matrix_to_quaternion", "quaternion_to_axis_angle", "matrix_to_axis_angle"]

_SMALL2 = 1e-6  # squared angle below which the series are used (keeps gradients finite)


def _skew(v: "torch.Tensor") -> "torch.Tensor":
    import torch

    x, y, z = v.unbind(-1)
    zero = torch.zeros_like(x)
    return torch.stack([zero, -z, y, z, zero, -x, -y, x, zero], -1).reshape(v.shape[:-1] + (3, 3))


def axis_angle_to_matrix(axis_angle: "torch.Tensor") -> "torch.Tensor":
    """Axis-angle (..., 3) → rotation matrices (..., 3, 3); smooth (and differentiable) at 0."""
    import torch

    aa = axis_angle
    theta2 = (aa * aa).sum(-1, keepdim=True)[..., None]
    small = theta2 < _SMALL2
    safe2 = torch.where(small, torch.ones_like(theta2), theta2)
    theta = torch.sqrt(safe2)
    a = torch.where(small, 1 - theta2 / 6, torch.sin(theta) / theta)
    b = torch.where(small, 0.5 - theta2 / 24, (1 - torch.cos(theta)) / safe2)
    k = _skew(aa)
    eye = torch.eye(3, dtype=aa.dtype, device=aa.device).expand(k.shape)
    return eye + a * k + b * (k @ k)


def axis_angle_to_quaternion(axis_angle: "torch.Tensor") -> "torch.Tensor":
    """Axis-angle (..., 3) → unit quaternions (..., 4), w >= 0 up to angle π."""
    import torch

    theta2 = (axis_angle * axis_angle).sum(-1, keepdim=True)
    small = theta2 < _SMALL2
    safe2 = torch.where(small, torch.ones_like(theta2), theta2)
    theta = torch.sqrt(safe2)
    scale = torch.where(small, 0.5 - theta2 / 48, torch.sin(theta / 2) / theta)
    w = torch.where(small, 1 - theta2 / 8, torch.cos(theta / 2))
    return torch.cat([w, axis_angle * scale], -1)


def quaternion_to_matrix(quaternion: "torch.Tensor") -> "torch.Tensor":
    """Quaternions (..., 4) (normalised first) → rotation matrices (..., 3, 3)."""
    import torch

    q = quaternion / quaternion.norm(dim=-1, keepdim=True).clamp_min(1e-30)
    w, x, y, z = q.unbind(-1)
    m = torch.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
        2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
        2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
    ], -1)
    return m.reshape(q.shape[:-1] + (3, 3))


def matrix_to_quaternion(matrix: "torch.Tensor") -> "torch.Tensor":
    """Rotation matrices (..., 3, 3) → unit quaternions (..., 4), w >= 0 (Shepperd's method,
    accurate at angle π)."""
    import torch

    m = matrix
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    pivots = torch.stack([1 + m00 + m11 + m22, 1 + m00 - m11 - m22,
                          1 - m00 + m11 - m22, 1 - m00 - m11 + m22], -1)
    r = torch.sqrt(pivots.clamp_min(1e-30))
    d21, d02, d10 = m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]
    s01, s02, s12 = m[..., 0, 1] + m[..., 1, 0], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1]
    cand = torch.stack([
        torch.stack([r[..., 0] ** 2, d21, d02, d10], -1) / (2 * r[..., 0, None]),
        torch.stack([d21, r[..., 1] ** 2, s01, s02], -1) / (2 * r[..., 1, None]),
        torch.stack([d02, s01, r[..., 2] ** 2, s12], -1) / (2 * r[..., 2, None]),
        torch.stack([d10, s02, s12, r[..., 3] ** 2], -1) / (2 * r[..., 3, None]),
    ], -2)
    pick = pivots.argmax(-1)
    q = torch.gather(cand, -2, pick[..., None, None].expand(pick.shape + (1, 4)))[..., 0, :]
    q = q / q.norm(dim=-1, keepdim=True)
    return torch.where(q[..., :1] < 0, -q, q)


def quaternion_to_axis_angle(quaternion: "torch.Tensor") -> "torch.Tensor":
    """Quaternions (..., 4) → axis-angle (..., 3), angle in [0, π]."""
    import torch

    q = quaternion / quaternion.norm(dim=-1, keepdim=True).clamp_min(1e-30)
    q = torch.where(q[..., :1] < 0, -q, q)
    w, v = q[..., :1], q[..., 1:]
    s2 = (v * v).sum(-1, keepdim=True)
    small = s2 < _SMALL2
    s = torch.sqrt(torch.where(small, torch.ones_like(s2), s2))
    angle = 2 * torch.atan2(s, w)
    scale = torch.where(small, 2 / w * (1 + s2 / (3 * w * w)), angle / s)
    return v * scale


def matrix_to_axis_angle(matrix: "torch.Tensor") -> "torch.Tensor":
    """Rotation matrices (..., 3, 3) → axis-angle (..., 3), angle in [0, π]."""
    return quaternion_to_axis_angle(matrix_to_quaternion(matrix))
