"""Whole sequence imports: a video, or a keypoint sequence → an animated Scene.

``import_video(path)`` decodes (``video.decode``), detects each frame with MediaPipe in its
video mode (``detect.video``), tracks identities (``video.tracking``), measures how the camera
turned (``video.camera_motion``: the scene camera turns with it) and lifts every person who
stays in view long enough with the temporal fit (``lift.sequence``). ``import_keypoint_
sequence(source)`` does the same from 2D keypoints other tools made (``video.keypoint_files``).
Both return ``(Scene, SequenceReport)`` and write nothing: the caller saves the scene
(atomically). ``progress(fraction, message)`` is called from the calling thread;
``cancelled()`` is polled every frame (→ :class:`~posestudio.errors.Cancelled`).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Callable

from posestudio.errors import Cancelled, ImportFormatError, InputError, LiftError

ProgressFn = Callable[[float, str], None]
CancelledFn = Callable[[], bool]

# Share of the progress bar that decoding + detection take (the fit gets the rest).
_DETECT_SHARE = 0.6
# A track survives this long unseen (a short occlusion, someone passing in front).
MAX_GAP_SECONDS = 0.75
# Seconds between whole-frame searches for newcomers while someone is followed (each search
# runs the photo detector on the frame and its tiles: the costliest step of detection).
SEARCH_SECONDS = 1.0
# The keypoint-folder rate when none is given.
DEFAULT_KEYPOINT_FPS = 30.0


def _check(cancelled: CancelledFn | None) -> None:
    if cancelled is not None and cancelled():
        raise Cancelled("import stopped by the user")


def _max_missed(fps: float) -> int:
    """Frames a track survives unseen: ``MAX_GAP_SECONDS``, at least 2."""
    return max(2, int(round(MAX_GAP_SECONDS * fps)))


def _staying(tracks, num_frames: int, fps: float, where: str):
    """The ``tracks`` (``video.tracking.Track``) that stay in view long enough, largest first,
    as ``lift.sequence.TrackedPerson``; LiftError, saying how far anyone was followed, if none."""
    from posestudio.lift.sequence import TrackedPerson
    from posestudio.video.tracking import frames_needed, keep_tracks

    kept = keep_tracks(tracks, num_frames, fps)
    if not kept and tracks:
        longest = max(len(t.detections) for t in tracks)
        raise LiftError(
            f"{where}: nobody is followed long enough to lift (at most {longest} of {num_frames} "
            f"frames, {frames_needed(num_frames, fps)} needed): the detector keeps losing them; "
            f"try a start/end range where they are seen")
    if not kept:
        raise LiftError(f"{where}: nobody stays in view long enough to lift")
    return [TrackedPerson(dict(t.detections), t.track_id) for t in kept]


def _fit(tracks, num_frames, canvas_size, fps, *, person, where, focal_px, rig, settings,
         progress, cancelled, share: float, workers: int | None = None,
         camera_rotations=None):
    from posestudio.lift.sequence import lift_tracks, pick_tracks

    tracks = pick_tracks(tracks, person, where)
    sub = None if progress is None else (lambda f, msg: progress(share + (1 - share) * f, msg))
    return lift_tracks(tracks, num_frames, canvas_size, fps, focal_px=focal_px, rig=rig,
                       settings=settings, progress=sub, cancelled=cancelled, workers=workers,
                       camera_rotations=camera_rotations)


def import_video(path: str | os.PathLike, *, start: int = 0, end: int | None = None,
                 fps: float | None = None, person: int | None = None, max_people: int = 4,
                 focal_px: float | None = None, rig: str = "mannequin", settings=None,
                 workers: int | None = None, camera_motion: bool = True,
                 progress: ProgressFn | None = None, cancelled: CancelledFn | None = None):
    """Track and lift the people of a video into an animated scene that overlays it.

    Parameters
    ----------
    path : a video file (any container OpenCV's FFmpeg reads: mp4, mov, mkv, avi, webm...)
    start, end : source frames ``start .. end - 1`` (None = to the end)
    fps : output frame rate (default: the video's); source frames are picked to it
    person : 0-based index of the one person to import (of those who stay in view long
        enough, largest first); None = all of them
    max_people : most people followed at once
    focal_px : focal length in pixels (default: the frame diagonal)
    settings : ``lift.temporal.TemporalSettings`` or None
    workers : processes fitting people beside this one (``lift.fit_pool``; None: one per
        spare core, 0: none)
    camera_motion : measure how the camera turned and key the scene camera to it
        (``video.camera_motion``); False takes the camera as fixed

    Returns
    -------
    (Scene, SequenceReport) : the scene's canvas is the video's frame size, its camera
    overlays the video, ``scene.animation`` has one key per output frame per person.

    Raises
    ------
    ImportFormatError, InputError : not a video, a bad range or rate
    LiftError : nobody stays in view long enough, or too few keypoints; Cancelled
    """
    from posestudio.detect.video import VideoPoseDetector
    from posestudio.detect.photo import default_focal_px
    from posestudio.lift.fit_pool import cpu_seconds
    from posestudio.video.camera_motion import MOVING_DEG, CameraMotion, angle_deg, person_box
    from posestudio.video.decode import FrameRange, check_range, iter_frames, probe_video
    from posestudio.video.tracking import Tracker

    _check(cancelled)
    t0, c0 = time.perf_counter(), cpu_seconds()
    info = probe_video(path)
    rate = float(fps) if fps else info.fps
    frames = FrameRange(rate, int(start), None if end is None else int(end))
    check_range(frames, info.frame_count or None, str(path))
    last = min(frames.end or info.frame_count, info.frame_count or frames.end or 0)
    total = int(math.ceil((last - frames.start) / info.fps * rate)) if last else 0
    frames_people: list[list] = []
    tracker = Tracker(max_missed=_max_missed(rate))
    camera = CameraMotion(focal_px or default_focal_px(info.width, info.height),
                          (info.width, info.height)) if camera_motion else None
    with VideoPoseDetector(max_people=max_people,
                           search_every=max(1, int(round(SEARCH_SECONDS * rate)))) as detector:
        for index, _, rgb in iter_frames(info, frames):
            _check(cancelled)
            if progress is not None:
                progress(_DETECT_SHARE * min(index / max(total, 1), 1.0),
                         f"detecting frame {index + 1}" + (f"/{total}" if total > 0 else ""))
            people = detector.detect(rgb, tracker.predicted_boxes(index))
            # Only the whole-frame search brings newcomers: what a graph following someone finds
            # and no track takes is that graph having lost its person (a part of their body read
            # as a figure), which restarts it to search its crop afresh.
            ids = tracker.update(index, people, may_start=[k is None for k in detector.sources])
            for key, track_id in zip(detector.sources, ids):
                if key is not None and key != track_id:
                    detector.restart(key)
            frames_people.append(people)
            if camera is not None:
                camera.update(rgb, [box for box in map(person_box, people) if box is not None])
    if not frames_people:
        raise InputError(f"--start {frames.start}: {path} has no frames there")
    t1, c1 = time.perf_counter(), cpu_seconds()
    # Identities come from the tracker that steered the detector.
    tracks = _staying(tracker.all_tracks(), len(frames_people), rate, str(path))
    rotations = camera.rotations if camera is not None else None
    turn = 0.0 if rotations is None else max(angle_deg(r) for r in rotations)
    scene, report = _fit(tracks, len(frames_people), (info.width, info.height), rate,
                         person=person, where=str(path), focal_px=focal_px, rig=rig,
                         settings=settings, progress=progress, cancelled=cancelled,
                         share=_DETECT_SHARE, workers=workers,
                         camera_rotations=rotations if turn >= MOVING_DEG else None)
    report.camera_turn_deg = turn
    report.seconds["detect"] = t1 - t0
    report.seconds["detect_cpu"] = c1 - c0
    report.seconds["fit_cpu"] = cpu_seconds() - c1
    return scene, report


def import_keypoint_sequence(source, *, fps: float | None = None, start: int = 0,
                             end: int | None = None, person: int | None = None,
                             canvas_size: tuple[int, int] | None = None,
                             focal_px: float | None = None, rig: str = "mannequin",
                             settings=None, where: str | None = None,
                             progress: ProgressFn | None = None,
                             cancelled: CancelledFn | None = None):
    """Track and lift a 2D keypoint sequence into an animated scene.

    Parameters
    ----------
    source : a folder of per-frame OpenPose ``*_keypoints.json`` (name order), the path of one
        JSON list of frames (ComfyUI ``POSE_KEYPOINT``), or that list already parsed
    fps : frame rate of the sequence (default 30)
    start, end : frame indices (end exclusive; None = to the end)
    canvas_size : (width, height) for files that do not state their canvas
    where : how messages name a parsed ``source`` (default "keypoint frames")
    Others as :func:`import_video`.

    Raises
    ------
    ImportFormatError : a bad file or field (named); InputError : a bad range or rate;
    LiftError; Cancelled
    """
    from posestudio.lift.importer import read_json_file
    from posestudio.video.keypoint_files import read_frame_list, read_keypoint_folder

    _check(cancelled)
    rate = DEFAULT_KEYPOINT_FPS if fps is None else float(fps)
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(f"--fps {fps}: must be a positive number")
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        where = str(path)
        if path.is_dir():
            frames, size = read_keypoint_folder(path, canvas_size)
        else:
            data = read_json_file(path)
            if not isinstance(data, list):
                raise ImportFormatError(f"{path}: not a JSON list of frames")
            frames, size = read_frame_list(data, where, canvas_size)
    else:
        where = where or "keypoint frames"
        frames, size = read_frame_list(source, where, canvas_size)
    stop = len(frames) if end is None else min(int(end), len(frames))
    if start < 0 or start >= len(frames) or stop <= start:
        raise InputError(f"--start {start} --end {end}: {where} has {len(frames)} frames "
                         f"(0-based, end exclusive)")
    frames = frames[start:stop]
    if progress is not None:
        progress(0.02, "tracking people")
    from posestudio.video.tracking import track_people

    tracks = _staying(track_people(frames, max_missed=_max_missed(rate)), len(frames), rate, where)
    return _fit(tracks, len(frames), size, rate, person=person, where=where, focal_px=focal_px,
                rig=rig, settings=settings, progress=progress, cancelled=cancelled, share=0.05)
