"""Bad input: non-zero exit, exactly one line on stderr, no traceback, no partial output."""

from __future__ import annotations

import json
import pickle
import zipfile

import pytest

from cli_helpers import assert_clean_failure


def _write(path, text: str):
    path.write_text(text)
    return path


# Each case: (id, function(tmp_path, scene_file, scene_dict) -> (argv, expected words in the
# error)). The scene is written next to the output, so "no partial output" covers everything.

def corrupt_json(tmp, scene, d):
    return ["render", _write(tmp / "bad.pose.json", "{not json at all"), "--out", tmp / "o"], "bad"


def truncated_file(tmp, scene, d):
    text = scene.read_text()
    return ["render", _write(tmp / "cut.pose.json", text[: len(text) // 2]), "--out", tmp / "o"], "cut"


def empty_file(tmp, scene, d):
    return ["render", _write(tmp / "empty.pose.json", ""), "--out", tmp / "o"], "empty"


def newer_version(tmp, scene, d):
    d["version"] = 999
    return ["render", _write(tmp / "new.pose.json", json.dumps(d)), "--out", tmp / "o"], "version"


def wrong_format(tmp, scene, d):
    d["format"] = "blender-scene"
    return ["render", _write(tmp / "wrong.pose.json", json.dumps(d)), "--out", tmp / "o"], "format"


def not_a_scene(tmp, scene, d):
    return ["render", _write(tmp / "list.pose.json", "[1, 2, 3]"), "--out", tmp / "o"], "list"


def unknown_rig(tmp, scene, d):
    d["people"][0]["rig"] = "robot"
    return ["render", _write(tmp / "rig.pose.json", json.dumps(d)), "--out", tmp / "o"], "robot"


def unknown_field(tmp, scene, d):
    d["people"][0]["betaz"] = [0.0] * 10  # a typo must not silently drop data
    return ["render", _write(tmp / "typo.pose.json", json.dumps(d)), "--out", tmp / "o"], "betaz"


def canvas_huge_in_file(tmp, scene, d):
    d["canvas"]["height"] = 100000
    return ["render", _write(tmp / "c.pose.json", json.dumps(d)), "--out", tmp / "o"], "height"


def canvas_zero_in_file(tmp, scene, d):
    d["canvas"]["width"] = 0
    return ["render", _write(tmp / "c.pose.json", json.dumps(d)), "--out", tmp / "o"], "width"


def size_zero(tmp, scene, d):
    return ["render", scene, "--out", tmp / "o", "--size", "0"], "--size"


def size_0x0(tmp, scene, d):
    return ["render", scene, "--out", tmp / "o", "--size", "0x0"], "--size"


def size_huge(tmp, scene, d):
    return ["render", scene, "--out", tmp / "o", "--size", "100000x100000"], "--size"


def size_garbage(tmp, scene, d):
    return ["render", scene, "--out", tmp / "o", "--size", "big"], "--size"


def garbage_body_pkl(tmp, scene, d):
    (tmp / "body.pkl").write_bytes(b"\x00\x01garbage" * 100)
    return ["render", scene, "--out", tmp / "o", "--body-model", tmp / "body.pkl"], "body.pkl"


def garbage_body_npz(tmp, scene, d):
    (tmp / "body.npz").write_bytes(b"PK\x03\x04 not really a zip")
    return ["render", scene, "--out", tmp / "o", "--body-model", tmp / "body.npz"], "body.npz"


def npz_without_model(tmp, scene, d):
    with zipfile.ZipFile(tmp / "arrays.npz", "w") as z:  # a valid npz holding no body model
        z.writestr("x.npy", b"")
    return ["render", scene, "--out", tmp / "o", "--body-model", tmp / "arrays.npz"], "arrays.npz"


class _Evil:
    def __reduce__(self):
        import os
        return (os.system, ("echo pwned > /dev/null",))


def unsafe_pickle(tmp, scene, d):
    (tmp / "evil.pkl").write_bytes(pickle.dumps({"v_template": _Evil()}))
    return ["render", scene, "--out", tmp / "o", "--body-model", tmp / "evil.pkl"], "evil.pkl"


def missing_body(tmp, scene, d):
    return ["render", scene, "--out", tmp / "o", "--body-model", tmp / "nope.pkl"], "nope.pkl"


def body_is_dir(tmp, scene, d):
    (tmp / "models").mkdir()
    return ["render", scene, "--out", tmp / "o", "--body-model", tmp / "models"], "models"


def missing_scene(tmp, scene, d):
    return ["render", tmp / "nowhere.pose.json", "--out", tmp / "o"], "nowhere"


def scene_is_dir(tmp, scene, d):
    (tmp / "dir.pose.json").mkdir()
    return ["render", tmp / "dir.pose.json", "--out", tmp / "o"], "dir.pose.json"


def out_through_file(tmp, scene, d):
    (tmp / "plain.txt").write_text("x")
    return ["render", scene, "--out", tmp / "plain.txt" / "o"], "plain.txt"


def out_is_file(tmp, scene, d):
    (tmp / "taken").write_text("x")
    return ["render", scene, "--out", tmp / "taken"], "taken"


def out_empty(tmp, scene, d):  # must not mean "the working folder"
    return ["render", scene, "--out", ""], "--out"


def unknown_map(tmp, scene, d):
    return ["render", scene, "--out", tmp / "o", "--maps", "depth,xray"], "xray"


def bad_views(tmp, scene, d):
    return ["render", scene, "--out", tmp / "o", "--views", "0"], "--views"


def bad_layout(tmp, scene, d):
    return ["render", scene, "--out", tmp / "o", "--layout", "coco19"], "--layout"


def person_out_of_range(tmp, scene, d):
    return ["joints", scene, "--person", "5"], "5"


def person_negative(tmp, scene, d):
    return ["joints", scene, "--person", "-1"], "--person"


def person_not_a_number(tmp, scene, d):
    return ["joints", scene, "--person", "first"], "--person"


def joints_bad_format(tmp, scene, d):
    return ["joints", scene, "--format", "coco99"], "coco99"


def joints_bad_body_model(tmp, scene, d):
    (tmp / "body.npz").write_bytes(b"\x00" * 64)
    return ["joints", scene, "--body-model", tmp / "body.npz"], "body.npz"


def joints_bad_size(tmp, scene, d):
    return ["joints", scene, "--size", "100000x10"], "--size"


def joints_bad_orbit(tmp, scene, d):
    return ["joints", scene, "--orbit", "0,90"], "--orbit"


def joints_missing_scene(tmp, scene, d):
    return ["joints", tmp / "gone.pose.json"], "gone"


def mesh_unknown_ext(tmp, scene, d):
    return ["export-mesh", scene, "--out", tmp / "mesh.fbx"], ".fbx"


def mesh_no_ext(tmp, scene, d):
    return ["export-mesh", scene, "--out", tmp / "mesh"], "mesh"


def mesh_out_through_file(tmp, scene, d):
    (tmp / "plain.txt").write_text("x")
    return ["export-mesh", scene, "--out", tmp / "plain.txt" / "m.obj"], "plain.txt"


def mesh_out_empty(tmp, scene, d):
    return ["export-mesh", scene, "--out", ""], "--out"


def mesh_corrupt_scene(tmp, scene, d):
    return ["export-mesh", _write(tmp / "bad.pose.json", "{"), "--out", tmp / "m.obj"], "bad"


def mesh_nobody_visible(tmp, scene, d):
    for person in d["people"]:
        person["visible"] = False
    return ["export-mesh", _write(tmp / "hidden.pose.json", json.dumps(d)),
            "--out", tmp / "m.glb"], "visible"


CASES = [corrupt_json, truncated_file, empty_file, newer_version, wrong_format, not_a_scene,
         unknown_field, unknown_rig, canvas_zero_in_file, canvas_huge_in_file, size_zero, size_0x0, size_huge, size_garbage,
         garbage_body_pkl, garbage_body_npz, npz_without_model, unsafe_pickle, missing_body,
         body_is_dir, missing_scene, scene_is_dir, out_through_file, out_is_file, out_empty, unknown_map,
         bad_views, bad_layout, person_out_of_range, person_negative, person_not_a_number,
         joints_bad_format, joints_bad_body_model, joints_bad_size, joints_bad_orbit,
         joints_missing_scene, mesh_unknown_ext, mesh_no_ext,
         mesh_out_through_file, mesh_out_empty, mesh_corrupt_scene, mesh_nobody_visible]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_fails_cleanly(case, cli, tmp_path, scene_file, scene_dict):
    argv, word = case(tmp_path, scene_file, scene_dict)
    before = set(tmp_path.rglob("*"))
    result = cli(*argv)
    assert_clean_failure(result, tmp_path, before)
    assert word.lower() in result.err.lower(), f"error should name {word!r}: {result.err!r}"
    assert result.out == ""


@pytest.mark.parametrize("argv,word", [
    (["render", "standing"], "--out"),                         # a required option left out
    (["render", "standing", "--out", "o", "--bogus"], "--bogus"),
    (["frobnicate"], "frobnicate"),
    (["joints"], "SCENE"),
])
def test_usage_errors_are_one_line_too(argv, word, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli(*argv)
    assert_clean_failure(result, tmp_path, set())
    assert word in result.err and "--help" in result.err


@pytest.mark.parametrize("case", [corrupt_json, newer_version, unknown_rig, size_huge,
                                  garbage_body_npz, unknown_map],
                         ids=lambda c: c.__name__)
def test_failure_leaves_an_existing_output_folder_untouched(case, cli, tmp_path, scene_file,
                                                            scene_dict):
    out = tmp_path / "o"
    out.mkdir()
    (out / "depth.png").write_bytes(b"earlier run")
    (out / "view_000").mkdir()
    (out / "view_000" / "seg.png").write_bytes(b"earlier view")
    argv, _ = case(tmp_path, scene_file, scene_dict)
    assert argv[argv.index("--out") + 1] == out
    before = {p: p.read_bytes() if p.is_file() else None for p in tmp_path.rglob("*")}
    result = cli(*argv)
    assert_clean_failure(result, tmp_path)
    assert {p: p.read_bytes() if p.is_file() else None for p in tmp_path.rglob("*")} == before


@pytest.mark.parametrize("orbit", ["abc", "10", "10,95", "nan,0", "1,2,3", "inf,0", "10,-90"])
def test_bad_orbit(orbit, cli, tmp_path, scene_file):
    before = set(tmp_path.rglob("*"))
    result = cli("render", scene_file, "--out", tmp_path / "o", f"--orbit={orbit}")
    assert_clean_failure(result, tmp_path, before)
    assert "--orbit" in result.err


@pytest.mark.parametrize("lens,word", [
    (("--fov", "30", "--focal-mm", "50"), "--fov"), (("--fov", "180"), "--fov"),
    (("--fov", "nan"), "--fov"), (("--focal-mm", "-5"), "--focal-mm"),
    (("--focal-mm", "0.5"), "--focal-mm"), (("--sensor-mm", "36"), "--sensor-mm"),
    (("--focal-mm", "50", "--sensor-mm", "wide"), "--sensor-mm")])
def test_bad_lens(lens, word, cli, tmp_path, scene_file):
    before = set(tmp_path.rglob("*"))
    result = cli("render", scene_file, "--out", tmp_path / "o", *lens)
    assert_clean_failure(result, tmp_path, before)
    assert word in result.err


def test_person_error_names_the_count(cli, tmp_path, scene_file, scene_dict):
    result = cli("joints", scene_file, "--person", str(len(scene_dict["people"])))
    assert_clean_failure(result, tmp_path)
    count = len(scene_dict["people"])
    assert f"has {count} " in result.err


def test_unsafe_pickle_runs_nothing(cli, tmp_path, scene_file):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            import os
            return (os.system, (f"touch {marker}",))

    (tmp_path / "evil.pkl").write_bytes(pickle.dumps({"v_template": Evil()}))
    result = cli("render", scene_file, "--out", tmp_path / "o", "--body-model",
                 tmp_path / "evil.pkl")
    assert result.code != 0 and not marker.exists()
    assert not (tmp_path / "o").exists()
