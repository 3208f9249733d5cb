"""Small synthetic SMPL / SMPL+H / SMPL-X model files, written the way their authors ship them.

Official files are licensed and absent; these have the right keys, shapes and kinematic trees
with seeded random content, so loading, layout detection, pose mapping and LBS can be tested.
"""

from __future__ import annotations

import pickle
import sys
import types
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from posestudio.skeletons import SMPLX_PARENTS

PARENTS = {
    "smpl": SMPLX_PARENTS[:22] + (20, 21),
    "smplh": SMPLX_PARENTS[:22] + tuple(p if p < 22 else p - 3 for p in SMPLX_PARENTS[25:]),
    "smplx": SMPLX_PARENTS,
}


def model_arrays(kind: str, num_vertices: int = 300, num_shape: int = 10, seed: int = 0,
                 light: bool = False) -> dict[str, np.ndarray]:
    """Random but well-formed model arrays of ``kind`` (float64 like the old pickles).

    ``light``: zero float32 pose correctives, for files with the official vertex counts.
    """
    rng = np.random.default_rng(seed)
    parents = np.array(PARENTS[kind])
    nj = len(parents)
    v = rng.normal(0.0, 0.3, (num_vertices, 3))
    faces = _distinct_rows(rng, num_vertices, (2 * num_vertices, 3))
    jreg = np.zeros((nj, num_vertices))
    jreg[np.arange(nj)[:, None], _distinct_rows(rng, num_vertices, (nj, 4))] = 0.25
    weights = np.zeros((num_vertices, nj))
    a = rng.uniform(0.2, 0.8, num_vertices)
    weights[np.arange(num_vertices)[:, None], _distinct_rows(rng, nj, (num_vertices, 2))] = (
        np.stack([a, 1 - a], axis=1))
    kintree = np.stack([parents, np.arange(nj)]).astype(np.int64)
    kintree[0, 0] = 4294967295  # as the official files store "no parent"
    arrays = {
        "v_template": v, "f": faces.astype(np.uint32), "J_regressor": jreg,
        "weights": weights, "kintree_table": kintree,
        "shapedirs": rng.normal(0.0, 0.01, (num_vertices, 3, num_shape)),
        "posedirs": (np.zeros((num_vertices, 3, (nj - 1) * 9), np.float32) if light
                     else rng.normal(0.0, 0.002, (num_vertices, 3, (nj - 1) * 9))),
    }
    if kind in ("smplh", "smplx"):
        for side in "lr":
            arrays[f"hands_components{side}"] = np.linalg.qr(rng.normal(size=(45, 45)))[0]
            arrays[f"hands_mean{side}"] = rng.normal(0.0, 0.1, 45)
    if kind == "smplx":
        nf = len(faces)
        arrays["lmk_faces_idx"] = rng.integers(0, nf, 51)
        arrays["lmk_bary_coords"] = rng.dirichlet(np.ones(3), 51)
        arrays["dynamic_lmk_faces_idx"] = rng.integers(0, nf, (79, 17))
        arrays["dynamic_lmk_bary_coords"] = rng.dirichlet(np.ones(3), (79, 17))
    return arrays


def _distinct_rows(rng, high: int, shape: tuple[int, int]) -> np.ndarray:
    """Random integers in [0, high), no repeats within a row (vectorised; official sizes are big)."""
    out = rng.integers(0, high, shape)
    while True:
        srt = np.sort(out, axis=1)
        bad = np.any(srt[:, 1:] == srt[:, :-1], axis=1)
        if not bad.any():
            return out
        out[bad] = rng.integers(0, high, (int(bad.sum()), shape[1]))


def write_npz(path: Path, arrays: dict[str, np.ndarray], *, object_extras: bool = True) -> Path:
    """Write like the official ``.npz`` (which also holds object arrays we must never load)."""
    extra = {}
    if object_extras:
        extra["part2num"] = np.array({"head": 0}, dtype=object)
    np.savez_compressed(path, **arrays, **extra)
    return path


def fake_chumpy(monkeypatch) -> tuple[type, types.ModuleType]:
    """Register a stand-in ``chumpy.ch.Ch`` (chumpy itself is not installed) for the test.

    A ``Ch(x)`` keeps ``x`` in its state with bookkeeping next to it, exactly how chumpy objects
    pickle. Returns (the ``Ch`` class, the ``chumpy.ch`` module).
    """
    chumpy = types.ModuleType("chumpy")
    ch = types.ModuleType("chumpy.ch")

    class Ch:
        def __init__(self, x):
            self.x = x
            self._dirty_vars = set()  # chumpy keeps bookkeeping next to x

    Ch.__module__, Ch.__qualname__ = "chumpy.ch", "Ch"
    ch.Ch = Ch
    chumpy.ch = ch
    monkeypatch.setitem(sys.modules, "chumpy", chumpy)
    monkeypatch.setitem(sys.modules, "chumpy.ch", ch)
    return Ch, ch


def write_chumpy_pkl(path: Path, arrays: dict[str, np.ndarray], monkeypatch) -> Path:
    """Write an old-style SMPL pickle: chumpy ``Ch`` objects (:func:`fake_chumpy`) and a
    scipy.sparse regressor."""
    Ch, _ = fake_chumpy(monkeypatch)
    data = dict(arrays)
    for key in ("shapedirs", "v_template", "weights"):
        data[key] = Ch(arrays[key])
    data["J_regressor"] = sp.csc_matrix(arrays["J_regressor"])
    data["bs_style"] = "lbs"
    data["bs_type"] = "lrotmin"
    with open(path, "wb") as fh:
        pickle.dump(data, fh, protocol=2)
    return path
