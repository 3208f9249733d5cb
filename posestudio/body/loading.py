"""``load_body_model``: rig id -> cached :class:`BodyModel`, and ``pose_people`` for a scene."""

from __future__ import annotations

import contextlib
import io
import threading
from pathlib import Path

import numpy as np

from posestudio.body.model import BodyArrays, BodyModel, PosedBody
from posestudio.errors import BodyModelError
from posestudio.skeletons import SMPLX_JOINT_NAMES, SMPLX_PARENTS

MANNEQUIN = "mannequin"

_cache: dict[tuple, BodyModel] = {}
_lock = threading.Lock()


def _quiet_smplx(factory):
    """Run an smplx constructor; its stray ``print`` output goes to our log, not stdout."""
    import logging

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        model = factory()
    if buf.getvalue().strip():
        logging.getLogger(__name__).warning("smplx: %s", buf.getvalue().strip())
    return model


def mannequin_arrays(rig) -> BodyArrays:
    """The bundled rig as :class:`BodyArrays` (what ``smplx.SMPLX`` reads from its expanded file:
    10 shape directions, zero expression directions, no pose correctives, one-hot weights)."""
    v = rig.v_template.astype(np.float32)
    nv, nj = len(v), len(SMPLX_JOINT_NAMES)
    weights = np.zeros((nv, nj), dtype=np.float32)
    weights[np.arange(nv), rig.skin_joint] = 1.0
    return BodyArrays(
        v_template=v, shapedirs=np.ascontiguousarray(rig.shapedirs, dtype=np.float32),
        exprdirs=np.zeros((nv, 3, 10), dtype=np.float32), posedirs=None,
        j_regressor=rig.j_regressor, parents=np.array(SMPLX_PARENTS, dtype=np.int64),
        weights=weights, faces=rig.faces.astype(np.int32))


def mannequin_smplx_module(rig):
    """The mannequin as an ``smplx.SMPLX`` module (the reference the numpy path is tested
    against; imports torch)."""
    import torch
    import smplx
    from smplx.vertex_joint_selector import VertexJointSelector

    from posestudio.body import cache, rig as rigmod

    key = cache.digest(rig.path.read_bytes(), b"smplx-layout-1")
    path = cache.cache_dir() / f"mannequin-{key}.npz"
    if not path.exists():
        cache.write_plain_npz(path, rigmod.smplx_arrays(rig))
    model = _quiet_smplx(lambda: smplx.SMPLX(
        str(path), ext="npz", use_pca=False, flat_hand_mean=True, num_betas=10,
        num_expression_coeffs=10, use_face_contour=False, dtype=torch.float32))
    # SMPLX hard-codes vertex ids of the official mesh for its extra joints; use ours.
    model.vertex_joint_selector = VertexJointSelector(vertex_ids=rigmod.selector_vertex_ids(rig))
    model.requires_grad_(False)
    return model


def load_mannequin(rig_path: Path | None = None) -> BodyModel:
    """The bundled mannequin (see ``posestudio.body.rig``), straight into the numpy path."""
    from posestudio.body import rig as rigmod

    rig = rigmod.load_rig(rig_path)
    return BodyModel(
        kind="mannequin", rig=MANNEQUIN, arrays=mannequin_arrays(rig),
        joint_names=SMPLX_JOINT_NAMES, pose_index=np.arange(len(SMPLX_JOINT_NAMES)),
        landmark_names=rig.landmark_names, landmark_vertex_ids=rig.landmark_vertex_ids(),
        landmark_weights=rig.landmark_bary, vertex_parts=rig.vertex_parts,
        part_names=rig.part_names, beta_names=rig.beta_names,
        smplx_factory=lambda: mannequin_smplx_module(rig))


def load_body_model(rig: str = MANNEQUIN) -> BodyModel:
    """The body model for a rig id, loaded once per process.

    Parameters
    ----------
    rig : ``"mannequin"`` (the bundled figure) or the path of an SMPL, SMPL+H or SMPL-X model file
        (``.pkl`` or ``.npz``, as their authors distribute them)

    Raises
    ------
    BodyModelError
        Missing, unreadable, truncated or unknown-layout file (the message names the file).
    UnsafeFileError
        A ``.pkl`` that tries to build anything but arrays; nothing of it is run.
    """
    if not isinstance(rig, (str, Path)) or not str(rig):
        raise BodyModelError(f"rig must be 'mannequin' or a body model file path, got {rig!r}")
    if str(rig) == MANNEQUIN:
        key: tuple = (MANNEQUIN,)
    else:
        path = Path(rig).expanduser()
        try:
            st = path.resolve().stat()
        except OSError:
            raise BodyModelError(
                f"body model file {rig} does not exist (rig must be 'mannequin' or the path of "
                "an SMPL/SMPL+H/SMPL-X .pkl/.npz file)") from None
        key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    with _lock:
        model = _cache.get(key)
        if model is None:
            if key[0] == MANNEQUIN:
                model = load_mannequin()
            else:
                from posestudio.body.real import load_real_model

                model = load_real_model(Path(rig).expanduser())
            _cache[key] = model
    return model


def pose_people(scene) -> list[PosedBody]:
    """Posed bodies of the scene's visible people, in scene order (world frame)."""
    return [load_body_model(p.rig).pose_person(p) for p in scene.people if p.visible]
