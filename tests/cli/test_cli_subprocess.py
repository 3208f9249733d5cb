"""The real ``python -m posestudio`` process: clean one-line errors and JSON on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def _run(*argv, cwd):
    env = dict(os.environ, PYOPENGL_PLATFORM="egl", HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "posestudio", *map(str, argv)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


def test_missing_scene_one_line(tmp_path):
    proc = _run("render", "nowhere.pose.json", "--out", tmp_path / "o", cwd=tmp_path)
    assert proc.returncode == 2
    assert len(proc.stderr.splitlines()) == 1 and "nowhere.pose.json" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "o").exists()


def test_corrupt_scene_after_heavy_imports(tmp_path):
    """Fails in ``load_scene``; no library warning may add lines to stderr either."""
    (tmp_path / "bad.pose.json").write_text('{"format": "posestudio-scene", "version": 1, "peop')
    proc = _run("export-mesh", "bad.pose.json", "--out", "m.glb", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "bad.pose.json" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pose.json"]


def test_bad_body_model_one_line(tmp_path):
    (tmp_path / "model.npz").write_bytes(os.urandom(4096))
    proc = _run("render", "examples/standing.pose.json", "--out", "o", "--body-model",
                "model.npz", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "model.npz" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "o").exists()


def test_joints_json_on_stdout_from_any_folder(tmp_path):
    proc = _run("joints", "examples/standing.pose.json", "--format", "body25", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data["joints2d"]) == 25 and proc.stderr == ""
