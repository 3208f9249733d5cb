"""``posestudio export-mesh``: files round-trip through trimesh with the posed geometry."""

from __future__ import annotations

import json

import numpy as np
import pytest
import trimesh

from cli_helpers import EXAMPLES


def _posed(scene_path):
    from posestudio.body import pose_people
    from posestudio.scene.file_format import load_scene

    return pose_people(load_scene(scene_path))


def _load(path) -> trimesh.Trimesh:
    loaded = trimesh.load(path, process=False)
    if isinstance(loaded, trimesh.Scene):
        return loaded.dump(concatenate=True), len(loaded.geometry)
    return loaded, 1


@pytest.mark.parametrize("ext", ["obj", "ply", "glb"])
def test_round_trip(cli, tmp_path, ext):
    scene = EXAMPLES / "two_people.pose.json"
    out = tmp_path / f"people.{ext}"
    result = cli("export-mesh", scene, "--out", out)
    assert result.code == 0, result.err
    bodies = _posed(scene)
    vertices = np.concatenate([b.vertices for b in bodies])
    mesh, parts = _load(out)
    assert len(mesh.vertices) == len(vertices)
    assert len(mesh.faces) == sum(len(b.faces) for b in bodies)
    np.testing.assert_allclose(mesh.bounds, [vertices.min(0), vertices.max(0)], atol=1e-5)
    if ext == "glb":
        assert parts == len(bodies)  # one node per person
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_hidden_people_are_left_out(cli, tmp_path):
    data = json.loads((EXAMPLES / "two_people.pose.json").read_text())
    data["people"][1]["visible"] = False
    scene = tmp_path / "one_visible.pose.json"
    scene.write_text(json.dumps(data))
    assert cli("export-mesh", scene, "--out", tmp_path / "m.ply").code == 0
    mesh, _ = _load(tmp_path / "m.ply")
    (body,) = _posed(scene)
    assert len(mesh.vertices) == len(body.vertices)
    np.testing.assert_allclose(mesh.vertices, body.vertices, atol=1e-5)
    # World metres, Y up: a standing adult mannequin is 1.2..2.2 m tall.
    assert 1.2 < np.ptp(mesh.vertices[:, 1]) < 2.2
