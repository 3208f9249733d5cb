"""Detection on a real photo (scikit-image's astronaut) and the detectors' failure modes."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.detect import DetectedPerson, detect, load_photo
from posestudio.detect.openpose_aux import (
    BODY_WEIGHTS, DWPOSE_DET_WEIGHTS, DWPOSE_POSE_WEIGHTS, check_dwpose_folder, check_openpose_folder,
)
from posestudio.errors import DetectionError, ImportFormatError, InputError
from posestudio.skeletons import COCO18_NAMES

C = {name: i for i, name in enumerate(COCO18_NAMES)}


@pytest.fixture(scope="module")
def detection(astronaut_jpg):
    return detect(astronaut_jpg)


def test_astronaut_is_one_person(detection):
    assert detection.photo.width == 512 and detection.photo.height == 512
    assert len(detection.people) == 1


def test_astronaut_keypoints_are_plausible(detection):
    person = detection.people[0]
    body = person.body
    assert body.shape == (18, 3)
    assert np.all((body[:, 2] >= 0) & (body[:, 2] <= 1))
    for name in ("nose", "neck", "right_shoulder", "left_shoulder", "right_eye", "left_eye"):
        assert body[C[name], 2] > 0.5, name
    # The subject's right shoulder is on the image's left (she faces the camera).
    assert body[C["right_shoulder"], 0] < body[C["neck"], 0] < body[C["left_shoulder"], 0]
    shoulders_y = body[[C["right_shoulder"], C["left_shoulder"]], 1].mean()
    for name in ("nose", "right_eye", "left_eye", "right_ear", "left_ear"):
        if body[C[name], 2] > 0:
            assert body[C[name], 1] < shoulders_y - 50, name  # head well above the shoulders
    # The hips are below the frame, so absent in 2D (0, 0, 0); the detector's 3D still has them
    # below the shoulders (y up).
    for name in ("right_hip", "left_hip"):
        assert body[C[name], 2] == 0 or body[C[name], 1] > shoulders_y
    p3 = person.points3d
    assert p3 is not None
    assert p3[[C["right_hip"], C["left_hip"]], 1].mean() < p3[[C["right_shoulder"], C["left_shoulder"]], 1].mean() - 0.2
    # Keypoints inside the photo; absent ones exactly 0.
    present = body[:, 2] > 0
    assert np.all((body[present, :2] >= 0) & (body[present, :2] < 512))
    assert np.all(body[~present] == 0)


def test_astronaut_face_points_lie_on_the_face(detection):
    person = detection.people[0]
    assert person.face is not None and person.face.shape == (70, 3)
    face = person.face[person.face[:, 2] > 0]
    assert len(face) >= 60 and np.all((face[:, 2] > 0) & (face[:, 2] <= 1))
    nose = person.body[C["nose"], :2]
    # All within a head's size (about 120 px here) of the nose.
    assert np.linalg.norm(face[:, :2] - nose, axis=1).max() < 120
    x0, y0, x1, y1 = person.bbox()
    assert x1 - x0 > 150 and y1 - y0 > 250


@pytest.mark.parametrize("kind", ["blank", "noise"])
def test_no_person_is_a_detection_error(kind):
    rng = np.random.default_rng(0)
    pixels = (np.full((256, 256, 3), 200, np.uint8) if kind == "blank"
              else rng.integers(0, 256, (256, 256, 3), dtype=np.uint8))
    with pytest.raises(DetectionError, match="no person found"):
        detect(pixels)


def test_non_image_and_corrupt_files(tmp_path, astronaut_jpg):
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    with pytest.raises(ImportFormatError, match="not an image"):
        load_photo(text)
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(astronaut_jpg.read_bytes()[:4000])
    with pytest.raises(ImportFormatError, match="corrupt or truncated"):
        load_photo(truncated)
    with pytest.raises(ImportFormatError, match="no such file"):
        load_photo(tmp_path / "missing.png")


def _png_header_only(path, width: int, height: int) -> None:
    """A PNG whose header claims ``width`` x ``height`` and whose data is missing."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)  # a few bytes of the first row; the rest is missing
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
                     + chunk(b"IEND", b""))


@pytest.mark.parametrize("size", [(30000, 30000), (9000, 100)])
def test_huge_image_is_refused_from_its_header(tmp_path, size):
    path = tmp_path / "huge.png"
    _png_header_only(path, *size)
    assert path.stat().st_size < 200  # nothing to decode: refused on the header alone
    with pytest.raises(InputError, match="too large"):
        load_photo(path)


def test_openpose_weights_folder_errors_name_the_files(tmp_path):
    with pytest.raises(DetectionError, match="does not exist"):
        check_openpose_folder(tmp_path / "nowhere")
    with pytest.raises(DetectionError, match=BODY_WEIGHTS) as info:
        check_openpose_folder(tmp_path)
    assert str(tmp_path) in str(info.value)
    with pytest.raises(DetectionError, match="needs a weights folder"):
        detect(np.zeros((64, 64, 3), np.uint8), "openpose")
    with pytest.raises(DetectionError, match=BODY_WEIGHTS):
        detect(np.zeros((64, 64, 3), np.uint8), "openpose", weights=tmp_path)


def test_openpose_corrupt_weights_give_a_detection_error(tmp_path):
    (tmp_path / BODY_WEIGHTS).write_bytes(b"this is not a torch checkpoint")
    with pytest.raises(DetectionError, match="cannot load OpenPose weights"):
        detect(np.zeros((64, 64, 3), np.uint8), "openpose", weights=tmp_path)


def test_dwpose_weights_folder_errors_name_the_files(tmp_path):
    with pytest.raises(DetectionError, match="does not exist"):
        check_dwpose_folder(tmp_path / "nowhere")
    with pytest.raises(DetectionError) as info:
        check_dwpose_folder(tmp_path)
    assert DWPOSE_DET_WEIGHTS in str(info.value) and DWPOSE_POSE_WEIGHTS in str(info.value)
    (tmp_path / DWPOSE_DET_WEIGHTS).write_bytes(b"x")
    with pytest.raises(DetectionError) as info:
        detect(np.zeros((64, 64, 3), np.uint8), "dwpose", weights=tmp_path)
    assert f"missing in {tmp_path}: {DWPOSE_POSE_WEIGHTS} not found" in str(info.value)


def test_unknown_detector_and_bad_arguments():
    with pytest.raises(InputError, match="unknown detector"):
        detect(np.zeros((64, 64, 3), np.uint8), "yolo")
    with pytest.raises(InputError, match="too small"):
        detect(np.zeros((8, 8, 3), np.uint8))


def _small_copy(pixels: np.ndarray, side: int) -> np.ndarray:
    """The photo shrunk to ``side`` pixels, standing at the bottom centre of a black square."""
    from PIL import Image

    h, w = pixels.shape[:2]
    small = np.asarray(Image.fromarray(pixels).resize((side, side), Image.Resampling.LANCZOS))
    out = np.zeros_like(pixels)
    out[h - side:, (w - side) // 2:(w - side) // 2 + side] = small
    return out


def two_astronauts(pixels: np.ndarray, kind: str) -> np.ndarray:
    """Two real people side by side (1024x512): the photo twice, mirrored, or one copy smaller."""
    right = {"same": pixels, "mirrored": pixels[:, ::-1], "smaller": _small_copy(pixels, 320),
             "much_smaller": _small_copy(pixels, 256)}[kind]
    return np.ascontiguousarray(np.concatenate([pixels, right], axis=1))


@pytest.fixture(scope="module")
def astronaut_pixels(astronaut_jpg):
    from PIL import Image

    return np.asarray(Image.open(astronaut_jpg).convert("RGB"))


def _present_points(person) -> np.ndarray:
    parts = [a[a[:, 2] > 0, :2] for a in (person.body, person.hand_left, person.hand_right, person.face)
             if a is not None]
    return np.concatenate(parts)


@pytest.mark.parametrize("kind", ["same", "mirrored", "smaller", "much_smaller"])
def test_two_people_side_by_side_are_found_each_in_its_half(astronaut_pixels, kind):
    found = detect(two_astronauts(astronaut_pixels, kind), max_people=4)
    assert len(found.people) == 2
    left, right = sorted(found.people, key=lambda p: p.bbox()[0])
    # Every keypoint (body, hands, face) of each person lies in that person's own half.
    assert np.all(_present_points(left)[:, 0] < 512)
    assert np.all(_present_points(right)[:, 0] >= 512)
    for person in (left, right):
        body = person.body
        for name in ("nose", "neck", "right_shoulder", "left_shoulder"):
            assert body[C[name], 2] > 0.5, name
        # Upright, facing the camera: head above the shoulders, her right shoulder image-left.
        assert body[C["nose"], 1] < body[C["neck"], 1]
        assert body[C["right_shoulder"], 0] < body[C["left_shoulder"], 0]
        # Hips, where reported, below the shoulders (not invented inside the torso).
        for name in ("right_hip", "left_hip"):
            assert body[C[name], 2] == 0 or body[C[name], 1] > body[C["neck"], 1] + 100
    # The head lands where it does in the photo alone (shoulders and arms of this bulky suit
    # are ambiguous to BlazePose: where it puts them moves by tens of pixels with the crop).
    if kind == "same":
        alone = detect(astronaut_pixels).people[0].body
        head = [C[n] for n in ("nose", "right_eye", "left_eye", "right_ear", "left_ear")]
        for person, dx in ((left, 0), (right, 512)):
            shift = np.linalg.norm(person.body[head, :2] - (alone[head, :2] + [dx, 0]), axis=1)
            assert shift.max() < 15, shift
    assert len(detect(two_astronauts(astronaut_pixels, kind), max_people=1).people) == 1


def _one_person_views(pixels: np.ndarray) -> dict[str, np.ndarray]:
    from skimage import data

    big = np.full((1024, 1024, 3), 200, np.uint8)
    big[300:812, 200:712] = pixels
    far = np.full((768, 1024, 3), 90, np.uint8)
    far[500:700, 600:800] = _small_copy(pixels, 200)[-200:, 156:356]
    return {
        "photo": pixels,
        "mirrored": np.ascontiguousarray(pixels[:, ::-1]),
        "on_a_large_canvas": big,
        "small_and_far": far,
        "beside_a_grey_wall": np.concatenate([pixels, np.full_like(pixels, 128)], axis=1),
        "cameraman": np.repeat(data.camera()[..., None], 3, axis=2),
    }


@pytest.mark.parametrize("view", ["photo", "mirrored", "on_a_large_canvas", "small_and_far",
                                  "beside_a_grey_wall", "cameraman"])
def test_one_person_never_becomes_two(astronaut_pixels, view):
    found = detect(_one_person_views(astronaut_pixels)[view], max_people=4)
    assert len(found.people) == 1


def test_implausible_figures_are_rejected(astronaut_pixels):
    from posestudio.detect.mediapipe_pose import is_plausible

    person = detect(astronaut_pixels).people[0]
    assert is_plausible(person)
    upside_down = DetectedPerson(body=person.body * [1, -1, 1] + [0, 512, 0])
    assert not is_plausible(upside_down)                       # head below the shoulders
    few = person.body.copy()
    few[[C["right_shoulder"]]] = 0.0                           # a shoulder missing
    assert not is_plausible(DetectedPerson(body=few))
    faceless = person.body.copy()
    faceless[[C[n] for n in ("nose", "right_eye", "left_eye", "right_ear", "left_ear")]] = 0.0
    assert not is_plausible(DetectedPerson(body=faceless))


def test_exif_focal_length_is_read(tmp_path, astronaut_jpg):
    from PIL import Image

    image = Image.open(astronaut_jpg)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0xA405] = 50  # FocalLengthIn35mmFilm: 50 mm
    path = tmp_path / "exif.jpg"
    image.save(path, exif=exif)
    photo = load_photo(path)
    # 50 mm on the 43.27 mm full-frame diagonal, scaled to the 724 px diagonal.
    assert photo.focal_px == pytest.approx(50 * np.hypot(512, 512) / np.hypot(36, 24), rel=1e-6)
    assert load_photo(astronaut_jpg).focal_px is None
