"""Posing needs no torch: the mannequin and real files load straight into the numpy path."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np

from synthetic import model_arrays, write_npz

HEAVY = ("torch", "smplx", "diffusers", "PySide6")


def test_loading_and_posing_import_no_torch(tmp_path):
    """A fresh interpreter loads the mannequin and an SMPL-X file, poses both, and has loaded
    neither torch nor the smplx package (its landmark table is read from the file)."""
    path = write_npz(tmp_path / "SMPLX_NEUTRAL.npz", model_arrays("smplx", seed=4, num_shape=20))
    code = textwrap.dedent(f"""
        import sys
        import numpy as np
        from posestudio.body import load_body_model
        for rig in ("mannequin", {str(path)!r}):
            body = load_body_model(rig).pose(pose=np.full((55, 3), 0.1))
            assert np.isfinite(body.vertices).all() and len(body.joints) == 55
        print(",".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))))
    """)
    env = dict(os.environ, POSESTUDIO_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"posing imported {proc.stdout.strip()}"


def test_landmark_table_is_smplx_own():
    import smplx.vertex_ids

    from posestudio.body.real import official_vertex_ids

    assert official_vertex_ids() == smplx.vertex_ids.vertex_ids


def test_smplx_reference_is_built_on_first_use(mannequin):
    import smplx

    model = mannequin.smplx_model
    assert isinstance(model, smplx.SMPLX) and mannequin.smplx_model is model
    np.testing.assert_array_equal(model.v_template.numpy(), mannequin.rest_vertices())
