"""One-shot commands import only what they need: ``render`` never loads torch, smplx's torch
parts, diffusers or Qt (a fresh interpreter, as a script or a render farm calls it)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

HEAVY = ("torch", "smplx", "diffusers", "transformers", "PySide6", "matplotlib")


def test_render_does_not_import_torch(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        from posestudio.cli import main
        code = main(["render", "standing", "--out", {str(tmp_path / "out")!r},
                     "--size", "64x96"])
        loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))
        print(code, ",".join(loaded))
    """)
    env = dict(os.environ, PYOPENGL_PLATFORM="egl", HF_HUB_OFFLINE="1",
               POSESTUDIO_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    status, _, loaded = proc.stdout.strip().splitlines()[-1].partition(" ")
    assert status == "0", proc.stderr
    assert loaded == "", f"render imported {loaded}"
    assert (tmp_path / "out" / "depth.png").is_file() and (tmp_path / "out" / "seg.png").is_file()
