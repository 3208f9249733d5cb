"""Tracked people's 2D keypoints over a clip → an animated scene (the temporal fit per person).

``lift_tracks`` is the end the video and keypoint-sequence imports share: for each track, the
fitting targets of the frames it was seen in, one :func:`~posestudio.lift.temporal.fit_sequence`
over its span (the people side by side on the spare cores, ``lift.fit_pool``), and then one
scene: a level camera whose render overlays the clip (the single-photo import's
``camera_match``, the first person's pelvis in its first frame as the orbit target, the lowest
foot over the clip on the floor), every person with dense keys
(``anim.animation_from_samples``) over the whole clip; before a person enters and after they
leave, they hold their first / last pose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from posestudio.errors import Cancelled, InputError, LiftError

ProgressFn = Callable[[float, str], None]
CancelledFn = Callable[[], bool]


@dataclass
class TrackedPerson:
    """One person's 2D keypoints over a clip of ``num_frames`` frames.

    Attributes
    ----------
    detections : dict frame index → person (``DetectedPerson`` / ``OpenPosePerson``, pixels)
    track_id : int, the tracker's identity (order of first appearance)
    """

    detections: dict
    track_id: int = 0


@dataclass
class SequenceReport:
    """What a sequence import fitted.

    Attributes
    ----------
    num_frames : int; fps : float; canvas_size : (width, height); focal_px : float
    track_ids : the tracker's identity of each scene person (scene order)
    observed : per person, the share of frames with enough keypoints (the rest were filled)
    spans : per person, (first, last) frame seen
    reprojection_px : per person, mean body-keypoint distance (pixels) over observed frames
    camera_turn_deg : how far the video's camera turned over the clip (degrees; 0 for a fixed
        camera or keypoints without images); from 0.5° on, the scene camera turns with it
    seconds : wall-clock seconds per stage ("detect", "fit"; "*_cpu": CPU seconds of the
        process and its fitting workers, all threads)
    tracks : the TrackedPerson of each scene person (their 2D keypoints per frame)
    """

    num_frames: int
    fps: float
    canvas_size: tuple[int, int]
    focal_px: float
    track_ids: list[int] = field(default_factory=list)
    observed: list[float] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    reprojection_px: list[float] = field(default_factory=list)
    seconds: dict = field(default_factory=dict)
    tracks: list = field(default_factory=list)
    camera_turn_deg: float = 0.0


def pick_tracks(tracks: Sequence, person: int | None, where: str) -> list:
    """All tracks, or only track ``person`` (0-based; InputError past the last)."""
    if person is None:
        return list(tracks)
    if person >= len(tracks):
        raise InputError(f"--person {person}: {where} has {len(tracks)} "
                         f"{'person' if len(tracks) == 1 else 'people'} that stay in view "
                         f"(0-based index)")
    return [tracks[person]]


def track_targets(track: TrackedPerson, num_frames: int, available: np.ndarray):
    """(T, 130, 3) fitting targets (zeros where unseen) and (T, 18, 3) detector 3D (NaN where none)."""
    from posestudio.lift import targets_of

    targets = np.zeros((num_frames, 130, 3))
    points3d = np.full((num_frames, 18, 3), np.nan)
    for frame, person in track.detections.items():
        row = targets_of(person)
        row[~available] = 0.0
        targets[frame] = row
        p3 = getattr(person, "points3d", None)
        if p3 is not None:
            points3d[frame] = p3
    return targets, points3d


def lift_tracks(tracks: Sequence[TrackedPerson], num_frames: int, canvas_size: tuple[int, int],
                fps: float, *, focal_px: float | None = None, rig: str = "mannequin",
                settings=None, progress: ProgressFn | None = None,
                cancelled: CancelledFn | None = None, workers: int | None = None,
                camera_rotations: np.ndarray | None = None):
    """Fit every track over the clip and build the animated scene.

    Parameters
    ----------
    tracks : the people to lift, in scene order
    num_frames : T, frames of the clip; canvas_size : (width, height) pixels; fps : > 0
    focal_px : focal length in pixels (None: the image diagonal, as for photos)
    settings : TemporalSettings or None
    workers : worker processes fitting people beside this one (``lift.fit_pool.fit_jobs``;
        None: one per spare core, 0: none)
    camera_rotations : (T, 3, 3) how the video's camera turned (``video.camera_motion``), or
        None for a fixed camera: the people are moved into the first frame's camera and the
        scene camera is keyed every frame to turn as the video's did

    Returns
    -------
    (Scene, SequenceReport)

    Raises
    ------
    LiftError : no track, or a track never seen with enough keypoints; Cancelled
    """
    import time

    from posestudio.anim import animation_from_samples
    from posestudio.detect.photo import default_focal_px
    from posestudio.lift import _keypoint_model, _pad, _reprojection_px
    from posestudio.lift.camera_match import (
        scene_camera, to_first_camera, turning_camera_keys, world_offset,
    )
    from posestudio.lift.fit import selection_matrix
    from posestudio.lift.fit_pool import FitJob, fit_jobs
    from posestudio.scene.model import Canvas, Person, Scene

    if not tracks:
        raise LiftError("nobody to lift: no person stays in view long enough")
    if camera_rotations is not None and np.shape(camera_rotations) != (num_frames, 3, 3):
        raise InputError(f"camera_rotations must be ({num_frames}, 3, 3), got "
                         f"{np.shape(camera_rotations)}")
    if not (isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0):
        raise InputError(f"fps must be a positive number, got {fps!r}")
    canvas = Canvas(int(canvas_size[0]), int(canvas_size[1]))
    focal = float(focal_px) if focal_px else default_focal_px(canvas.width, canvas.height)
    t0 = time.perf_counter()
    body, model = _keypoint_model(rig)
    _, available = selection_matrix(
        model.landmark_names, ("body", "hand_left", "hand_right", "face"))
    jobs, spans, all_targets = [], [], []
    for i, track in enumerate(tracks):
        targets, points3d = track_targets(track, num_frames, available)
        seen = sorted(track.detections)
        if not seen:
            raise LiftError(f"person {i}: never seen")
        first, last = seen[0], seen[-1]
        jobs.append(FitJob(targets[first:last + 1], points3d[first:last + 1], focal,
                           (canvas.width, canvas.height), fps, settings))
        spans.append((first, last))
        all_targets.append(targets)
    if cancelled is not None and cancelled():
        raise Cancelled("import stopped by the user")
    fits = fit_jobs(jobs, rig, progress=progress, should_stop=cancelled, workers=workers)
    # Reprojection, each frame through its own camera (before a turning camera is undone).
    errors = []
    for fit, (first, _), targets in zip(fits, spans, all_targets):
        frames = [t for t in range(num_frames) if targets[t, :18, 2].any()]
        sample = frames[:: max(1, len(frames) // 20)]
        errors.append(float(np.nanmean([
            _reprojection_px(body.pose(betas=fit.betas, pose=fit.poses[t - first],
                                       transl=fit.transl[t - first]), targets[t], focal, canvas)
            for t in sample])) if sample else math.nan)
    if camera_rotations is not None:
        for fit, (first, last) in zip(fits, spans):
            rest = body.pose(betas=fit.betas, pose=np.zeros((55, 3))).joints[0]
            fit.poses, fit.transl = to_first_camera(fit.poses, fit.transl, rest,
                                                    camera_rotations[first:last + 1])

    # Whole-clip arrays (held outside each person's span), camera frame.
    poses, transls = [], []
    for fit, (first, last) in zip(fits, spans):
        index = np.clip(np.arange(num_frames) - first, 0, last - first)
        poses.append(fit.poses[index])
        transls.append(fit.transl[index])
    # World placement from the first person's first frame and everyone's lowest point.
    ref_posed = body.pose(betas=fits[0].betas, pose=poses[0][spans[0][0]],
                          transl=transls[0][spans[0][0]])
    pelvis = ref_posed.joints[0].astype(np.float64)
    lowest = math.inf
    for fit, pose, transl in zip(fits, poses, transls):
        for t in range(0, num_frames, max(1, num_frames // 30)):
            posed = body.pose(betas=fit.betas, pose=pose[t], transl=transl[t])
            lowest = min(lowest, float(posed.vertices[:, 1].min()))
    offset = world_offset(pelvis, lowest)
    camera = scene_camera(offset, pelvis, focal, canvas)
    people, observed = [], []
    for i, (fit, pose, transl) in enumerate(zip(fits, poses, transls)):
        people.append(Person(name=f"Person {i + 1}", rig=rig, betas=_pad(fit.betas, 10),
                             pose=pose[0], transl=transl[0] + offset))
        observed.append(float(fit.observed.mean()))
    keys = None if camera_rotations is None else turning_camera_keys(camera, camera_rotations, fps)
    animation = animation_from_samples(poses, [t + offset for t in transls], fps, camera_keys=keys)
    scene = Scene(canvas=canvas, camera=camera, people=people, animation=animation)
    report = SequenceReport(num_frames, float(fps), (canvas.width, canvas.height), focal,
                            [t.track_id for t in tracks], observed, spans, errors,
                            {"fit": time.perf_counter() - t0}, list(tracks))
    if progress is not None:
        progress(1.0, "done")
    return scene, report
