"""The wheel carries everything: installed alone (no checkout), ``posestudio render`` works.

Builds a wheel from a copy of the sources (so the checkout gets no ``build/`` folder and two test
runs never share one), with ``--no-deps --no-build-isolation`` (nothing is downloaded). The wheel
is installed without dependencies into a fresh venv whose only link to the outside is a ``.pth``
line naming this environment's site-packages (so numpy, torch, smplx, pyrender... resolve without
reinstalling them), then renders a bundled example from a folder outside the checkout. This proves
``rigs/`` (the mannequin) and ``resources/`` (examples, presets) ship as package data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
# What setup.py packages (see its ROOTS), plus the files the build reads.
SOURCES = ("pyproject.toml", "setup.py", "README.md", "posestudio", "ui", "rigs", "resources")


def _run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, f"{cmd[:3]} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=skip)
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = src / "dist"
    _run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
          "--no-index", "-q", "-w", str(dist)], cwd=src)
    wheels = list(dist.glob("posestudio-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def wheel_venv(wheel, tmp_path_factory) -> Path:
    venv = tmp_path_factory.mktemp("wheel") / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
                .stdout.strip())
    # Dependencies from this environment; a .pth in a plain path entry is not processed, so the
    # editable install's finder living there stays inactive.
    (site / "_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "-q", str(wheel)])
    return venv


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PYOPENGL_PLATFORM="egl", HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    return env


def test_wheel_carries_rig_examples_presets_and_entry_points(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(n).decode() for n in names
                            if n.endswith(".dist-info/entry_points.txt"))
    assert "posestudio/rigs/mannequin.npz" in names
    examples = {Path(n).name for n in names if n.startswith("posestudio/resources/examples/")}
    shipped = {p.name for p in (ROOT / "resources" / "examples").glob("*.pose.json")}
    assert shipped and shipped <= examples
    presets = {n for n in names if n.startswith("posestudio/resources/presets/")}
    assert "posestudio/resources/presets/hands.json" in presets
    assert any(n.endswith(".json") and "/poses/" in n for n in presets)
    assert "posestudio/cli/__init__.py" in names and "posestudio/ui/__init__.py" in names
    assert not any("__pycache__" in n or n.startswith("tests/") for n in names)
    assert "posestudio = posestudio.cli:main" in entry_points
    assert "posestudio-gui = posestudio.ui.app:main" in entry_points


def test_wheel_is_used_not_the_checkout(wheel_venv, tmp_path):
    # posestudio.ui.app holds the posestudio-gui entry point (imported, no window opened).
    probe = ("import json, sys, posestudio, posestudio.rigs, posestudio.resources, "
             "posestudio.ui.app; assert callable(posestudio.ui.app.main); "
             "from posestudio import presets; "
             "loaded = [presets.load_pose_preset(n)[0].shape for n in presets.list_pose_presets()]; "
             "hands = [presets.hand_preset(n, 'right').shape for n in presets.list_hand_presets()]; "
             "print(json.dumps({'presets': len(loaded), 'hands': len(hands), "
             "'path': sys.path, 'files': [posestudio.__file__, "
             "posestudio.rigs.__file__, posestudio.resources.__file__, "
             "posestudio.ui.app.__file__]}))")
    out = json.loads(_run([str(wheel_venv / "bin" / "python"), "-c", probe], cwd=tmp_path,
                          env=_clean_env()).stdout)
    deps = Path(sysconfig.get_path("purelib")).resolve()
    into_checkout = [p for p in out["path"] if p and Path(p).resolve().is_relative_to(ROOT)
                     and not Path(p).resolve().is_relative_to(deps)]
    assert str(ROOT) not in out["path"] and into_checkout == []
    assert out["presets"] == len(list((ROOT / "resources" / "presets" / "poses").glob("*.json")))
    assert out["hands"] >= 4  # presets read through importlib.resources from the wheel
    for file in out["files"]:
        assert Path(file).is_relative_to(wheel_venv), file


def test_installed_cli_renders_bundled_example(wheel_venv, tmp_path):
    out = tmp_path / "maps"
    proc = subprocess.run(
        [str(wheel_venv / "bin" / "posestudio"), "render", "examples/standing.pose.json",
         "--out", str(out), "--size", "192x256"],
        cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    from PIL import Image

    for name in ("openpose", "mannequin", "depth", "normal", "canny", "seg"):
        with Image.open(out / f"{name}.png") as image:
            assert image.size == (192, 256), name
    depth = np.load(out / "depth_metric.npy")
    assert depth.shape == (256, 192) and depth.max() > 0  # the mannequin is really there
    keypoints = json.loads((out / "openpose.json").read_text())
    assert keypoints["canvas_width"] == 192 and keypoints["canvas_height"] == 256
    assert len(keypoints["people"]) >= 1
