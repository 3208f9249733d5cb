"""Real SMPL / SMPL+H / SMPL-X model files, read safely and handed to ``smplx``.

Files are used as their authors distribute them (``SMPL_NEUTRAL.pkl``, ``SMPLH_MALE.pkl``,
``SMPLX_FEMALE.npz``...): ``.npz`` through ``np.load(allow_pickle=False)``, ``.pkl`` through
:mod:`posestudio.body.safe_pickle`. The layout comes from the arrays (24 joints = SMPL, 52 = SMPL+H,
55 = SMPL-X), never from the file name. The arrays are checked, converted to plain float32/int
arrays and read into :class:`~posestudio.body.model.BodyArrays` the way ``smplx`` reads them, with
no torch involved. The ``smplx`` module itself (the reference the tests compare against, built on
first use of ``BodyModel.smplx_model``) gets them as a ``data_struct`` for ``smplx.SMPL``/``SMPLH``;
``smplx.SMPLX`` only loads by path, so for it we write the sanitised arrays to a cache ``.npz`` of
our own first.

Pose mapping from the 55 SMPL-X joints: body joints 1..21 are the same in every layout; SMPL+H
fingers are the SMPL-X finger joints 25..54; SMPL's two hand joints stay at zero; SMPL-X's jaw
and eyes are used as given.

Landmarks: ``smplx.vertex_ids`` ('smplh' for SMPL/SMPL+H, 'smplx' for SMPL-X) give nose, eyes, ears,
toes, heels and fingertips on the official topologies (6890 / 10475 vertices). SMPL-X also gets
the OpenPose face-70: points 17-67 from the file's ``lmk_faces_idx``/``lmk_bary_coords``, the jaw
contour 0-16 from the frontal row (head turned 0 degrees) of its dynamic contour, pupils 68/69 from
the eye vertices. A file with another vertex count has no surface landmarks (they would point at
arbitrary vertices), and the rig reports none.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from pathlib import Path

import numpy as np

from posestudio.errors import BodyModelError, UnsafeFileError
from posestudio.skeletons import SMPL_JOINT_NAMES, SMPLX_JOINT_NAMES, SMPLX_PARENTS

log = logging.getLogger(__name__)

LAYOUTS = {24: "smpl", 52: "smplh", 55: "smplx"}
MAX_NPZ_BYTES = 1 << 30  # arrays read from one .npz (the largest official file holds ~0.3 GiB)
OFFICIAL_VERTICES = {"smpl": 6890, "smplh": 6890, "smplx": 10475}
REQUIRED = ("v_template", "f", "shapedirs", "posedirs", "J_regressor", "weights", "kintree_table")
OPTIONAL = ("hands_componentsl", "hands_componentsr", "hands_meanl", "hands_meanr",
            "lmk_faces_idx", "lmk_bary_coords", "dynamic_lmk_faces_idx",
            "dynamic_lmk_bary_coords")

SMPLH_POSE_INDEX = np.array(list(range(22)) + list(range(25, 55)))
SMPL_POSE_INDEX = np.array(list(range(22)) + [-1, -1])

# Body part of each SMPL-X joint's vertices (for segmentation maps of real bodies).
_JOINT_PART = {
    "pelvis": "pelvis", "spine1": "abdomen", "spine2": "abdomen", "spine3": "chest",
    "neck": "neck", "head": "head", "jaw": "head", "left_eye_smplhf": "head",
    "right_eye_smplhf": "head", "left_collar": "chest", "right_collar": "chest",
}
for _s in ("left", "right"):
    _JOINT_PART.update({f"{_s}_hip": f"{_s}_thigh", f"{_s}_knee": f"{_s}_shin",
                        f"{_s}_ankle": f"{_s}_foot", f"{_s}_foot": f"{_s}_foot",
                        f"{_s}_shoulder": f"{_s}_upper_arm", f"{_s}_elbow": f"{_s}_lower_arm",
                        f"{_s}_wrist": f"{_s}_hand", f"{_s}_hand": f"{_s}_hand"})
    for _n in SMPLX_JOINT_NAMES[25:]:
        if _n.startswith(_s):
            _JOINT_PART[_n] = f"{_s}_hand"


def _check_npz_sizes(path: Path, archive: zipfile.ZipFile, keys: list[str]) -> None:
    """Refuse arrays whose ``.npy`` header disagrees with the member's size, or that together
    exceed :data:`MAX_NPZ_BYTES` (a zip bomb, or a header claiming a huge shape)."""
    from numpy.lib import format as npy

    total = 0
    for key in keys:
        info = archive.getinfo(f"{key}.npy")
        with archive.open(info) as fh:
            try:
                version = npy.read_magic(fh)
                read_header = {(1, 0): npy.read_array_header_1_0,
                               (2, 0): npy.read_array_header_2_0}[version]
                shape, _fortran, dtype = read_header(fh)
            except Exception as e:  # noqa: BLE001 - numpy's header parser on hostile bytes
                # (it raises ValueError, SyntaxError, tokenize.TokenError, KeyError...)
                raise BodyModelError(f"body model file {path}: {key} has a bad .npy header "
                                     f"({type(e).__name__})") from None
            header = fh.tell()
        if dtype.hasobject:
            raise UnsafeFileError(f"body model file {path}: refused {key}, an object array")
        need = int(np.prod(shape, dtype=object)) * dtype.itemsize
        if need != info.file_size - header:
            raise BodyModelError(f"body model file {path}: {key} claims shape {shape} "
                                 f"({need} bytes) but holds {info.file_size - header} bytes")
        total += need
        if total > MAX_NPZ_BYTES:
            raise UnsafeFileError(f"body model file {path}: refused arrays of more than "
                                  f"{MAX_NPZ_BYTES >> 20} MiB in all (a compressed-size bomb?)")


def read_model_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a model file (only the keys we use), as plain numpy arrays."""
    suffix = path.suffix.lower()
    if suffix == ".npz":
        out = {}
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = [key for key in REQUIRED + OPTIONAL if key in data.files]
                _check_npz_sizes(path, data.zip, keys)
                for key in keys:
                    out[key] = data[key]
        except ValueError as e:  # an object array among the keys we need, a bad header
            raise BodyModelError(f"body model file {path}: {e}") from None
        except (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError,
                MemoryError) as e:
            raise BodyModelError(
                f"body model file {path} is corrupt or truncated ({type(e).__name__}: {e})"
            ) from None
        return out
    if suffix == ".pkl":
        from posestudio.body.safe_pickle import load_safe_pickle

        data = load_safe_pickle(path)
        if not isinstance(data, dict):
            raise BodyModelError(f"body model file {path} does not hold a dictionary of arrays")
        return {k: data[k] for k in REQUIRED + OPTIONAL if k in data and data[k] is not None}
    raise BodyModelError(f"body model file {path}: expected a .pkl or .npz file")


def sanitize(path: Path, raw: dict[str, np.ndarray]) -> tuple[str, dict[str, np.ndarray]]:
    """Check the arrays, detect the layout; returns (kind, plain float32/int arrays)."""
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise BodyModelError(f"body model file {path} lacks {', '.join(missing)} "
                             "(not an SMPL/SMPL+H/SMPL-X model)")

    def arr(key: str, dtype, ndim: int) -> np.ndarray:
        try:
            a = np.asarray(raw[key], dtype=dtype)
        except (TypeError, ValueError):
            raise BodyModelError(f"body model file {path}: {key} is not numeric") from None
        if a.ndim != ndim:
            raise BodyModelError(f"body model file {path}: {key} has shape {a.shape}")
        if np.issubdtype(a.dtype, np.floating) and not np.all(np.isfinite(a)):
            raise BodyModelError(f"body model file {path}: {key} has non-finite values")
        return a

    v = arr("v_template", np.float32, 2)
    nv = len(v)
    f = arr("f", np.int64, 2)
    jreg = arr("J_regressor", np.float32, 2)
    nj = jreg.shape[0]
    kind = LAYOUTS.get(nj)
    if kind is None:
        raise BodyModelError(f"body model file {path} has {nj} joints: unknown layout "
                             "(24 = SMPL, 52 = SMPL+H, 55 = SMPL-X)")
    shapedirs = arr("shapedirs", np.float32, 3)
    posedirs = arr("posedirs", np.float32, 3)
    weights = arr("weights", np.float32, 2)
    kintree = arr("kintree_table", np.int64, 2)
    checks = {
        "v_template": v.shape[1] == 3 and nv > 0,
        "f": f.shape[1] == 3 and f.min(initial=0) >= 0 and f.max(initial=0) < nv,
        "J_regressor": jreg.shape[1] == nv,
        "shapedirs": shapedirs.shape[:2] == (nv, 3) and shapedirs.shape[2] >= 1,
        "posedirs": posedirs.shape == (nv, 3, (nj - 1) * 9),
        "weights": weights.shape == (nv, nj),
        "kintree_table": kintree.shape == (2, nj),
    }
    bad = [k for k, ok in checks.items() if not ok]
    if bad:
        raise BodyModelError(f"body model file {path}: wrong shape for {', '.join(bad)} "
                             f"(a {kind.upper()} model with {nv} vertices)")
    parents = kintree[0].copy()
    parents[0] = -1
    expected = {"smpl": SMPLX_PARENTS[:22] + (20, 21), "smplh": SMPLX_PARENTS[:22] + tuple(
        p if p < 22 else p - 3 for p in SMPLX_PARENTS[25:]), "smplx": SMPLX_PARENTS}[kind]
    if tuple(int(p) for p in parents) != tuple(expected):
        raise BodyModelError(f"body model file {path}: kinematic tree is not the {kind.upper()} one")

    out = {"v_template": v, "f": f.astype(np.int32), "J_regressor": jreg, "posedirs": posedirs,
           "weights": weights, "kintree_table": kintree}
    nb = shapedirs.shape[2]
    if kind == "smplx":
        # smplx reads columns 0:300 as shape and 300:400 as expression when there are >= 400,
        # else 0:10 shape and 10:20 expression. Keep that meaning in a 400-column array.
        full = np.zeros((nv, 3, 400), dtype=np.float32)
        if nb >= 400:
            full[:] = shapedirs[:, :, :400]
        else:
            full[:, :, :min(nb, 10)] = shapedirs[:, :, :10]
            if nb > 10:
                full[:, :, 300:300 + min(nb - 10, 10)] = shapedirs[:, :, 10:20]
        out["shapedirs"] = full
    else:
        full = np.zeros((nv, 3, max(300, nb)), dtype=np.float32)
        full[:, :, :nb] = shapedirs
        out["shapedirs"] = full
    if kind in ("smplh", "smplx"):
        for side in "lr":
            comps = raw.get(f"hands_components{side}")
            mean = raw.get(f"hands_mean{side}")
            ok = comps is not None and np.shape(comps) == (45, 45)
            out[f"hands_components{side}"] = (np.asarray(comps, np.float32) if ok
                                              else np.eye(45, dtype=np.float32))
            ok = mean is not None and np.size(mean) == 45
            out[f"hands_mean{side}"] = (np.asarray(mean, np.float32).reshape(45) if ok
                                        else np.zeros(45, dtype=np.float32))
    if kind == "smplx":
        nf = len(f)
        lf, lb = raw.get("lmk_faces_idx"), raw.get("lmk_bary_coords")
        if lf is not None and lb is not None and np.shape(lb) == (np.size(lf), 3) and (
                np.size(lf) == 0 or 0 <= np.min(lf) and np.max(lf) < nf):
            out["lmk_faces_idx"] = np.asarray(lf, np.int64).reshape(-1)
            out["lmk_bary_coords"] = np.asarray(lb, np.float32)
        else:
            out["lmk_faces_idx"] = np.zeros(0, np.int64)
            out["lmk_bary_coords"] = np.zeros((0, 3), np.float32)
        df, db = raw.get("dynamic_lmk_faces_idx"), raw.get("dynamic_lmk_bary_coords")
        if df is not None and db is not None and np.ndim(df) == 2 and np.shape(db) == (
                *np.shape(df), 3) and np.size(df) and 0 <= np.min(df) and np.max(df) < nf:
            out["dynamic_lmk_faces_idx"] = np.asarray(df, np.int64)
            out["dynamic_lmk_bary_coords"] = np.asarray(db, np.float32)
    return kind, out


def official_vertex_ids() -> dict[str, dict[str, int]]:
    """``smplx.vertex_ids.vertex_ids`` (landmark vertices of the official meshes), read without
    importing the ``smplx`` package, whose ``__init__`` imports torch."""
    import importlib.util
    import sys

    module = sys.modules.get("smplx.vertex_ids")
    if module is None:
        spec = importlib.util.find_spec("smplx")
        if spec is None or not spec.submodule_search_locations:
            raise BodyModelError("the smplx package is not installed")
        path = Path(next(iter(spec.submodule_search_locations))) / "vertex_ids.py"
        file_spec = importlib.util.spec_from_file_location("_posestudio_smplx_vertex_ids", path)
        module = importlib.util.module_from_spec(file_spec)
        file_spec.loader.exec_module(module)
    return module.vertex_ids


def _landmarks(kind: str, arrays: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(names, vertex ids (L, 3), weights (L, 3)) of the surface landmarks of a real model."""
    from posestudio.body.rig import SELECTOR_KEYS

    official = official_vertex_ids()

    nv = len(arrays["v_template"])
    if nv != OFFICIAL_VERTICES[kind]:
        return [], np.zeros((0, 3), np.int64), np.zeros((0, 3), np.float32)
    ids = official["smplx" if kind == "smplx" else "smplh"]
    names, vids, w = [], [], []

    def vertex(name: str, i: int) -> None:
        names.append(name)
        vids.append([i, i, i])
        w.append([1.0, 0.0, 0.0])

    for key, name in SELECTOR_KEYS.items():
        vertex(name, ids[key])
    if kind == "smplx":
        faces = arrays["f"]
        lf, lb = arrays["lmk_faces_idx"], arrays["lmk_bary_coords"]
        df = arrays.get("dynamic_lmk_faces_idx")
        if len(lf) == 51 and df is not None and df.shape[1] == 17:
            db = arrays["dynamic_lmk_bary_coords"]
            # Row 0 of the dynamic contour is the one smplx uses for a head turned 0 degrees.
            for i in range(17):
                names.append(f"face_{i:02d}")
                vids.append(faces[df[0, i]])
                w.append(db[0, i])
            for i in range(51):
                names.append(f"face_{i + 17:02d}")
                vids.append(faces[lf[i]])
                w.append(lb[i])
            vertex("face_68", ids["reye"])
            vertex("face_69", ids["leye"])
    return names, np.asarray(vids, np.int64), np.asarray(w, np.float32)


def smplx_module(path: Path, kind: str, arrays: dict[str, np.ndarray]):
    """The ``smplx`` module of a sanitised real model (the tests' reference; imports torch)."""
    import torch
    import smplx
    from smplx.utils import Struct

    from posestudio.body import cache
    from posestudio.body.loading import _quiet_smplx

    common = dict(num_betas=10, dtype=torch.float32)
    try:
        if kind == "smpl":
            model = _quiet_smplx(lambda: smplx.SMPL(str(path), data_struct=Struct(**arrays),
                                                    **common))
        elif kind == "smplh":
            model = _quiet_smplx(lambda: smplx.SMPLH(
                str(path), data_struct=Struct(**arrays), use_pca=False, flat_hand_mean=True,
                **common))
        else:
            key = cache.digest(path.read_bytes(), b"smplx-sanitized-1")
            cached = cache.cache_dir() / f"smplx-{key}.npz"
            if not cached.exists():
                cache.write_plain_npz(cached, arrays)
            model = _quiet_smplx(lambda: smplx.SMPLX(
                str(cached), ext="npz", use_pca=False, flat_hand_mean=True,
                num_expression_coeffs=10, use_face_contour=False, **common))
    except (ValueError, IndexError, RuntimeError, KeyError) as e:
        raise BodyModelError(f"body model file {path}: smplx cannot use it ({e})") from None
    if len(arrays["v_template"]) != OFFICIAL_VERTICES[kind]:
        # smplx appends extra joints at hard-coded vertex ids of the official mesh; PosedBody does
        # not use them, but smplx's own forward must still run on another topology.
        from smplx.vertex_joint_selector import VertexJointSelector

        model.vertex_joint_selector = VertexJointSelector(
            vertex_ids={k: 0 for k in official_vertex_ids()["smplh"]})
    model.requires_grad_(False)
    return model


def load_real_model(path: Path):
    """Load an SMPL/SMPL+H/SMPL-X file as a :class:`BodyModel` (see the module docstring)."""
    from posestudio.body import PART_NAMES
    from posestudio.body.model import BodyArrays, BodyModel

    path = Path(path)
    if path.is_dir():
        raise BodyModelError(f"body model file {path} is a folder; give the .pkl or .npz file "
                             "inside it (e.g. SMPLX_NEUTRAL.npz)")
    if not path.is_file():
        raise BodyModelError(f"body model file {path} does not exist")
    kind, arrays = sanitize(path, read_model_arrays(path))
    if kind == "smpl":
        joint_names, pose_index = SMPL_JOINT_NAMES, SMPL_POSE_INDEX
    elif kind == "smplh":
        joint_names = tuple(SMPLX_JOINT_NAMES[i] for i in SMPLH_POSE_INDEX)
        pose_index = SMPLH_POSE_INDEX
    else:
        joint_names, pose_index = SMPLX_JOINT_NAMES, np.arange(55)
    names, vids, w = _landmarks(kind, arrays)
    skin = arrays["weights"].argmax(1)
    part_of_joint = np.array([PART_NAMES.index(_JOINT_PART[n]) for n in joint_names])
    return BodyModel(
        kind=kind, rig=str(path), arrays=BodyArrays.from_smplx_layout(kind, arrays),
        joint_names=tuple(joint_names), pose_index=pose_index, landmark_names=tuple(names),
        landmark_vertex_ids=vids, landmark_weights=w, vertex_parts=part_of_joint[skin],
        part_names=PART_NAMES, beta_names=tuple(f"beta_{i}" for i in range(10)),
        smplx_factory=lambda: smplx_module(path, kind, arrays))
