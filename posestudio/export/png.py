"""Fast PNG writing for batch exports: OpenCV's encoder with settings chosen for control maps,
optionally on worker threads so encoding and writing overlap the next render (zlib and OpenCV
release the GIL).

Compression
-----------
``"fast"`` (default)
    zlib level 1, every row filtered with PNG's "up" filter, run-length matching
    (``Z_RLE``). Control maps are flat areas and smooth shading, which row differences turn into
    runs: on the six 1024² maps of a view this encodes 2.5× faster than zlib level 1 with the
    adaptive filters (7 ms instead of 20 ms a map) and the files are 20 % smaller
    (``bench/RESULTS_sequence.md``).
``"small"``
    zlib level 9 with the adaptive filters: about 13 % smaller than "fast", ~20× slower.

Both are lossless.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from posestudio.errors import InputError

__all__ = ["PNG_COMPRESSIONS", "PngWriter", "encode_png", "save_png"]

PNG_COMPRESSIONS = ("fast", "small")


def _params(compression: str) -> list[int]:
    import cv2

    if compression == "fast":
        return [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP,
                cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
    if compression == "small":
        return [cv2.IMWRITE_PNG_COMPRESSION, 9]
    raise InputError(f"PNG compression must be {' or '.join(PNG_COMPRESSIONS)}, "
                     f"got {compression!r}")


def encode_png(image: np.ndarray, compression: str = "fast") -> bytes:
    """PNG bytes of a uint8 image: (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA."""
    import cv2

    params = _params(compression)
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise InputError(f"PNG images must be uint8, got {image.dtype}")
    if image.ndim == 3:
        code = cv2.COLOR_RGBA2BGRA if image.shape[2] == 4 else cv2.COLOR_RGB2BGR
        image = cv2.cvtColor(np.ascontiguousarray(image), code)
    ok, data = cv2.imencode(".png", np.ascontiguousarray(image), params)
    if not ok:
        raise InputError("PNG encoding failed")
    return data.tobytes()


def save_png(path: str | os.PathLike, image: np.ndarray, compression: str = "fast") -> None:
    """Encode and write one PNG (not atomic: write into a staging folder)."""
    Path(path).write_bytes(encode_png(image, compression))


class PngWriter:
    """Write PNGs on worker threads, with a bound on the images waiting (bounded memory).

    Parameters
    ----------
    workers : threads (0 = write synchronously in the caller's thread)
    compression : "fast" or "small" (module notes)
    max_pending : images queued before :meth:`save` waits for the oldest

    Use as a context manager: leaving the block waits for every write (and re-raises the first
    error); leaving it by an exception drops the writes not started.
    """

    def __init__(self, workers: int = 2, compression: str = "fast", max_pending: int = 16) -> None:
        _params(compression)                       # checks the name
        self.compression = compression
        self.max_pending = max(1, int(max_pending))
        self._pool = (ThreadPoolExecutor(max_workers=int(workers), thread_name_prefix="png")
                      if workers > 0 else None)
        self._pending: deque[Future] = deque()

    def save(self, path: str | os.PathLike, image: np.ndarray) -> None:
        """Queue one PNG (the image must not be modified afterwards)."""
        if self._pool is None:
            save_png(path, image, self.compression)
            return
        self._pending.append(self._pool.submit(save_png, path, image, self.compression))
        while len(self._pending) > self.max_pending:
            self._pending.popleft().result()

    def wait(self) -> None:
        """Wait for every queued write; re-raise the first error."""
        while self._pending:
            self._pending.popleft().result()

    def close(self, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)

    def __enter__(self) -> "PngWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.wait()
        finally:
            self.close(cancel=exc_type is not None)
