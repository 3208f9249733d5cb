"""``--body-model FILE`` reaches every scene command: a (synthetic, author-format) SMPL file
replaces the mannequin in render, joints and export-mesh."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
import trimesh

from cli_helpers import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def smpl_file(tmp_path_factory):
    # tests/body/synthetic.py writes model files the way their authors ship them.
    spec = importlib.util.spec_from_file_location("body_synthetic",
                                                  ROOT / "tests" / "body" / "synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    path = tmp_path_factory.mktemp("models") / "SMPL_NEUTRAL.npz"
    return synthetic.write_npz(path, synthetic.model_arrays("smpl", num_vertices=300))


def test_body_model_in_joints_render_and_export_mesh(cli, tmp_path, smpl_file):
    scene = EXAMPLES / "two_people.pose.json"
    result = cli("joints", scene, "--body-model", smpl_file, "--format", "smpl24", "--person", "1")
    assert result.code == 0, result.err
    smpl = json.loads(result.out)
    assert len(smpl["joints3d"]) == 24 and all(p is not None for p in smpl["joints3d"])
    mannequin = json.loads(cli("joints", scene, "--format", "smpl24", "--person", "1").out)
    assert not np.allclose(smpl["joints3d"], mannequin["joints3d"], atol=1e-3)

    assert cli("export-mesh", scene, "--out", tmp_path / "m.ply", "--body-model",
               smpl_file).code == 0
    mesh = trimesh.load(tmp_path / "m.ply", process=False)
    assert len(mesh.vertices) == 2 * 300  # two people, each the file's 300 vertices

    out = tmp_path / "maps"
    result = cli("render", scene, "--out", out, "--size", "64x64", "--maps", "depth",
                 "--body-model", smpl_file)
    assert result.code == 0, result.err
    assert np.load(out / "depth_metric.npy").max() > 0
