"""Real SMPL / SMPL+H / SMPL-X files (synthetic stand-ins in the authors' formats)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from posestudio.body import load_body_model
from posestudio.errors import BodyModelError
from posestudio.skeletons import (
    BODY_LANDMARK_NAMES, LANDMARK_NAMES, SMPL_JOINT_NAMES, SMPLX_JOINT_INDEX as J,
    SMPLX_JOINT_NAMES,
)
from synthetic import PARENTS, model_arrays, write_chumpy_pkl, write_npz

RNG = np.random.default_rng(5)
POSE55 = RNG.normal(0.0, 0.4, (55, 3))
BETAS = RNG.normal(0.0, 1.0, 10)
EXPR = RNG.normal(0.0, 1.0, 10)
TRANSL = np.array([0.1, -0.2, 0.3])
MAP = {"smpl": list(range(22)) + [-1, -1], "smplh": list(range(22)) + list(range(25, 55)),
       "smplx": list(range(55))}


def reference(arrays, kind, pose55, betas, transl, expression=None):
    """Float64 SMPL-family LBS with pose correctives and dense weights, from the raw arrays."""
    idx = np.array(MAP[kind])
    pose = np.where(idx[:, None] >= 0, pose55[np.maximum(idx, 0)], 0.0)
    sd = np.asarray(arrays["shapedirs"], np.float64)
    v = arrays["v_template"] + sd[:, :, :10] @ betas
    if expression is not None:
        v = v + sd[:, :, 10:20] @ expression
    joints = arrays["J_regressor"] @ v
    rot = Rotation.from_rotvec(pose).as_matrix()
    feat = (rot[1:] - np.eye(3)).reshape(-1)
    v = v + np.asarray(arrays["posedirs"], np.float64) @ feat
    parents = PARENTS[kind]
    world = np.zeros((len(parents), 4, 4))
    for i, p in enumerate(parents):
        local = np.eye(4)
        local[:3, :3] = rot[i]
        local[:3, 3] = joints[i] - (joints[p] if p >= 0 else 0)
        world[i] = local if p < 0 else world[p] @ local
    skin = world.copy()
    skin[:, :3, 3] -= np.einsum("jab,jb->ja", world[:, :3, :3], joints)
    t = np.einsum("vj,jab->vab", arrays["weights"], skin)
    verts = np.einsum("vab,vb->va", t[:, :3, :3], v) + t[:, :3, 3]
    return verts + transl, world[:, :3, 3] + transl


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    mp = pytest.MonkeyPatch()
    out = {}
    try:
        a = model_arrays("smpl", seed=1)
        out["smpl"] = (write_chumpy_pkl(root / "SMPL_NEUTRAL.pkl", a, mp), a)
        a = model_arrays("smplh", seed=2)
        out["smplh"] = (write_npz(root / "SMPLH_MALE.npz", a), a)
        a = model_arrays("smplh", seed=3)
        out["smplh_pkl"] = (write_chumpy_pkl(root / "SMPLH_FEMALE.pkl", a, mp), a)
        a = model_arrays("smplx", seed=4, num_shape=20)  # SMPL-X v1.0: 10 shape + 10 expression
        out["smplx"] = (write_npz(root / "SMPLX_NEUTRAL.npz", a), a)
    finally:
        mp.undo()
    return out


def smplx_forward(model, kind, pose55, betas, transl, expression=None):
    t = lambda a: torch.tensor(np.asarray(a, dtype=np.float32))[None]  # noqa: E731
    kw = dict(betas=t(betas), global_orient=t(pose55[0]), transl=t(transl))
    if kind == "smpl":
        kw["body_pose"] = t(np.concatenate([pose55[1:22].ravel(), np.zeros(6)]))
    else:
        kw.update(body_pose=t(pose55[1:22].ravel()), left_hand_pose=t(pose55[25:40].ravel()),
                  right_hand_pose=t(pose55[40:55].ravel()))
    if kind == "smplx":
        kw.update(jaw_pose=t(pose55[22]), leye_pose=t(pose55[23]), reye_pose=t(pose55[24]),
                  expression=t(expression if expression is not None else np.zeros(10)))
    with torch.no_grad():
        out = model(**kw)
    return out.vertices[0].numpy(), out.joints[0].numpy()


@pytest.mark.parametrize("name,kind,joints", [
    ("smpl", "smpl", SMPL_JOINT_NAMES), ("smplh", "smplh", None),
    ("smplh_pkl", "smplh", None), ("smplx", "smplx", SMPLX_JOINT_NAMES)])
def test_layout_detected_and_lbs_agrees(files, name, kind, joints):
    path, arrays = files[name]
    model = load_body_model(str(path))
    assert model.kind == kind
    nj = len(PARENTS[kind])
    assert len(model.joint_names) == nj
    if joints is not None:
        assert model.joint_names == joints
    else:
        assert model.joint_names[22] == "left_index1" and model.joint_names[-1] == "right_thumb3"
    expr = EXPR if kind == "smplx" else None
    body = model.pose(BETAS, POSE55, TRANSL, expr)
    ref_v, ref_j = reference(arrays, kind, POSE55, BETAS, TRANSL, expr)
    np.testing.assert_allclose(body.vertices, ref_v, atol=1e-5)
    np.testing.assert_allclose(body.joints, ref_j, atol=1e-5)
    sm_v, sm_j = smplx_forward(model.smplx_model, kind, POSE55, BETAS, TRANSL, expr)
    np.testing.assert_allclose(sm_v, ref_v, atol=1e-5)
    np.testing.assert_allclose(sm_j[:nj], ref_j, atol=1e-5)
    v, j, _ = model.torch_forward(torch.tensor(BETAS[None], dtype=torch.float32),
                                  torch.tensor(POSE55[None], dtype=torch.float32),
                                  torch.tensor(TRANSL[None], dtype=torch.float32),
                                  None if expr is None else torch.tensor(expr[None],
                                                                         dtype=torch.float32))
    np.testing.assert_allclose(v[0].numpy(), ref_v, atol=1e-5)
    assert set(np.unique(body.vertex_parts)) <= set(range(len(body.part_names)))


def test_pose_mapping_from_55_joints(files):
    smpl = load_body_model(str(files["smpl"][0]))
    smplh = load_body_model(str(files["smplh"][0]))
    fingers = np.zeros((55, 3))
    fingers[J["left_index1"]] = [0.0, 0.0, -1.0]
    # SMPL has no fingers: ignored; SMPL+H maps the SMPL-X finger joints onto its own.
    np.testing.assert_array_equal(smpl.pose(pose=fingers).vertices, smpl.pose().vertices)
    assert not np.allclose(smplh.pose(pose=fingers).vertices, smplh.pose().vertices)
    mapped = smplh.model_pose(fingers)
    np.testing.assert_array_equal(mapped[smplh.joint_names.index("left_index1")], [0, 0, -1.0])


def test_small_topology_has_no_landmarks(files):
    model = load_body_model(str(files["smplx"][0]))
    assert model.landmark_names == () and model.pose().landmarks.shape == (0, 3)


@pytest.mark.parametrize("kind,count", [("smplx", 10475), ("smpl", 6890)])
def test_official_topology_landmarks(tmp_path, kind, count):
    arrays = model_arrays(kind, num_vertices=count, seed=7, light=True)
    path = write_npz(tmp_path / f"{kind}_official.npz", arrays)
    model = load_body_model(str(path))
    body = model.pose(pose=POSE55)
    if kind == "smplx":
        assert set(model.landmark_names) == set(LANDMARK_NAMES)
        faces = arrays["f"].astype(np.int64)
        i = arrays["dynamic_lmk_faces_idx"][0, 3]
        expect = arrays["dynamic_lmk_bary_coords"][0, 3] @ body.vertices[faces[i]]
        np.testing.assert_allclose(body.landmark("face_03"), expect, atol=1e-5)
        i = arrays["lmk_faces_idx"][30 - 17]
        expect = arrays["lmk_bary_coords"][30 - 17] @ body.vertices[faces[i]]
        np.testing.assert_allclose(body.landmark("face_30"), expect, atol=1e-5)
        np.testing.assert_allclose(body.landmark("face_68"), body.vertices[9929], atol=1e-6)
    else:
        assert set(model.landmark_names) == set(BODY_LANDMARK_NAMES)
    np.testing.assert_allclose(body.landmark("nose"),
                               body.vertices[9120 if kind == "smplx" else 332], atol=1e-6)


def _bad_layout(tmp_path):
    a = model_arrays("smpl", seed=9)
    nv = len(a["v_template"])
    a["J_regressor"] = np.full((30, nv), 1.0 / nv)
    a["weights"] = np.full((nv, 30), 1.0 / 30)
    a["kintree_table"] = np.stack([np.arange(30) - 1, np.arange(30)])
    a["posedirs"] = np.zeros((nv, 3, 29 * 9))
    return write_npz(tmp_path / "thirty.npz", a)


def test_bad_files_raise_body_model_error_naming_the_file(tmp_path, files):
    with pytest.raises(BodyModelError, match="thirty.npz.*30 joints"):
        load_body_model(str(_bad_layout(tmp_path)))
    data = files["smplh"][0].read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(BodyModelError, match="cut.npz"):
        load_body_model(str(cut))
    a = model_arrays("smpl", seed=10)
    del a["weights"]
    with pytest.raises(BodyModelError, match="noweights.npz.*weights"):
        load_body_model(str(write_npz(tmp_path / "noweights.npz", a)))
    a = model_arrays("smpl", seed=10)
    a["J_regressor"] = np.array([{"evil": 1}], dtype=object)
    with pytest.raises(BodyModelError, match="objreg.npz"):
        load_body_model(str(write_npz(tmp_path / "objreg.npz", a)))
    a = model_arrays("smpl", seed=10)
    a["posedirs"] = a["posedirs"][:, :, :10]
    with pytest.raises(BodyModelError, match="shape.*posedirs"):
        load_body_model(str(write_npz(tmp_path / "shortpose.npz", a)))
    txt = tmp_path / "model.txt"
    txt.write_text("hello")
    with pytest.raises(BodyModelError, match="model.txt"):
        load_body_model(str(txt))
    with pytest.raises(BodyModelError, match="missing.pkl"):
        load_body_model(str(tmp_path / "missing.pkl"))
    folder = tmp_path / "models_folder"
    folder.mkdir()
    with pytest.raises(BodyModelError, match="models_folder is a folder"):
        load_body_model(str(folder))
