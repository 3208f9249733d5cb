"""``posestudio joints``: 3D joints and pixels agree with camera.json and openpose.json."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_helpers import EXAMPLES


def project_with_camera_json(points: np.ndarray, cam: dict) -> np.ndarray:
    """Pixels by the recipe camera.json documents: K applied to OpenCV = (x, -y, -z) of GL."""
    view = np.asarray(cam["world_to_camera"])
    gl = points @ view[:3, :3].T + view[:3, 3]
    cv = gl * np.array([1.0, -1.0, -1.0])
    uvw = cv @ np.asarray(cam["K"]).T
    return uvw[:, :2] / uvw[:, 2:]


def _joints(cli, *argv) -> dict:
    result = cli("joints", *argv)
    assert result.code == 0, result.err
    assert result.err == ""
    return json.loads(result.out)


@pytest.mark.parametrize("scene_name,person", [("standing", 0), ("two_people", 0),
                                               ("two_people", 1)])
def test_joints_agree_with_render_outputs(cli, tmp_path, scene_name, person):
    scene = EXAMPLES / f"{scene_name}.pose.json"
    out = tmp_path / "out"
    assert cli("render", scene, "--out", out, "--maps", "openpose").code == 0
    cam = json.loads((out / "camera.json").read_text())
    data = _joints(cli, scene, "--person", str(person))
    assert data["format"] == "openpose18" and len(data["joints3d"]) == 18
    assert (data["width"], data["height"]) == (cam["width"], cam["height"])

    have = [i for i, p in enumerate(data["joints3d"]) if p is not None]
    assert len(have) == 18  # the mannequin defines every COCO-18 source
    points = np.array([data["joints3d"][i] for i in have])
    uv = np.array([data["joints2d"][i] for i in have])
    np.testing.assert_allclose(project_with_camera_json(points, cam), uv, atol=0.01)

    body = np.asarray(json.loads((out / "openpose.json").read_text())["people"][person]
                      ["pose_keypoints_2d"]).reshape(-1, 3)
    shown = body[:, 2] > 0
    assert shown.sum() >= 10, "most of a standing person's keypoints are in the picture"
    np.testing.assert_allclose(body[shown, :2], uv[shown], atol=0.01)
    # A point openpose.json leaves out projects off the canvas.
    for (u, v) in uv[~shown]:
        assert not (0 <= u < cam["width"] and 0 <= v < cam["height"])


def test_formats(cli):
    scene = EXAMPLES / "standing.pose.json"
    coco = _joints(cli, scene)
    body25 = _joints(cli, scene, "--format", "body25")
    smpl = _joints(cli, scene, "--format", "smpl24")
    assert len(body25["joints3d"]) == 25 and len(smpl["joints3d"]) == 24
    assert smpl["names"][0] == "pelvis" and all(p is not None for p in smpl["joints3d"])
    # Shared points agree across layouts: neck and nose are in both OpenPose sets.
    for name in ("nose", "neck", "right_wrist"):
        a = coco["joints3d"][coco["names"].index(name)]
        b = body25["joints3d"][body25["names"].index(name)]
        np.testing.assert_allclose(a, b, atol=1e-9)
    # BODY_25's mid-hip is the midpoint of its hips.
    names = body25["names"]
    hips = np.array([body25["joints3d"][names.index(n)] for n in ("right_hip", "left_hip")])
    np.testing.assert_allclose(body25["joints3d"][names.index("mid_hip")], hips.mean(0), atol=1e-9)
    # SMPL's head is above its pelvis (Y up) for a standing person.
    assert smpl["joints3d"][15][1] > smpl["joints3d"][0][1] + 0.4


def test_two_people_differ(cli):
    scene = EXAMPLES / "two_people.pose.json"
    a = np.array(_joints(cli, scene, "--person", "0")["joints3d"], dtype=float)
    b = np.array(_joints(cli, scene, "--person", "1")["joints3d"], dtype=float)
    assert np.linalg.norm(a.mean(0) - b.mean(0)) > 0.3


def test_size_and_orbit_match_a_render_with_the_same_options(cli, tmp_path):
    scene, view = EXAMPLES / "two_people.pose.json", ("--size", "300x200", "--orbit=-40,15")
    out = tmp_path / "out"
    assert cli("render", scene, "--out", out, "--maps", "openpose", *view).code == 0
    cam = json.loads((out / "camera.json").read_text())
    data = _joints(cli, scene, "--person", "1", *view)
    assert (data["width"], data["height"]) == (300, 200)
    points, uv = np.array(data["joints3d"]), np.array(data["joints2d"])
    np.testing.assert_allclose(project_with_camera_json(points, cam), uv, atol=0.01)
    plain = np.array(_joints(cli, scene, "--person", "1")["joints2d"])
    assert np.abs(plain - uv).max() > 20  # the options really moved the pixels
