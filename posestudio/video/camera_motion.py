"""How the camera turned during a clip, from the background: pans and tilts of a handheld or
following camera.

The temporal fit works in each frame's camera frame, so a turning camera's motion would become
the person's (a pan to the right turns the body to the left). :class:`CameraMotion` measures it
while the frames are decoded: corners of the background (outside the people's boxes) are
followed from frame to frame (pyramidal Lucas-Kanade on a copy at most ``WIDTH`` pixels wide),
and the camera's turn between two frames is the rotation that best maps the points' viewing
rays onto each other (Kabsch on the inliers of a RANSAC homography — under a pure rotation the
image moves by the homography K R K⁻¹). A camera that moves along (dolly, crane) is not modelled:
its parallax is read as a turn, the best single rotation.

Rotations are in OpenGL camera axes (x right, y up, z back): ``rotations[t]`` maps the first
frame's camera coordinates to frame t's (X_t = R_t X_0). A frame where too few points are
followed keeps the previous frame's rotation (the camera is taken to be still).
"""

from __future__ import annotations

import math

import numpy as np

WIDTH = 640            # pixels: frames are followed at this width at most
MIN_POINTS = 24        # points followed with the homography for a turn to be measured
MOVING_DEG = 0.5       # a camera that turned less over the whole clip is taken as fixed


class CameraMotion:
    """Feed every frame in order (:meth:`update`); :attr:`rotations` (T, 3, 3) then holds the
    camera's turn since the first frame.

    Parameters
    ----------
    focal_px : focal length of the full-size frames, pixels
    size : (width, height) of the full-size frames
    """

    def __init__(self, focal_px: float, size: tuple[int, int]):
        width, height = size
        self.scale = min(1.0, WIDTH / float(width))
        self.focal = focal_px * self.scale
        self.centre = np.array([width, height], dtype=np.float64) * self.scale / 2.0
        self.previous = None
        self.totals: list[np.ndarray] = []
        self.measured = 0           # frame pairs whose turn was measured (not assumed still)

    @property
    def rotations(self) -> np.ndarray:
        """(T, 3, 3) the camera's turn at every frame fed so far, the first the identity."""
        return np.stack(self.totals) if self.totals else np.zeros((0, 3, 3))

    def update(self, rgb: np.ndarray, boxes: list[np.ndarray] = ()) -> None:
        """The next frame (H, W, 3) uint8 and the people's boxes in it ((4,) x0, y0, x1, y1,
        full-size pixels, :func:`person_box`), left out of the background."""
        import cv2

        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if self.scale < 1.0:
            gray = cv2.resize(gray, None, fx=self.scale, fy=self.scale,
                              interpolation=cv2.INTER_AREA)
        mask = np.full(gray.shape, 255, np.uint8)
        for box in boxes:
            x0, y0, x1, y1 = (np.asarray(box, dtype=np.float64) * self.scale).tolist()
            pad = 0.25 * max(x1 - x0, y1 - y0)      # the head, hands and clothes reach
                                                    # past the keypoints' box
            mask[max(0, int(y0 - pad)):max(0, int(y1 + pad)),
                 max(0, int(x0 - pad)):max(0, int(x1 + pad))] = 0
        if self.previous is None:
            self.totals.append(np.eye(3))
        else:
            self.totals.append(self._turn(self.previous, gray) @ self.totals[-1])
        corners = cv2.goodFeaturesToTrack(gray, maxCorners=300, qualityLevel=0.01,
                                          minDistance=8, mask=mask)
        self.previous = (gray, corners)

    def _turn(self, previous, gray: np.ndarray) -> np.ndarray:
        """The rotation from the previous frame's camera to this one's (identity when too few
        points are followed)."""
        import cv2

        before_gray, corners = previous
        if corners is None or len(corners) < MIN_POINTS or before_gray.shape != gray.shape:
            return np.eye(3)        # (a stream may change size mid-way: nothing to follow)
        after, status, _ = cv2.calcOpticalFlowPyrLK(before_gray, gray, corners, None,
                                                    winSize=(21, 21), maxLevel=3)
        found = status.reshape(-1) == 1
        a, b = corners.reshape(-1, 2)[found], after.reshape(-1, 2)[found]
        if len(a) < MIN_POINTS:
            return np.eye(3)
        _, inliers = cv2.findHomography(a, b, cv2.RANSAC, 2.0)
        if inliers is None or inliers.sum() < MIN_POINTS:
            return np.eye(3)
        keep = inliers.reshape(-1).astype(bool)
        self.measured += 1
        return kabsch(self._rays(a[keep]), self._rays(b[keep]))

    def _rays(self, points: np.ndarray) -> np.ndarray:
        """Unit viewing rays (N, 3), OpenGL camera axes, of pixels (N, 2) of the small copy."""
        x = (points[:, 0] - self.centre[0]) / self.focal
        y = -(points[:, 1] - self.centre[1]) / self.focal
        rays = np.stack([x, y, -np.ones_like(x)], axis=1)
        return rays / np.linalg.norm(rays, axis=1, keepdims=True)


def person_box(person) -> np.ndarray | None:
    """(4,) x0, y0, x1, y1 pixels around a detected person's keypoints (body, hands, face), or
    None when fewer than two are present."""
    parts = [np.asarray(part) for part in (person.body, person.hand_left, person.hand_right,
                                          person.face) if part is not None]
    points = np.concatenate([part[part[:, 2] > 0, :2] for part in parts])
    if len(points) < 2:
        return None
    return np.concatenate([points.min(0), points.max(0)])


def kabsch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The rotation R (3, 3) minimising Σ |b_i − R a_i|² over unit vectors a, b (N, 3)."""
    u, _, vt = np.linalg.svd(a.T @ b)
    d = np.sign(np.linalg.det(vt.T @ u.T)) or 1.0
    return vt.T @ np.diag([1.0, 1.0, d]) @ u.T


def angle_deg(rotation: np.ndarray) -> float:
    """The angle (degrees) of a rotation matrix (3, 3)."""
    return math.degrees(math.acos(max(-1.0, min(1.0, (float(np.trace(rotation)) - 1.0) / 2.0))))
