"""Fast PNG writing for batch exports, optionally on worker threads so encoding and writing
overlap the next render (the compressors, numpy and the CRC release the GIL).

Compression
-----------
``"fast"`` (default)
    Every row filtered with PNG's "up" filter (control maps are flat areas and smooth shading,
    which row differences turn into runs of zeros), deflated at level 1 by ISA-L (the ``isal``
    package, several times the speed of zlib): the six 1024² maps of a view encode in ~10 ms
    of CPU instead of ~55 ms with zlib level 1 + run-length matching, for files ~15 % larger
    (``bench/RESULTS_render.md``). Without ``isal``: zlib level 1 with run-length matching
    (``Z_RLE``) through OpenCV.
``"small"``
    zlib level 9 with the adaptive filters (OpenCV): about a quarter smaller than "fast" and
    ~50× slower.

Both are lossless; any PNG reader decodes the same pixels.
"""

from __future__ import annotations

import os
import struct
import zlib
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


def _isal_deflate():
    """ISA-L's zlib-format ``compress``, or None when the ``isal`` package is missing."""
    try:
        from isal import isal_zlib
    except ImportError:
        return None
    return isal_zlib.compress


_COLOR_TYPES = {1: 0, 3: 2, 4: 6}      # channels → PNG colour type (gray, RGB, RGBA)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind))))


def _encode_up_filtered(image: np.ndarray, deflate) -> bytes:
    """PNG of an 8-bit (H, W[, C]) image, every row "up"-filtered, the rows deflated by
    ``deflate(bytes, level) -> zlib stream``."""
    height, width = image.shape[:2]
    channels = 1 if image.ndim == 2 else image.shape[2]
    rows = image.reshape(height, width * channels)
    filtered = np.empty((height, width * channels + 1), dtype=np.uint8)
    filtered[:, 0] = 2                                  # filter type "up" on every row
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])   # modulo 256
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[channels], 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", deflate(filtered, 1)) + _chunk(b"IEND", b""))


def encode_png(image: np.ndarray, compression: str = "fast") -> bytes:
    """PNG bytes of a uint8 image: (H, W) gray, (H, W, 3) RGB or (H, W, 4) RGBA."""
    import cv2

    params = _params(compression)
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise InputError(f"PNG images must be uint8, got {image.dtype}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise InputError(f"PNG images must be (H, W), (H, W, 3) or (H, W, 4), "
                         f"got {image.shape}")
    if compression == "fast" and min(image.shape[:2]) > 0 and (deflate := _isal_deflate()):
        return _encode_up_filtered(np.ascontiguousarray(image), deflate)
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
