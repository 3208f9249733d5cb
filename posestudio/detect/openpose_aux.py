"""Detectors from weights the user already has: controlnet_aux's OpenPose (body + hands).

The weights come from a local folder (nothing is fetched): the lllyasviel/Annotators files
``body_pose_model.pth`` and, optionally, ``hand_pose_model.pth``. We build the networks and read
the files with ``torch.load(weights_only=True)`` ourselves (tensors only, no code runs; see
:mod:`posestudio.detect.aux_parts`, which also imports the controlnet_aux parts we use).
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np

from posestudio.detect.aux_parts import import_part, openpose_network
from posestudio.detect.types import DetectedPerson
from posestudio.errors import DetectionError

BODY_WEIGHTS = "body_pose_model.pth"
HAND_WEIGHTS = "hand_pose_model.pth"

_lock = threading.Lock()
_cache: dict[str, tuple] = {}


def _open_pose_modules():
    """controlnet_aux.open_pose.{body, hand} without running controlnet_aux/__init__."""
    return import_part("open_pose", "util", "body", "hand")[1:]


def check_openpose_folder(folder: str | Path) -> tuple[Path, Path | None]:
    """The body and (optional) hand weight files in ``folder``; DetectionError if absent."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DetectionError(
            f"OpenPose weights folder {folder} does not exist: point to a folder holding "
            f"{BODY_WEIGHTS} (and optionally {HAND_WEIGHTS}) from lllyasviel/Annotators"
        )
    body = folder / BODY_WEIGHTS
    if not body.is_file():
        raise DetectionError(
            f"OpenPose weights missing: {body} not found; put {BODY_WEIGHTS} (and optionally "
            f"{HAND_WEIGHTS}) from lllyasviel/Annotators in {folder}"
        )
    hand = folder / HAND_WEIGHTS
    return body, (hand if hand.is_file() else None)


def _load(folder: str | Path):
    body_path, hand_path = check_openpose_folder(folder)
    key = str(body_path.resolve())
    if key not in _cache:
        body_mod, _hand_mod = _open_pose_modules()
        body = openpose_network("body", body_path)
        hand = openpose_network("hand", hand_path) if hand_path else None
        _cache[key] = (body_mod, body, hand)
    return _cache[key]


def detect_openpose(pixels: np.ndarray, folder: str | Path, hands: bool = True) -> list[DetectedPerson]:
    """Detect people with the original OpenPose body (+ hand) networks.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 RGB
    folder : path of the folder with ``body_pose_model.pth`` [+ ``hand_pose_model.pth``]

    Returns
    -------
    list of DetectedPerson (no 3D points), in the detector's order.
    """
    import torch

    with _lock:
        body_mod, body_net, hand_net = _load(folder)
        bgr = np.ascontiguousarray(pixels[:, :, ::-1])
        with torch.no_grad():
            candidate, subset = body_net(bgr)
            results = body_mod.Body.format_body_result(candidate, subset)
            people = []
            for result in results:
                body = np.zeros((18, 3))
                for i, kp in enumerate(result.keypoints):
                    if kp is not None:
                        body[i] = (kp.x, kp.y, max(float(kp.score), 1e-3))
                person = DetectedPerson(body=body, score=float(result.total_score / max(1, result.total_parts)))
                if hand_net is not None and hands:
                    _add_hands(person, bgr, hand_net)
                people.append(person)
    return people


def _add_hands(person: DetectedPerson, bgr: np.ndarray, hand_net) -> None:
    """Hand keypoints in a square box beyond each wrist (as controlnet_aux's handDetect does)."""
    h, w = bgr.shape[:2]
    for side, (s, e, wr) in (("right", (2, 3, 4)), ("left", (5, 6, 7))):
        if min(person.body[[s, e, wr], 2]) <= 0:
            continue
        elbow, wrist = person.body[e, :2], person.body[wr, :2]
        forearm = np.linalg.norm(wrist - elbow)
        upper = np.linalg.norm(person.body[e, :2] - person.body[s, :2])
        centre = wrist + 0.33 * (wrist - elbow)
        size = 1.5 * max(0.9 * upper, forearm)
        x0, y0 = int(max(0, centre[0] - size / 2)), int(max(0, centre[1] - size / 2))
        x1, y1 = int(min(w, centre[0] + size / 2)), int(min(h, centre[1] + size / 2))
        if x1 - x0 < 20 or y1 - y0 < 20:
            continue
        peaks = np.asarray(hand_net(np.ascontiguousarray(bgr[y0:y1, x0:x1])), dtype=np.float64)
        pts = np.zeros((21, 3))
        found = (peaks[:, 0] > 0) | (peaks[:, 1] > 0)
        pts[found, 0] = peaks[found, 0] + x0
        pts[found, 1] = peaks[found, 1] + y0
        pts[found, 2] = 0.8  # the hand network's peaks carry no score in controlnet_aux
        if found.sum() >= 5:
            setattr(person, f"hand_{side}", pts)


# --- DWPose (controlnet_aux.dwpose: mmdet YOLOX person boxes + mmpose DWPose whole body) -------
DWPOSE_DET_WEIGHTS = "yolox_l_8x8_300e_coco_20211126_140236-d3bd2b23.pth"
DWPOSE_POSE_WEIGHTS = "dw-ll_ucoco_384.pth"
DWPOSE_PACKAGES = ("mmcv", "mmdet", "mmpose")


def check_dwpose_folder(folder: str | Path) -> tuple[Path, Path]:
    """The detector and pose weight files of DWPose in ``folder``; DetectionError naming what is
    missing (files first, then the mmcv/mmdet/mmpose packages controlnet_aux runs it with)."""
    folder = Path(folder)
    wanted = f"{DWPOSE_DET_WEIGHTS} and {DWPOSE_POSE_WEIGHTS}"
    if not folder.is_dir():
        raise DetectionError(f"DWPose weights folder {folder} does not exist: point to a folder "
                             f"holding {wanted}")
    det, pose = folder / DWPOSE_DET_WEIGHTS, folder / DWPOSE_POSE_WEIGHTS
    missing = [p.name for p in (det, pose) if not p.is_file()]
    if missing:
        raise DetectionError(f"DWPose weights missing in {folder}: {', '.join(missing)} not found "
                             f"(DWPose needs {wanted})")
    absent = [name for name in DWPOSE_PACKAGES if importlib.util.find_spec(name) is None]
    if absent:
        raise DetectionError(f"the DWPose detector needs the packages {', '.join(absent)} "
                             f"(controlnet_aux runs DWPose through mmpose); install them or use "
                             f"the mediapipe detector")
    return det, pose


def detect_dwpose(pixels: np.ndarray, folder: str | Path) -> list[DetectedPerson]:
    """Detect people with DWPose (body 18, hands 21 ×2, face 68 + absent pupils).

    Parameters
    ----------
    pixels : (H, W, 3) uint8 RGB
    folder : folder with ``DWPOSE_DET_WEIGHTS`` and ``DWPOSE_POSE_WEIGHTS``
    """
    det_path, pose_path = check_dwpose_folder(folder)
    key = f"dwpose:{det_path.resolve()}"
    with _lock:
        if key not in _cache:
            try:
                (wholebody,) = import_part("dwpose", "wholebody")
                _cache[key] = (wholebody.Wholebody(det_ckpt=str(det_path),
                                                   pose_ckpt=str(pose_path)),)
            except Exception as exc:  # wrong/corrupt checkpoint, mm* version clash
                raise DetectionError(f"cannot load DWPose from {folder}: {exc}") from None
        (model,) = _cache[key]
        keypoints, scores = model(np.ascontiguousarray(pixels[:, :, ::-1]))
    people = []
    for kp, sc in zip(np.asarray(keypoints), np.asarray(scores)):
        pts = np.concatenate([kp, np.clip(sc, 0, 1)[:, None]], 1)
        pts[pts[:, 2] < 0.3] = 0.0  # controlnet_aux's own visibility threshold
        face = np.vstack([pts[24:92], np.zeros((2, 3))])
        people.append(DetectedPerson(body=pts[:18], hand_left=pts[92:113], hand_right=pts[113:134],
                                     face=face, score=float(np.mean(sc[:18]))))
    return people
