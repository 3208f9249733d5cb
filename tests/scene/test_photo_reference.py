"""The photo a scene was fitted to is saved with it: a path relative to the scene file, the 2D
keypoints (as moved and as detected), who was chosen, the matched camera."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posestudio.errors import InputError, SceneFormatError
from posestudio.scene.file_format import load_scene, save_scene, scene_from_dict, scene_to_dict
from posestudio.scene.model import Camera, Person, PhotoReference, Scene


def _photo(path: str) -> PhotoReference:
    rng = np.random.default_rng(3)
    kp = [rng.uniform(0, 500, (130, 3)) for _ in range(2)]
    return PhotoReference(path, 512, 640, kp, [k + 1.5 for k in kp], [True, False], 812.5,
                          Camera(yaw_deg=4.0, distance=2.5))


def test_round_trip_stores_the_photo_relative_to_the_scene_file(tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "scenes").mkdir()
    picture = tmp_path / "photos" / "me.jpg"
    picture.write_bytes(b"jpeg")
    scene = Scene(people=[Person()], photo=_photo(str(picture)))
    target = tmp_path / "scenes" / "me.pose.json"
    save_scene(scene, target)
    data = json.loads(target.read_text())
    assert data["version"] == 2 and data["photo"]["path"] == "../photos/me.jpg"
    again = load_scene(target)
    assert again == scene and again.photo.path == str(picture)
    # the folder moved as a whole keeps its photo
    moved = tmp_path.parent / (tmp_path.name + "-moved")
    tmp_path.rename(moved)
    assert load_scene(moved / "scenes" / "me.pose.json").photo.path == str(moved / "photos" / "me.jpg")
    assert again.photo.chosen == [True, False] and again.photo.camera.yaw_deg == 4.0


def test_a_still_scene_without_a_photo_is_still_version_1():
    data = scene_to_dict(Scene(people=[Person()]))
    assert data["version"] == 1 and "photo" not in data


@pytest.mark.parametrize("change, words", [
    (lambda p: p.update(width=3), "photo"),
    (lambda p: p["people"][0].update(keypoints=[[1, 2]]), "photo.people[0].keypoints[0]"),
    (lambda p: p["people"][0].update(chosen="yes"), "photo.people[0].chosen"),
    (lambda p: p.update(colour=1), "photo.colour: unknown field"),
    (lambda p: p.pop("path"), "photo.path: missing"),
])
def test_bad_photo_fields_name_the_field(change, words):
    data = scene_to_dict(Scene(people=[Person()], photo=_photo("/x/me.jpg")))
    change(data["photo"])
    with pytest.raises(SceneFormatError, match=None) as err:
        scene_from_dict(data)
    assert words in str(err.value)


def test_keypoint_lists_must_be_parallel():
    with pytest.raises(InputError, match="one entry per person"):
        PhotoReference("a.png", 64, 64, [np.zeros((3, 3))], [], [True])
