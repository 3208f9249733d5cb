"""``posestudio render``: every bundled example, sizes, turntables, orbit, options."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PIL import Image

from cli_helpers import EXAMPLES, bundled_scenes

PNG_MAPS = ("openpose", "mannequin", "depth", "normal", "canny", "seg")
SMALL = (192, 256)


def _camera_eye(camera_json: dict) -> np.ndarray:
    """Camera centre in world metres from camera.json's world_to_camera."""
    view = np.asarray(camera_json["world_to_camera"])
    return -view[:3, :3].T @ view[:3, 3]


def check_map_folder(folder, size):
    """Every map file exists, has ``size`` (W, H), and shows a body."""
    width, height = size
    for name in PNG_MAPS:
        with Image.open(folder / f"{name}.png") as image:
            assert image.size == (width, height), name
    depth = np.load(folder / "depth_metric.npy")
    assert depth.dtype == np.float32 and depth.shape == (height, width)
    body = depth > 0
    assert 0.005 < body.mean() < 0.9, "the body should fill part of the canvas, not none or all"
    depth8 = np.asarray(Image.open(folder / "depth.png"))
    depth8 = depth8 if depth8.ndim == 2 else depth8[..., 0]
    assert depth8[~body].max() == 0 and depth8[body].min() >= 1  # design.md §5
    for name in ("mannequin", "normal", "seg", "openpose", "canny"):
        pixels = np.asarray(Image.open(folder / f"{name}.png").convert("RGB"))
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 1, f"{name}.png is blank"
    cam = json.loads((folder / "camera.json").read_text())
    assert (cam["width"], cam["height"]) == (width, height)
    assert np.asarray(cam["K"]).shape == (3, 3) and np.asarray(cam["world_to_camera"]).shape == (4, 4)
    keypoints = json.loads((folder / "openpose.json").read_text())
    assert (keypoints["canvas_width"], keypoints["canvas_height"]) == (width, height)
    return cam, keypoints


def test_bundled_examples_are_there():
    names = {p.name for p in bundled_scenes()}
    assert {"standing.pose.json", "two_people.pose.json"} <= names, names


@pytest.mark.parametrize("scene", bundled_scenes(), ids=lambda p: p.name.split(".")[0])
def test_each_bundled_example_renders_all_maps(cli, tmp_path, scene):
    out = tmp_path / "out"
    result = cli("render", scene, "--out", out, "--size", f"{SMALL[0]}x{SMALL[1]}")
    assert result.code == 0, result.err
    _, keypoints = check_map_folder(out, SMALL)
    visible = [p for p in json.loads(scene.read_text())["people"] if p.get("visible", True)]
    assert len(keypoints["people"]) == len(visible)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporaries left


def test_scene_canvas_size_is_used(cli, tmp_path, scene_file, scene_dict):
    out = tmp_path / "out"
    assert cli("render", scene_file, "--out", out, "--maps", "depth,seg").code == 0
    size = (scene_dict["canvas"]["width"], scene_dict["canvas"]["height"])
    with Image.open(out / "seg.png") as image:
        assert image.size == size
    assert sorted(p.name for p in out.iterdir()) == [
        ".posestudio-export.json", "camera.json", "depth.png", "depth_metric.npy", "seg.png"]


@pytest.mark.parametrize("where", ["repo_root", "elsewhere"])
@pytest.mark.parametrize("name", ["examples/standing.pose.json", "standing.pose.json", "standing"])
def test_bundled_example_resolves_from_anywhere(cli, tmp_path, monkeypatch, where, name):
    from cli_helpers import ROOT

    monkeypatch.chdir(ROOT if where == "repo_root" else tmp_path)
    result = cli("joints", name)
    assert result.code == 0, result.err
    assert len(json.loads(result.out)["joints3d"]) == 18


def test_orbit_moves_the_camera(cli, tmp_path, scene_file, scene_dict):
    out = tmp_path / "out"
    assert cli("render", scene_file, "--out", out, "--size", "96x128", "--maps", "depth",
               "--orbit=-30,20").code == 0
    cam = scene_dict["camera"]
    yaw, pitch = math.radians(-30), math.radians(20)
    expected = np.asarray(cam.get("target", [0, 0, 0])) + cam.get("distance", 3.0) * np.array(
        [math.cos(pitch) * math.sin(yaw), math.sin(pitch), math.cos(pitch) * math.cos(yaw)])
    eye = _camera_eye(json.loads((out / "camera.json").read_text()))
    np.testing.assert_allclose(eye, expected, atol=1e-6)


def test_views_write_a_turntable(cli, tmp_path, scene_file, scene_dict):
    out = tmp_path / "out"
    result = cli("render", scene_file, "--out", out, "--size", "96x128", "--views", "4")
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == [".posestudio-export.json"] + [
        f"view_{i:03d}" for i in range(4)]
    target = np.asarray(scene_dict["camera"].get("target", [0, 0, 0]), dtype=float)
    base_yaw = scene_dict["camera"].get("yaw_deg", 0.0)
    for i in range(4):
        cam, _ = check_map_folder(out / f"view_{i:03d}", (96, 128))
        offset = _camera_eye(cam) - target
        yaw = math.degrees(math.atan2(offset[0], offset[2]))
        assert (yaw - base_yaw - 90 * i + 180) % 360 - 180 == pytest.approx(0, abs=1e-6)


def test_rerender_into_existing_folder_replaces_views(cli, tmp_path, scene_file):
    out = tmp_path / "out"
    assert cli("render", scene_file, "--out", out, "--size", "64x64", "--views", "3",
               "--maps", "seg").code == 0
    assert cli("render", scene_file, "--out", out, "--size", "64x64", "--views", "2",
               "--maps", "depth").code == 0
    # view_002 of the first run stays (not ours to delete); view_000/001 hold only the new maps
    assert sorted(p.name for p in (out / "view_000").iterdir()) == [
        "camera.json", "depth.png", "depth_metric.npy"]


def test_layout_body25(cli, tmp_path, scene_file):
    out = tmp_path / "out"
    assert cli("render", scene_file, "--out", out, "--size", "96x128", "--maps", "openpose",
               "--layout", "body25").code == 0
    people = json.loads((out / "openpose.json").read_text())["people"]
    assert len(people[0]["pose_keypoints_2d"]) == 25 * 3


def test_hide_occluded_drops_far_side_points(cli, tmp_path, scene_file):
    def present(*extra):
        out = tmp_path / "_".join(("o",) + extra).replace("-", "")
        assert cli("render", scene_file, "--out", out, "--size", "192x256", "--maps", "openpose",
                   "--orbit=90,0", *extra).code == 0
        body = json.loads((out / "openpose.json").read_text())["people"][0]["pose_keypoints_2d"]
        return int(np.count_nonzero(np.asarray(body).reshape(-1, 3)[:, 2] > 0))

    # From the side, the far eye, ear and shoulder are behind the head and chest.
    assert present("--hide-occluded") < present()


def test_turnaround_sheet_has_four_views_of_the_canvas_size(cli, tmp_path, scene_file):
    out = tmp_path / "out"
    result = cli("render", scene_file, "--out", out, "--size", "64x96", "--maps",
                 "depth,openpose", "--turnaround")
    assert result.code == 0, result.err
    assert "turnaround_depth.png" in result.out
    for name in ("depth", "openpose"):
        with Image.open(out / f"turnaround_{name}.png") as image:
            assert image.size == (4 * 64, 96), name
    sheet = np.asarray(Image.open(out / "turnaround_depth.png"))
    sheet = sheet if sheet.ndim == 2 else sheet[..., 0]
    panels = [sheet[:, i * 64:(i + 1) * 64] > 0 for i in range(4)]
    widths = [np.count_nonzero(p.any(axis=0)) for p in panels]
    assert all(p.mean() > 0.01 for p in panels), "every view shows the figure"
    # A T-ish standing figure is wider from the front than from the side.
    assert widths[2] < widths[0] and widths[2] < widths[3]
    assert not (out / "view_000").exists()


@pytest.mark.parametrize("size", [(96, 160), (160, 96), (128, 128)])
def test_size_keeps_the_scene_camera(cli, tmp_path, scene_file, scene_dict, size):
    """--size changes the canvas only: same pose of the camera, K from the vertical FOV."""
    out = tmp_path / "out"
    assert cli("render", scene_file, "--out", out, "--size", f"{size[0]}x{size[1]}",
               "--maps", "seg").code == 0
    cam = json.loads((out / "camera.json").read_text())
    c = scene_dict["camera"]
    focal = (size[1] / 2) / math.tan(math.radians(c.get("fov_y_deg", 40.0)) / 2)
    np.testing.assert_allclose(cam["K"], [[focal, 0, size[0] / 2], [0, focal, size[1] / 2],
                                          [0, 0, 1]], rtol=1e-9)
    yaw, pitch = math.radians(c.get("yaw_deg", 0.0)), math.radians(c.get("pitch_deg", 0.0))
    expected = np.asarray(c.get("target", [0, 0, 0])) + c.get("distance", 3.0) * np.array(
        [math.cos(pitch) * math.sin(yaw), math.sin(pitch), math.cos(pitch) * math.cos(yaw)])
    np.testing.assert_allclose(_camera_eye(cam), expected, atol=1e-6)


def _body_box(folder):
    """(left, top, right, bottom) pixel bounds of the body in depth_metric.npy."""
    rows, cols = np.nonzero(np.load(folder / "depth_metric.npy") > 0)
    return cols.min(), rows.min(), cols.max() + 1, rows.max() + 1


def test_frame_fits_people_clipped_by_a_new_aspect(cli, tmp_path):
    """two_people is a landscape scene; on a tall canvas its camera cuts the figures off, and
    --frame re-aims it (same direction) so both fit inside the margin."""
    scene, size = EXAMPLES / "two_people.pose.json", (64, 128)
    args = ("render", scene, "--size", "64x128", "--maps", "depth")
    assert cli(*args, "--out", tmp_path / "plain").code == 0
    left, top, right, bottom = _body_box(tmp_path / "plain")
    assert left == 0 or right == size[0], "without --frame the figures touch the side edges"

    assert cli(*args, "--out", tmp_path / "framed", "--frame", "--margin", "0.15").code == 0
    left, top, right, bottom = _body_box(tmp_path / "framed")
    lo, hi = 0.15 * np.array(size), 0.85 * np.array(size)
    assert left >= lo[0] - 1 and top >= lo[1] - 1 and right <= hi[0] + 1 and bottom <= hi[1] + 1
    assert (right - left) >= 0.95 * (hi[0] - lo[0])  # tight on the binding (horizontal) axis
    plain = np.asarray(json.loads((tmp_path / "plain" / "camera.json").read_text())
                       ["world_to_camera"])
    framed = np.asarray(json.loads((tmp_path / "framed" / "camera.json").read_text())
                        ["world_to_camera"])
    np.testing.assert_allclose(framed[:3, :3], plain[:3, :3], atol=1e-9)  # direction kept


def _vertex_depths(scene_path, camera_json) -> np.ndarray:
    """Depth (metres along the view axis) of every posed vertex, from camera.json."""
    from posestudio.body import pose_people
    from posestudio.scene.file_format import load_scene

    vertices = np.concatenate([b.vertices for b in pose_people(load_scene(scene_path))])
    view = np.asarray(camera_json["world_to_camera"])
    return -(vertices @ view[:3, :3].T + view[:3, 3])[:, 2]


def test_framed_turntable_keeps_one_scale_and_everybody_inside(cli, tmp_path):
    scene, out = EXAMPLES / "two_people.pose.json", tmp_path / "spin"
    result = cli("render", scene, "--out", out, "--size", "64x96", "--maps", "depth",
                 "--views", "3", "--frame")
    assert result.code == 0, result.err
    distances = []
    for i in range(3):
        left, top, right, bottom = _body_box(out / f"view_{i:03d}")
        assert left >= 0.1 * 64 - 1 and right <= 0.9 * 64 + 1
        assert top >= 0.1 * 96 - 1 and bottom <= 0.9 * 96 + 1
        depth = _vertex_depths(scene, json.loads((out / f"view_{i:03d}" / "camera.json")
                                                 .read_text()))
        distances.append((depth.min() + depth.max()) / 2)  # eye to the middle of the people
    # One distance for all views: the same eye-to-people distance, so the same scale.
    assert max(distances) - min(distances) < 1e-4, distances


def test_margin_needs_frame_and_a_sane_value(cli, tmp_path, scene_file):
    from cli_helpers import assert_clean_failure

    before = set(tmp_path.rglob("*"))
    for extra in (("--margin", "0.1"), ("--frame", "--margin", "0.6"),
                  ("--frame", "--margin", "nan"), ("--frame", "--margin", "wide")):
        result = cli("render", scene_file, "--out", tmp_path / "o", *extra)
        assert_clean_failure(result, tmp_path, before)
        assert "--margin" in result.err


@pytest.mark.parametrize("lens,fy", [(("--focal-mm", "85"), 85 / 24 * 128),
                                     (("--focal-mm", "35", "--sensor-mm", "15.6"), 35 / 15.6 * 128),
                                     (("--fov", "60"), 64 / math.tan(math.radians(30)))])
def test_lens_options_set_the_focal_length_in_pixels(cli, tmp_path, scene_file, lens, fy):
    out = tmp_path / "out"
    assert cli("render", scene_file, "--out", out, "--size", "96x128", "--maps", "depth",
               *lens).code == 0
    K = np.asarray(json.loads((out / "camera.json").read_text())["K"])
    assert K[1, 1] == pytest.approx(fy, rel=1e-12) and K[0, 0] == K[1, 1]
