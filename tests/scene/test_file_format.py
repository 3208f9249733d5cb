"""Scene file format: exact round trips, strict validation naming the field, atomic saves."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posestudio.anim import INTERPOLATIONS, Animation, CameraKey, PoseKey
from posestudio.errors import SceneFormatError
from posestudio.scene import Camera, Canvas, Person, RenderSettings, Scene
from posestudio.scene import file_format as ff
from posestudio.skeletons import SMPLX_JOINT_NAMES

finite = st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-1e6, max_value=1e6)
anyfloat = st.floats(allow_nan=False, allow_infinity=False)  # full double range, incl. -0.0


@st.composite
def cameras(draw) -> Camera:
    znear = draw(st.floats(1e-4, 1.0))
    return Camera(
        yaw_deg=draw(st.floats(-720, 720)), pitch_deg=draw(st.floats(-89.9, 89.9)),
        distance=draw(st.floats(1e-3, 1e3)), target=tuple(draw(st.lists(finite, min_size=3, max_size=3))),
        fov_y_deg=draw(st.floats(1.0, 170.0)), roll_deg=draw(finite), znear=znear,
        zfar=draw(st.floats(znear * 1.001 + 1e-6, 1e5)),
    )


@st.composite
def people(draw) -> Person:
    pose = np.zeros((55, 3))
    rows = draw(st.lists(st.integers(0, 54), max_size=8, unique=True))
    for row in rows:
        pose[row] = draw(st.lists(anyfloat, min_size=3, max_size=3))
    color = draw(st.none() | st.tuples(*[st.floats(0.0, 1.0)] * 3))
    return Person(
        name=draw(st.text(max_size=12)), rig=draw(st.sampled_from(["mannequin", "/m/SMPLX_NEUTRAL.npz"])),
        betas=np.array(draw(st.lists(finite, min_size=10, max_size=10))), pose=pose,
        transl=np.array(draw(st.lists(anyfloat, min_size=3, max_size=3))),
        expression=np.array(draw(st.lists(finite, min_size=10, max_size=10))),
        visible=draw(st.booleans()), color=color,
    )


@st.composite
def pose_tracks(draw) -> list[PoseKey]:
    times = sorted(draw(st.sets(st.floats(0.0, 1e4), max_size=3)))
    return [PoseKey(t, draw(people()).pose, np.array(draw(st.lists(finite, min_size=3, max_size=3))),
                    draw(st.sampled_from(INTERPOLATIONS))) for t in times]


@st.composite
def animations(draw, num_people: int) -> Animation:
    start = draw(st.floats(0.0, 100.0))
    times = sorted(draw(st.sets(st.floats(0.0, 1e4), max_size=2)))
    return Animation(
        fps=draw(st.floats(0.5, 240.0)), tracks=[draw(pose_tracks()) for _ in range(num_people)],
        camera_keys=[CameraKey(t, draw(cameras()), draw(st.sampled_from(INTERPOLATIONS)))
                     for t in times],
        start=start, end=draw(st.none() | st.floats(start, 1e4)),
        bvh_map=draw(st.none() | st.dictionaries(st.text(max_size=6),
                                                 st.sampled_from(SMPLX_JOINT_NAMES), max_size=3)),
    )


@st.composite
def scenes(draw) -> Scene:
    persons = draw(st.lists(people(), max_size=3))
    return Scene(
        canvas=Canvas(draw(st.integers(16, 8192)), draw(st.integers(16, 8192))),
        camera=draw(cameras()),
        people=persons,
        views=draw(st.dictionaries(st.text(max_size=8), cameras(), max_size=2)),
        render=RenderSettings(
            openpose_layout=draw(st.sampled_from(["coco18", "body25"])),
            openpose_hands=draw(st.booleans()), hide_occluded=draw(st.booleans()),
            canny_low=draw(st.integers(0, 1000)), seg_palette=draw(st.sampled_from(["parts", "people"])),
        ),
        animation=draw(st.none() | animations(len(persons))),
    )


@given(scenes())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_scene_round_trips_exactly_through_json_text(scene):
    text = ff.json_text(ff.scene_to_dict(scene))
    back = ff.scene_from_dict(json.loads(text))
    assert back == scene
    assert ff.scene_to_dict(back) == ff.scene_to_dict(scene)


def test_round_trip_through_a_file(tmp_path):
    scene = Scene(canvas=Canvas(1024, 768), camera=Camera(yaw_deg=12.5, target=(0.1, 0.9, 0.0)),
                  people=[Person(name="Ann", color=(0.2, 0.4, 1.0))], views={"side": Camera(yaw_deg=90)})
    scene.people[0].pose[SMPLX_JOINT_NAMES.index("left_knee")] = [0.1 / 3, -1e-17, 2.0 ** -40]
    path = tmp_path / "a.pose.json"
    ff.save_scene(scene, path)
    assert ff.load_scene(path) == scene
    data = json.loads(path.read_text())
    assert data["format"] == "posestudio-scene" and data["version"] == 1
    assert list(data["people"][0]["pose"]) == ["left_knee"]  # joints at rest are left out


def _valid_dict() -> dict:
    scene = Scene(people=[Person(), Person(name="B")], views={"front": Camera()})
    scene.people[1].pose[4] = [0.5, 0.0, 0.0]
    return ff.scene_to_dict(scene)


CORRUPTIONS = [
    # (path into the dict, bad value, field path the message must name)
    (("people", 1, "pose", "left_knee"), "x", 'people[1].pose.left_knee: expected 3 numbers, got "x"'),
    (("people", 1, "pose", "left_knee"), [1, 2], "people[1].pose.left_knee: expected 3 numbers"),
    (("people", 0, "pose", "left_kne"), [0, 0, 0], "people[0].pose.left_kne: unknown field (did you mean 'left_knee'?)"),
    (("people", 0, "betas"), [0] * 9, "people[0].betas: expected 10 numbers"),
    (("people", 0, "transl"), [0, None, 0], "people[0].transl: expected 3 numbers, got null"),
    (("people", 0, "transl"), [0, 10**400, 0], "people[0].transl: expected 3 numbers"),
    (("people", 0, "visible"), "yes", "people[0].visible: expected true or false"),
    (("people", 0, "color"), [2, 0, 0], "people[0].color"),
    (("people", 0, "rig"), "", "people[0].rig"),
    (("people", 0, "hair"), 1, "people[0].hair: unknown field"),
    (("people",), {}, "people: expected a list"),
    (("canvas", "width"), 8, "canvas: canvas width must be an integer from 16"),
    (("canvas", "height"), 10.5, "canvas.height: expected a whole number"),
    (("camera", "distance"), -1.0, "camera: camera distance must be > 0"),
    (("camera", "fov_y_deg"), "wide", "camera.fov_y_deg: expected a number"),
    (("camera", "target"), [0, 0], "camera.target: expected 3 numbers"),
    (("views", "front", "pitch_deg"), 95, "views.front: camera pitch_deg"),
    (("render", "openpose_layout"), "coco19", "render: render openpose_layout"),
    (("render", "canny_low"), True, "render.canny_low: expected a whole number"),
    (("animation",), [1], "animation: expected null or an object"),
    (("cameras",), {}, "cameras: unknown field (did you mean 'camera'?)"),
    (("format",), "posestudio-pose", "format: this is a person-pose"),
    (("format",), "other", "format: expected"),
    (("version",), "1", "version: expected a whole number"),
    (("version",), 0, "version: expected a whole number"),
]


def _set(data: dict, path: tuple, value) -> dict:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize("path,value,message", CORRUPTIONS, ids=[m.split(":")[0] for *_, m in CORRUPTIONS])
def test_corrupted_field_error_names_the_field(path, value, message):
    with pytest.raises(SceneFormatError) as info:
        ff.scene_from_dict(_set(_valid_dict(), path, value))
    assert message in str(info.value)


number_fields = st.sampled_from([
    ("camera", "yaw_deg"), ("camera", "distance"), ("people", 0, "transl"),
    ("people", 1, "pose", "left_knee"), ("people", 0, "betas"), ("views", "front", "fov_y_deg"),
])
not_numbers = st.text(max_size=3) | st.booleans() | st.none() | st.dictionaries(st.text(max_size=2), st.integers(), max_size=1)


@given(number_fields, not_numbers)
@settings(max_examples=60, deadline=None)
def test_any_non_number_in_a_numeric_field_is_refused_by_name(path, value):
    with pytest.raises(SceneFormatError) as info:
        ff.scene_from_dict(_set(_valid_dict(), path, value))
    name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    assert str(info.value).startswith(name + ":")


@given(st.integers(3, 10**6))
@settings(max_examples=20, deadline=None)
def test_newer_version_is_refused(version):
    data = _valid_dict()
    data["version"] = version
    data["something_new"] = {"x": 1}  # a newer file may hold fields this version never heard of
    with pytest.raises(SceneFormatError, match=rf"made by a newer PoseStudio \(version {version}\); "
                                                r"this one reads up to 2"):
        ff.scene_from_dict(data)


def test_missing_optional_fields_take_defaults_and_missing_joints_are_zero():
    scene = ff.scene_from_dict({"format": "posestudio-scene", "version": 1,
                                "people": [{"pose": {"neck": [0.1, 0, 0]}}, {}]})
    assert scene.canvas == Canvas() and scene.camera == Camera()
    assert [p.name for p in scene.people] == ["Person 1", "Person 2"]
    assert scene.people[0].pose[12, 0] == 0.1 and np.count_nonzero(scene.people[0].pose) == 1


def test_header_is_required():
    with pytest.raises(SceneFormatError, match="format: expected"):
        ff.scene_from_dict({"version": 1})
    with pytest.raises(SceneFormatError, match="version: missing"):
        ff.scene_from_dict({"format": "posestudio-scene"})
    with pytest.raises(SceneFormatError, match="expected a JSON object"):
        ff.scene_from_dict([1, 2])


@pytest.mark.parametrize("text,line", [
    ('{"format": "posestudio-scene",\n "version": 1,\n "people": [\n', 4),   # truncated
    ('{"format": "posestudio-scene",\n "version": 1,, \n}', 2),              # corrupt
    ('{"format": "posestudio-scene", "version": 1,\n"camera": {"yaw_deg": NaN}}', 2),
])
def test_corrupt_json_names_file_and_line(tmp_path, text, line):
    path = tmp_path / "bad.pose.json"
    path.write_text(text)
    with pytest.raises(SceneFormatError) as info:
        ff.load_scene(path)
    message = str(info.value)
    assert message.startswith(str(path) + ":")
    assert f"line {line}" in message or "NaN" in message


def test_validation_errors_from_a_file_name_the_file(tmp_path):
    path = tmp_path / "s.pose.json"
    path.write_text(json.dumps(_set(_valid_dict(), ("people", 1, "pose", "left_knee"), "x")))
    with pytest.raises(SceneFormatError, match=r"s\.pose\.json: people\[1\]\.pose\.left_knee: expected 3 numbers"):
        ff.load_scene(path)


def test_unreadable_inputs_give_clear_errors(tmp_path):
    with pytest.raises(SceneFormatError, match="no such file"):
        ff.load_scene(tmp_path / "missing.pose.json")
    with pytest.raises(SceneFormatError, match="is a folder"):
        ff.load_scene(tmp_path)
    (tmp_path / "empty.json").write_text("  \n")
    with pytest.raises(SceneFormatError, match="empty"):
        ff.load_scene(tmp_path / "empty.json")
    (tmp_path / "bin.json").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(SceneFormatError, match="not a text"):
        ff.load_scene(tmp_path / "bin.json")


def test_save_is_atomic_old_file_intact_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "scene.pose.json"
    ff.save_scene(Scene(people=[Person(name="old")]), path)
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(SceneFormatError, match="No space left"):
        ff.save_scene(Scene(people=[Person(name="new")]), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.pose.json"]  # no temp left


def test_save_into_missing_folder_is_clear_and_leaves_nothing(tmp_path):
    with pytest.raises(SceneFormatError, match="does not exist"):
        ff.save_scene(Scene(), tmp_path / "nope" / "a.pose.json")
    assert list(tmp_path.iterdir()) == []


def test_save_keeps_permissions_of_the_existing_file(tmp_path):
    path = tmp_path / "a.pose.json"
    path.write_text("{}")
    os.chmod(path, 0o640)
    ff.save_scene(Scene(), path)
    assert path.stat().st_mode & 0o777 == 0o640
    assert ff.load_scene(path) == Scene()


def test_pose_file_round_trip_and_validation(tmp_path):
    pose = np.zeros((55, 3))
    pose[SMPLX_JOINT_NAMES.index("right_elbow")] = [0.0, 1.2, 0.0]
    path = tmp_path / "wave.pose.json"
    ff.save_pose(path, "wave", pose, [0.0, 0.95, 0.0])
    data = ff.load_pose(path)
    assert data.name == "wave" and np.array_equal(data.pose, pose)
    assert np.array_equal(data.transl, [0.0, 0.95, 0.0])
    with pytest.raises(SceneFormatError, match="this is a person-pose"):
        ff.load_scene(path)
    bad = json.loads(path.read_text())
    bad["pose"]["right_elbw"] = [0, 0, 0]
    with pytest.raises(SceneFormatError, match=r"pose\.right_elbw: unknown field \(did you mean 'right_elbow'\?\)"):
        ff.pose_from_dict(bad)
    bad = ff.pose_to_dict("x", pose)
    bad["version"] = 3
    with pytest.raises(SceneFormatError, match=r"newer PoseStudio \(version 3\); this one reads up to 1"):
        ff.pose_from_dict(bad)


EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "examples",
                       "two_people.pose.json")


def test_every_truncation_of_a_scene_file_is_a_clear_error(tmp_path):
    """A file cut anywhere (a crash mid-copy, a full disk) is refused, never half-read."""
    raw = open(EXAMPLE, "rb").read()
    path = tmp_path / "cut.pose.json"
    for cut in range(0, len(raw) - 1, 11):  # every 11th byte: each JSON token kind is hit
        path.write_bytes(raw[:cut])
        with pytest.raises(SceneFormatError) as info:
            ff.load_scene(path)
        assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=4))
@settings(max_examples=150, deadline=None)
def test_corrupted_bytes_load_or_fail_with_a_scene_error(flips):
    """Random byte damage: either still a valid scene (a digit changed) or a SceneFormatError
    with a one-line message — never another exception."""
    raw = bytearray(open(EXAMPLE, "rb").read())
    for where, byte in flips:
        raw[where % len(raw)] = byte
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "damaged.pose.json")
        with open(path, "wb") as f:
            f.write(raw)
        try:
            scene = ff.load_scene(path)
        except SceneFormatError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(path)
        else:
            assert isinstance(scene, Scene)
            assert ff.scene_from_dict(ff.scene_to_dict(scene)) == scene
