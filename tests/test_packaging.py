"""The wheel carries everything: installed alone (no checkout), ``posestudio render`` works.

Builds a wheel of the checkout, installs it (without dependencies) into a fresh venv whose only
link to the outside is a ``.pth`` line naming this environment's site-packages (so numpy, torch,
smplx, pyrender... resolve), then renders a bundled example from a folder outside the checkout.
This proves ``rigs/`` (the mannequin) and ``resources/`` (the examples) ship as package data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)
    assert proc.returncode == 0, f"{cmd[:3]} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
          "-q", "-w", str(tmp / "dist")], cwd=ROOT)
    wheels = list((tmp / "dist").glob("posestudio-*.whl"))
    assert len(wheels) == 1, wheels
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
                .stdout.strip())
    # Dependencies from this environment; a .pth in a plain path entry is not processed, so the
    # editable install's finder living there stays inactive.
    (site / "_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "-q", str(wheels[0])])
    return venv


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PYOPENGL_PLATFORM="egl", HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    return env


def test_wheel_is_used_not_the_checkout(wheel_venv, tmp_path):
    probe = ("import json, sys, posestudio, posestudio.rigs, posestudio.resources; "
             "print(json.dumps({'path': sys.path, 'files': [posestudio.__file__, "
             "posestudio.rigs.__file__, posestudio.resources.__file__]}))")
    out = json.loads(_run([str(wheel_venv / "bin" / "python"), "-c", probe], cwd=tmp_path,
                          env=_clean_env()).stdout)
    deps = Path(sysconfig.get_path("purelib")).resolve()
    into_checkout = [p for p in out["path"] if p and Path(p).resolve().is_relative_to(ROOT)
                     and not Path(p).resolve().is_relative_to(deps)]
    assert str(ROOT) not in out["path"] and into_checkout == []
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
