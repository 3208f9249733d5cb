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

from posestudio.scene.model import Camera, Canvas, Person

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
        Per person, the detector's own 3D body estimate (initialises a refit), or None.
    fits : list of Person
        Per person, the mannequin lifted for them (or, for someone the user left out, the
        mannequin as it was when they were left out), all in one world frame, so anyone can be
        put back in the scene without lifting again.
    chosen : list of bool
        Per person, whether they are a mannequin in the scene. The chosen people occupy the
        scene's first slots, in this (largest first) order.
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

    @property
    def chosen_indices(self) -> list[int]:
        return [i for i, on in enumerate(self.chosen) if on]

    def copy(self) -> "PhotoState":
        return replace(self, keypoints=[k.copy() for k in self.keypoints],
                       reprojection_px=list(self.reprojection_px),
                       fits=[p.copy() for p in self.fits], chosen=list(self.chosen))


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
                       fits=[p.copy() for p in people], chosen=[True] * len(people))
    return FitOutcome(people, scene.camera, state, float(sum(imported.seconds.values())))


def fit_photo(path: str | os.PathLike, *, progress: ProgressFn | None = None,
              should_stop: StopFn | None = None, detector: str = "mediapipe",
              weights=None) -> FitOutcome:
    """Detect the people in a photo and lift them (the CLI's code path); canvas = photo size."""
    from posestudio.lift.importer import import_photo

    scene, imported = import_photo(path, progress=progress, cancelled=should_stop,
                                   detector=detector, weights=weights)
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
                 should_stop: StopFn | None = None) -> FitOutcome:
    """Lift the people of an OpenPose / DWPose JSON; the canvas is the JSON's canvas size."""
    from posestudio.lift.importer import import_openpose_json

    scene, imported = import_openpose_json(path, progress=progress, cancelled=should_stop)
    return _state_from_import(path, scene, imported)


@dataclass
class _Keypoints:
    """The ``body / hand_left / hand_right / face`` view of a (130, 3) target array that
    :func:`posestudio.lift.targets_of` reads back."""

    body: np.ndarray
    hand_left: np.ndarray
    hand_right: np.ndarray
    face: np.ndarray

    @classmethod
    def of(cls, targets: np.ndarray) -> "_Keypoints":
        t = np.asarray(targets, dtype=np.float64)
        return cls(t[:18], t[18:39], t[39:60], t[60:130])


def refit(state: PhotoState, *, progress: ProgressFn | None = None,
          should_stop: StopFn | None = None, rig: str = "mannequin") -> FitOutcome:
    """Lift again from ``state.keypoints`` (which the user may have dragged), same focal length.

    Everyone is lifted, chosen or not: the lift places people and camera relative to the first
    person, so lifting only some would move the world under the others' stored fits.
    ``people`` of the outcome are the chosen people's new fits; ``state.fits`` holds everyone's.

    The detector's 3D estimate (depth cues for each limb) is kept, with every dragged body point
    shifted in x, y by the drag (converted to metres at the person's scale), so it agrees with
    the edited 2D keypoints instead of pulling the limb back.
    """
    from posestudio.lift import lift

    people = [_Keypoints.of(k) for k in state.keypoints]
    points3d = [None if p3 is None else shifted_points3d(p3, d[:18], k[:18])
                for p3, d, k in zip(state.points3d, state.detected, state.keypoints)]
    if len(points3d) != len(people):
        points3d = [None] * len(people)
    result = lift(people, (state.canvas.width, state.canvas.height), focal_px=state.focal_px,
                  points3d=points3d, rig=rig, progress=progress, should_stop=should_stop)
    fits = [p.copy() for p in result.people]
    new_state = replace(state.copy(), reprojection_px=list(result.reprojection_px), fits=fits)
    chosen = new_state.chosen_indices if len(new_state.chosen) == len(fits) else range(len(fits))
    return FitOutcome([fits[i].copy() for i in chosen], result.camera, new_state, result.seconds)


def shifted_points3d(points3d: np.ndarray, detected: np.ndarray, edited: np.ndarray) -> np.ndarray:
    """Detector 3D body points (18, 3) (OpenGL camera axes, metres) moved by the 2D edits.

    ``detected`` / ``edited``: (18, 3) body keypoints (pixels, confidence). Metres per pixel come
    from the present points' spread in 3D (x, y) over their spread in 2D.
    """
    out = np.array(points3d, dtype=np.float64)
    moved = (np.linalg.norm(edited[:, :2] - detected[:, :2], axis=1) > 1e-6) & (detected[:, 2] > 0)
    present = detected[:, 2] > 0
    if not moved.any() or present.sum() < 2:
        return out
    spread_2d = np.linalg.norm(detected[present, :2] - detected[present, :2].mean(0), axis=1).sum()
    spread_3d = np.linalg.norm(out[present, :2] - out[present, :2].mean(0), axis=1).sum()
    if spread_2d <= 0:
        return out
    metres_per_px = spread_3d / spread_2d
    delta = edited[:, :2] - detected[:, :2]
    out[moved, 0] += delta[moved, 0] * metres_per_px
    out[moved, 1] -= delta[moved, 1] * metres_per_px     # image y down, camera y up
    return out


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

