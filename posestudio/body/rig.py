"""The bundled mannequin rig: read ``rigs/mannequin.npz`` and expand it to the SMPL-X layout.

The rig file is compact (built by ``rigs/build_mannequin.py``, float32, about 0.4 MB):

=====================  =============  ==========================================================
key                    shape / dtype  meaning
=====================  =============  ==========================================================
format, version        str, int32     ``"posestudio-rig"``, 1
v_template             (V, 3) f32     rest vertices (T-pose, metres, pelvis at the origin)
faces                  (F, 3) i32     triangles, counter-clockwise seen from outside
shapedirs              (V, 3, 10) f32 one linear displacement field per beta (``beta_names``)
skin_joint             (V,) u8        the one joint each vertex follows (rigid skinning)
vertex_parts           (V,) u8        index into ``part_names``
j_regressor_*          rows/cols/vals sparse (55, V) joint regressor
landmark_*             names, faces,  surface landmarks as (face index, barycentric)
                       bary (L, 3)
joint_names, parents   (55,)          SMPL-X order (must equal ``posestudio.skeletons``)
=====================  =============  ==========================================================

:func:`smplx_arrays` expands it to what ``smplx.SMPLX`` reads: ``shapedirs`` padded to 400
columns (300 shape + 100 expression, all extra columns zero, so smplx takes the full-model branch
and prints no warning), zero ``posedirs`` (rigid wooden pieces need no pose correctives), zero
expression directions (a mannequin has no face muscles), one-hot ``weights``, identity hand PCA
and the 51 static face landmarks (OpenPose face points 17-67) as ``lmk_faces_idx`` /
``lmk_bary_coords``.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from posestudio.errors import BodyModelError
from posestudio.skeletons import SMPLX_JOINT_NAMES, SMPLX_PARENTS

RIG_FORMAT = "posestudio-rig"
RIG_VERSION = 1
SMPLX_SHAPE_SPACE = 300
SMPLX_EXPRESSION_SPACE = 100

_KEYS = ("format", "version", "v_template", "faces", "shapedirs", "skin_joint", "vertex_parts",
         "part_names", "joint_names", "parents", "beta_names", "j_regressor_rows",
         "j_regressor_cols", "j_regressor_vals", "landmark_names", "landmark_faces",
         "landmark_bary")


@dataclass(frozen=True)
class MannequinRig:
    """The arrays of a rig file, checked. Shapes as in the module docstring."""

    path: Path
    v_template: np.ndarray
    faces: np.ndarray
    shapedirs: np.ndarray
    skin_joint: np.ndarray
    vertex_parts: np.ndarray
    part_names: tuple[str, ...]
    beta_names: tuple[str, ...]
    j_regressor: np.ndarray          # (55, V) float32, dense
    landmark_names: tuple[str, ...]
    landmark_faces: np.ndarray       # (L,) int
    landmark_bary: np.ndarray        # (L, 3) float32

    def landmark_vertex_ids(self) -> np.ndarray:
        """(L, 3) the corner vertices of each landmark's face."""
        return self.faces[self.landmark_faces]


def bundled_rig_path() -> Path:
    """Path of the bundled ``mannequin.npz`` (package data of ``posestudio.rigs``)."""
    return Path(str(resources.files("posestudio.rigs") / "mannequin.npz"))


def load_rig(path: Path | None = None) -> MannequinRig:
    """Read and check a rig file (default: the bundled mannequin)."""
    path = Path(path) if path is not None else bundled_rig_path()
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in _KEYS if k not in data.files]
            if missing:
                raise BodyModelError(f"rig file {path} lacks {', '.join(missing)}")
            d = {k: data[k] for k in _KEYS}
    except FileNotFoundError:
        raise BodyModelError(f"rig file {path} does not exist (rebuild it with "
                             "`python rigs/build_mannequin.py`)") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        # a truncated or bit-flipped archive fails in zipfile/zlib, not only with OSError
        raise BodyModelError(f"rig file {path} is corrupt or not a rig file "
                             f"({type(e).__name__}: {e})") from None
    if str(d["format"]) != RIG_FORMAT or int(d["version"]) != RIG_VERSION:
        raise BodyModelError(f"rig file {path} is not a {RIG_FORMAT} v{RIG_VERSION} file")
    if tuple(d["joint_names"]) != SMPLX_JOINT_NAMES or tuple(d["parents"]) != SMPLX_PARENTS:
        raise BodyModelError(f"rig file {path} does not use the SMPL-X joint layout")
    v = d["v_template"]
    _check_shapes(path, d)
    reg = np.zeros((len(SMPLX_JOINT_NAMES), len(v)), dtype=np.float32)
    reg[d["j_regressor_rows"].astype(np.int64), d["j_regressor_cols"]] = d["j_regressor_vals"]
    return MannequinRig(
        path=path, v_template=v, faces=d["faces"].astype(np.int64), shapedirs=d["shapedirs"],
        skin_joint=d["skin_joint"].astype(np.int64), vertex_parts=d["vertex_parts"].astype(np.int16),
        part_names=tuple(str(s) for s in d["part_names"]),
        beta_names=tuple(str(s) for s in d["beta_names"]), j_regressor=reg,
        landmark_names=tuple(str(s) for s in d["landmark_names"]),
        landmark_faces=d["landmark_faces"].astype(np.int64), landmark_bary=d["landmark_bary"])


def _check_shapes(path: Path, d: dict[str, np.ndarray]) -> None:
    """BodyModelError naming the first array whose shape or index range is wrong."""
    v = d["v_template"]
    nv = len(v) if v.ndim == 2 else 0
    nf = len(d["faces"]) if d["faces"].ndim == 2 else 0
    nl = len(d["landmark_names"])
    nnz = len(d["j_regressor_vals"])
    checks = {
        "v_template": v.ndim == 2 and v.shape[1] == 3 and nv > 0 and bool(np.isfinite(v).all()),
        "faces": d["faces"].ndim == 2 and d["faces"].shape[1] == 3 and nf > 0
        and 0 <= d["faces"].min() and d["faces"].max() < nv,
        "shapedirs": d["shapedirs"].shape == (nv, 3, len(d["beta_names"])),
        "skin_joint": d["skin_joint"].shape == (nv,)
        and int(d["skin_joint"].max(initial=0)) < len(SMPLX_JOINT_NAMES),
        "vertex_parts": d["vertex_parts"].shape == (nv,)
        and int(d["vertex_parts"].max(initial=0)) < len(d["part_names"]),
        "j_regressor_rows": d["j_regressor_rows"].shape == (nnz,)
        and int(d["j_regressor_rows"].max(initial=0)) < len(SMPLX_JOINT_NAMES),
        "j_regressor_cols": d["j_regressor_cols"].shape == (nnz,)
        and 0 <= int(d["j_regressor_cols"].min(initial=0))
        and int(d["j_regressor_cols"].max(initial=0)) < nv,
        "landmark_faces": d["landmark_faces"].shape == (nl,)
        and 0 <= int(d["landmark_faces"].min(initial=0))
        and int(d["landmark_faces"].max(initial=0)) < nf,
        "landmark_bary": d["landmark_bary"].shape == (nl, 3),
    }
    bad = [key for key, ok in checks.items() if not ok]
    if bad:
        raise BodyModelError(f"rig file {path}: wrong shape or range for {', '.join(bad)}")


def smplx_arrays(rig: MannequinRig) -> dict[str, np.ndarray]:
    """The rig in the official SMPL-X ``.npz`` layout (plain arrays only), for ``smplx.SMPLX``."""
    v = rig.v_template
    nv, nj = len(v), len(SMPLX_JOINT_NAMES)
    shapedirs = np.zeros((nv, 3, SMPLX_SHAPE_SPACE + SMPLX_EXPRESSION_SPACE), dtype=np.float32)
    shapedirs[:, :, : rig.shapedirs.shape[2]] = rig.shapedirs
    weights = np.zeros((nv, nj), dtype=np.float32)
    weights[np.arange(nv), rig.skin_joint] = 1.0
    kintree = np.stack([np.array(SMPLX_PARENTS), np.arange(nj)]).astype(np.int64)
    kintree[0, 0] = 2**32 - 1  # what the official files store for "no parent"
    face_ids = [rig.landmark_names.index(f"face_{i:02d}") for i in range(17, 68)]
    return {
        "v_template": v.astype(np.float32),
        "f": rig.faces.astype(np.int32),
        "shapedirs": shapedirs,
        "posedirs": np.zeros((nv, 3, (nj - 1) * 9), dtype=np.float32),
        "J_regressor": rig.j_regressor,
        "kintree_table": kintree,
        "weights": weights,
        "hands_componentsl": np.eye(45, dtype=np.float32),
        "hands_componentsr": np.eye(45, dtype=np.float32),
        "hands_meanl": np.zeros(45, dtype=np.float32),
        "hands_meanr": np.zeros(45, dtype=np.float32),
        "lmk_faces_idx": rig.landmark_faces[face_ids].astype(np.int64),
        "lmk_bary_coords": rig.landmark_bary[face_ids].astype(np.float32),
    }


# smplx's VertexJointSelector keys -> our landmark names.
SELECTOR_KEYS = {
    "nose": "nose", "reye": "right_eye", "leye": "left_eye", "rear": "right_ear",
    "lear": "left_ear", "LBigToe": "left_big_toe", "LSmallToe": "left_small_toe",
    "LHeel": "left_heel", "RBigToe": "right_big_toe", "RSmallToe": "right_small_toe",
    "RHeel": "right_heel",
    **{f"{s[0]}{f}": f"{s}_{f}_tip" for s in ("left", "right")
       for f in ("thumb", "index", "middle", "ring", "pinky")},
}


def selector_vertex_ids(rig: MannequinRig) -> dict[str, int]:
    """The rig's own vertex for each smplx extra joint (the landmark face's heaviest corner)."""
    out = {}
    ids = rig.landmark_vertex_ids()
    for key, name in SELECTOR_KEYS.items():
        i = rig.landmark_names.index(name)
        out[key] = int(ids[i, int(np.argmax(rig.landmark_bary[i]))])
    return out
