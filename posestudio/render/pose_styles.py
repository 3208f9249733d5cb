"""Skeleton images in the drawing style a pose-guided video model was trained on.

Styles
------
``openpose``
    ControlNet's annotator (:func:`posestudio.render.openpose_draw.draw_openpose`).
``dwpose``
    controlnet_aux's / Moore-AnimateAnyone's DWPose drawing: the same limbs, colours, widths
    and radii as the OpenPose annotator at the image size, so the same pixels.
``mimicmotion``
    MimicMotion's ``draw_pose``: the skeleton is drawn on a canvas scaled so that its short
    side is 2160 px (so limbs are 4 px wide *at 2160 px*), resized back to the image size with
    bilinear filtering, and its channels swapped (it draws RGB colours into a canvas it then
    converts BGR → RGB).

``wan-animate``
    Wan-Animate's pose video (its ``draw_aapose_new``, "v2" widths): the 17 limbs of the
    OpenPose annotator plus a toe limb per foot (ankle → the midpoint of the big and small toe,
    colours (200, 200, 0) left and (100, 100, 0) right), limbs half-width and point radius
    ``max(min(H, W) // 200 − 1, 1)`` (thin at video sizes), hands with lines and points of
    ``max(that // 2, 1)``; no face. People need BODY_25 keypoints (for the toes).
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from posestudio.errors import InputError
from posestudio.keypoints import OpenPosePerson
from posestudio.render.openpose_draw import (
    _draw_hand, _draw_limb, _draw_point, _norm, draw_openpose,
)
from posestudio.skeletons import BODY25_NAMES, OPENPOSE_COLORS, OPENPOSE_LIMBS

__all__ = ["MIMICMOTION_REF_SIZE", "POSE_STYLES", "WAN_TOE_COLORS", "draw_pose_style",
           "draw_wan_animate"]

POSE_STYLES = ("openpose", "dwpose", "mimicmotion", "wan-animate")
MIMICMOTION_REF_SIZE = 2160
WAN_TOE_COLORS = ((200, 200, 0), (100, 100, 0))      # left, right
_ANKLES = (BODY25_NAMES.index("left_ankle"), BODY25_NAMES.index("right_ankle"))
_TOES = ((BODY25_NAMES.index("left_big_toe"), BODY25_NAMES.index("left_small_toe")),
         (BODY25_NAMES.index("right_big_toe"), BODY25_NAMES.index("right_small_toe")))


def draw_wan_animate(people: Sequence[OpenPosePerson], width: int, height: int, *,
                     hands: bool = True) -> np.ndarray:
    """Wan-Animate's skeleton (module notes): (H, W, 3) uint8 RGB.

    Parameters
    ----------
    people : BODY_25 OpenPosePerson people (COCO-18 people are drawn without toes)
    hands : draw the hands
    """
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    stick = max(min(width, height) // 200 - 1, 1)
    hand_width = max(stick // 2, 1)
    for person in people:
        body = _norm(person.coco18_body(), width, height)
        for (a, b), color in zip(OPENPOSE_LIMBS, OPENPOSE_COLORS):
            if body[a] is not None and body[b] is not None:
                _draw_limb(canvas, body[a], body[b], color, width, height, stick)
        toes = []
        if len(person.body) == 25:
            full = _norm(person.body, width, height)
            for ankle, (big, small), color in zip(_ANKLES, _TOES, WAN_TOE_COLORS):
                if full[big] is not None and full[small] is not None:
                    toe = (0.5 * (full[big][0] + full[small][0]),
                           0.5 * (full[big][1] + full[small][1]))
                    toes.append((toe, color))
                    if full[ankle] is not None:
                        _draw_limb(canvas, full[ankle], toe, color, width, height, stick)
        for k, color in list(zip(body, OPENPOSE_COLORS)) + toes:
            if k is not None:
                _draw_point(canvas, k, color, width, height, stick)
        if hands:
            for hand in (person.hand_left, person.hand_right):
                if hand is not None:
                    _draw_hand(canvas, _norm(hand, width, height), width, height,
                               hand_width, hand_width)
    return canvas


def _scaled(person: OpenPosePerson, scale: float) -> OpenPosePerson:
    def s(points):
        if points is None:
            return None
        out = np.array(points, dtype=np.float64)
        out[:, :2] *= scale
        return out

    return dataclasses.replace(person, body=s(person.body), hand_left=s(person.hand_left),
                               hand_right=s(person.hand_right), face=s(person.face))


def draw_pose_style(people: Sequence[OpenPosePerson], width: int, height: int, *,
                    style: str = "openpose", hands: bool = True, face: bool = True,
                    depth_ordered_limbs: bool = False) -> np.ndarray:
    """Draw people as a model's pose annotator does.

    Parameters
    ----------
    people : sequence of OpenPosePerson, pixels of a ``width`` × ``height`` canvas
    style : one of ``POSE_STYLES``
    hands, face : draw those parts (when the people have them; ``wan-animate`` has no face)
    depth_ordered_limbs : far-to-near limb order (``openpose``/``dwpose`` only)

    Returns
    -------
    (H, W, 3) uint8 RGB.
    """
    if style not in POSE_STYLES:
        raise InputError(f"pose style must be one of {', '.join(POSE_STYLES)}, got {style!r}")
    if style == "wan-animate":
        return draw_wan_animate(people, width, height, hands=hands)
    if style != "mimicmotion":
        return draw_openpose(people, width, height, hands=hands, face=face,
                             depth_ordered_limbs=depth_ordered_limbs)
    import cv2

    scale = MIMICMOTION_REF_SIZE / min(width, height)
    big_w, big_h = int(width * scale), int(height * scale)
    big = draw_openpose([_scaled(p, scale) for p in people], big_w, big_h, hands=hands,
                        face=face)
    small = cv2.resize(big, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(small[..., ::-1])
