"""Write frames as an H.264 mp4, all or nothing.

The encoder comes with a registry package: PyAV (``av``, which bundles FFmpeg and libx264) is
used when importable; OpenCV's ``VideoWriter`` (``mp4v``) is the fallback. Frames stream in from
any iterable, so a long sequence never sits in memory. The file is written beside its
destination and renamed into place when complete (:mod:`posestudio.export.atomic`).

H.264 in yuv420p needs even sides: an odd width or height is padded by one black column/row.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from posestudio.errors import InputError

__all__ = ["VIDEO_BACKENDS", "Mp4Writer", "available_backend", "write_mp4"]

VIDEO_BACKENDS = ("pyav", "opencv")


def available_backend() -> str:
    """``"pyav"`` when PyAV imports, else ``"opencv"``."""
    try:
        import av  # noqa: F401
    except ImportError:
        return "opencv"
    return "pyav"


def _as_rgb(frame: np.ndarray) -> np.ndarray:
    """(H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA uint8 → (H', W', 3) RGB with even sides."""
    a = np.asarray(frame)
    if a.dtype != np.uint8:
        raise InputError(f"video frames must be uint8 images, got {a.dtype}")
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    elif a.ndim == 3 and a.shape[2] == 4:
        alpha = a[..., 3:4].astype(np.uint16)          # composite straight alpha over black
        a = (a[..., :3] * alpha // 255).astype(np.uint8)
    elif not (a.ndim == 3 and a.shape[2] == 3):
        raise InputError(f"video frames must be (H, W), (H, W, 3) or (H, W, 4), got {a.shape}")
    h, w = a.shape[:2]
    if h % 2 or w % 2:
        a = np.pad(a, ((0, h % 2), (0, w % 2), (0, 0)))
    return np.ascontiguousarray(a)


class Mp4Writer:
    """Incremental mp4 encoder: ``write(frame)`` per frame, then ``close()``.

    Writes straight to ``path`` (use :func:`write_mp4`, or a folder that is itself written
    atomically, for all-or-nothing output). The first frame fixes the size.

    Parameters
    ----------
    path : destination file
    fps : frames per second, > 0
    metadata : container tags (PyAV only)
    backend : "pyav" or "opencv" (default: PyAV when installed)
    crf : x264 quality 0..51 (PyAV only)
    preset : x264 speed preset (PyAV only): "ultrafast" for previews, "veryfast" default
    """

    def __init__(self, path: str | os.PathLike, fps: float,
                 metadata: Mapping[str, str] | None = None, *, backend: str | None = None,
                 crf: int = 18, preset: str = "veryfast") -> None:
        fps = float(fps)
        if not np.isfinite(fps) or fps <= 0:
            raise InputError(f"video fps must be a positive number, got {fps!r}")
        self.backend = backend or available_backend()
        if self.backend not in VIDEO_BACKENDS:
            raise InputError(f"video backend must be one of {', '.join(VIDEO_BACKENDS)}, "
                             f"got {self.backend!r}")
        self.path = Path(path)
        self.fps = fps
        self.count = 0
        self._metadata = dict(metadata or {})
        self._crf = int(crf)
        self._preset = str(preset)
        self._size: tuple[int, ...] | None = None
        self._container = self._stream = self._cv_writer = None

    def _open(self, rgb: np.ndarray) -> None:
        height, width = rgb.shape[:2]
        if self.backend == "pyav":
            import fractions

            import av

            self._container = av.open(os.fspath(self.path), mode="w", format="mp4")
            for key, value in self._metadata.items():
                self._container.metadata[str(key)] = str(value)
            rate = fractions.Fraction(self.fps).limit_denominator(1001)
            self._stream = self._container.add_stream("libx264", rate=rate)
            self._stream.width, self._stream.height = width, height
            self._stream.pix_fmt = "yuv420p"
            self._stream.options = {"crf": str(self._crf), "preset": self._preset}
        else:
            import cv2

            self._cv_writer = cv2.VideoWriter(os.fspath(self.path),
                                              cv2.VideoWriter_fourcc(*"mp4v"), self.fps,
                                              (width, height))
            if not self._cv_writer.isOpened():
                raise InputError(f"{self.path}: OpenCV cannot open an mp4 writer")

    def write(self, frame: np.ndarray) -> None:
        """Encode one uint8 frame: (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA."""
        rgb = _as_rgb(frame)
        if self._size is None:
            self._size = rgb.shape
            self._open(rgb)
        elif rgb.shape != self._size:
            raise InputError(f"video frame {self.count} is {rgb.shape[1]}x{rgb.shape[0]}, the "
                             f"first was {self._size[1]}x{self._size[0]}")
        if self._stream is not None:
            import av

            for packet in self._stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                self._container.mux(packet)
        else:
            self._cv_writer.write(np.ascontiguousarray(rgb[..., ::-1]))
        self.count += 1

    def close(self) -> None:
        """Flush the encoder and close the file (idempotent)."""
        if self._stream is not None:
            for packet in self._stream.encode():
                self._container.mux(packet)
            self._stream = None
        if self._container is not None:
            self._container.close()
            self._container = None
        if self._cv_writer is not None:
            self._cv_writer.release()
            self._cv_writer = None


def write_mp4(frames: Iterable[np.ndarray], path: str | os.PathLike, fps: float,
              metadata: Mapping[str, str] | None = None, *, backend: str | None = None,
              crf: int = 18) -> Path:
    """Encode frames into an mp4 at ``path`` (written atomically).

    Parameters
    ----------
    frames : iterable of ndarray
        uint8 images, all the same size: (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA
        (composited over black). Consumed one at a time.
    path : str or PathLike
        Destination ``.mp4``; replaced only when the whole video is written.
    fps : float
        Frame rate, > 0 (rational rates such as 30000/1001 are kept).
    metadata : mapping, optional
        Container tags (e.g. ``{"comment": ...}``); PyAV only.
    backend : {"pyav", "opencv"}, optional
        Default: PyAV when installed, else OpenCV.
    crf : int
        x264 quality, 0 (lossless) .. 51; 18 is visually lossless. PyAV only.

    Returns
    -------
    Path of the video.

    Raises
    ------
    InputError
        No frames, mismatched sizes, a bad fps, or the path cannot be written.
    """
    from posestudio.export.atomic import atomic_output_file

    writer = Mp4Writer(Path(os.devnull), fps, metadata, backend=backend, crf=crf)  # checks args
    with atomic_output_file(path, "video") as tmp:
        writer.path = tmp
        try:
            for frame in frames:
                writer.write(frame)
        finally:
            writer.close()
        if writer.count == 0:
            raise InputError(f"{path}: no frames to write")
    return Path(path)
