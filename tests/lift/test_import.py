"""``posestudio import`` and ``lift.importer``: a real photo, OpenPose JSON files, bad inputs."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from lift_cases import make_case
from posestudio.body import load_body_model
from posestudio.errors import Cancelled
from posestudio.keypoints import people_keypoints_2d
from posestudio.lift.importer import import_openpose_json, import_photo
from posestudio.presets import load_pose_preset
from posestudio.render.openpose_json import to_openpose_json
from posestudio.scene.file_format import load_scene


@pytest.fixture(scope="module")
def astronaut_import(astronaut_jpg):
    return import_photo(astronaut_jpg)


def _reprojected(scene):
    posed = [load_body_model(p.rig).pose_person(p) for p in scene.people]
    return people_keypoints_2d(posed, scene.camera, scene.canvas, hands=False, face=False)


def test_astronaut_lifts_onto_the_photo(astronaut_import):
    scene, keypoints = astronaut_import
    assert (scene.canvas.width, scene.canvas.height) == (512, 512)
    assert len(scene.people) == 1 and keypoints.photo is not None
    detected = keypoints.people[0].body
    again = _reprojected(scene)[0].body
    both = (detected[:, 2] > 0) & (again[:, 2] > 0)
    assert both.sum() >= 8
    x0, y0, x1, y1 = keypoints.people[0].bbox()
    size = np.hypot(x1 - x0, y1 - y0)
    error = np.linalg.norm(again[both, :2] - detected[both, :2], axis=1)
    assert error.mean() < 0.03 * size and error.max() < 0.08 * size, error / size
    assert keypoints.reprojection_px[0] < 0.03 * size


def test_astronaut_faces_the_camera_upright(astronaut_import):
    scene, _ = astronaut_import
    joints = load_body_model("mannequin").pose_person(scene.people[0]).joints
    from posestudio.skeletons import SMPLX_JOINT_INDEX as J

    assert joints[J["head"], 1] > joints[J["neck"], 1] > joints[J["pelvis"], 1]
    # Facing the camera (the camera looks down -Z from +Z): her left shoulder is at +X.
    assert joints[J["left_shoulder"], 0] > joints[J["right_shoulder"], 0]
    assert scene.camera.yaw_deg == 0.0 and scene.camera.pitch_deg == 0.0
    # Her legs and wrists are out of the photo: the lift picks the commoner posture for them
    # (standing, forearms hanging), not an arbitrary one.
    for side in ("left", "right"):
        thigh = joints[J[f"{side}_knee"]] - joints[J[f"{side}_hip"]]
        assert -thigh[1] / np.linalg.norm(thigh) > 0.9
        assert joints[J[f"{side}_wrist"], 1] < joints[J[f"{side}_elbow"], 1] - 0.1


def test_camera_uses_the_exif_focal_length(astronaut_jpg, tmp_path):
    import math

    from PIL import Image

    exif = Image.Exif()
    exif.get_ifd(0x8769)[0xA405] = 85  # a portrait lens
    path = tmp_path / "exif.jpg"
    Image.open(astronaut_jpg).save(path, exif=exif)
    scene, keypoints = import_photo(path)
    focal = 85 * math.hypot(512, 512) / math.hypot(36, 24)
    assert keypoints.focal_px == pytest.approx(focal)
    assert scene.camera.fov_y_deg == pytest.approx(math.degrees(2 * math.atan(256 / focal)))
    default, _ = import_photo(astronaut_jpg)
    assert default.camera.fov_y_deg > scene.camera.fov_y_deg + 10  # the diagonal: a wider lens
    # Further away with the longer lens, and the body still lands on the photo.
    assert scene.camera.distance > default.camera.distance * 1.3
    assert keypoints.reprojection_px[0] < 15.0


def test_import_photo_reports_progress_and_can_be_cancelled(astronaut_jpg):
    seen = []
    import_photo(astronaut_jpg, progress=lambda f, msg: seen.append((f, msg)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(b >= a for a, b in zip(fractions, fractions[1:]))
    assert any("detect" in msg for _, msg in seen)
    for after in (0, 1, 3):  # before detection, after it, inside the fit
        calls = []

        def cancelled() -> bool:
            calls.append(1)
            return len(calls) > after

        with pytest.raises(Cancelled):
            import_photo(astronaut_jpg, cancelled=cancelled)


def test_cli_imports_a_photo_and_joints_come_back_in_photo_pixels(astronaut_jpg, tmp_path, cli,
                                                                   astronaut_import):
    out = tmp_path / "astronaut.pose.json"
    result = cli("import", astronaut_jpg, "--out", out)
    assert result.code == 0, result.err
    assert "1 person" in result.out
    scene = load_scene(out)
    assert (scene.canvas.width, scene.canvas.height) == (512, 512)
    joints = cli("joints", out)
    assert joints.code == 0, joints.err
    data = json.loads(joints.out)
    nose = np.array(data["joints2d"][0])
    detected_nose = astronaut_import[1].people[0].body[0, :2]
    assert np.linalg.norm(nose - detected_nose) < 15.0


# --- OpenPose JSON ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_people_json():
    """An OpenPose JSON of two mannequins side by side, as the A1111 extension writes it."""
    from posestudio.scene.model import Camera, Canvas

    body = load_body_model("mannequin")
    canvas = Canvas(1024, 768)
    a = body.pose(pose=_zero_root(load_pose_preset("standing")[0]), transl=np.array([-0.6, 0, 0]))
    b = body.pose(pose=_zero_root(load_pose_preset("waving")[0]), transl=np.array([0.6, 0, 0]))
    camera = Camera(distance=4.5, target=(0.0, 0.0, 0.0), fov_y_deg=40.0)
    people = people_keypoints_2d([a, b], camera, canvas)
    return to_openpose_json(people, canvas), people


def _zero_root(pose):
    pose = pose.copy()
    pose[0] = 0.0
    return pose


def _normalised(data: dict) -> dict:
    out = json.loads(json.dumps(data))
    w, h = out["canvas_width"], out["canvas_height"]
    for person in out["people"]:
        for key, values in person.items():
            for i in range(0, len(values), 3):
                values[i] /= w
                values[i + 1] /= h
    return out


def test_json_multi_person_pixels(two_people_json):
    data, people = two_people_json
    scene, kp = import_openpose_json(data)
    assert len(scene.people) == 2 and (scene.canvas.width, scene.canvas.height) == (1024, 768)
    for i, again in enumerate(_reprojected(scene)):
        both = (again.body[:, 2] > 0) & (people[i].body[:, 2] > 0)
        assert np.abs(again.body[both, :2] - people[i].body[both, :2]).mean() < 6.0
    # Left person on the left, both on one floor.
    xs = [load_body_model("mannequin").pose_person(p).joints[0, 0] for p in scene.people]
    assert xs[0] < xs[1]


def test_json_normalised_coordinates_match_pixels(two_people_json):
    data, _ = two_people_json
    scene_px, kp_px = import_openpose_json(data, person=1)
    scene_n, kp_n = import_openpose_json(_normalised(data), person=1)
    assert np.allclose(kp_px.people[0].body, kp_n.people[0].body, atol=1e-6)
    assert len(scene_n.people) == 1
    assert np.allclose(scene_px.people[0].pose, scene_n.people[0].pose, atol=1e-4)


def test_json_frames_and_canvas_size_from_the_caller(two_people_json, tmp_path, cli):
    data, _ = two_people_json
    bare = {"people": data["people"][:1]}  # plain OpenPose output: no canvas size
    frames = tmp_path / "frames.json"
    frames.write_text(json.dumps([{"people": []}, bare]))
    out = tmp_path / "frame1.pose.json"
    missing = cli("import", frames, "--out", out, "--frame", "1")
    assert missing.code == 2 and "canvas_width" in missing.err and not out.exists()
    ok = cli("import", frames, "--out", out, "--frame", "1", "--size", "1024x768")
    assert ok.code == 0, ok.err
    scene = load_scene(out)
    assert len(scene.people) == 1 and (scene.canvas.width, scene.canvas.height) == (1024, 768)
    past = cli("import", frames, "--out", tmp_path / "x.pose.json", "--frame", "2")
    assert past.code == 2 and "2 frames" in past.err


def test_single_person_json_from_a_file_with_person_index(tmp_path, cli):
    case = make_case(_zero_root(load_pose_preset("kneeling")[0]), yaw=30.0)
    path = tmp_path / "dwpose.json"
    path.write_text(json.dumps([to_openpose_json([case.keypoints], case.canvas)]))
    out = tmp_path / "kneel.pose.json"
    result = cli("import", path, "--out", out, "--person", "0")
    assert result.code == 0, result.err
    assert (load_scene(out).canvas.width, load_scene(out).canvas.height) == (768, 1024)
    past = cli("import", path, "--out", tmp_path / "y.pose.json", "--person", "1")
    assert past.code == 2 and "--person 1" in past.err and "1 person" in past.err


def test_scene_file_is_copied(tmp_path, cli):
    from posestudio.scene.file_format import save_scene
    from posestudio.scene.model import Person, Scene

    source = tmp_path / "in.pose.json"
    save_scene(Scene(people=[Person(), Person(name="B")]), source)
    out = tmp_path / "out.pose.json"
    result = cli("import", source, "--out", out, "--person", "1", "--size", "640x480")
    assert result.code == 0, result.err
    scene = load_scene(out)
    assert [p.name for p in scene.people] == ["B"] and scene.canvas.width == 640


# --- bad input: one clear line, nothing written, an existing --out untouched -------------------

def _png_header_only(path, width: int, height: int) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def _bad_input(kind: str, folder, astronaut_jpg):
    from PIL import Image

    rng = np.random.default_rng(0)
    if kind == "blank":
        path = folder / "blank.png"
        Image.fromarray(np.full((300, 300, 3), 180, np.uint8)).save(path)
        return path, "no person found"
    if kind == "noise":
        path = folder / "noise.png"
        Image.fromarray(rng.integers(0, 256, (300, 300, 3), dtype=np.uint8)).save(path)
        return path, "no person found"
    if kind == "not_an_image":
        path = folder / "photo.jpg"
        path.write_text("hello, I am text")
        return path, "not an image"
    if kind == "truncated":
        path = folder / "cut.jpg"
        path.write_bytes(astronaut_jpg.read_bytes()[:5000])
        return path, "corrupt or truncated"
    if kind == "huge":
        path = folder / "huge.png"
        _png_header_only(path, 30000, 30000)
        return path, "too large"
    if kind == "json_no_people":
        path = folder / "empty.json"
        path.write_text(json.dumps({"people": [], "canvas_width": 512, "canvas_height": 512}))
        return path, "no people"
    if kind == "json_wrong":
        path = folder / "other.json"
        path.write_text(json.dumps({"hello": [1, 2, 3]}))
        return path, "not an OpenPose JSON"
    if kind == "json_corrupt":
        path = folder / "broken.json"
        path.write_text('{"people": [')
        return path, "not valid JSON"
    if kind == "json_bad_field":
        path = folder / "field.json"
        path.write_text(json.dumps({"people": [{"pose_keypoints_2d": [1, 2]}],
                                    "canvas_width": 64, "canvas_height": 64}))
        return path, "pose_keypoints_2d"
    if kind == "missing":
        return folder / "nothing_here.jpg", "no such file"
    raise AssertionError(kind)


BAD = ["blank", "noise", "not_an_image", "truncated", "huge", "json_no_people", "json_wrong",
       "json_corrupt", "json_bad_field", "missing"]


@pytest.mark.parametrize("kind", BAD)
def test_bad_input_fails_cleanly_and_writes_nothing(kind, tmp_path, astronaut_jpg, cli):
    source, words = _bad_input(kind, tmp_path, astronaut_jpg)
    before = set(tmp_path.rglob("*"))
    out = tmp_path / "new.pose.json"
    result = cli("import", source, "--out", out)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    assert words in lines[0], lines[0]
    assert not out.exists()
    assert set(tmp_path.rglob("*")) == before  # no temp files left either


@pytest.mark.parametrize("kind", ["noise", "truncated", "json_no_people"])
def test_bad_input_leaves_an_existing_scene_untouched(kind, tmp_path, astronaut_jpg, cli):
    source, _ = _bad_input(kind, tmp_path, astronaut_jpg)
    out = tmp_path / "keep.pose.json"
    out.write_text('{"format": "posestudio-scene", "version": 1}')
    os.utime(out, (1_000_000_000, 1_000_000_000))
    content = out.read_bytes()
    result = cli("import", source, "--out", out)
    assert result.code == 2
    assert out.read_bytes() == content and out.stat().st_mtime == 1_000_000_000


@pytest.mark.parametrize("argv, words", [
    (["--person", "-1"], "--person"), (["--frame", "x"], "--frame"),
    (["--focal-px", "0"], "--focal-px"), (["--detector", "yolo"], "--detector"),
    (["--size", "10x10"], "--size"), (["--max-people", "0"], "--max-people"),
])
def test_bad_options_fail_before_any_work(argv, words, tmp_path, astronaut_jpg, cli):
    out = tmp_path / "o.pose.json"
    result = cli("import", astronaut_jpg, "--out", out, *argv)
    assert result.code == 2 and words in result.err and not out.exists()


def test_person_past_the_last_detected_is_an_error(astronaut_jpg, tmp_path, cli):
    out = tmp_path / "o.pose.json"
    result = cli("import", astronaut_jpg, "--out", out, "--person", "1")
    assert result.code == 2 and "--person 1" in result.err and not out.exists()


def test_subprocess_stderr_is_one_line_despite_mediapipe_logs(tmp_path):
    """MediaPipe's C++ logs go straight to file descriptor 2; the CLI keeps them off it."""
    import subprocess
    import sys

    from PIL import Image

    photo = tmp_path / "blank.png"
    Image.fromarray(np.full((200, 200, 3), 200, np.uint8)).save(photo)
    out = tmp_path / "x.pose.json"
    proc = subprocess.run([sys.executable, "-m", "posestudio", "import", str(photo), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"posestudio import: error: no person found in {photo}"]
    assert not out.exists()


def _composite(astronaut_jpg, folder, kind: str):
    """Two real people side by side (1024x512 PNG): the photo twice, or the right copy shrunk
    to 320 px standing at the bottom of its half."""
    from PIL import Image

    photo = np.asarray(Image.open(astronaut_jpg).convert("RGB"))
    right = photo
    if kind == "smaller":
        right = np.zeros_like(photo)
        right[512 - 320:, 96:416] = np.asarray(Image.fromarray(photo).resize((320, 320)))
    path = folder / f"two_{kind}.png"
    Image.fromarray(np.concatenate([photo, right], axis=1)).save(path)
    return path


@pytest.fixture(scope="module", params=["same", "smaller"])
def two_astronauts_import(request, astronaut_jpg, tmp_path_factory):
    return request.param, import_photo(_composite(astronaut_jpg, tmp_path_factory.mktemp("two"),
                                                  request.param))


def test_two_people_in_one_photo_stand_side_by_side(two_astronauts_import):
    from posestudio.skeletons import SMPLX_JOINT_INDEX as J

    kind, (scene, keypoints) = two_astronauts_import
    assert len(scene.people) == 2 and len(keypoints.people) == 2
    # Each person's 2D keypoints lie in their own half of the photo.
    halves = []
    for person in keypoints.people:
        x = person.body[person.body[:, 2] > 0, 0]
        assert np.all(x < 512) or np.all(x >= 512)
        halves.append(int(x[0] >= 512))
    assert sorted(halves) == [0, 1]
    body = load_body_model("mannequin")
    joints = [body.pose_person(p).joints for p in scene.people]
    for j in joints:
        assert j[J["head"], 1] > j[J["neck"], 1] > j[J["pelvis"], 1]         # upright
        assert j[J["left_shoulder"], 0] > j[J["right_shoulder"], 0]          # facing the camera
    # The one on the photo's left stands on the world's left (the camera looks down -Z, x right).
    left, right = (joints[halves.index(0)], joints[halves.index(1)])
    gap = right[J["pelvis"], 0] - left[J["pelvis"], 0]
    assert gap > 0.5, gap
    if kind == "same":
        # The same photo twice: side by side, at about the same distance (the two detections
        # differ by a few pixels, which a lift turns into some depth) and height.
        distance = scene.camera.distance
        assert abs(right[J["pelvis"], 2] - left[J["pelvis"], 2]) < 0.2 * distance
        assert abs(right[J["head"], 1] - left[J["head"], 1]) < 0.2
    again = _reprojected(scene)
    for person, reprojected in zip(keypoints.people, again):
        both = (person.body[:, 2] > 0) & (reprojected.body[:, 2] > 0)
        x0, y0, x1, y1 = person.bbox()
        error = np.linalg.norm(reprojected.body[both, :2] - person.body[both, :2], axis=1)
        assert error.mean() < 0.04 * np.hypot(x1 - x0, y1 - y0)
