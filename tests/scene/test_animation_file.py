"""Scene file version 2: the animation round trips, version-1 files still load, every bad
animation field is refused by its path."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from posestudio.anim import Animation, CameraKey, PoseKey
from posestudio.errors import SceneFormatError
from posestudio.scene import Camera, Person, Scene
from posestudio.scene import file_format as ff


def _animated() -> Scene:
    pose = np.zeros((55, 3))
    pose[4] = [0.5, 0.0, 0.0]
    keys = [PoseKey(0.0, pose, [0, 0.9, 0], "ease"), PoseKey(0.5, -pose, [0.1, 0.9, 0], "hold")]
    return Scene(people=[Person(), Person(name="B")],
                 animation=Animation(fps=24, tracks=[keys, []], start=0.0, end=2.0,
                                     camera_keys=[CameraKey(1.0, Camera(yaw_deg=30), "linear")],
                                     bvh_map={"LeftKnee": "left_knee"}))


def test_animated_scene_round_trips_as_version_2(tmp_path):
    scene = _animated()
    path = tmp_path / "a.pose.json"
    ff.save_scene(scene, path)
    data = json.loads(path.read_text())
    assert data["version"] == 2
    assert data["animation"]["tracks"][0][1] == {"time": 0.5, "pose": {"left_knee": [-0.5, -0.0, -0.0]},
                                                 "transl": [0.1, 0.9, 0.0], "interp": "hold"}
    assert ff.load_scene(path) == scene
    still = Scene(people=[Person()])
    ff.save_scene(still, path)
    assert json.loads(path.read_text())["version"] == 1  # older readers still open still scenes


def test_version_1_files_still_load():
    example = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "examples",
                           "two_people.pose.json")
    with open(example) as handle:
        data = json.load(handle)
    assert data["version"] == 1
    assert ff.scene_from_dict(data).animation is None
    # version 1 only reserved the animation field: whatever object it held loads as a still scene
    data["animation"] = {"anything": [1, 2]}
    assert ff.scene_from_dict(data).animation is None


def _bad(path, value) -> dict:
    data = ff.scene_to_dict(_animated())
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


ANIMATION_CORRUPTIONS = [
    (("animation", "fps"), "fast", 'animation.fps: expected a number, got "fast"'),
    (("animation", "fps"), 0, "animation: animation fps must be > 0"),
    (("animation", "end"), -1, "animation: animation end"),
    (("animation", "tracks"), [[]], "animation.tracks: expected 2 key lists (one per person), got 1"),
    (("animation", "tracks", 0, 1, "time"), 0.0, "animation.tracks[0][1].time: must be later than"),
    (("animation", "tracks", 0, 0, "time"), KeyError, "animation.tracks[0][0].time: missing"),
    (("animation", "tracks", 0, 0, "time"), -2, "animation.tracks[0][0].time: expected seconds >= 0"),
    (("animation", "tracks", 0, 0, "interp"), "cubic", "animation.tracks[0][0].interp: expected one of"),
    (("animation", "tracks", 0, 0, "pose", "left_kne"), [0, 0, 0],
     "animation.tracks[0][0].pose.left_kne: unknown field (did you mean 'left_knee'?)"),
    (("animation", "tracks", 0, 0, "transl"), [0, 0], "animation.tracks[0][0].transl: expected 3 numbers"),
    (("animation", "tracks", 0, 0, "speed"), 1, "animation.tracks[0][0].speed: unknown field"),
    (("animation", "camera_keys", 0, "camera", "fov_y_deg"), 200,
     "animation.camera_keys[0].camera: camera fov_y_deg"),
    (("animation", "bvh_map", "LeftKnee"), "knee_left", "animation.bvh_map.LeftKnee: expected an SMPL-X joint"),
    (("animation", "loop"), True, "animation.loop: unknown field"),
    (("animation",), [1], "animation: expected null or an object"),
]


@pytest.mark.parametrize("path,value,message", ANIMATION_CORRUPTIONS,
                         ids=[m.split(":")[0] + str(i) for i, (*_, m) in enumerate(ANIMATION_CORRUPTIONS)])
def test_bad_animation_field_is_named(path, value, message):
    with pytest.raises(SceneFormatError) as info:
        ff.scene_from_dict(_bad(path, value))
    assert message in str(info.value)
