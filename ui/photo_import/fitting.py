"""What an import or a refit computes, off the UI thread: photo/JSON → 2D keypoints → lifted people.

Qt-free on purpose: these functions run inside :class:`~.job.FitJob` (a worker thread) and take
the same ``progress(fraction, message)`` / ``should_stop()`` pair as :func:`posestudio.lift.lift`,
so a cancel stops them between optimiser steps (→ :class:`~posestudio.errors.Cancelled`).
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np

from posestudio.scene.model import Camera, Canvas, Person, PhotoReference

ProgressFn = Callable[[float, str], None]
StopFn = Callable[[], bool]

# The background texture never needs more than this many pixels a side: it is shown inside
# the viewport's canvas frame, which is at most a screen high.
BACKGROUND_MAX_SIDE = 2048


@dataclass
class PhotoState:
    """The reference behind the scene: photo pixels and the 2D keypoints the people were fitted to.

    Attributes
    ----------
    source : str
        The file it came from (photo or OpenPose JSON).
    canvas : Canvas
        The photo's size; keypoints are pixels of it.
    focal_px : float
        Focal length the lift used (pixels of ``canvas``); a refit reuses it.
    keypoints : list of (130, 3) float64
        Per person: COCO-18 body, left hand-21, right hand-21, face-70 (``lift.targets_of``
        layout), x, y in canvas pixels, confidence 0 = absent.
    detected : list of (130, 3) float64
        The keypoints as the detector / file gave them (``keypoints`` may hold user drags).
    image : (H, W, 3) uint8 or None
        The photo, downscaled to at most ``BACKGROUND_MAX_SIDE`` a side; None for a JSON import.
    reprojection_px : list of float
        Per person, mean body-keypoint distance (pixels) of the last fit.
    points3d : list of (18, 3) float64 or None
        Per person, the detector's own 3D body estimate, or None.
    fits : list of Person
        Per person, the mannequin lifted for them (or, for someone the user left out, the
        mannequin as it was when they were left out), all in one world frame, so anyone can be
        put back in the scene without lifting again.
    chosen : list of bool
        Per person, whether they are a mannequin in the scene. The chosen people occupy the
        scene's first slots, in this (largest first) order.
    camera : Camera or None
        The camera the photo was matched with: keypoints are its view, whatever the user has
        since done to the scene camera, so a refit looks through it.
    alternatives : list of list of Person
        Per person, the lift's depth alternatives, best first, in the world frame of ``fits``
        (``alternatives.AlternativesPicker`` offers them); ``alternative_labels`` names them.
    """

    source: str
    canvas: Canvas
    focal_px: float
    keypoints: list[np.ndarray]
    detected: list[np.ndarray]
    image: np.ndarray | None = None
    reprojection_px: list[float] = field(default_factory=list)
    points3d: list[np.ndarray | None] = field(default_factory=list)
    fits: list[Person] = field(default_factory=list)
    chosen: list[bool] = field(default_factory=list)
    camera: Camera | None = None
    alternatives: list[list[Person]] = field(default_factory=list)
    alternative_labels: list[list[str]] = field(default_factory=list)

    @property
    def chosen_indices(self) -> list[int]:
        return [i for i, on in enumerate(self.chosen) if on]

    def copy(self) -> "PhotoState":
        return replace(self, keypoints=[k.copy() for k in self.keypoints],
                       reprojection_px=list(self.reprojection_px),
                       fits=[p.copy() for p in self.fits], chosen=list(self.chosen),
                       alternatives=[[p.copy() for p in alts] for alts in self.alternatives],
                       alternative_labels=[list(labels) for labels in self.alternative_labels])


@dataclass
class FitOutcome:
    """A finished fit: the people, the camera that overlays the photo, and the photo state."""

    people: list[Person]
    camera: Camera
    state: PhotoState
    seconds: float = 0.0


def _scaled(pixels: np.ndarray, max_side: int = BACKGROUND_MAX_SIDE) -> np.ndarray:
    height, width = pixels.shape[:2]
    if max(height, width) <= max_side:
        return pixels
    from PIL import Image

    scale = max_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))


def person_size(keypoints: np.ndarray) -> float:
    """How large a person appears: the diagonal (pixels) of their present body keypoints' box."""
    present = keypoints[:18][keypoints[:18, 2] > 0, :2]
    if len(present) == 0:
        return 0.0
    return float(np.linalg.norm(present.max(0) - present.min(0)))


def _state_from_import(source, scene, imported) -> FitOutcome:
    """The outcome of an import, people ordered largest first (the numbers the user sees in the
    picker and on the photo) and named after those numbers; everyone chosen."""
    from posestudio.lift import targets_of

    keypoints = [targets_of(p) for p in imported.people]
    order = sorted(range(len(keypoints)), key=lambda i: -person_size(keypoints[i]))  # stable
    keypoints = [keypoints[i] for i in order]
    points3d = [getattr(imported.people[i], "points3d", None) for i in order]
    errors = [imported.reprojection_px[i] for i in order]
    people = [scene.people[i].copy() for i in order]
    for number, person in enumerate(people, 1):
        person.name = f"Person {number}"
    image = None if imported.photo is None else _scaled(imported.photo.pixels)
    state = PhotoState(str(source), scene.canvas, imported.focal_px, keypoints,
                       [k.copy() for k in keypoints], image, errors, points3d,
                       fits=[p.copy() for p in people], chosen=[True] * len(people),
                       camera=scene.camera)
    alternatives = getattr(imported, "alternatives", None) or []
    if len(alternatives) == len(order):
        state.alternatives = [[p.copy() for p in alternatives[i]] for i in order]
        state.alternative_labels = [list(imported.alternative_labels[i]) for i in order]
    return FitOutcome(people, scene.camera, state, float(sum(imported.seconds.values())))


def fit_photo(path: str | os.PathLike, *, progress: ProgressFn | None = None,
              should_stop: StopFn | None = None, detector: str = "mediapipe",
              weights=None, shape_from_bones: bool = False) -> FitOutcome:
    """Detect the people in a photo and lift them (the CLI's code path); canvas = photo size.
    ``shape_from_bones``: see :func:`posestudio.lift.importer.import_photo`."""
    from posestudio.lift.importer import import_photo

    scene, imported = import_photo(path, progress=progress, cancelled=should_stop,
                                   detector=detector, weights=weights,
                                   shape_from_bones=shape_from_bones)
    return _state_from_import(path, scene, imported)


def is_scene_file(path: str | os.PathLike) -> bool:
    """True for a PoseStudio scene (``"format": "posestudio-scene"``), which opens, not imports.

    Cached on (path, size, mtime): drag-move events ask again and again while the mouse moves.
    """
    try:
        stat = os.stat(path)
    except OSError:
        return False
    return _is_scene_file(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _is_scene_file(path: str, size: int, mtime_ns: int) -> bool:
    from posestudio.lift.importer import MAX_JSON_BYTES

    if size > MAX_JSON_BYTES:
        return False
    try:
        with open(path, encoding="utf-8-sig") as handle:
            data = json.load(handle)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False      # not a readable scene: the import reports what is wrong with it
    return isinstance(data, dict) and data.get("format") == "posestudio-scene"


def fit_openpose(path: str | os.PathLike, *, progress: ProgressFn | None = None,
                 should_stop: StopFn | None = None, shape_from_bones: bool = False) -> FitOutcome:
    """Lift the people of an OpenPose / DWPose JSON; the canvas is the JSON's canvas size.
    ``shape_from_bones``: see :func:`posestudio.lift.importer.import_photo`."""
    from posestudio.lift.importer import import_openpose_json

    scene, imported = import_openpose_json(path, progress=progress, cancelled=should_stop,
                                           shape_from_bones=shape_from_bones)
    return _state_from_import(path, scene, imported)


def refit_in_place(state: PhotoState, people: list[Person], camera: Camera, *,
                   progress: ProgressFn | None = None, should_stop: StopFn | None = None
                   ) -> FitOutcome:
    """Nudge the chosen people, as they stand in the scene, onto the (dragged) 2D keypoints.

    A warm start (:func:`posestudio.lift.importer.refit_person`): a fraction of a second, and a
    small drag makes a small change — the user's own edits, the camera and everyone else stay.
    ``people`` are the scene's people in the chosen people's slots (the photo's chosen order);
    ``camera`` is the scene camera, used only when the state has no matched camera.
    """
    import time

    from posestudio.lift.importer import refit_person

    started = time.perf_counter()
    camera = state.camera or camera
    chosen = state.chosen_indices
    new_state = state.copy()
    refitted = []
    for n, (index, person) in enumerate(zip(chosen, people)):
        def part(fraction: float, message: str, n: int = n) -> None:
            if progress is not None:
                progress((n + fraction) / len(chosen), message)
        fitted = refit_person(person, state.keypoints[index], camera, state.canvas,
                              progress=part, cancelled=should_stop)
        refitted.append(fitted)
        new_state.fits[index] = fitted.copy()
        if index < len(new_state.reprojection_px):
            new_state.reprojection_px[index] = body_reprojection_px(
                fitted, state.keypoints[index], camera, state.canvas)
    return FitOutcome(refitted, camera, new_state, time.perf_counter() - started)


def body_reprojection_px(person: Person, keypoints: np.ndarray, camera: Camera,
                         canvas: Canvas) -> float:
    """Mean distance (pixels) between a person's projected COCO-18 body and the keypoints."""
    from posestudio.body import load_body_model
    from posestudio.keypoints import people_keypoints_2d

    posed = load_body_model(person.rig).pose_person(person)
    body = people_keypoints_2d([posed], camera, canvas, hands=False, face=False)[0].body
    both = (body[:, 2] > 0) & (keypoints[:18, 2] > 0)
    if not both.any():
        return float("nan")
    return float(np.linalg.norm(body[both, :2] - keypoints[:18][both, :2], axis=1).mean())


def reference_of(state: PhotoState) -> PhotoReference:
    """What the scene file keeps of a photo state: its path, size, keypoints, choice, camera."""
    return PhotoReference(str(Path(state.source).absolute()), state.canvas.width,
                          state.canvas.height, [k.copy() for k in state.keypoints],
                          [k.copy() for k in state.detected], list(state.chosen),
                          float(state.focal_px), state.camera)


def state_from_reference(ref: PhotoReference, people: list[Person]) -> tuple[PhotoState, str]:
    """The photo state of a reopened scene, and a notice ("" when all is well).

    The photo is read again from ``ref.path`` (downscaled like at import); a photo that is gone
    or unreadable leaves the state without an image (keypoints, overlay and refit still work)
    and says so in the notice. ``people`` are the scene's people: the chosen ones are the fits.
    """
    image, notice = None, ""
    if classify(ref.path) == "photo":
        try:
            from PIL import Image

            with Image.open(ref.path) as photo:
                image = _scaled(np.asarray(photo.convert("RGB")))
        except FileNotFoundError:
            notice = f"The scene's photo {ref.path} is missing: keypoints shown without it"
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            notice = (f"The scene's photo {ref.path} cannot be read ({exc}): keypoints shown "
                      "without it")
    slots = iter(range(len(people)))
    fits = [people[next(slots)].copy() if on and len(people) > i else Person(name=f"Person {i + 1}")
            for i, on in enumerate(ref.chosen)]
    n = len(ref.keypoints)
    state = PhotoState(ref.path, Canvas(ref.width, ref.height), ref.focal_px,
                       [k.copy() for k in ref.keypoints], [k.copy() for k in ref.detected], image,
                       [float("nan")] * n, [None] * n, fits, list(ref.chosen), ref.camera)
    return state, notice


def photo_suffixes() -> tuple[str, ...]:
    from posestudio.detect.photo import PHOTO_SUFFIXES

    return PHOTO_SUFFIXES


def classify(path: str | os.PathLike) -> str | None:
    """``"photo"``, ``"openpose"`` (a JSON that is not a scene) or None (not ours to import)."""
    name = Path(path).name.lower()
    if name.endswith(photo_suffixes()):
        return "photo"
    if name.endswith(".json") and not is_scene_file(path):
        return "openpose"
    return None

