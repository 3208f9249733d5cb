"""Bundled presets: every pose preset, hand preset and example scene loads, poses the mannequin
sensibly, and makes a scene that saves and reloads exactly; the files are what the build script
makes (so they can be regenerated after a rig change)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from posestudio import presets
from posestudio.errors import InputError
from posestudio.scene.file_format import json_text, load_scene, save_scene, scene_to_dict
from posestudio.scene.model import Person, Scene
from posestudio.skeletons import LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS, SMPLX_JOINT_NAMES

ROOT = Path(__file__).resolve().parents[1]
POSES = presets.list_pose_presets()
HANDS = presets.list_hand_presets()
EXAMPLES = sorted((ROOT / "resources" / "examples").glob("*.pose.json"))
HAND_ROWS = sorted(LEFT_HAND_JOINTS + RIGHT_HAND_JOINTS)


@pytest.fixture(scope="module")
def mannequin():
    from posestudio.body import load_body_model

    return load_body_model("mannequin")


def test_the_promised_presets_are_there():
    assert {"standing", "t_pose", "a_pose", "walking", "running", "sitting", "kneeling",
            "lying", "waving", "jumping"} <= set(POSES)
    assert {"relaxed", "fist", "open", "point"} <= set(HANDS)


@pytest.mark.parametrize("name", POSES)
def test_pose_preset_loads_and_stands_on_the_ground(name, mannequin):
    pose, transl = presets.load_pose_preset(name)
    assert pose.shape == (len(SMPLX_JOINT_NAMES), 3) and transl.shape == (3,)
    assert np.all(np.isfinite(pose)) and np.all(np.abs(pose) < np.pi + 1e-9)
    pose[:] = 99.0  # a copy: the cached preset must not change
    pose, transl = presets.load_pose_preset(name)
    assert np.all(np.abs(pose) < 99.0)

    vertices = mannequin.pose(pose=pose, transl=transl).vertices
    lowest = float(vertices[:, 1].min())
    if name == "jumping":
        assert lowest > 0.05, "a jump leaves the ground"
    else:
        assert abs(lowest) < 0.005, f"{name}: lowest vertex at y={lowest:.4f}, not on the ground"
    centre = (vertices.min(0) + vertices.max(0)) / 2
    np.testing.assert_allclose(centre[[0, 2]], 0.0, atol=0.01)


@pytest.mark.parametrize("name", POSES)
def test_pose_preset_makes_a_scene_that_saves_and_reloads(name, tmp_path):
    pose, transl = presets.load_pose_preset(name)
    pose = presets.apply_hand_preset(pose, HANDS[len(name) % len(HANDS)])
    scene = Scene(people=[Person(name=name, pose=pose, transl=transl)])
    path = tmp_path / f"{name}.pose.json"
    save_scene(scene, path)
    assert load_scene(path) == scene


@pytest.mark.parametrize("name", HANDS)
def test_hand_preset_loads_and_mirrors(name):
    left = presets.hand_preset(name, "left")
    right = presets.hand_preset(name, "right")
    assert left.shape == right.shape == (15, 3) and np.all(np.isfinite(left))
    np.testing.assert_array_equal(right, left * [1.0, -1.0, -1.0])
    np.testing.assert_array_equal(presets.mirror_hand_pose(right), left)

    base = presets.load_pose_preset("standing")[0]
    posed = presets.apply_hand_preset(base, name)
    np.testing.assert_array_equal(posed[list(LEFT_HAND_JOINTS)], left)
    np.testing.assert_array_equal(posed[list(RIGHT_HAND_JOINTS)], right)
    others = [i for i in range(len(SMPLX_JOINT_NAMES)) if i not in HAND_ROWS]
    np.testing.assert_array_equal(posed[others], base[others])  # only the fingers change


def test_fist_curls_fingertips_to_the_palm_open_does_not(mannequin):
    def tip_to_wrist(hand: str, side: str) -> float:
        body = mannequin.pose(pose=presets.apply_hand_preset(np.zeros((55, 3)), hand))
        tip = body.landmarks[body.landmark_names.index(f"{side}_middle_tip")]
        wrist = body.joints[body.joint_names.index(f"{side}_wrist")]
        return float(np.linalg.norm(tip - wrist))

    for side in ("left", "right"):
        assert tip_to_wrist("fist", side) < 0.75 * tip_to_wrist("open", side)
        # mirrored hands are mirror images: same reach on both sides
    assert tip_to_wrist("fist", "left") == pytest.approx(tip_to_wrist("fist", "right"), abs=1e-4)


def test_unknown_names_are_refused_listing_the_known_ones():
    with pytest.raises(InputError, match="standing"):
        presets.load_pose_preset("moonwalk")
    with pytest.raises(InputError, match="fist"):
        presets.hand_preset("claw", "left")
    with pytest.raises(InputError, match="side"):
        presets.hand_preset("fist", "middle")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name.split(".")[0])
def test_example_scene_is_canonical_and_round_trips(path, tmp_path):
    scene = load_scene(path)
    assert scene.people and all(p.visible for p in scene.people)
    assert path.read_text(encoding="utf-8") == json_text(scene_to_dict(scene))
    save_scene(scene, tmp_path / path.name)
    assert load_scene(tmp_path / path.name) == scene
    assert (tmp_path / path.name).read_bytes() == path.read_bytes()


def test_files_are_what_the_build_script_makes():
    spec = importlib.util.spec_from_file_location(
        "build_presets", ROOT / "resources" / "presets" / "build_presets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    files = module.build_all()
    assert len(files) == 1 + len(POSES) + len(EXAMPLES)
    stale = [str(p.relative_to(ROOT)) for p, content in files.items()
             if not p.exists() or p.read_text(encoding="utf-8") != json_text(content)]
    assert stale == [], "rerun: python resources/presets/build_presets.py"
