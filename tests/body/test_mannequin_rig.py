"""The bundled mannequin rig: reproducible, well-formed, sensible proportions and landmarks."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.body import BETA_NAMES, MANNEQUIN_FEET_Y, PART_NAMES
from posestudio.body.rig import bundled_rig_path, load_rig
from posestudio.rigs import build_mannequin
from posestudio.skeletons import LANDMARK_NAMES, SMPLX_JOINT_INDEX as J


@pytest.fixture(scope="module")
def rig():
    return load_rig()


def test_rebuild_matches_stored_file():
    built = build_mannequin.build()
    with np.load(bundled_rig_path(), allow_pickle=False) as stored:
        assert sorted(stored.files) == sorted(built)
        for key, value in built.items():
            if np.issubdtype(value.dtype, np.floating):
                np.testing.assert_allclose(stored[key], value, atol=1e-6, err_msg=key)
            else:
                np.testing.assert_array_equal(stored[key], value, err_msg=key)


def test_build_is_deterministic():
    a, b = build_mannequin.build_mesh(build_mannequin.BASE), build_mannequin.build_mesh(
        build_mannequin.BASE)
    np.testing.assert_array_equal(a.vertices, b.vertices)
    np.testing.assert_array_equal(a.faces, b.faces)


def test_compact_file_and_size(rig):
    assert bundled_rig_path().stat().st_size < 2_000_000
    assert 5000 <= len(rig.v_template) <= 10000
    assert rig.v_template.dtype == np.float32 and rig.shapedirs.shape == (len(rig.v_template), 3, 10)


def test_names_agree_everywhere(rig):
    assert rig.beta_names == BETA_NAMES == build_mannequin.BETA_NAMES
    assert rig.part_names == PART_NAMES == build_mannequin.PART_NAMES


def test_every_landmark_name_present(rig):
    assert set(LANDMARK_NAMES) <= set(rig.landmark_names)
    b = rig.landmark_bary
    assert np.all(b >= -1e-6) and np.allclose(b.sum(1), 1.0, atol=1e-5)
    assert np.all((rig.landmark_faces >= 0) & (rig.landmark_faces < len(rig.faces)))


def test_part_ids_cover_all_vertices(rig):
    parts = rig.vertex_parts
    assert parts.shape == (len(rig.v_template),)
    assert parts.min() >= 0 and parts.max() < len(rig.part_names)
    assert set(np.unique(parts)) == set(range(len(rig.part_names)))  # every part has vertices


def test_pieces_are_closed_and_outward(rig):
    f = rig.faces
    edges = np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    assert np.all(counts == 2)  # closed surfaces: every edge shared by two triangles
    tri = rig.v_template[f].astype(np.float64)
    volume = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6.0
    assert 0.03 < volume < 0.12  # outward winding gives a positive volume of a person, m^3


def test_rigid_skinning_and_zero_correctives(mannequin):
    m = mannequin.smplx_model
    w = m.lbs_weights.numpy()
    assert np.all((w == 0) | (w == 1)) and np.all(w.sum(1) == 1)
    assert not m.posedirs.numpy().any()  # rigid pieces need no pose correctives
    assert not m.expr_dirs.numpy().any()  # no face muscles
    assert m.shapedirs.shape[-1] == 10


def test_rest_pose_frame_and_proportions(mannequin):
    body = mannequin.pose()
    v = body.vertices
    height = v[:, 1].max() - v[:, 1].min()
    assert 1.6 < height < 1.9
    assert abs(v[:, 1].min() - MANNEQUIN_FEET_Y) < 0.003
    assert np.linalg.norm(body.joint("pelvis")) < 0.02
    span = v[:, 0].max() - v[:, 0].min()
    assert abs(span / height - 1.0) < 0.05  # arm span about the height
    # T-pose: arms horizontal along +-X, the person's left at +X, facing +Z.
    for side, s in (("left", 1), ("right", -1)):
        shoulder, wrist = body.joint(f"{side}_shoulder"), body.joint(f"{side}_wrist")
        assert s * (wrist[0] - shoulder[0]) > 0.4 and abs(wrist[1] - shoulder[1]) < 0.02
    assert body.landmark("nose")[2] > body.joint("head")[2] + 0.05
    assert body.landmark("left_eye")[0] > 0 > body.landmark("right_eye")[0]
    assert body.landmark("left_big_toe")[2] > body.landmark("left_heel")[2] + 0.15
    assert abs(body.landmark("left_big_toe")[0]) < abs(body.landmark("left_small_toe")[0])


def test_face70_laid_out_like_a_face(mannequin):
    body = mannequin.pose()
    face = np.array([body.landmark(f"face_{i:02d}") for i in range(70)])
    # subject's right (-X) first along the jaw; chin lowest; brows above eyes above nose tip
    # above mouth; the pupils inside the eye outlines; everything on the front of the head.
    assert face[0, 0] < face[8, 0] < face[16, 0]
    assert face[8, 1] == face[:17, 1].min()
    assert face[17:27, 1].min() > face[36:48, 1].max() > face[30, 1] > face[48:68, 1].max()
    assert face[36:42, 0].min() < face[68, 0] < face[36:42, 0].max()
    assert face[42:48, 0].min() < face[69, 0] < face[42:48, 0].max()
    assert np.all(face[:, 2] > body.joint("head")[2])


def test_joints_follow_the_shape(mannequin, rig):
    rng = np.random.default_rng(3)
    betas = rng.normal(0, 1.5, 10)
    v = rig.v_template + rig.shapedirs @ betas
    joints = mannequin.rest_joints(betas)
    np.testing.assert_allclose(joints, rig.j_regressor @ v, atol=1e-5)
    # the balls stay centred on their joints for any shape
    for name in ("left_elbow", "right_knee", "left_hip"):
        j = J[name]
        ball = (rig.skin_joint == j) & (np.linalg.norm(rig.v_template - rig.j_regressor[j] @ rig.v_template, axis=1) < 0.06)
        assert ball.any()


def _expected_part(name: str) -> str:
    if name.startswith("face_") or name in ("nose",) or name.endswith(("_eye", "_ear")):
        return "head"
    side = name.split("_")[0]
    return f"{side}_foot" if name.endswith(("_toe", "_heel")) else f"{side}_hand"


def test_landmarks_defined_in_one_place_and_on_the_right_piece(rig):
    """skeletons.LANDMARK_NAMES names them, build_mannequin.landmark_targets places them (the
    one table), the rig stores them in that order, and each sits on the body part it names."""
    base = build_mannequin.build_mesh(build_mannequin.BASE)
    assert set(build_mannequin.landmark_targets(build_mannequin.BASE, base)) == set(LANDMARK_NAMES)
    assert rig.landmark_names == LANDMARK_NAMES
    corners = rig.faces[rig.landmark_faces]                       # (L, 3) vertex ids
    for i, name in enumerate(rig.landmark_names):
        parts = {rig.part_names[p] for p in rig.vertex_parts[corners[i]]}
        assert parts == {_expected_part(name)}, (name, parts)


def test_fingertips_toes_and_heels_are_at_the_ends(mannequin):
    body = mannequin.pose()
    for side in ("left", "right"):
        for finger in ("thumb", "index", "middle", "ring", "pinky"):
            tip = body.landmark(f"{side}_{finger}_tip")
            j3 = body.joint(f"{side}_{finger}3")
            j2 = body.joint(f"{side}_{finger}2")
            # beyond the last knuckle, along the finger
            cos = np.dot(tip - j3, j3 - j2) / np.linalg.norm(tip - j3) / np.linalg.norm(j3 - j2)
            assert cos > 0.8, (side, finger)
        sole = body.vertices[body.vertex_parts == body.part_names.index(f"{side}_foot"), 1].min()
        ankle = body.joint(f"{side}_ankle")
        assert body.landmark(f"{side}_heel")[2] < ankle[2] < body.landmark(f"{side}_big_toe")[2]
        for point in ("heel", "big_toe", "small_toe"):
            assert body.landmark(f"{side}_{point}")[1] - sole < 0.04, point


@pytest.mark.parametrize("damage", ["cut", "flip", "empty", "shape"])
def test_corrupt_rig_file_gives_body_model_error(tmp_path, damage):
    from posestudio.errors import BodyModelError

    data = bundled_rig_path().read_bytes()
    path = tmp_path / "mannequin.npz"
    if damage == "cut":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        path.write_bytes(data[:1000] + bytes(2000) + data[3000:])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        with np.load(bundled_rig_path(), allow_pickle=False) as stored:
            arrays = {k: stored[k] for k in stored.files}
        arrays["shapedirs"] = arrays["shapedirs"][:100]
        np.savez_compressed(path, **arrays)
    with pytest.raises(BodyModelError, match="mannequin.npz"):
        load_rig(path)
