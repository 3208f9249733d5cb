"""Keypoint sequences other tools made: a folder of per-frame OpenPose JSON, or one JSON list.

* **OpenPose folder**: OpenPose's ``--write_json`` output, one ``*_keypoints.json`` per frame,
  taken in name order (natural order: ``frame_2`` before ``frame_10``). Plain OpenPose files
  state no canvas size; give it (``canvas_size``) or use files that carry ``canvas_width`` /
  ``canvas_height`` (the A1111 / ControlNet editors' and PoseStudio's own).
* **Frame list**: one JSON list of frames, as ComfyUI's pose-keypoint nodes save their
  ``POSE_KEYPOINT`` output (``[{"people": [{"pose_keypoints_2d": [...], "face_keypoints_2d":
  ..., "hand_left_keypoints_2d": ..., "hand_right_keypoints_2d": ...}], "canvas_width": W,
  "canvas_height": H}, ...]``), each keypoint list flat ``x, y, c, ...`` or nested
  ``[[x, y, c], ...]``, in pixels or normalised to the canvas (0..1).

Either way: a list of frames, each a list of people (``keypoints.OpenPosePerson``, canvas
pixels), read and checked entirely before anything is fitted; a bad file or field raises one
:class:`~posestudio.errors.ImportFormatError` that names it.
"""

from __future__ import annotations

import re
from pathlib import Path

from posestudio.errors import ImportFormatError

# More frames than this is not a keypoint sequence a person edits (an hour at 30 fps).
MAX_FRAMES = 108_000
_KEYPOINT_FIELDS = ("pose_keypoints_2d", "face_keypoints_2d", "hand_left_keypoints_2d",
                    "hand_right_keypoints_2d")


def _natural_key(name: str):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name)]


def keypoint_files(folder: Path) -> list[Path]:
    """The ``*_keypoints.json`` files of ``folder`` in natural name order (ImportFormatError if none)."""
    try:
        files = [p for p in folder.iterdir() if p.is_file() and p.name.endswith("_keypoints.json")]
    except OSError as exc:
        raise ImportFormatError(f"{folder}: cannot list the folder ({exc.strerror or exc})") from None
    if not files:
        raise ImportFormatError(f"{folder}: no *_keypoints.json files (expected a folder of "
                                f"per-frame OpenPose JSON)")
    if len(files) > MAX_FRAMES:
        raise ImportFormatError(f"{folder}: {len(files)} frames is more than {MAX_FRAMES}")
    return sorted(files, key=lambda p: _natural_key(p.name))


def _flatten_person(person, where: str):
    """A copy of one person object whose keypoint lists are flat (ComfyUI may nest them)."""
    if not isinstance(person, dict):
        return person
    out = dict(person)
    for key in _KEYPOINT_FIELDS:
        value = out.get(key)
        if isinstance(value, list) and value and all(isinstance(v, (list, tuple)) for v in value):
            flat = []
            for i, point in enumerate(value):
                if len(point) not in (2, 3):
                    raise ImportFormatError(f"{where}.{key}[{i}] must be [x, y] or [x, y, confidence]")
                flat += list(point) + ([1.0] if len(point) == 2 else [])
            out[key] = flat
    return out


def parse_frame(data, where: str, canvas_size: tuple[int, int] | None):
    """People (list of OpenPosePerson, canvas pixels) and canvas (width, height) of one frame."""
    from posestudio.render.openpose_json import from_openpose_json

    if not isinstance(data, dict) or not isinstance(data.get("people"), list):
        raise ImportFormatError(f"{where}: not an OpenPose frame (expected an object with a "
                                f"'people' list)")
    data = dict(data)
    data["people"] = [_flatten_person(p, f"{where}.people[{i}]") for i, p in enumerate(data["people"])]
    try:
        people, size = from_openpose_json(data, canvas_size=canvas_size)
    except ImportFormatError as exc:
        raise ImportFormatError(f"{where}: {exc}") from None
    return [p for p in people if (p.body[:, 2] > 0).any()], size


def _check_sizes(sizes: list[tuple[int, int]], where: str) -> tuple[int, int]:
    if len(set(sizes)) > 1:
        raise ImportFormatError(f"{where}: the frames have different canvas sizes "
                                f"({sizes[0][0]}x{sizes[0][1]} and "
                                f"{next(s for s in sizes if s != sizes[0])[0]}x"
                                f"{next(s for s in sizes if s != sizes[0])[1]})")
    return sizes[0]


def read_keypoint_folder(folder: Path, canvas_size: tuple[int, int] | None = None):
    """Frames of an OpenPose folder: (list over frames of lists of people, (width, height))."""
    from posestudio.lift.importer import read_json_file

    frames, sizes = [], []
    for path in keypoint_files(folder):
        people, size = parse_frame(read_json_file(path), str(path), canvas_size)
        frames.append(people)
        sizes.append(size)
    return frames, _check_sizes(sizes, str(folder))


def read_frame_list(data: list, where: str, canvas_size: tuple[int, int] | None = None):
    """Frames of a JSON list of frames (ComfyUI ``POSE_KEYPOINT``): (frames, (width, height))."""
    if not data:
        raise ImportFormatError(f"{where}: the JSON list holds no frames")
    if len(data) > MAX_FRAMES:
        raise ImportFormatError(f"{where}: {len(data)} frames is more than {MAX_FRAMES}")
    frames, sizes = [], []
    for i, item in enumerate(data):
        people, size = parse_frame(item, f"{where}: frame {i}", canvas_size)
        frames.append(people)
        sizes.append(size)
    return frames, _check_sizes(sizes, where)
