"""Hostile JSON: scene files, OpenPose/A1111/DWPose keypoint files and model configs, crafted
and mutated, each batch in a subprocess: a value or one clean error line, never a traceback."""

from __future__ import annotations

import json
import math

from hostile import ROOT, assert_all_clean, dev_zero, run_cases, run_fuzz

EXAMPLES = ROOT / "resources" / "examples"


def _scene() -> dict:
    return json.loads((EXAMPLES / "standing.pose.json").read_text())


def _with(data: dict, dotted: str, value) -> bytes:
    """``data`` with the field at ``dotted`` (``people.0.betas``) replaced, as JSON bytes."""
    data = json.loads(json.dumps(data))
    *parents, last = dotted.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return json.dumps(data, allow_nan=True).encode()


def _deep(levels: int, opener: str = "[", closer: str = "]") -> bytes:
    return (opener * levels + closer * levels).encode()


def _generic_json_cases() -> dict:
    return {
        "dev_zero": dev_zero,
        "empty": b"", "whitespace": b"  \n ", "null": b"null", "number": b"1e999",
        "deep_list_200k": _deep(200_000), "deep_object_100k": (b'{"a":' * 100_000 + b"1"
                                                              + b"}" * 100_000),
        "not_utf8": b'{"format": "\xff\xfe"}', "utf16_bom": '{"a": 1}'.encode("utf-16"),
        "nul_bytes": b'{"format\x00": 1}', "lone_surrogate": b'{"format": "\\ud800"}',
        "nan_literal": b'{"format": NaN}', "huge_int": b'{"version": 1' + b"0" * 5000 + b"}",
        "truncated": b'{"format": "posestudio-scene", "ver',
        "huge_string_key": b'{"' + b"k" * 1_000_000 + b'": 1}',
    }


def test_crafted_scene_files(tmp_path):
    scene = _scene()
    person = "people.0"
    cases = _generic_json_cases()
    cases.update({
        "valid": json.dumps(scene).encode(),
        "version_huge": _with(scene, "version", 10**30),
        "version_float": _with(scene, "version", 1.5),
        "version_string": _with(scene, "version", "1"),
        "canvas_huge": _with(scene, "canvas", {"width": 10**9, "height": 10**9}),
        "canvas_negative": _with(scene, "canvas", {"width": -5, "height": 512}),
        "canvas_nan": _with(scene, "canvas", {"width": math.nan, "height": 512}),
        "canvas_inf": _with(scene, "canvas", {"width": math.inf, "height": 512}),
        "people_not_list": _with(scene, "people", {"a": 1}),
        "people_10k": _with(scene, "people", [scene["people"][0]] * 10_000),
        "betas_huge_list": _with(scene, f"{person}.betas", [0.0] * 1_000_000),
        "betas_nan": _with(scene, f"{person}.betas", [math.nan] * 10),
        "betas_strings": _with(scene, f"{person}.betas", ["a"] * 10),
        "pose_deep": _with(scene, f"{person}.pose", json.loads(_deep(500))),
        "pose_inf": _with(scene, f"{person}.pose", {"left_knee": [math.inf, 0, 0]}),
        "pose_unknown_joint": _with(scene, f"{person}.pose", {"../../etc": [0, 0, 0]}),
        "transl_1e308": _with(scene, f"{person}.transl", [1e308, 1e308, 1e308]),
        "rig_absolute_path": _with(scene, f"{person}.rig", "/etc/passwd"),
        "rig_pickle_path": _with(scene, f"{person}.rig", str(tmp_path / "crafted.pkl")),
        "rig_number": _with(scene, f"{person}.rig", 5),
        "camera_fov_zero": _with(scene, "camera.fov_y", 0),
        "camera_not_object": _with(scene, "camera", [1, 2]),
        "photo_path_traversal": _with(scene, "photo", {"path": "../../../../etc/shadow"}),
        "animation_garbage": _with(scene, "animation", {"keys": [[[]]]}),
    })
    results = run_cases("scene", cases, tmp_path, suffix=".pose.json")
    assert_all_clean(results)
    assert results["valid"]["outcome"] == "ok"
    for name in ("deep_list_200k", "deep_object_100k", "not_utf8", "nan_literal", "canvas_nan",
                 "betas_nan", "pose_inf", "version_huge"):
        assert results[name]["outcome"] == "error", (name, results[name])


def test_mutated_scene_files(tmp_path):
    seeds = {p.name: p.read_bytes() for p in sorted(EXAMPLES.glob("*.pose.json"))[:4]}
    summary = run_fuzz("scene", seeds, tmp_path, examples=500, seed=3)
    assert summary["summary"].get("ok", 0) + summary["summary"].get("error", 0) >= 500


def test_crafted_and_mutated_pose_presets(tmp_path):
    """Pose files (the editor's preset library reads any the user saves)."""
    presets = sorted((ROOT / "resources" / "presets" / "poses").glob("*.json"))[:3]
    pose = json.loads(presets[0].read_text())
    cases = _generic_json_cases()
    cases.update({"valid": json.dumps(pose).encode(),
                  "pose_deep": _with(pose, "pose", json.loads(_deep(500))),
                  "pose_not_object": _with(pose, "pose", [1, 2, 3]),
                  "pose_inf": _with(pose, "pose", {"left_knee": [math.inf, 0, 0]})})
    results = run_cases("pose", cases, tmp_path, suffix=".json")
    assert_all_clean(results)
    assert results["valid"]["outcome"] == "ok"
    fuzz_dir = tmp_path / "fuzz"
    fuzz_dir.mkdir()
    summary = run_fuzz("pose", {p.name: p.read_bytes() for p in presets}, fuzz_dir,
                       examples=300, seed=10)
    assert summary["summary"].get("ok", 0) > 0


def _openpose(people: int = 1, frames: bool = False) -> dict:
    body = []
    for i in range(18):
        body += [200.0 + 10 * (i % 5), 100.0 + 20 * i, 0.9]
    person = {"pose_keypoints_2d": body, "hand_left_keypoints_2d": [250.0, 300.0, 0.8] * 21,
              "hand_right_keypoints_2d": [0.0] * 63, "face_keypoints_2d": [230.0, 120.0, 0.7] * 70}
    data = {"people": [person] * people, "canvas_width": 512, "canvas_height": 512}
    return [data, data] if frames else data


def test_crafted_openpose_files(tmp_path):
    op = _openpose()
    cases = _generic_json_cases()
    cases.update({
        "valid": json.dumps(op).encode(),
        "valid_frames": json.dumps(_openpose(frames=True)).encode(),
        "no_people": json.dumps({"people": []}).encode(),
        "people_not_list": _with(op, "people", "x"),
        "keypoints_short": _with(op, "people.0.pose_keypoints_2d", [1.0, 2.0]),
        "keypoints_huge": _with(op, "people.0.pose_keypoints_2d", [1.0] * 300_000),
        "keypoints_nan": _with(op, "people.0.pose_keypoints_2d", [math.nan] * 54),
        "keypoints_inf": _with(op, "people.0.pose_keypoints_2d", [math.inf, 1.0, 1.0] * 18),
        "keypoints_1e308": _with(op, "people.0.pose_keypoints_2d", [1e308, -1e308, 1.0] * 18),
        "keypoints_strings": _with(op, "people.0.pose_keypoints_2d", ["a"] * 54),
        "keypoints_nested": _with(op, "people.0.pose_keypoints_2d", [[1.0, 2.0, 3.0]] * 18),
        "keypoints_bool": _with(op, "people.0.pose_keypoints_2d", [True] * 54),
        "hand_wrong_length": _with(op, "people.0.hand_left_keypoints_2d", [1.0] * 7),
        "face_object": _with(op, "people.0.face_keypoints_2d", {"a": 1}),
        "canvas_huge": _with(op, "canvas_width", 10**12),
        "canvas_zero": _with(op, "canvas_width", 0),
        "canvas_negative": _with(op, "canvas_height", -512),
        "canvas_nan": _with(op, "canvas_height", math.nan),
        "canvas_string": _with(op, "canvas_height", "512"),
        "people_2000": json.dumps(_openpose(people=2_000)).encode(),
        "over_64_mib": b'{"people": [], "x": "' + b"a" * (65 << 20) + b'"}',
    })
    results = run_cases("openpose", cases, tmp_path, suffix=".json")
    assert_all_clean(results)
    assert results["valid"]["outcome"] == "ok" and results["valid_frames"]["outcome"] == "ok"


def test_extreme_openpose_files_through_the_lift(tmp_path):
    """The full import (fit included) of numerically extreme but well-formed files."""
    op = _openpose()
    cases = {
        "all_points_equal": _with(op, "people.0.pose_keypoints_2d", [100.0, 100.0, 1.0] * 18),
        "confidence_10": _with(op, "people.0.pose_keypoints_2d", [100.0, 50.0, 10.0] * 18),
        "coords_1e300": _with(op, "people.0.pose_keypoints_2d", [1e300, 1e300, 1.0] * 18),
        "confidence_1e300": _with(op, "people.0.pose_keypoints_2d", [100.0, 50.0, 1e300] * 18),
    }
    results = run_cases("openpose-import", cases, tmp_path, suffix=".json", timeout=200)
    assert_all_clean(results)
    assert results["coords_1e300"]["outcome"] == "error"


def test_mutated_openpose_files(tmp_path):
    seeds = {"one.json": json.dumps(_openpose()).encode(),
             "frames.json": json.dumps(_openpose(people=2, frames=True)).encode()}
    summary = run_fuzz("openpose", seeds, tmp_path, examples=500, seed=4)
    assert summary["summary"].get("ok", 0) > 0
