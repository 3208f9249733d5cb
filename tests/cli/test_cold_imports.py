"""One-shot commands import only what they need: ``render`` and a photo ``import`` never load
torch, smplx's torch parts, diffusers or Qt (a fresh interpreter, as a script or a render farm
calls it)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

HEAVY = ("torch", "smplx", "diffusers", "transformers", "PySide6", "matplotlib")


def _cold_run(tmp_path, code: str) -> str:
    """Run ``code`` in a fresh headless interpreter; it prints ``STATUS LOADED`` last.

    Checks that the interpreter and the command both succeeded, returns ``LOADED``."""
    env = dict(os.environ, PYOPENGL_PLATFORM="egl", HF_HUB_OFFLINE="1",
               POSESTUDIO_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    status, _, loaded = proc.stdout.strip().splitlines()[-1].partition(" ")
    assert status == "0", proc.stderr
    return loaded


def test_render_does_not_import_torch(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        from posestudio.cli import main
        code = main(["render", "standing", "--out", {str(tmp_path / "out")!r},
                     "--size", "64x96"])
        loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
        print(code, ",".join(loaded))
    """)
    loaded = _cold_run(tmp_path, code)
    assert loaded == "", f"render imported {loaded}"
    assert (tmp_path / "out" / "depth.png").is_file() and (tmp_path / "out" / "seg.png").is_file()


def test_photo_import_skips_torch_scipy_and_matplotlib(tmp_path):
    """A cold ``import PHOTO`` loads MediaPipe and nothing it does not use: not torch or smplx
    (the fit's gradients are numpy), not matplotlib (MediaPipe's drawing helpers), not
    ``scipy.optimize`` / ``scipy.spatial`` (the fit has its own L-BFGS and rotations)."""
    from PIL import Image
    from skimage import data

    photo = tmp_path / "astronaut.png"
    Image.fromarray(data.astronaut()).save(photo)
    unwanted = ("torch", "smplx", "matplotlib", "scipy.optimize", "scipy.spatial", "scipy.sparse")
    code = textwrap.dedent(f"""
        import sys
        from posestudio.cli import main
        code = main(["import", {str(photo)!r}, "--out", {str(tmp_path / "x.pose.json")!r}])
        print(code, ",".join(m for m in {unwanted!r} if m in sys.modules))
    """)
    loaded = _cold_run(tmp_path, code)
    assert loaded == "", f"a photo import imported {loaded}"
    assert (tmp_path / "x.pose.json").is_file()
