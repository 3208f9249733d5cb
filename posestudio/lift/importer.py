"""Whole imports: a photo or an OpenPose JSON file → a Scene whose camera overlays the input.

The functions the CLI (``posestudio import``) and the UI's import worker call; both share this
one code path. Nothing here writes files: the caller saves the returned scene (atomically).

``import_photo(path, progress=cb, cancelled=flag)`` runs detection then lifting;
``import_openpose_json(path)`` lifts the people of an OpenPose / A1111 / DWPose JSON.
``refit_person(person, keypoints2d, camera, canvas)`` nudges a lifted person onto edited
keypoints (the editor's "Refit"), warm-started from their current pose.
Both return ``(Scene, ImportedKeypoints)``; ``progress(fraction 0..1, message)`` is called
from the calling thread, and ``cancelled()`` is polled between steps (→
:class:`~posestudio.errors.Cancelled`, nothing changed anywhere).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from posestudio.errors import Cancelled, ImportFormatError, InputError, LiftError

ProgressFn = Callable[[float, str], None]
CancelledFn = Callable[[], bool]

# Share of the progress bar that detection takes (lifting gets the rest).
_DETECT_SHARE = 0.15
# An OpenPose JSON larger than this is not keypoints (a 100-person file is ~200 kB).
MAX_JSON_BYTES = 64 * 1024 * 1024


@dataclass
class ImportedKeypoints:
    """What an import fitted: the 2D input and how well the lifted people match it.

    Attributes
    ----------
    people : list of DetectedPerson / OpenPosePerson
        The 2D keypoints that were lifted (pixels of ``canvas_size``), in scene person order.
    canvas_size : (width, height)
        Pixels of the photo / JSON canvas the keypoints live in.
    photo : detect.Photo | None
        The decoded photo (for showing it behind the viewport); None for a JSON input.
    reprojection_px : list of float
        Per person, mean distance (pixels) between the input body keypoints and the lifted
        body's, projected through the scene camera.
    focal_px : float
        Focal length used, pixels of ``canvas_size``.
    seconds : dict
        Time spent per stage (``"detect"``, ``"lift"``).
    alternatives : list of list of Person
        Per person, the depth alternatives of the lift (``lift.ambiguity``), world frame of the
        scene, best first (the first is the scene's person); ``alternative_labels`` says what
        each one flips.
    """

    people: list
    canvas_size: tuple[int, int]
    photo: object | None = None
    reprojection_px: list[float] = field(default_factory=list)
    focal_px: float = 0.0
    seconds: dict = field(default_factory=dict)
    alternatives: list = field(default_factory=list)
    alternative_labels: list = field(default_factory=list)


def _check_cancelled(cancelled: CancelledFn | None) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled("import stopped by the user")


def _pick_people(people: Sequence, person: int | None, where: str) -> list:
    if person is None:
        return list(people)
    if isinstance(person, bool) or not isinstance(person, (int, np.integer)) or person < 0:
        raise InputError(f"--person {person!r}: expected a 0-based person index")
    if person >= len(people):
        raise InputError(f"--person {person}: {where} has {len(people)} "
                         f"{'person' if len(people) == 1 else 'people'} (0-based index)")
    return [people[person]]


def _lift_people(people, canvas_size, *, focal_px, points3d, rig, progress, cancelled, span,
                 focal_search=False, shape_from_bones=False):
    from posestudio.lift import lift

    a, b = span
    sub = None if progress is None else (lambda f, msg: progress(a + (b - a) * f, msg))
    return lift(people, canvas_size, focal_px=focal_px, points3d=points3d, rig=rig,
                progress=sub, should_stop=cancelled, focal_search=focal_search,
                shape_from_bones=shape_from_bones)


def import_photo(
    path: str | os.PathLike,
    *,
    progress: ProgressFn | None = None,
    cancelled: CancelledFn | None = None,
    detector: str = "mediapipe",
    weights: str | os.PathLike | None = None,
    max_people: int = 4,
    person: int | None = None,
    focal_px: float | None = None,
    rig: str = "mannequin",
    shape_from_bones: bool = False,
):
    """Detect the people in a photo and lift them into a scene that overlays the photo.

    Parameters
    ----------
    path : image file (.jpg, .png, ...)
    progress : ``progress(fraction 0..1, message)``, optional
    cancelled : ``() -> bool``, polled between steps; True raises ``Cancelled``
    detector : "mediapipe" (built in) | "openpose" (controlnet_aux, needs ``weights``)
    weights : folder with the detector's weights (OpenPose)
    max_people : at most this many people are detected
    person : 0-based index of the one person to import (largest first); None = everyone
    focal_px : focal length in pixels; None = from EXIF, else the image diagonal
    rig : body model of the new people
    shape_from_bones : estimate each person's body proportions from the bone lengths of
        confident keypoints (see :func:`posestudio.lift.lift`)

    Returns
    -------
    scene : Scene
        Canvas = the photo's size; a level camera whose render lands on the photo.
    keypoints : ImportedKeypoints
        The detected 2D keypoints, the photo, the reprojection error per person.

    Raises
    ------
    ImportFormatError, InputError : not an image, corrupt, too large
    DetectionError : nobody found, or detector weights missing
    LiftError, Cancelled
    """
    import time

    from posestudio.detect import detect, load_photo

    _check_cancelled(cancelled)
    if progress is not None:
        progress(0.0, "reading photo")
    t0 = time.perf_counter()
    photo = load_photo(path)
    _check_cancelled(cancelled)
    if progress is not None:
        progress(0.02, "detecting people")
    detection = detect(photo, detector, weights=weights, max_people=max_people)
    people = _pick_people(detection.people, person, str(path))
    t1 = time.perf_counter()
    _check_cancelled(cancelled)
    focal = focal_px or photo.focal_px
    result = _lift_people(people, (photo.width, photo.height), focal_px=focal, points3d=None,
                          rig=rig, progress=progress, cancelled=cancelled,
                          span=(_DETECT_SHARE, 1.0), shape_from_bones=shape_from_bones)
    keypoints = ImportedKeypoints(people, (photo.width, photo.height), photo,
                                  list(result.reprojection_px), result.focal_px,
                                  {"detect": t1 - t0, "lift": result.seconds},
                                  result.alternatives, result.alternative_labels)
    return result.to_scene(), keypoints


def refit_person(person, keypoints2d, camera, canvas, *, progress: ProgressFn | None = None,
                 cancelled: CancelledFn | None = None, **kwargs):
    """Refit one lifted person to edited 2D keypoints, warm-started from their current pose.

    A short local optimisation (~0.1 s) instead of a new lift: the person, the camera and
    everyone else stay where they are except what the edited keypoints ask to move. See
    :func:`posestudio.lift.refit.refit_person` for the parameters; returns a new Person.
    """
    from posestudio.lift.refit import refit_person as refit

    return refit(person, keypoints2d, camera, canvas, progress=progress, cancelled=cancelled, **kwargs)


def read_json_file(path: Path):
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportFormatError(f"{path}: no such file") from None
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if size > MAX_JSON_BYTES:
        raise ImportFormatError(f"{path}: {size} bytes is too large for a keypoint JSON file")
    if not path.is_file() and not path.is_dir():
        raise ImportFormatError(f"{path}: not a regular file (a device or a pipe)")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFormatError(f"{path}: not a text (UTF-8 JSON) file") from None
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not text.strip():
        raise ImportFormatError(f"{path}: the file is empty")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, or an int of 4300+ digits
        raise ImportFormatError(f"{path}: not valid JSON ({exc})") from None


def openpose_frame(data, frame: int | None, where: str) -> dict:
    """The one OpenPose frame of ``data``: the object itself, or item ``frame`` of a list of
    frames (DWPose / ControlNet batch output)."""
    if isinstance(data, list):
        if not data:
            raise ImportFormatError(f"{where}: the JSON list holds no frames")
        index = 0 if frame is None else frame
        if index < 0 or index >= len(data):
            raise InputError(f"--frame {index}: {where} has {len(data)} frames (0-based index)")
        data = data[index]
    elif frame not in (None, 0):
        raise InputError(f"--frame {frame}: {where} holds a single frame")
    if not isinstance(data, dict) or not isinstance(data.get("people"), list):
        raise ImportFormatError(
            f"{where}: not an OpenPose JSON file (expected an object with a 'people' list)")
    return data


def import_openpose_json(
    source,
    *,
    canvas_size: tuple[int, int] | None = None,
    frame: int | None = None,
    person: int | None = None,
    focal_px: float | None = None,
    rig: str = "mannequin",
    progress: ProgressFn | None = None,
    cancelled: CancelledFn | None = None,
    shape_from_bones: bool = False,
):
    """Lift the people of an OpenPose JSON (OpenPose, A1111 ControlNet, DWPose output).

    Parameters
    ----------
    source : path of the JSON file, or the parsed JSON (dict, or list of frames)
    canvas_size : (width, height); used when the file has no ``canvas_width/height`` (plain
        OpenPose output), ignored otherwise
    frame : which frame of a list of frames (0-based; default 0)
    person : 0-based index of the one person to import; None = everyone
    shape_from_bones : as :func:`import_photo`

    Returns
    -------
    (Scene, ImportedKeypoints), as :func:`import_photo` (``photo`` is None).

    Raises
    ------
    ImportFormatError : not JSON, not OpenPose, a bad field (named)
    LiftError : no people in the file, or a person with too few keypoints
    """
    from posestudio.render.openpose_json import from_openpose_json

    _check_cancelled(cancelled)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        data, where = read_json_file(path), str(path)
    else:
        data, where = source, "OpenPose JSON"
    data = openpose_frame(data, frame, where)
    try:
        people, size = from_openpose_json(data, canvas_size=canvas_size)
    except ImportFormatError as exc:
        raise ImportFormatError(f"{where}: {exc}") from None
    people = [p for p in people if np.count_nonzero(np.asarray(p.body)[:, 2] > 0) > 0]
    if not people:
        raise LiftError(f"{where}: no people in the OpenPose JSON (every 'people' entry is "
                        f"empty or there are none)")
    people = _pick_people(people, person, where)
    result = _lift_people(people, size, focal_px=focal_px, points3d=None, rig=rig,
                          progress=progress, cancelled=cancelled, span=(0.0, 1.0),
                          shape_from_bones=shape_from_bones)
    keypoints = ImportedKeypoints(people, tuple(size), None, list(result.reprojection_px),
                                  result.focal_px, {"lift": result.seconds},
                                  result.alternatives, result.alternative_labels)
    return result.to_scene(), keypoints
