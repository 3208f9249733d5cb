"""Hostile photos for ``posestudio import``: absurd headers, decompression bombs, broken EXIF,
truncations and Hypothesis mutations of every format Pillow reads, each batch in a subprocess."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

from hostile import assert_all_clean, dev_zero, run_cases, run_fuzz


def _encode(fmt: str, size=(48, 64), mode="RGB", **kwargs) -> bytes:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    image = Image.fromarray(pixels).convert(mode)
    buf = io.BytesIO()
    image.save(buf, fmt, **kwargs)
    return buf.getvalue()


def _jpeg_with_exif(orientation=6, focal=(35, 1)) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0xA405] = focal
    return _encode("JPEG", exif=exif.tobytes())


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, bit_depth=8, color=2, rows: bytes | None = None) -> bytes:
    """A PNG whose IHDR says ``width`` x ``height``; IDAT holds ``rows`` (default: one row)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color, 0, 0, 0)
    rows = rows if rows is not None else b"\0" * (1 + 3 * min(width, 64))
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(rows))
            + _chunk(b"IEND", b""))


def _png_bomb(side: int) -> bytes:
    """A real ``side`` x ``side`` 1-bit PNG of zeros: a few KB that decode to side² pixels."""
    row = b"\0" * (1 + (side + 7) // 8)
    comp = zlib.compressobj(9)
    data = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", data)
            + _chunk(b"IEND", b""))


def _patch_jpeg_size(data: bytes, width: int, height: int) -> bytes:
    at = data.index(b"\xff\xc0") + 5  # SOF0: length(2) precision(1) height(2) width(2)
    return data[:at] + struct.pack(">HH", height, width) + data[at + 4:]


def _patch_gif_screen(data: bytes, width: int, height: int) -> bytes:
    return data[:6] + struct.pack("<HH", width, height) + data[10:]


def _patch_bmp(data: bytes, width: int, height: int) -> bytes:
    return data[:18] + struct.pack("<ii", width, height) + data[26:]


def test_crafted_images(tmp_path):
    jpeg, gif, bmp = _encode("JPEG"), _encode("GIF"), _encode("BMP")
    cases = {
        "valid_png": _encode("PNG"), "valid_jpeg_exif": _jpeg_with_exif(),
        "png_ihdr_100k_square": _png(100_000, 100_000),
        "png_ihdr_2g_wide": _png(2**31 - 1, 1),
        "png_ihdr_zero": _png(0, 0),
        "png_bomb_8192_1bit": _png_bomb(8192),
        "png_bomb_30000_1bit": _png_bomb(30_000),
        "png_idat_short": _png(4000, 4000),
        "jpeg_sof_65500": _patch_jpeg_size(jpeg, 65500, 65500),
        "jpeg_sof_zero": _patch_jpeg_size(jpeg, 0, 0),
        "jpeg_sof_9000x100": _patch_jpeg_size(jpeg, 9000, 100),
        "gif_screen_65535": _patch_gif_screen(gif, 65535, 65535),
        "bmp_huge": _patch_bmp(bmp, 1_000_000, 1_000_000),
        "bmp_negative": _patch_bmp(bmp, -48, -64),
        "bmp_int_min": _patch_bmp(bmp, -2**31, -2**31),
        "exif_orientation_999": _jpeg_with_exif(orientation=999),
        "exif_focal_div_zero": _jpeg_with_exif(focal=(1, 0)),
        "exif_focal_huge": _jpeg_with_exif(focal=(2**32 - 1, 1)),
        "truncated_png": _encode("PNG")[:200],
        "truncated_jpeg": jpeg[: len(jpeg) // 2],
        "tiny_image": _encode("PNG", size=(4, 4)),
        "empty": b"", "text": b"not an image at all\n",
        "tiff_big_endian": _encode("TIFF", compression="tiff_lzw"),
        "webp": _encode("WEBP"),
        "ico": _encode("ICO"),
        "dev_zero": dev_zero,
    }
    results = run_cases("image", cases, tmp_path, suffix=".img")
    assert_all_clean(results)
    assert results["valid_png"]["outcome"] == "ok"
    assert results["valid_jpeg_exif"]["outcome"] == "ok"
    for name in ("png_ihdr_100k_square", "png_bomb_30000_1bit", "jpeg_sof_65500",
                 "bmp_huge", "png_ihdr_2g_wide"):
        assert results[name]["outcome"] == "error" and "too large" in results[name]["message"], \
            (name, results[name])
    slowest = max(results.values(), key=lambda r: r["seconds"])
    assert slowest["seconds"] < 10, slowest


def test_mutated_images(tmp_path):
    seeds = {"a.png": _encode("PNG"), "b.jpg": _jpeg_with_exif(), "c.gif": _encode("GIF"),
             "d.bmp": _encode("BMP"), "e.webp": _encode("WEBP"), "f.tif": _encode("TIFF"),
             "g.png": _encode("PNG", mode="P")}
    summary = run_fuzz("image", seeds, tmp_path, examples=500, seed=5)
    counts = summary["summary"]
    assert counts.get("ok", 0) > 0 and counts.get("error", 0) > 0
    assert summary["peak_rss_mb"] < 1500, summary
