"""numpy image arrays → Qt images (shared by the viewport, the previews and the pose library)."""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui


def to_qimage(array: np.ndarray) -> QtGui.QImage:
    """uint8 (H, W), (H, W, 3) or (H, W, 4) → a QImage that owns its pixels."""
    a = np.ascontiguousarray(array)
    if a.dtype != np.uint8:
        a = np.ascontiguousarray(np.clip(a, 0, 255).astype(np.uint8))
    if a.ndim == 2:
        fmt = QtGui.QImage.Format.Format_Grayscale8
    elif a.ndim == 3 and a.shape[2] == 3:
        fmt = QtGui.QImage.Format.Format_RGB888
    elif a.ndim == 3 and a.shape[2] == 4:
        fmt = QtGui.QImage.Format.Format_RGBA8888
    else:
        raise ValueError(f"image must be (H, W), (H, W, 3) or (H, W, 4) uint8, got {a.shape}")
    return QtGui.QImage(a.data, a.shape[1], a.shape[0], a.strides[0], fmt).copy()
