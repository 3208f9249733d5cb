"""Reading a photo for detection: pixels, orientation and the focal length its EXIF gives.

Everything a user can hand us (a text file, a truncated JPEG, a 30 000-pixel panorama) fails here
with one :class:`~posestudio.errors.ImportFormatError` / :class:`~posestudio.errors.InputError`
that names the file, before any model is loaded. Only Pillow and numpy are imported.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posestudio.errors import ImportFormatError, InputError

# The largest photo we accept: the scene canvas (which defaults to the photo's size) is limited to
# 8192 pixels a side, and a larger picture would only cost memory for a detector that works at
# a few hundred pixels anyway.
MAX_PHOTO_SIDE = 8192
MAX_PHOTO_PIXELS = 8192 * 8192

# Diagonal of a 36 x 24 mm full-frame sensor: "35 mm equivalent" focal lengths refer to it.
_FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


@dataclass(frozen=True)
class Photo:
    """A decoded photo.

    Attributes
    ----------
    pixels : (H, W, 3) uint8
        RGB, upright (EXIF orientation already applied), row 0 at the top.
    path : str
        Where it came from ("" for an array).
    focal_px : float | None
        Focal length in pixels of this (upright) image derived from EXIF
        ``FocalLengthIn35mmFilm``; ``None`` when the file does not say.
    """

    pixels: np.ndarray
    path: str = ""
    focal_px: float | None = None

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def focal_px_from_35mm(focal_35mm: float, width: int, height: int) -> float:
    """Focal length in pixels from a 35 mm-equivalent focal length (matched on the diagonal)."""
    return float(focal_35mm) * math.hypot(width, height) / _FULL_FRAME_DIAGONAL_MM


def default_focal_px(width: int, height: int) -> float:
    """A sensible focal length when nothing is known: the image diagonal (≈ 53° diagonal field of
    view, a 43 mm lens on full frame), between a phone's wide lens and a portrait lens."""
    return float(math.hypot(width, height))


def _exif_focal_35mm(image) -> float | None:
    try:
        exif = image.getexif()
        value = exif.get_ifd(0x8769).get(0xA405)  # Exif IFD → FocalLengthIn35mmFilm
    except Exception:  # a broken EXIF block must not make the photo unusable
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if 5.0 <= value <= 2000.0 else None


def photo_from_array(pixels: np.ndarray) -> Photo:
    """Wrap an image array (H, W) gray or (H, W, 3|4) RGB(A), uint8 or float in 0..1."""
    array = np.asarray(pixels)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise InputError(f"image must be (H, W), (H, W, 3) or (H, W, 4), got shape {array.shape}")
    array = array[:, :, :3]
    if array.dtype != np.uint8:
        if np.issubdtype(array.dtype, np.floating) and array.size and float(np.nanmax(array)) <= 1.0:
            array = array * 255.0
        array = np.clip(np.nan_to_num(array), 0, 255).astype(np.uint8)
    _check_size(array.shape[1], array.shape[0], "image")
    if min(array.shape[:2]) < 16:
        raise InputError(f"image is too small to hold a person ({array.shape[1]}x{array.shape[0]})")
    return Photo(np.ascontiguousarray(array))


def _check_size(width: int, height: int, name: str) -> None:
    if width > MAX_PHOTO_SIDE or height > MAX_PHOTO_SIDE or width * height > MAX_PHOTO_PIXELS:
        raise InputError(
            f"{name} is too large ({width}x{height} pixels); the limit is {MAX_PHOTO_SIDE} pixels "
            f"a side: scale it down first"
        )


def load_photo(path: str | os.PathLike) -> Photo:
    """Read a photo file into an upright RGB array.

    Raises
    ------
    ImportFormatError
        The file is missing, not an image, or corrupt (truncated, bad data).
    InputError
        The image is larger than ``MAX_PHOTO_SIDE`` on a side, or tiny.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise ImportFormatError(f"{path}: no such file")
    try:
        with warnings.catch_warnings():
            # Our own size limit below replaces Pillow's decompression-bomb warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                _check_size(image.width, image.height, str(path))
                focal_35 = _exif_focal_35mm(image)
                image = ImageOps.exif_transpose(image)
                image = image.convert("RGB")
                pixels = np.asarray(image, dtype=np.uint8).copy()
    except InputError:  # our size check (an InputError is a ValueError too: not "corrupt")
        raise
    except UnidentifiedImageError:
        raise ImportFormatError(f"{path}: not an image file Pillow can read") from None
    except Image.DecompressionBombError:
        raise InputError(f"{path}: image is too large; the limit is {MAX_PHOTO_SIDE} pixels a side") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImportFormatError(f"{path}: corrupt or truncated image ({exc})") from None
    if min(pixels.shape[:2]) < 16:
        raise InputError(f"{path}: image is too small to hold a person ({pixels.shape[1]}x{pixels.shape[0]})")
    height, width = pixels.shape[:2]
    focal = focal_px_from_35mm(focal_35, width, height) if focal_35 else None
    return Photo(pixels, str(path), focal)
