"""Lifting: 2D OpenPose keypoints (detected or from a JSON) → posed 3D people + matching camera.

``lift(people, canvas_size)`` is the one entry point; the UI calls it from a worker thread with
a ``progress(fraction, message)`` callback and a ``should_stop()`` flag (→ ``Cancelled``).
``lift_photo(path)`` runs detection then lifting; ``LiftResult.to_scene()`` gives a Scene whose
camera and canvas overlay the photo. ``import_photo(path, progress=cb, cancelled=flag) ->
(Scene, ImportedKeypoints)`` and ``import_openpose_json(...)`` (``posestudio.lift.importer``)
are the whole imports the CLI and the UI call.

Importing this package is cheap (numpy; the body model loads on the first fit).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from posestudio.errors import InputError, LiftError
from posestudio.lift.fit import FitResult, FitSettings, ProgressFn, StopFn
from posestudio.scene.model import Camera, Canvas, Person, Scene
from posestudio.skeletons import BODY25_NAMES, COCO18_NAMES

__all__ = ["FitSettings", "ImportedKeypoints", "LiftResult", "import_openpose_json", "import_photo",
           "lift", "lift_photo", "refit_person", "targets_of"]

_models: dict[str, object] = {}


def _keypoint_model(rig: str):
    """(BodyModel, KeypointModel) for ``rig``, cached: building the fast model costs ~0.1 s."""
    from posestudio.body import load_body_model
    from posestudio.lift.keypoint_model import KeypointModel

    body = load_body_model(rig)
    key = f"{rig}:{id(body)}"
    if key not in _models:
        _models[key] = KeypointModel(body)
    return body, _models[key]


def targets_of(person) -> np.ndarray:
    """(130, 3) fitting targets of a person: COCO-18 body, left hand, right hand, face-70.

    ``person`` is anything with ``body`` ((18|25, 3)), ``hand_left``, ``hand_right``, ``face``
    attributes (``DetectedPerson``, ``keypoints.OpenPosePerson``); missing parts are absent rows.
    """
    body = np.asarray(person.body, dtype=np.float64)
    if body.shape == (25, 3):
        body = body[[BODY25_NAMES.index(n) for n in COCO18_NAMES]]
    if body.shape != (18, 3):
        raise LiftError(f"body keypoints must be COCO-18 or BODY_25, got shape {body.shape}")
    out = np.zeros((130, 3))
    out[:18] = body
    for name, rows in (("hand_left", slice(18, 39)), ("hand_right", slice(39, 60)), ("face", slice(60, 130))):
        value = getattr(person, name, None)
        if value is not None:
            value = np.asarray(value, dtype=np.float64)
            if value.shape[0] == 68:
                value = np.vstack([value, np.zeros((2, 3))])
            out[rows] = value
    out = np.nan_to_num(out)
    out[out[:, 2] <= 0] = 0.0
    return out


@dataclass
class LiftResult:
    """People fitted to a photo (or OpenPose keypoints) and the camera that sees them so.

    Attributes
    ----------
    people : list of Person, world frame (see ``camera_match``)
    camera : Camera, level, whose render overlays the photo on ``canvas``
    canvas : Canvas, the photo's size (or the requested one)
    focal_px : float, the focal length used, pixels of ``canvas``
    reprojection_px : list of float, per person: mean distance (pixels) between the detected body
        keypoints and the fitted body's, projected through ``camera``
    keypoints2d : list of (130, 3), the targets that were fitted (canvas pixels)
    seconds : float, time spent fitting
    """

    people: list[Person]
    camera: Camera
    canvas: Canvas
    focal_px: float
    reprojection_px: list[float]
    keypoints2d: list[np.ndarray] = field(default_factory=list)
    fits: list[FitResult] = field(default_factory=list)
    seconds: float = 0.0
    alternatives: list[list[Person]] = field(default_factory=list)
    """Per person, the depth alternatives (``lift.ambiguity``) as world people, best first (the
    first is ``people[i]``); their labels in ``alternative_labels``. Empty when not searched."""
    alternative_labels: list[list[str]] = field(default_factory=list)

    def to_scene(self) -> Scene:
        return Scene(canvas=self.canvas, camera=self.camera, people=[p.copy() for p in self.people])


def lift(
    people: Sequence,
    canvas_size: tuple[int, int],
    *,
    focal_px: float | None = None,
    points3d: Sequence[np.ndarray | None] | None = None,
    rig: str = "mannequin",
    settings: FitSettings | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    alternatives: bool = True,
    focal_search: bool = False,
    shape_from_bones: bool = False,
) -> LiftResult:
    """Fit a 3D body to each person's 2D keypoints.

    Parameters
    ----------
    people : sequence of DetectedPerson / OpenPosePerson, keypoints in pixels of the canvas
    canvas_size : (width, height) pixels of the image the keypoints live in
    focal_px : focal length in pixels; None → the image diagonal (``default_focal_px``)
    points3d : per person, the detector's (18, 3) 3D points or None; defaults to each
        person's ``points3d`` attribute when it has one
    rig : body model for the people ("mannequin" or a model file path)
    progress : ``progress(fraction 0..1, message)``; should_stop : ``() -> bool``, polled
        between steps; True raises :class:`~posestudio.errors.Cancelled`
    focal_search : without ``focal_px``, choose the focal length among a few plausible ones by
        how well the first person fits there (``lift.focal``), the image diagonal's fit as start
    alternatives : search the depth alternatives of each person (``lift.ambiguity``): the best
        one becomes the person, the ranked list is ``LiftResult.alternatives``
    shape_from_bones : when the 2D is confident, give each person the proportions its bone-length
        ratios show (``lift.shape_from_bones``) and refit the pose with them held

    Raises
    ------
    LiftError : no people, or a person with too few keypoints
    Cancelled : ``should_stop()`` returned True
    """
    from posestudio.detect.photo import default_focal_px
    from posestudio.lift.camera_match import scene_camera, world_offset

    if not people:
        raise LiftError("no people to lift: the input has no keypoints")
    canvas = Canvas(int(canvas_size[0]), int(canvas_size[1]))
    focal = float(focal_px) if focal_px else default_focal_px(canvas.width, canvas.height)
    if not (math.isfinite(focal) and focal > 0):
        raise InputError(f"focal length must be a positive number of pixels, got {focal_px!r}")
    t0 = time.perf_counter()
    body, model = _keypoint_model(rig)
    from posestudio.lift.fit import fit_person, selection_matrix

    selection, available = selection_matrix(model.landmark_names, ("body", "hand_left", "hand_right", "face"))
    fits, targets_all, alternatives_all = [], [], []
    n = len(people)
    for i, person in enumerate(people):
        targets = targets_of(person)
        targets[~available] = 0.0
        p3 = points3d[i] if points3d is not None else getattr(person, "points3d", None)
        try:
            fit = fit_person(
                model, targets, selection, focal=focal, size=(canvas.width, canvas.height),
                points3d=p3, settings=settings, progress=progress, should_stop=should_stop,
                progress_span=(i / n, (i + 1) / n),
            )
        except LiftError as exc:
            raise LiftError(f"person {i}: {exc}") from None
        if focal_search and not focal_px and i == 0:
            from posestudio.lift.focal import search_focal

            focal, fit, _ = search_focal(model, targets, selection, (canvas.width, canvas.height),
                                         fit, focal, points3d=p3, settings=settings)
        person_settings = settings
        if shape_from_bones:
            from posestudio.lift.shape_from_bones import fit_with_bone_shape

            fit, person_settings = fit_with_bone_shape(
                model, body, targets, selection, fit, focal=focal,
                size=(canvas.width, canvas.height), points3d=p3, settings=settings)
        found = []
        if alternatives:
            from posestudio.lift.ambiguity import best_fit_and_alternatives

            fit, found = best_fit_and_alternatives(
                model, targets, selection, fit, focal=focal, size=(canvas.width, canvas.height),
                points3d=p3, settings=person_settings)
        fits.append(fit)
        targets_all.append(targets)
        alternatives_all.append(found)

    # Place everyone in the world and measure the reprojection with the real body model.
    posed = [body.pose(betas=f.betas, pose=f.pose, transl=f.transl) for f in fits]
    pelvis = posed[0].joints[0].astype(np.float64)
    lowest = min(float(p.vertices[:, 1].min()) for p in posed)
    offset = world_offset(pelvis, lowest)
    camera = scene_camera(offset, pelvis, focal, canvas)
    result_people, errors = [], []
    for i, (f, p, targets) in enumerate(zip(fits, posed, targets_all)):
        person = Person(name=f"Person {i + 1}", rig=rig, betas=_pad(f.betas, 10),
                        pose=f.pose, transl=f.transl + offset)
        result_people.append(person)
        errors.append(_reprojection_px(p, targets, focal, canvas))
    if progress is not None:
        progress(1.0, "done")
    alt_people = [[Person(name=result_people[i].name, rig=rig, betas=_pad(a.betas, 10), pose=a.pose,
                          transl=a.transl + offset) for a in found]
                  for i, found in enumerate(alternatives_all)]
    alt_labels = [[a.label for a in found] for found in alternatives_all]
    return LiftResult(result_people, camera, canvas, focal, errors, targets_all, fits,
                      time.perf_counter() - t0, alt_people, alt_labels)


def _pad(values: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(size)
    out[: min(size, len(values))] = values[:size]
    return out


def _reprojection_px(posed, targets: np.ndarray, focal: float, canvas: Canvas) -> float:
    """Mean pixel distance between present body targets and the posed body's COCO-18 points
    (camera frame, before the world offset)."""
    from posestudio.keypoints import openpose_points_3d

    body3d, present = openpose_points_3d(posed, "coco18", hands=False, face=False)["body"]
    z = np.maximum(-body3d[:, 2], 1e-6)
    uv = np.stack([canvas.width / 2 + focal * body3d[:, 0] / z,
                   canvas.height / 2 - focal * body3d[:, 1] / z], -1)
    mask = (targets[:18, 2] > 0) & present
    if not mask.any():
        return float("nan")
    return float(np.linalg.norm(uv[mask] - targets[:18][mask, :2], axis=1).mean())


def lift_photo(path: str | os.PathLike, *, detector: str = "mediapipe", weights=None,
               max_people: int = 4, focal_px: float | None = None, **kwargs):
    """Detect people in a photo and lift them. Returns ``(Detection, LiftResult)``; the result's
    canvas is the photo's size, so its keypoints are photo pixels."""
    from posestudio.detect import detect

    detection = detect(path, detector, weights=weights, max_people=max_people)
    photo = detection.photo
    focal = focal_px or photo.focal_px
    result = lift(detection.people, (photo.width, photo.height), focal_px=focal, **kwargs)
    return detection, result


from posestudio.lift.importer import (  # noqa: E402  (cheap: numpy + errors only)
    ImportedKeypoints, import_openpose_json, import_photo, refit_person,
)
