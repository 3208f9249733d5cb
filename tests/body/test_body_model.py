"""BodyModel on the mannequin: smplx agreement, betas semantics, fingers, inputs, scenes."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from posestudio.body import BETA_NAMES, load_body_model, pose_people
from posestudio.body.rig import load_rig
from posestudio.errors import BodyModelError, InputError
from posestudio.skeletons import (
    LANDMARK_NAMES, SMPLX_JOINT_INDEX as J, SMPLX_JOINT_NAMES, SMPLX_PARENTS,
)

RNG = np.random.default_rng(11)
BENT = RNG.normal(0.0, 0.5, (55, 3))
BETAS = RNG.normal(0.0, 1.0, 10)
TRANSL = np.array([0.3, 0.975, -0.2])


def reference_fk_lbs(v_shaped: np.ndarray, joints: np.ndarray, parents, skin: np.ndarray,
                     pose: np.ndarray, transl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Independent FK + rigid LBS with 4x4 homogeneous matrices (float64, scipy rotations)."""
    from scipy.spatial.transform import Rotation

    n = len(parents)
    world = np.zeros((n, 4, 4))
    for i in range(n):
        local = np.eye(4)
        local[:3, :3] = Rotation.from_rotvec(pose[i]).as_matrix()
        local[:3, 3] = joints[i] - (joints[parents[i]] if parents[i] >= 0 else 0.0)
        world[i] = local if parents[i] < 0 else world[parents[i]] @ local
    skinning = world.copy()
    skinning[:, :3, 3] -= np.einsum("jab,jb->ja", world[:, :3, :3], joints)
    hom = np.concatenate([v_shaped, np.ones((len(v_shaped), 1))], axis=1)
    verts = np.einsum("vab,vb->va", skinning[skin], hom)[:, :3]
    return verts + transl, world[:, :3, 3] + transl


def smplx_forward(model, betas, pose, transl):
    t = lambda a: torch.tensor(np.asarray(a, dtype=np.float32))[None]  # noqa: E731
    with torch.no_grad():
        out = model(betas=t(betas), global_orient=t(pose[0]), body_pose=t(pose[1:22].ravel()),
                    jaw_pose=t(pose[22]), leye_pose=t(pose[23]), reye_pose=t(pose[24]),
                    left_hand_pose=t(pose[25:40].ravel()), right_hand_pose=t(pose[40:].ravel()),
                    transl=t(transl), expression=torch.zeros(1, 10))
    return out.vertices[0].numpy(), out.joints[0].numpy()


def test_loads_through_smplx(mannequin):
    import smplx

    assert isinstance(mannequin.smplx_model, smplx.SMPLX)
    assert mannequin.kind == "mannequin" and mannequin.joint_names == SMPLX_JOINT_NAMES
    assert tuple(mannequin.parents) == SMPLX_PARENTS
    assert mannequin.num_betas == 10 and mannequin.num_expression == 10
    assert mannequin.beta_names == BETA_NAMES
    assert load_body_model("mannequin") is mannequin  # cached


def test_fresh_load_prints_no_smplx_warning(caplog, capsys):
    from posestudio.body.loading import load_mannequin

    with caplog.at_level(logging.WARNING):
        load_mannequin().smplx_model  # the smplx reference, built on first use
    assert capsys.readouterr().out == ""
    assert not [r for r in caplog.records if "smplx" in r.getMessage()]


@pytest.mark.parametrize("pose", [np.zeros((55, 3)), BENT], ids=["rest", "bent"])
def test_lbs_agrees_with_smplx_and_reference(mannequin, pose):
    rig = load_rig()
    v_shaped = rig.v_template.astype(np.float64) + rig.shapedirs.astype(np.float64) @ BETAS
    joints = rig.j_regressor.astype(np.float64) @ v_shaped
    ref_v, ref_j = reference_fk_lbs(v_shaped, joints, mannequin.parents, rig.skin_joint, pose,
                                    TRANSL)
    sm_v, sm_j = smplx_forward(mannequin.smplx_model, BETAS, pose, TRANSL)
    body = mannequin.pose(BETAS, pose, TRANSL)
    np.testing.assert_allclose(sm_v, ref_v, atol=1e-5)
    np.testing.assert_allclose(sm_j[:55], ref_j, atol=1e-5)
    np.testing.assert_allclose(body.vertices, ref_v, atol=1e-5)
    np.testing.assert_allclose(body.joints, ref_j, atol=1e-5)
    # smplx's extra joints (nose, eyes, ears, feet, fingertips) sit on our own mesh
    extra = sm_j[55:76]
    assert np.min(np.linalg.norm(extra[:, None] - body.landmarks[None], axis=2), axis=1).max() < 0.03
    # landmarks by our barycentric interpolation
    faces = rig.faces[rig.landmark_faces]
    expect = np.einsum("lkc,lk->lc", ref_v[faces], rig.landmark_bary)
    np.testing.assert_allclose(body.landmarks, expect, atol=1e-5)


def test_torch_forward_matches_and_is_differentiable(mannequin):
    pose = torch.tensor(np.stack([BENT, np.zeros((55, 3))]), dtype=torch.float32,
                        requires_grad=True)
    betas = torch.tensor(np.stack([BETAS, np.zeros(10)]), dtype=torch.float32)
    transl = torch.tensor(np.stack([TRANSL, np.zeros(3)]), dtype=torch.float32)
    v, j, lmk = mannequin.torch_forward(betas, pose, transl)
    assert v.shape == (2, mannequin.num_vertices, 3) and j.shape == (2, 55, 3)
    assert lmk.shape == (2, len(mannequin.landmark_names), 3)
    for k, (b, p, t) in enumerate([(BETAS, BENT, TRANSL), (None, None, None)]):
        body = mannequin.pose(b, p, t)
        np.testing.assert_allclose(v[k].detach().numpy(), body.vertices, atol=1e-5)
        np.testing.assert_allclose(j[k].detach().numpy(), body.joints, atol=1e-5)
        np.testing.assert_allclose(lmk[k].detach().numpy(), body.landmarks, atol=1e-5)
    (lmk[:, LANDMARK_NAMES.index("nose")].sum() + j[:, J["left_wrist"]].sum()).backward()
    grad = pose.grad.numpy()
    assert np.abs(grad[0, J["left_shoulder"]]).sum() > 0 and np.abs(grad[0, J["neck"]]).sum() > 0


def _height(body):
    return body.vertices[:, 1].max() - body.vertices[:, 1].min()


def _width(body, part):
    sel = body.vertex_parts == body.part_names.index(part)
    return np.ptp(body.vertices[sel, 0])


def _depth(body, part):
    sel = body.vertex_parts == body.part_names.index(part)
    return np.ptp(body.vertices[sel, 2])


def _beta(name, value=2.0):
    b = np.zeros(10)
    b[BETA_NAMES.index(name)] = value
    return b


def test_betas_do_what_their_names_say(mannequin):
    base = mannequin.pose()
    get = lambda name: mannequin.pose(betas=_beta(name))  # noqa: E731
    top = lambda b: b.vertices[:, 1].max()  # noqa: E731

    tall = get("height")
    assert top(tall) > top(base) + 0.04 and _height(tall) > _height(base) + 0.1
    heavy = get("weight")
    assert _width(heavy, "left_thigh") > 1.15 * _width(base, "left_thigh")
    assert abs(_height(heavy) - _height(base)) < 0.01
    legs = get("leg_length")
    assert legs.joint("left_ankle")[1] < base.joint("left_ankle")[1] - 0.04
    assert abs(legs.joint("neck")[1] - base.joint("neck")[1]) < 1e-4
    torso = get("torso_length")
    assert torso.joint("neck")[1] > base.joint("neck")[1] + 0.04
    assert abs(torso.joint("left_ankle")[1] - base.joint("left_ankle")[1]) < 1e-4
    arms = get("arm_length")
    assert arms.landmark("left_middle_tip")[0] > base.landmark("left_middle_tip")[0] + 0.05
    shoulders = get("shoulder_width")
    assert shoulders.joint("left_shoulder")[0] > base.joint("left_shoulder")[0] + 0.03
    hips = get("hip_width")
    assert hips.joint("left_hip")[0] > base.joint("left_hip")[0] + 0.02
    assert _width(hips, "pelvis") > _width(base, "pelvis") + 0.05
    head = get("head_size")
    assert _height_of(head, "head") > 1.1 * _height_of(base, "head")
    chest = get("chest")
    assert _depth(chest, "chest") > 1.15 * _depth(base, "chest")
    male, female = mannequin.pose(betas=_beta("masculine", 2)), mannequin.pose(
        betas=_beta("masculine", -2))
    ratio = lambda b: _width(b, "chest") / _width(b, "pelvis")  # noqa: E731
    assert ratio(male) > ratio(base) > ratio(female)


def _height_of(body, part):
    sel = body.vertex_parts == body.part_names.index(part)
    return np.ptp(body.vertices[sel, 1])


def test_finger_joints_bend_fingers(mannequin):
    base = mannequin.pose()
    for side, sign in (("left", -1.0), ("right", 1.0)):
        pose = np.zeros((55, 3))
        for k in (1, 2, 3):  # flexion: fingers run along +-X, palm down; curl towards -Y
            pose[J[f"{side}_index{k}"]] = [0.0, 0.0, sign * 0.9]
        bent = mannequin.pose(pose=pose)
        tip = f"{side}_index_tip"
        assert bent.landmark(tip)[1] < base.landmark(tip)[1] - 0.05
        assert abs(bent.landmark(tip)[0]) < abs(base.landmark(tip)[0]) - 0.03
        # other fingers untouched
        np.testing.assert_allclose(bent.landmark(f"{side}_middle_tip"),
                                   base.landmark(f"{side}_middle_tip"), atol=1e-6)


def test_rest_joints_and_expression(mannequin):
    np.testing.assert_allclose(mannequin.rest_joints(BETAS), mannequin.pose(BETAS).joints,
                               atol=1e-6)
    a = mannequin.pose(expression=np.ones(10))
    np.testing.assert_array_equal(a.vertices, mannequin.pose().vertices)


def test_bad_inputs_name_the_field(mannequin):
    with pytest.raises(InputError, match="pose"):
        mannequin.pose(pose=np.zeros((24, 3)))
    with pytest.raises(InputError, match="betas"):
        mannequin.pose(betas=np.zeros(11))
    with pytest.raises(InputError, match="transl"):
        mannequin.pose(transl=[1.0, 2.0])
    with pytest.raises(InputError, match="pose"):
        mannequin.pose(pose=np.full((55, 3), np.nan))
    with pytest.raises(BodyModelError, match="nope.npz"):
        load_body_model("/nonexistent/nope.npz")


def test_pose_people_visible_in_order(mannequin):
    from posestudio.scene.model import Person, Scene

    people = [Person(name="a", transl=np.array([1.0, 0, 0])),
              Person(name="b", visible=False),
              Person(name="c", transl=np.array([-1.0, 0, 0]), pose=BENT)]
    bodies = pose_people(Scene(people=people))
    assert len(bodies) == 2
    np.testing.assert_allclose(bodies[0].joint("pelvis"), mannequin.rest_joints()[0] + [1, 0, 0],
                               atol=1e-6)
    np.testing.assert_allclose(bodies[1].vertices, mannequin.pose(pose=BENT,
                                                                  transl=[-1, 0, 0]).vertices)


def _dist(body, a, b):
    get = lambda n: body.joint(n) if n in body.joint_names else body.landmark(n)  # noqa: E731
    return np.linalg.norm(get(a) - get(b))


BETA_MEASURES = {
    "height": lambda b: _height(b),
    "weight": lambda b: _width(b, "left_thigh"),
    "leg_length": lambda b: _dist(b, "left_hip", "left_ankle"),
    "torso_length": lambda b: _dist(b, "pelvis", "neck"),
    "arm_length": lambda b: _dist(b, "left_shoulder", "left_middle_tip"),
    "shoulder_width": lambda b: _dist(b, "left_shoulder", "right_shoulder"),
    "hip_width": lambda b: _width(b, "pelvis"),
    "head_size": lambda b: _height_of(b, "head"),
    "chest": lambda b: _depth(b, "chest"),
    "masculine": lambda b: _width(b, "chest") / _width(b, "pelvis"),
}


@pytest.mark.parametrize("name", BETA_NAMES)
def test_each_beta_moves_its_measure_monotonically(mannequin, name):
    """Sweeping one beta from -3 to +3 changes what its name says, in one direction only."""
    values = [BETA_MEASURES[name](mannequin.pose(betas=_beta(name, v)))
              for v in np.linspace(-3.0, 3.0, 7)]
    assert np.all(np.diff(values) > 0), (name, values)
    assert np.all(np.isfinite(values))


def test_height_beta_is_about_seven_cm_per_unit(mannequin):
    statures = np.array([_height(mannequin.pose(betas=_beta("height", v))) for v in (-2, 0, 2)])
    assert 1.6 < statures[1] < 1.9
    np.testing.assert_allclose(np.diff(statures) / 2.0, 0.07, atol=0.015)
    # other betas leave the stature alone (within 2 cm per unit) except the lengths
    for name in ("weight", "shoulder_width", "hip_width", "chest"):
        assert abs(_height(mannequin.pose(betas=_beta(name, 1.0))) - statures[1]) < 0.02, name


def test_people_with_different_shapes_pose_correctly_from_many_threads(mannequin):
    """Several people's shapes share the model's cache (the UI thread and the preview worker
    pose them concurrently): each call gets its own person's body, and cached shapes cannot be
    scribbled on through the returned arrays."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(12)
    shapes = rng.normal(0.0, 1.5, (6, 10))
    expect = [reference_fk_lbs(*_rig_shaped(b), mannequin.parents, load_rig().skin_joint, BENT,
                               TRANSL)[0] for b in shapes]

    def work(i):
        k = i % len(shapes)
        return k, mannequin.pose(shapes[k], BENT, TRANSL).vertices

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(60)))
    for k, verts in results:
        np.testing.assert_allclose(verts, expect[k], atol=1e-5)
    # callers get copies: scribbling on one does not reach the cached shape
    mannequin.rest_joints(shapes[0])[:] = 0.0
    mannequin.rest_vertices(shapes[0])[:] = 0.0
    np.testing.assert_allclose(mannequin.rest_joints(shapes[0]), _rig_shaped(shapes[0])[1],
                               atol=1e-5)
    np.testing.assert_allclose(mannequin.pose(shapes[0], BENT, TRANSL).vertices, expect[0],
                               atol=1e-5)


def _rig_shaped(betas):
    rig = load_rig()
    v = rig.v_template.astype(np.float64) + rig.shapedirs.astype(np.float64) @ betas
    return v, rig.j_regressor.astype(np.float64) @ v
