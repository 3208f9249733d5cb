"""The real ``python -m posestudio`` process: clean one-line errors and JSON on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def _run(*argv, cwd, gl="egl"):
    env = dict(os.environ, PYOPENGL_PLATFORM=gl, HF_HUB_OFFLINE="1")
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


def test_no_opengl_one_line_and_the_output_folder_untouched(tmp_path):
    """A machine without usable GL: one line saying what to install, and nothing of this run
    reaches the existing output folder (no temporaries left beside it either)."""
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    proc = _run("render", "standing", "--out", "o", "--size", "64x64", cwd=tmp_path,
                gl="no-such-platform")
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.splitlines()) == 1 and "OpenGL" in proc.stderr, proc.stderr
    assert "apt install" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["notes.txt", "o"]


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


HEAVY = ("numpy", "torch", "smplx", "pyrender", "trimesh", "diffusers", "transformers", "cv2",
         "PIL", "scipy", "mediapipe", "OpenGL")


def test_help_defers_heavy_imports(tmp_path):
    """``posestudio --help`` and every command's ``--help`` load no numeric/GL/ML library, which
    is what keeps start-up fast (bench/bench_cli_startup.py measures the time)."""
    script = (
        "import contextlib, io, json, sys\n"
        "from posestudio.cli import build_parser, main\n"
        "commands = sorted(build_parser()._subparsers._group_actions[0].choices)\n"
        "for argv in [['--help']] + [[c, '--help'] for c in commands]:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try: main(argv)\n"
        "        except SystemExit: pass\n"
        f"print(json.dumps([commands, [m for m in {HEAVY!r} if m in sys.modules]]))\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    commands, heavy = json.loads(proc.stdout)
    assert {"render", "joints", "export-mesh"} <= set(commands)
    assert heavy == [], f"--help imported {heavy}"
