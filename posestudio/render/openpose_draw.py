"""OpenPose skeleton image, drawn exactly as ControlNet's annotator draws it.

ControlNet OpenPose models were trained on images drawn by ``controlnet_aux`` (0.0.10,
``open_pose/util.py``: ``draw_bodypose``, ``draw_handpose``, ``draw_facepose``). This module
reproduces that drawing pixel for pixel without importing it (controlnet_aux pulls torch):

* black RGB canvas; per person the body, then the left hand, the right hand, the face;
* body: the 17 limbs of ``skeletons.OPENPOSE_LIMBS`` as filled ``cv2.ellipse2Poly`` polygons
  (half-width 4 px) in the limb colour × 0.6 (painted over, not blended: controlnet_aux fills
  the dimmed colour straight into the canvas), then the 18 points as filled circles of radius 4
  in full colour. The ear-shoulder limbs of the original OpenPose are not drawn;
* hands: 20 edges 2 px wide in an HSV rainbow, then blue points (RGB ``(0, 0, 255)``) radius 4;
* face: white dots radius 3;
* coordinates go through the same float path (normalised by the canvas, scaled back,
  truncated with ``int()``), so the pixels are identical, and hand/face points whose integer
  pixel is 0 are skipped as controlnet_aux skips them.

BODY_25 people are drawn with their COCO-18 subset: that is what ControlNet was trained on; the
extra points (mid-hip, feet) only go to the JSON.
"""

from __future__ import annotations

import math
from typing import Sequence

import cv2
import numpy as np

from posestudio.keypoints import OpenPosePerson
from posestudio.skeletons import (
    OPENPOSE_COLORS, OPENPOSE_FACE_COLOR, OPENPOSE_FACE_RADIUS, OPENPOSE_HAND_EDGES,
    OPENPOSE_HAND_LINE_WIDTH, OPENPOSE_HAND_POINT_COLOR, OPENPOSE_LIMB_ALPHA, OPENPOSE_LIMBS,
    OPENPOSE_POINT_RADIUS, OPENPOSE_STICK_WIDTH,
)

__all__ = ["draw_openpose", "hand_edge_colors"]

_EPS = 0.01  # controlnet_aux's threshold on integer pixel coordinates of hand/face points


def hand_edge_colors() -> list[np.ndarray]:
    """Colours of the 20 hand edges: ``hsv_to_rgb([i / 20, 1, 1]) * 255`` (float, RGB).

    The same arithmetic as ``matplotlib.colors.hsv_to_rgb`` (without importing matplotlib), so
    OpenCV rounds the same floats.
    """
    colors = []
    n = len(OPENPOSE_HAND_EDGES)
    for i in range(n):
        h = i / float(n)
        sector = int(math.floor(h * 6.0))
        f = h * 6.0 - sector
        q, t = 1.0 - f, 1.0 - (1.0 - f)
        rgb = [(1.0, t, 0.0), (q, 1.0, 0.0), (0.0, 1.0, t), (0.0, q, 1.0), (t, 0.0, 1.0),
               (1.0, 0.0, q)][sector % 6]
        colors.append(np.array(rgb, dtype=np.float64) * 255)
    return colors


_HAND_COLORS = hand_edge_colors()


def _norm(person_part: np.ndarray, width: int, height: int) -> list[tuple[float, float] | None]:
    """Normalised (x, y) per point as controlnet_aux stores them; None where absent."""
    out: list[tuple[float, float] | None] = []
    for x, y, c in person_part:
        out.append((float(x) / float(width), float(y) / float(height)) if c > 0 else None)
    return out


def _draw_limb(canvas: np.ndarray, k1, k2, color, width: int, height: int,
               stick_width: int = OPENPOSE_STICK_WIDTH) -> None:
    Y = np.array([k1[0], k2[0]]) * float(width)
    X = np.array([k1[1], k2[1]]) * float(height)
    mX = np.mean(X)
    mY = np.mean(Y)
    length = ((X[0] - X[1]) ** 2 + (Y[0] - Y[1]) ** 2) ** 0.5
    angle = math.degrees(math.atan2(X[0] - X[1], Y[0] - Y[1]))
    polygon = cv2.ellipse2Poly((int(mY), int(mX)), (int(length / 2), stick_width),
                               int(angle), 0, 360, 1)
    cv2.fillConvexPoly(canvas, polygon, [int(float(c) * OPENPOSE_LIMB_ALPHA) for c in color])


def _draw_point(canvas: np.ndarray, k, color, width: int, height: int,
                radius: int = OPENPOSE_POINT_RADIUS) -> None:
    x = int(k[0] * width)
    y = int(k[1] * height)
    cv2.circle(canvas, (int(x), int(y)), radius, color, thickness=-1)


def _draw_body(canvas: np.ndarray, body: list, width: int, height: int) -> None:
    for (a, b), color in zip(OPENPOSE_LIMBS, OPENPOSE_COLORS):
        if body[a] is not None and body[b] is not None:
            _draw_limb(canvas, body[a], body[b], color, width, height)
    for k, color in zip(body, OPENPOSE_COLORS):
        if k is not None:
            _draw_point(canvas, k, color, width, height)


def _draw_body_depth_ordered(canvas: np.ndarray, bodies: list[list], depths: list[np.ndarray],
                             width: int, height: int) -> None:
    """All people's limbs and points far to near, so a nearer limb crosses over a farther one."""
    items = []
    for body, depth in zip(bodies, depths):
        for (a, b), color in zip(OPENPOSE_LIMBS, OPENPOSE_COLORS):
            if body[a] is not None and body[b] is not None:
                items.append((0.5 * (depth[a] + depth[b]), 0, body[a], body[b], color))
        for k, d, color in zip(body, depth, OPENPOSE_COLORS):
            if k is not None:
                items.append((d, 1, k, None, color))  # a point over the limbs at its depth
    # Far first; at equal depth limbs (0) before points (1).
    items.sort(key=lambda item: (-item[0], item[1]))
    for _, kind, k1, k2, color in items:
        if kind == 0:
            _draw_limb(canvas, k1, k2, color, width, height)
        else:
            _draw_point(canvas, k1, color, width, height)


def _draw_hand(canvas: np.ndarray, hand: list, width: int, height: int,
               line_width: int = OPENPOSE_HAND_LINE_WIDTH,
               radius: int = OPENPOSE_POINT_RADIUS) -> None:
    for (e1, e2), color in zip(OPENPOSE_HAND_EDGES, _HAND_COLORS):
        k1, k2 = hand[e1], hand[e2]
        if k1 is None or k2 is None:
            continue
        x1, y1 = int(k1[0] * width), int(k1[1] * height)
        x2, y2 = int(k2[0] * width), int(k2[1] * height)
        if x1 > _EPS and y1 > _EPS and x2 > _EPS and y2 > _EPS:
            cv2.line(canvas, (x1, y1), (x2, y2), color, thickness=line_width)
    for k in hand:
        if k is None:
            continue
        x, y = int(k[0] * width), int(k[1] * height)
        if x > _EPS and y > _EPS:
            cv2.circle(canvas, (x, y), radius, OPENPOSE_HAND_POINT_COLOR, thickness=-1)


def _draw_face(canvas: np.ndarray, face: list, width: int, height: int) -> None:
    for k in face:
        if k is None:
            continue
        x, y = int(k[0] * width), int(k[1] * height)
        if x > _EPS and y > _EPS:
            cv2.circle(canvas, (x, y), OPENPOSE_FACE_RADIUS, OPENPOSE_FACE_COLOR, thickness=-1)


def draw_openpose(people: Sequence[OpenPosePerson], width: int, height: int, *,
                  body: bool = True, hands: bool = True, face: bool = True,
                  depth_ordered_limbs: bool = False,
                  body_depths: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Draw OpenPose people on a black canvas as ControlNet's annotator does.

    Parameters
    ----------
    people : sequence of OpenPosePerson
        Pixels; points with confidence 0 are not drawn. Hands/face that are None are skipped.
    width, height : int
        Canvas size in pixels.
    body, hands, face : bool
        Which parts to draw (as ``controlnet_aux.open_pose.draw_poses``).
    depth_ordered_limbs : bool
        Draw all people's limbs and points far to near (so a nearer arm crosses over the
        torso) instead of the classic fixed order. Needs ``body_depths``.
    body_depths : sequence of (N,) arrays, optional
        Depth (metres along the view axis) of each person's body points, same order as
        ``people[i].body``; defaults to ``people[i].depth``.

    Returns
    -------
    (H, W, 3) uint8 RGB.
    """
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    if body and depth_ordered_limbs:
        if body_depths is None:
            body_depths = [p.depth for p in people]
        if len(body_depths) != len(people) or any(d is None for d in body_depths):
            raise ValueError("depth_ordered_limbs needs the depth of every person's body points")
        bodies = [_norm(p.coco18_body(), width, height) for p in people]
        depths = [_coco18_depth(p, np.asarray(d, dtype=np.float64))
                  for p, d in zip(people, body_depths)]
        _draw_body_depth_ordered(canvas, bodies, depths, width, height)
    for person in people:
        if body and not depth_ordered_limbs:
            _draw_body(canvas, _norm(person.coco18_body(), width, height), width, height)
        if hands:
            for hand in (person.hand_left, person.hand_right):
                if hand is not None:
                    _draw_hand(canvas, _norm(hand, width, height), width, height)
        if face and person.face is not None:
            _draw_face(canvas, _norm(person.face, width, height), width, height)
    return canvas


def _coco18_depth(person: OpenPosePerson, depth: np.ndarray) -> np.ndarray:
    if len(person.body) == 18:
        return depth
    from posestudio.skeletons import BODY25_NAMES, COCO18_NAMES

    return depth[[BODY25_NAMES.index(n) for n in COCO18_NAMES]]
