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

Any style can add the BODY_25 feet (``toes``) for Wan-Animate's skeleton.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from posestudio.errors import InputError
from posestudio.keypoints import OpenPosePerson
from posestudio.render.openpose_draw import draw_openpose

__all__ = ["MIMICMOTION_REF_SIZE", "POSE_STYLES", "draw_pose_style"]

POSE_STYLES = ("openpose", "dwpose", "mimicmotion")
MIMICMOTION_REF_SIZE = 2160


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
                    toes: bool = False, depth_ordered_limbs: bool = False) -> np.ndarray:
    """Draw people as a model's pose annotator does.

    Parameters
    ----------
    people : sequence of OpenPosePerson, pixels of a ``width`` × ``height`` canvas
    style : one of ``POSE_STYLES``
    hands, face : draw those parts (when the people have them)
    toes : draw the feet of BODY_25 people
    depth_ordered_limbs : far-to-near limb order (``openpose``/``dwpose`` only)

    Returns
    -------
    (H, W, 3) uint8 RGB.
    """
    if style not in POSE_STYLES:
        raise InputError(f"pose style must be one of {', '.join(POSE_STYLES)}, got {style!r}")
    if style != "mimicmotion":
        return draw_openpose(people, width, height, hands=hands, face=face, feet=toes,
                             depth_ordered_limbs=depth_ordered_limbs)
    import cv2

    scale = MIMICMOTION_REF_SIZE / min(width, height)
    big_w, big_h = int(width * scale), int(height * scale)
    big = draw_openpose([_scaled(p, scale) for p in people], big_w, big_h, hands=hands,
                        face=face, feet=toes)
    small = cv2.resize(big, (width, height), interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(small[..., ::-1])
