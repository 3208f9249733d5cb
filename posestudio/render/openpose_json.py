"""OpenPose JSON, as OpenPose writes it and the A1111 ControlNet extension reads and writes it.

Written::

    {"version": 1.3,
     "people": [{"pose_keypoints_2d": [x, y, c, ...],         # 18 (COCO) or 25 (BODY_25) points
                 "hand_left_keypoints_2d": [...],            # 21 points, [] when not tracked
                 "hand_right_keypoints_2d": [...],
                 "face_keypoints_2d": [...]}],               # 70 points, [] when not tracked
     "canvas_width": W, "canvas_height": H}

Coordinates are pixels ((0, 0) = top-left corner of the canvas); an absent point is 0, 0, 0.
Read: the same, with hands/face missing, null or ``[]`` (not tracked), a 68-point face (pupils
absent), and normalised coordinates — when every present coordinate of the file is ≤ 1 they are
taken as fractions of the canvas (the ControlNet editor writes those) and scaled to pixels.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from posestudio.errors import ImportFormatError
from posestudio.keypoints import OpenPosePerson

__all__ = ["from_openpose_json", "to_openpose_json"]

_FIELDS = (("body", "pose_keypoints_2d"), ("hand_left", "hand_left_keypoints_2d"),
           ("hand_right", "hand_right_keypoints_2d"), ("face", "face_keypoints_2d"))


def _flat(points: np.ndarray | None) -> list[float]:
    if points is None:
        return []
    return [float(v) for v in np.asarray(points, dtype=np.float64).reshape(-1)]


def to_openpose_json(people: Sequence[OpenPosePerson], canvas) -> dict:
    """OpenPose JSON of ``people`` (pixels) on ``canvas``.

    Parameters
    ----------
    people : sequence of OpenPosePerson
    canvas : Canvas or (width, height)

    Returns
    -------
    dict, ready for ``json.dump``.
    """
    width, height = _size(canvas)
    return {
        "version": 1.3,
        "people": [{key: _flat(getattr(p, attr)) for attr, key in _FIELDS} for p in people],
        "canvas_width": width,
        "canvas_height": height,
    }


def _size(canvas) -> tuple[int, int]:
    if hasattr(canvas, "width"):
        return int(canvas.width), int(canvas.height)
    width, height = canvas
    return int(width), int(height)


def _load(data_or_path: Any) -> tuple[dict, str]:
    if isinstance(data_or_path, (str, Path)):
        path = Path(data_or_path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ImportFormatError(f"{path}: no such OpenPose JSON file") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ImportFormatError(f"{path}: cannot read OpenPose JSON ({e})") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ImportFormatError(f"{path}: not valid JSON ({e})") from None
        where = f"{path}: "
    else:
        data, where = data_or_path, ""
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
        data = data[0]  # the ControlNet extension's batch form: a list of one frame
    if not isinstance(data, dict):
        raise ImportFormatError(f"{where}OpenPose JSON must be an object with a 'people' list")
    return data, where


def _points(value: Any, field: str, sizes: tuple[int, ...]) -> np.ndarray | None:
    if value is None or (isinstance(value, list) and not value):
        return None
    if not isinstance(value, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise ImportFormatError(f"{field} must be a flat list of numbers x, y, confidence")
    if len(value) % 3 or len(value) // 3 not in sizes:
        counts = " or ".join(str(3 * s) for s in sizes)
        raise ImportFormatError(f"{field} must hold {counts} numbers, got {len(value)}")
    array = np.array(value, dtype=np.float64).reshape(-1, 3)
    if not np.all(np.isfinite(array)):
        raise ImportFormatError(f"{field} must be finite numbers")
    if np.any(array[:, 2] < 0):
        raise ImportFormatError(f"{field} has a negative confidence")
    if np.any(np.abs(array[:, :2]) > 1e6) or np.any(array[:, 2] > 10):
        raise ImportFormatError(f"{field} has a point beyond a million pixels or a confidence "
                                f"above 10 (confidences are 0..1)")
    return array


def from_openpose_json(data_or_path: Any, canvas_size: tuple[int, int] | None = None
                       ) -> tuple[list[OpenPosePerson], tuple[int, int]]:
    """Read OpenPose JSON (dict, or the path of a ``.json`` file).

    Parameters
    ----------
    data_or_path : dict or str or Path
    canvas_size : (width, height), optional
        Used when the file has no ``canvas_width``/``canvas_height`` (plain OpenPose output).

    Returns
    -------
    people : list of OpenPosePerson, pixels
    (width, height) : canvas size in pixels

    Raises
    ------
    ImportFormatError
        Naming the bad field, e.g. ``people[0].pose_keypoints_2d``.
    """
    data, where = _load(data_or_path)
    people_data = data.get("people")
    if not isinstance(people_data, list):
        raise ImportFormatError(f"{where}OpenPose JSON field 'people' must be a list")
    size = []
    for key, fallback in (("canvas_width", 0), ("canvas_height", 1)):
        value = data.get(key)
        if value is None:
            if canvas_size is None:
                raise ImportFormatError(
                    f"{where}OpenPose JSON has no '{key}': give the canvas size (--size WxH)")
            value = canvas_size[fallback]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                math.isfinite(value) and value >= 1 and float(value).is_integer()):
            raise ImportFormatError(f"{where}OpenPose JSON field '{key}' must be a positive "
                                    f"whole number of pixels, got {value!r}")
        size.append(int(value))
    width, height = size
    parsed = []
    for i, person in enumerate(people_data):
        if not isinstance(person, dict):
            raise ImportFormatError(f"{where}people[{i}] must be an object")
        parts = {}
        for attr, key in _FIELDS:
            sizes = {"body": (18, 25), "face": (70, 68)}.get(attr, (21,))
            parts[attr] = _points(person.get(key), f"{where}people[{i}].{key}", sizes)
        if parts["body"] is None:
            raise ImportFormatError(f"{where}people[{i}].pose_keypoints_2d is missing")
        if parts["face"] is not None and len(parts["face"]) == 68:
            parts["face"] = np.vstack([parts["face"], np.zeros((2, 3))])  # pupils absent
        parsed.append(parts)
    present = [p[p[:, 2] > 0, :2] for parts in parsed for p in parts.values() if p is not None]
    coords = np.concatenate(present) if present else np.zeros((0, 2))
    if len(coords) and coords.max() <= 1.0 and coords.min() >= 0.0:
        for parts in parsed:  # normalised file: fractions of the canvas
            for p in parts.values():
                if p is not None:
                    p[:, 0] *= width
                    p[:, 1] *= height
    return [OpenPosePerson(**parts) for parts in parsed], (width, height)
