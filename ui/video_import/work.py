"""The Qt-free half of video import in the editor: what a source is, its preview, and the import
itself (the core importer the ``posestudio import`` command calls), run on a worker thread.

A *source* is a video file, a folder of per-frame OpenPose ``*_keypoints.json`` or one JSON list
of frames (ComfyUI's pose-keypoint nodes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posestudio.errors import ImportFormatError

__all__ = ["ImportOptions", "SourceInfo", "describe_source", "preload", "run_import"]


@dataclass(frozen=True)
class ImportOptions:
    """What the user chose for one import.

    Attributes
    ----------
    start, end : source frames ``start .. end - 1`` (end None: to the end)
    fps : output frame rate (None: the video's; keypoint sequences: 30)
    person : 0-based index of the one person to import (largest first), None = everyone
    smoothing : the temporal fit's smoothing, × its default (``TemporalSettings.with_smoothing``)
    camera_motion : a video's camera turn measured and keyed on the scene camera (False: fixed)
    """

    start: int = 0
    end: int | None = None
    fps: float | None = None
    person: int | None = None
    smoothing: float = 1.0
    camera_motion: bool = True


@dataclass(frozen=True)
class SourceInfo:
    """A source as the panel shows it before importing.

    Attributes
    ----------
    kind : "video" or "keypoints"
    text : one line: size, rate, frame count
    preview : (H, W, 3) uint8 RGB first frame of a video, None for keypoints
    """

    kind: str
    text: str
    preview: np.ndarray | None = None


def _kind(path: Path) -> str:
    from posestudio.video.decode import is_video_path

    if path.is_dir() or path.suffix.lower() == ".json":
        return "keypoints"
    if is_video_path(path):
        return "video"
    raise ImportFormatError(f"{path}: not a video, a keypoint folder or a JSON list of frames")


def describe_source(path: str | Path) -> SourceInfo:
    """Size, rate, frame count (and a video's first frame); ImportFormatError in one line."""
    from posestudio.video.decode import FrameRange, iter_frames, probe_video

    path = Path(path)
    if not path.exists():
        raise ImportFormatError(f"{path}: no such file or folder")
    if _kind(path) == "video":
        info = probe_video(path)
        first = next((rgb for _, _, rgb in iter_frames(info, FrameRange(info.fps, 0, 1))), None)
        frames = f", {info.frame_count} frames" if info.frame_count else ""
        return SourceInfo("video", f"video {info.width}×{info.height} at {info.fps:g} fps{frames}",
                          first)
    from posestudio.lift.importer import read_json_file
    from posestudio.video.keypoint_files import read_frame_list

    if path.is_dir():
        from posestudio.video.keypoint_files import keypoint_files

        return SourceInfo("keypoints", f"{len(keypoint_files(path))} OpenPose keypoint files")
    data = read_json_file(path)
    if not isinstance(data, list):
        raise ImportFormatError(f"{path}: not a JSON list of frames")
    frames, size = read_frame_list(data, str(path), None)
    return SourceInfo("keypoints", f"{len(frames)} keypoint frames, {size[0]}×{size[1]}")


def preload() -> None:
    """Import the importer's modules on the calling (UI) thread, so the worker thread imports
    nothing while Qt's import hook is active."""
    import posestudio.detect.video  # noqa: F401
    import posestudio.lift.camera_match  # noqa: F401
    import posestudio.lift.fit_pool  # noqa: F401
    import posestudio.lift.importer  # noqa: F401
    import posestudio.lift.sequence  # noqa: F401
    import posestudio.lift.temporal  # noqa: F401
    import posestudio.video.camera_motion  # noqa: F401
    import posestudio.video.decode  # noqa: F401
    import posestudio.video.importer  # noqa: F401
    import posestudio.video.keypoint_files  # noqa: F401
    import posestudio.video.tracking  # noqa: F401


def run_import(path: str | Path, options: ImportOptions, *, progress=None, should_stop=None):
    """Track and lift ``path`` into an animated scene: ``(Scene, SequenceReport)``.

    ``progress(fraction, message)`` and ``should_stop()`` as the importer takes them (the
    latter polled every frame → :class:`~posestudio.errors.Cancelled`). Writes nothing.
    """
    from posestudio.lift.temporal import TemporalSettings
    from posestudio.video.importer import import_keypoint_sequence, import_video

    path = Path(path)
    settings = TemporalSettings().with_smoothing(options.smoothing)
    if _kind(path) == "video":
        return import_video(path, start=options.start, end=options.end, fps=options.fps,
                            person=options.person, settings=settings,
                            camera_motion=options.camera_motion, progress=progress,
                            cancelled=should_stop)
    return import_keypoint_sequence(path, fps=options.fps, start=options.start, end=options.end,
                                    person=options.person, settings=settings, progress=progress,
                                    cancelled=should_stop)
