"""CLI: import CLIP.bvh, joints --frames, export-bvh (exit codes, one-line errors, no partial output)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from bvh_files import mannequin_joints
from bvh_files import bvh_text as write_bvh

from posestudio.body import load_body_model
from posestudio.rotations import axis_angle_to_matrix, rotation_distance


@pytest.fixture
def clip(tmp_path):
    body = load_body_model("mannequin")
    rest = body.rest_joints(np.zeros(10))
    joints = mannequin_joints(rest, {"pelvis": "Hips", "left_knee": "LeftLeg"}, 100.0, "ZXY")
    rng = np.random.default_rng(4)
    rot = axis_angle_to_matrix(rng.normal(size=(12, 22, 3)) * 0.3)
    pos = np.zeros((12, 22, 3))
    pos[:, 0] = (rest[0] + [0, 0.95, 0] + np.linspace(0, 1, 12)[:, None] * [0, 0, 1]) * 100
    path = tmp_path / "walk.bvh"
    path.write_text(write_bvh(joints, rot, pos, frame_time=1 / 24))
    return path


def test_import_joints_export_round_trip(tmp_path, cli, clip):
    scene_path = tmp_path / "walk.pose.json"
    code, out, err = cli("import", clip, "--out", scene_path)
    assert code == 0, err
    assert "12 frames at 24 fps" in out
    data = json.loads(scene_path.read_text())
    assert data["version"] == 2 and data["animation"]["bvh_map"]["LeftLeg"] == "left_knee"

    code, out, err = cli("joints", scene_path, "--frames", "all", "--format", "smpl24")
    assert code == 0, err
    frames = json.loads(out)
    assert frames["fps"] == 24 and len(frames["frames"]) == 12
    assert frames["frames"][3]["frame"] == 3 and frames["frames"][3]["time"] == pytest.approx(3 / 24)
    first, last = frames["frames"][0]["joints3d"][0], frames["frames"][-1]["joints3d"][0]
    assert last[2] - first[2] == pytest.approx(1.0, abs=1e-3)  # the pelvis walked one metre
    code, out, err = cli("joints", scene_path, "--frames", "2:5")
    assert code == 0 and [f["frame"] for f in json.loads(out)["frames"]] == [2, 3, 4]
    code, out, _ = cli("joints", scene_path)  # without --frames: the single-pose output
    assert code == 0 and "frames" not in json.loads(out)

    bvh_path = tmp_path / "again.bvh"
    code, out, err = cli("export-bvh", scene_path, "--out", bvh_path, "--order", "XYZ")
    assert code == 0, err
    again = tmp_path / "again.pose.json"
    assert cli("import", bvh_path, "--out", again, "--fps", "12")[0] == 0
    a = json.loads(scene_path.read_text())["animation"]["tracks"][0]
    b = json.loads(again.read_text())["animation"]["tracks"][0]
    assert len(b) == 6
    from posestudio.scene.file_format import load_scene

    pa = np.stack([k.pose for k in load_scene(scene_path).animation.tracks[0]])[::2]
    pb = np.stack([k.pose for k in load_scene(again).animation.tracks[0]])
    assert rotation_distance(axis_angle_to_matrix(pa), axis_angle_to_matrix(pb)).max() < 1e-4
    assert len(a) == 12


def _clean_failure(result, folder, before):
    code, out, err = result
    assert code == 2, (out, err)
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert set(folder.iterdir()) == before


def test_bad_inputs_fail_cleanly(tmp_path, cli, clip):
    bad = tmp_path / "bad.bvh"
    bad.write_text(clip.read_text().replace("CHANNELS 3", "CHANNELS 3 Qrotation", 1))
    before = set(tmp_path.iterdir())
    _clean_failure(cli("import", bad, "--out", tmp_path / "x.pose.json"), tmp_path, before)
    _clean_failure(cli("import", clip, "--out", tmp_path / "x.pose.json", "--start", "10", "--end", "40"),
                   tmp_path, before)
    scene_path = tmp_path / "s.pose.json"
    assert cli("import", clip, "--out", scene_path)[0] == 0
    before = set(tmp_path.iterdir())
    _clean_failure(cli("joints", scene_path, "--frames", "5-9"), tmp_path, before)
    _clean_failure(cli("export-bvh", scene_path, "--out", tmp_path / "o.bvh", "--person", "1"),
                   tmp_path, before)
    _clean_failure(cli("export-bvh", scene_path, "--out", tmp_path / "o.bvh", "--order", "XXY"),
                   tmp_path, before)


def test_an_edited_joint_map_is_used_on_the_next_import(tmp_path, cli, clip):
    first = tmp_path / "first.pose.json"
    assert cli("import", clip, "--out", first)[0] == 0
    data = json.loads(first.read_text())
    del data["animation"]["bvh_map"]["LeftLeg"]          # the user unmaps the left knee
    first.write_text(json.dumps(data))
    second = tmp_path / "second.pose.json"
    code, out, err = cli("import", clip, "--out", second, "--joint-map", first)
    assert code == 0, err
    saved = json.loads(second.read_text())["animation"]
    assert "LeftLeg" not in saved["bvh_map"]
    assert all("left_knee" not in key["pose"] for key in saved["tracks"][0])  # knee left at rest
    assert any("left_knee" in key["pose"] for key in data["animation"]["tracks"][0])
    bad = tmp_path / "map.json"
    bad.write_text(json.dumps({"LeftLeg": "knee_left"}))
    before = set(tmp_path.iterdir())
    _clean_failure(cli("import", clip, "--out", tmp_path / "third.pose.json", "--joint-map", bad),
                   tmp_path, before)
