"""The mp4 and PNG writers the exports share."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.errors import InputError
from posestudio.export.png import PngWriter, encode_png
from posestudio.export.video import write_mp4


def _frames(n, h=63, w=81):
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
    return [np.roll(base, 3 * i, axis=1) for i in range(n)]


@pytest.mark.parametrize("backend", ["pyav", "opencv"])
def test_mp4_has_every_frame_at_the_rate(tmp_path, backend):
    import cv2

    path = write_mp4(iter(_frames(12)), tmp_path / "clip.mp4", 24,
                     metadata={"comment": "test"}, backend=backend)
    capture = cv2.VideoCapture(str(path))
    assert capture.get(cv2.CAP_PROP_FRAME_COUNT) == 12
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(24)
    ok, first = capture.read()
    assert ok and first.shape == (64, 82, 3)          # odd sides padded for yuv420p
    capture.release()
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_mp4_gray_and_rgba_frames_and_rational_rate(tmp_path):
    import av

    gray = [np.full((32, 48), 200, np.uint8)] * 3
    write_mp4(gray, tmp_path / "g.mp4", 30000 / 1001)
    with av.open(str(tmp_path / "g.mp4")) as video:
        stream = video.streams.video[0]
        assert stream.average_rate.numerator == 30000 and stream.average_rate.denominator == 1001
        frame = next(video.decode(stream)).to_ndarray(format="rgb24")
    assert abs(int(frame.mean()) - 200) <= 3


def test_mp4_errors_leave_no_file(tmp_path):
    with pytest.raises(InputError, match="no frames"):
        write_mp4([], tmp_path / "empty.mp4", 16)
    with pytest.raises(InputError, match="first was"):
        write_mp4([np.zeros((32, 32, 3), np.uint8), np.zeros((16, 32, 3), np.uint8)],
                  tmp_path / "sizes.mp4", 16)
    with pytest.raises(InputError, match="fps"):
        write_mp4(_frames(2), tmp_path / "rate.mp4", 0)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("compression", ["fast", "small"])
def test_png_round_trip_is_lossless(compression):
    import cv2

    rng = np.random.default_rng(1)
    for image in (rng.integers(0, 255, (40, 30, 3), dtype=np.uint8),
                  rng.integers(0, 255, (40, 30), dtype=np.uint8),
                  rng.integers(0, 255, (40, 30, 4), dtype=np.uint8)):
        data = encode_png(image, compression)
        back = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if image.ndim == 3:
            back = cv2.cvtColor(back, cv2.COLOR_BGRA2RGBA if image.shape[2] == 4
                                else cv2.COLOR_BGR2RGB)
        np.testing.assert_array_equal(back, image)


def test_png_writer_threads_write_everything_and_report_errors(tmp_path):
    images = _frames(20, 64, 64)
    with PngWriter(workers=2, max_pending=3) as png:
        for i, image in enumerate(images):
            png.save(tmp_path / f"{i}.png", image)
    assert len(list(tmp_path.glob("*.png"))) == 20
    with pytest.raises(InputError, match="uint8"):
        with PngWriter(workers=2) as png:
            png.save(tmp_path / "bad.png", np.zeros((4, 4), np.float32))
    with pytest.raises(InputError, match="fast or small"):
        PngWriter(compression="tiny")


def test_fast_png_without_isal_falls_back_to_opencv(monkeypatch):
    import cv2

    from posestudio.export import png

    image = np.random.default_rng(2).integers(0, 255, (24, 20, 3), dtype=np.uint8)
    with_isal = png.encode_png(image)
    monkeypatch.setattr(png, "_isal_deflate", lambda: None)
    without = png.encode_png(image)
    assert with_isal != without                     # two different encoders ...
    for data in (with_isal, without):               # ... the same pixels
        back = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(back[..., ::-1], image)
    with pytest.raises(InputError, match="PNG images must be"):
        png.encode_png(np.zeros((4, 4, 2), np.uint8))
