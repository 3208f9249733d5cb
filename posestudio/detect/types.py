"""What a detector returns: per person, OpenPose keypoints in photo pixels with confidences."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posestudio.skeletons import COCO18_NAMES


@dataclass
class DetectedPerson:
    """One person found in a photo (or read from an OpenPose JSON).

    Attributes
    ----------
    body : (18, 3) float64
        OpenPose COCO-18 keypoints ``x, y, confidence``; x, y in pixels of the photo
        ((0, 0) = top-left corner), confidence 0..1, 0 = absent.
    hand_left, hand_right : (21, 3) float64 | None
        OpenPose hand-21 of the subject's left / right hand, or None when not detected.
    face : (70, 3) float64 | None
        OpenPose face-70, or None.
    points3d : (18, 3) float64 | None
        The detector's own 3D estimate of the COCO-18 points (MediaPipe world landmarks), in
        metres, OpenGL camera axes (x right, y up, z towards the viewer), origin between the
        hips; rows of absent points are meaningless (see ``body[:, 2]``). None when the detector
        gives no 3D.
    score : float
        Detector confidence of the whole person, 0..1.
    """

    body: np.ndarray
    hand_left: np.ndarray | None = None
    hand_right: np.ndarray | None = None
    face: np.ndarray | None = None
    points3d: np.ndarray | None = None
    score: float = 1.0
    extras: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.body = _points(self.body, (len(COCO18_NAMES), 3), "body")
        self.hand_left = None if self.hand_left is None else _points(self.hand_left, (21, 3), "hand_left")
        self.hand_right = None if self.hand_right is None else _points(self.hand_right, (21, 3), "hand_right")
        self.face = None if self.face is None else _points(self.face, (70, 3), "face")
        if self.points3d is not None:
            self.points3d = np.asarray(self.points3d, dtype=np.float64).reshape(len(COCO18_NAMES), 3)

    def bbox(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) pixels around every present keypoint (body, hands, face)."""
        pts = [a[a[:, 2] > 0, :2] for a in (self.body, self.hand_left, self.hand_right, self.face)
               if a is not None]
        pts = np.concatenate(pts) if pts else np.zeros((0, 2))
        if len(pts) == 0:
            return (0.0, 0.0, 0.0, 0.0)
        return (float(pts[:, 0].min()), float(pts[:, 1].min()),
                float(pts[:, 0].max()), float(pts[:, 1].max()))

    def num_body_points(self) -> int:
        return int(np.count_nonzero(self.body[:, 2] > 0))


def _points(value, shape: tuple[int, int], name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"{name} keypoints must have shape {shape}, got {array.shape}")
    array = np.nan_to_num(array.copy())
    array[array[:, 2] <= 0] = 0.0  # absent points are exactly 0, 0, 0 (OpenPose convention)
    return array
