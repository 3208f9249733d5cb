"""Reading a video's frames: any container OpenCV's FFmpeg backend reads, a frame range, a rate.

Frames stream one at a time (a 1080p frame is 6 MB; a clip never sits in memory). Everything a
user can get wrong (not a video, an empty or truncated one, a range past the end) fails with
one :class:`~posestudio.errors.ImportFormatError` / :class:`~posestudio.errors.InputError` that
names the file, before any detector is loaded. Imports OpenCV only when a video is opened.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from posestudio.errors import ImportFormatError, InputError

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv",
                  ".flv", ".gif", ".ts", ".mts", ".ogv", ".3gp")
# A frame larger than this is refused (the scene canvas is limited to 8192 a side).
MAX_SIDE = 8192
# The rate assumed when the container does not state one.
DEFAULT_FPS = 30.0


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video.

    Attributes
    ----------
    path : str
    width, height : int, pixels of a decoded frame
    fps : float, frames per second (``DEFAULT_FPS`` when the file does not say)
    frame_count : int, frames the container announces (may be an estimate; 0 = unknown)
    """

    path: str
    width: int
    height: int
    fps: float
    frame_count: int


@dataclass(frozen=True)
class FrameRange:
    """Which source frames to read, and at what rate they come out.

    ``start``/``end`` are source frame indices (end exclusive, None = to the end of the video);
    output frame ``i`` is at ``start / source fps + i / fps`` seconds of the video (``i / fps``
    on the new timeline) and is the source frame nearest that time.
    """

    fps: float
    start: int = 0
    end: int | None = None


def is_video_path(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def _capture(path: Path):
    import cv2

    if not path.exists():
        raise ImportFormatError(f"{path}: no such file")
    if path.is_dir():
        raise ImportFormatError(f"{path}: is a folder, expected a video file")
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not capture.isOpened():
        capture.release()
        raise ImportFormatError(f"{path}: not a video OpenCV can read (unknown container or codec, "
                                f"or a corrupt file)")
    return capture


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """Open ``path`` and read its size, rate and length (decodes the first frame to be sure).

    Raises
    ------
    ImportFormatError : missing, not a video, no decodable frame
    InputError : frames larger than ``MAX_SIDE``
    """
    import cv2

    path = Path(path)
    capture = _capture(path)
    try:
        ok, frame = capture.read()
        if not ok or frame is None:
            raise ImportFormatError(f"{path}: the video has no frame that can be decoded")
        height, width = frame.shape[:2]
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(max(0.0, capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0.0))
    finally:
        capture.release()
    if max(width, height) > MAX_SIDE:
        raise InputError(f"{path}: {width}x{height} frames are larger than {MAX_SIDE} pixels a side")
    if not (math.isfinite(fps) and 0.5 <= fps <= 1000.0):
        fps = DEFAULT_FPS
    return VideoInfo(str(path), int(width), int(height), fps, count)


def check_range(frames: FrameRange, available: int | None, where: str) -> None:
    """InputError when ``frames`` selects nothing (``available`` source frames, None = unknown)."""
    if frames.start < 0 or (frames.end is not None and frames.end <= frames.start):
        raise InputError(f"--start {frames.start} --end {frames.end}: an empty frame range")
    if available is not None and frames.start >= available:
        raise InputError(f"--start {frames.start}: {where} has {available} frames (0-based index)")


def iter_frames(info: VideoInfo, frames: FrameRange) -> Iterator[tuple[int, float, np.ndarray]]:
    """Decoded frames of ``frames``: ``(output index, time in seconds on the new timeline,
    (H, W, 3) uint8 RGB)``.

    Source frames are read in order (seeking is unreliable across codecs) and picked to the
    output rate: each output time takes the source frame nearest it, so a 60 fps clip at
    ``fps=30`` gives every second frame, and a 24 fps clip at 30 repeats some.
    """
    import cv2

    def nearest(i: int) -> int:   # source frame nearest output frame i
        return frames.start + int(math.floor(i * info.fps / frames.fps + 0.5 + 1e-9))

    capture = _capture(Path(info.path))
    try:
        out, source = 0, 0
        while frames.end is None or nearest(out) < frames.end:
            ok, bgr = capture.read()
            if not ok or bgr is None:
                break
            rgb = None
            while nearest(out) == source and (frames.end is None or source < frames.end):
                if rgb is None:
                    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                yield out, out / frames.fps, rgb
                out += 1
            source += 1
    finally:
        capture.release()
