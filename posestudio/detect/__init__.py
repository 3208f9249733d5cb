"""2D pose detection in photos → OpenPose keypoints (COCO-18 body, hand-21, face-70) in pixels.

``detect(photo)`` is the one entry point the CLI and the UI call. Detectors:

``"mediapipe"`` (default)
    MediaPipe Holistic, bundled with the mediapipe wheel: works offline with no setup; body,
    hands and face, plus its own 3D estimate of the body (used to initialise lifting).
``"openpose"``
    controlnet_aux's OpenPose body (+ hand) networks from a local folder of weights
    (``weights=`` the folder holding ``body_pose_model.pth`` [``hand_pose_model.pth``]).
``"dwpose"``
    controlnet_aux's DWPose (whole body) from a local folder holding
    ``yolox_l_8x8_300e_coco_20211126_140236-d3bd2b23.pth`` and ``dw-ll_ucoco_384.pth``; needs
    the mmcv/mmdet/mmpose packages, which PoseStudio does not install.

Importing this package is cheap; detector modules (mediapipe, torch) load on first use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from posestudio.detect.photo import Photo, default_focal_px, load_photo, photo_from_array
from posestudio.detect.types import DetectedPerson
from posestudio.errors import DetectionError, InputError

DETECTORS = ("mediapipe", "openpose", "dwpose")

__all__ = [
    "DETECTORS", "DetectedPerson", "Detection", "Photo", "detect", "load_photo",
    "photo_from_array", "default_focal_px",
]


@dataclass
class Detection:
    """The people found in one photo.

    Attributes
    ----------
    photo : Photo
        The decoded photo (pixels, EXIF focal length).
    people : list of DetectedPerson
        Largest first for MediaPipe; keypoints in ``photo`` pixels.
    detector : str
    """

    photo: Photo
    people: list[DetectedPerson]
    detector: str = "mediapipe"


def detect(
    source: str | os.PathLike | np.ndarray | Photo,
    detector: str = "mediapipe",
    *,
    weights: str | os.PathLike | None = None,
    max_people: int = 4,
) -> Detection:
    """Find people in a photo.

    Parameters
    ----------
    source : path of an image file, an (H, W[, 3]) image array (RGB), or a :class:`Photo`
    detector : "mediapipe" | "openpose" | "dwpose"
    weights : folder with the detector's weights (OpenPose, DWPose)
    max_people : int, at most this many people are returned

    Raises
    ------
    ImportFormatError
        ``source`` is not an image or is corrupt.
    InputError
        Bad argument or an image too large.
    DetectionError
        Nobody found, or the detector's weights / runtime are missing.
    """
    if isinstance(source, Photo):
        photo = source
    elif isinstance(source, np.ndarray):
        photo = photo_from_array(source)
    else:
        photo = load_photo(source)
    if not isinstance(max_people, int) or max_people < 1:
        raise InputError(f"max_people must be a positive integer, got {max_people!r}")

    if detector == "mediapipe":
        from posestudio.detect.mediapipe_pose import detect_mediapipe

        people = detect_mediapipe(photo.pixels, max_people=max_people)
    elif detector == "openpose":
        if weights is None:
            raise DetectionError("the OpenPose detector needs a weights folder (body_pose_model.pth)")
        from posestudio.detect.openpose_aux import detect_openpose

        people = detect_openpose(photo.pixels, weights)[:max_people]
    elif detector == "dwpose":
        if weights is None:
            raise DetectionError("the DWPose detector needs a weights folder (--weights DIR)")
        from posestudio.detect.openpose_aux import detect_dwpose

        people = detect_dwpose(photo.pixels, weights)[:max_people]
    else:
        raise InputError(f"unknown detector {detector!r}; choose one of {', '.join(DETECTORS)}")

    people = [p for p in people if p.num_body_points() >= 4]
    if not people:
        where = photo.path or "the image"
        raise DetectionError(f"no person found in {where}")
    return Detection(photo=photo, people=people, detector=detector)
