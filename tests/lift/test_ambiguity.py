"""Depth alternatives of a lift: exact limb and lean flips, plausibility terms, the mocap pose
prior, and the search finding the true depth configuration of a pose 2D cannot settle."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.lift.ambiguity import (
    LIMBS, SEGMENTS, depth_signs, flip_lean, flip_limb, global_rotations,
)
from posestudio.lift.plausibility import balance, collision
from posestudio.lift.pose_prior_gmm import fit_gmm, load_pose_gmm
from posestudio.lift.priors import mean_pose
from posestudio.skeletons import SMPLX_JOINT_INDEX as J

SEG = {name: k for k, (name, _, _) in enumerate(SEGMENTS)}


@pytest.fixture(scope="module")
def body():
    from posestudio.body import load_body_model

    return load_body_model("mannequin")


def knee_up_pose() -> np.ndarray:
    pose = mean_pose()
    pose[J["right_hip"]] = (-1.2, 0.0, 0.0)       # thigh forward
    pose[J["right_knee"]] = (1.4, 0.0, 0.0)       # shin down
    pose[J["left_shoulder"]] = (0.0, -0.9, -0.3)  # left arm reaching forward
    pose[0] = (0.0, 0.5, 0.0)                     # turned a little
    return pose


def camera_joints(body, pose, transl=(0.0, -0.2, -3.0)) -> np.ndarray:
    return body.pose(pose=pose, transl=np.array(transl)).joints.astype(np.float64)


def pixels(points: np.ndarray) -> np.ndarray:
    return points[:, :2] / -points[:, 2:3]


def test_limb_flip_keeps_the_image_and_the_bone_lengths(body):
    pose = knee_up_pose()
    joints = camera_joints(body, pose)
    for limb, (r, m, e) in LIMBS.items():
        for upper, lower in ((True, False), (False, True), (True, True)):
            flipped = flip_limb(pose, joints, limb, upper, lower, min_move=0.0)
            got = camera_joints(body, flipped)
            # root and middle stay on their rays; the end too unless its ray misses the
            # lower bone's sphere about the moved middle (then it takes the nearest point)
            ids = [J[r], J[m]] + ([J[e]] if not upper else [])
            assert np.allclose(pixels(got[ids]), pixels(joints[ids]), atol=1e-4), (limb, upper, lower)
            assert np.allclose(np.linalg.norm(got[J[m]] - got[J[r]]), np.linalg.norm(joints[J[m]] - joints[J[r]]), atol=1e-4)
            changed = depth_signs(got) != depth_signs(joints)
            # the segments asked for change their depth direction (when they are out of the
            # image plane), nothing else does
            assert not changed[[SEG[n] for n in SEG if not n.startswith(limb)]].any()
            if limb == "right_leg":
                assert changed[SEG["right_leg_upper"]] == upper


def test_a_flip_that_moves_too_little_is_no_alternative(body):
    pose = knee_up_pose()
    joints = camera_joints(body, pose)
    assert flip_limb(pose, joints, "right_leg", True, False, min_move=0.0) is not None
    assert flip_limb(pose, joints, "right_leg", True, False, min_move=5.0) is None
    assert flip_lean(pose, joints, min_move=5.0) is None


def test_lean_flip_reverses_the_torso_and_keeps_the_legs(body):
    pose = mean_pose()
    pose[0] = (0.4, 0.0, 0.0)                        # leaning towards the camera
    pose[J["left_hip"]] = pose[J["right_hip"]] = (-0.4, 0.0, 0.0)   # legs straight down
    joints = camera_joints(body, pose)
    flipped = flip_lean(pose, joints)
    got = camera_joints(body, flipped)
    assert depth_signs(got)[SEG["torso"]] != depth_signs(joints)[SEG["torso"]]
    legs = [J["left_hip"], J["right_hip"]]
    assert np.allclose(global_rotations(flipped)[legs], global_rotations(pose)[legs], atol=1e-6)


def test_collision_and_balance(body):
    pose = mean_pose()
    standing = camera_joints(body, pose)[None]
    assert collision(standing)[0] == 0.0 and balance(standing)[0] == 0.0
    through = pose.copy()
    through[J["right_shoulder"]] = (0.0, 1.3, 0.0)        # right arm swung across the chest
    through[J["right_elbow"]] = (0.0, 2.4, 0.0)          # forearm folded into the torso
    assert collision(camera_joints(body, through)[None])[0] > 0.0
    falling = pose.copy()               # straight legs 30° forward, torso upright: feet ahead
    falling[J["left_knee"]] = falling[J["right_knee"]] = 0.0
    falling[J["left_hip"]] = falling[J["right_hip"]] = (-0.5, 0.0, 0.0)
    assert balance(camera_joints(body, falling)[None])[0] > 0.01


def test_gmm_fit_and_the_shipped_prior():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0] * 36, [1.0] * 36])
    x = np.concatenate([c + 0.1 * rng.normal(size=(200, 36)) for c in centres])
    gmm = fit_gmm(x, 2, iterations=30, seed=0)
    assert np.allclose(np.sort(gmm.means.mean(1)), [0.0, 1.0], atol=0.05)

    prior = load_pose_gmm()
    relaxed = mean_pose()
    twisted = relaxed.copy()
    twisted[J["left_knee"]] = (-1.2, 0.0, 0.0)           # knee bent backwards
    twisted[J["right_elbow"]] = (0.0, -1.5, 0.0)         # elbow bent backwards
    nll = prior.nll(np.stack([relaxed, twisted]))
    assert nll[0] < nll[1] - 10
    # the refinement's version: the same value, and its gradient against central differences
    poses = np.stack([relaxed, twisted])
    (value,), vjp = prior.nll_piece(poses)
    assert np.allclose(value, nll)
    grad = vjp(np.array([1.0, 0.5]))[0]
    (weighted,), weighted_vjp = prior.nll_piece(poses, weight=3.0)     # as the search weighs it
    assert np.allclose(weighted, 3.0 * nll)
    assert np.allclose(weighted_vjp(np.array([1.0, 0.5]))[0], 3.0 * grad)
    eps = 1e-6
    for j, c in ((J["left_knee"], 0), (J["right_elbow"], 1), (J["left_shoulder"], 2), (J["jaw"], 0)):
        step = np.zeros_like(poses)
        step[:, j, c] = eps
        numeric = (prior.nll(poses + step) - prior.nll(poses - step)) / (2 * eps)
        assert np.allclose(grad[:, j, c], numeric * np.array([1.0, 0.5]), atol=1e-5)


def test_search_ranks_the_true_configuration_high(body):
    """The knee-up pose through a camera: the true depth directions are among the top three."""
    from lift_cases import fit_inputs

    from posestudio import camera as cam
    from posestudio.keypoints import people_keypoints_2d
    from posestudio.lift.ambiguity import best_fit_and_alternatives
    from posestudio.lift.fit import fit_person
    from posestudio.scene.model import Camera, Canvas

    canvas = Canvas(512, 640)
    pose = knee_up_pose()
    posed = body.pose(pose=pose)
    camera = cam.frame_points(Camera(yaw_deg=20, pitch_deg=10), canvas, posed.vertices)
    kp = people_keypoints_2d([posed], camera, canvas)[0]
    model, targets, selection, focal, size = fit_inputs(kp, camera, canvas)
    fit = fit_person(model, targets, selection, focal=focal, size=size)
    best, alts = best_fit_and_alternatives(model, targets, selection, fit, focal=focal, size=size)
    assert 2 <= len(alts) <= 8
    assert [a.score for a in alts] == sorted(a.score for a in alts)
    assert len({tuple(a.signs) for a in alts}) == len(alts)          # distinct configurations
    assert alts[0].label and all(a.label != alts[0].label for a in alts[1:])
    m = cam.world_to_camera(camera)
    truth = posed.joints @ m[:3, :3].T + m[:3, 3]
    want = depth_signs(truth)
    clear = [SEG[n] for n in ("right_leg_upper", "right_leg_lower", "left_arm_upper")]

    def signs(a):
        return depth_signs(body.pose(betas=a.betas, pose=a.pose, transl=a.transl).joints)

    assert any(np.array_equal(signs(a)[clear], want[clear]) for a in alts[:3])
    assert np.array_equal(best.pose, alts[0].pose)


def test_limb_prior_sees_limbs_in_the_torso_frame(body):
    from posestudio.kinematics.mirror import mirror_pose
    from posestudio.lift.pose_prior_gmm import limb_features, load_limb_prior

    pose = knee_up_pose()
    joints = camera_joints(body, pose)
    mirrored = camera_joints(body, mirror_pose(pose))
    # left and right share one model: a mirrored body swaps its two limbs' features
    for kind in ("arm", "leg"):
        assert np.allclose(limb_features(joints, kind), limb_features(mirrored, kind)[::-1], atol=1e-5)
    prior = load_limb_prior()
    assert prior is not None
    shin_back = pose.copy()
    shin_back[J["right_knee"]] = (-1.4, 0.0, 0.0)          # the knee bent the wrong way
    arm_back = pose.copy()
    arm_back[J["left_shoulder"]] = (0.0, 0.9, 0.3)         # reaching behind the back instead
    nll = prior.nll(np.stack([joints, camera_joints(body, shin_back), camera_joints(body, arm_back)]))
    assert nll[0] < nll[1] - 5 and nll[0] < nll[2]


def test_combinations_take_each_limb_from_its_row(body):
    from posestudio.lift.ambiguity import _combinations

    pose = knee_up_pose()
    joints = camera_joints(body, pose)
    rows = [pose]
    owners = [None]
    for limb in ("right_leg", "left_arm"):
        for code, (upper, lower) in enumerate(((True, False), (False, True))):
            rows.append(flip_limb(pose, joints, limb, upper, lower, min_move=0.0))
            owners.append((limb, code))
    score = np.array([0.0, 1.0, 2.0, 1.5, 0.5])
    poses, changed = _combinations(np.stack(rows), owners, score, per_limb=1)
    # one variant per limb kept (the better one): right leg row 1, left arm row 4; two limbs
    # changed at least: exactly the one combination
    assert [set(c) for c in changed] == [{"right_leg", "left_arm"}]
    got = poses[0]
    for limb, row in (("right_leg", 1), ("left_arm", 4)):
        for name in LIMBS[limb][:2]:
            assert np.allclose(global_rotations(got)[J[name]], global_rotations(rows[row])[J[name]], atol=1e-6)
    poses, changed = _combinations(np.stack(rows), owners, score, per_limb=2)
    assert len(poses) == 2 * 2 and all(len(c) == 2 for c in changed)


def test_near_identical_alternatives_are_offered_once(body):
    from posestudio.lift.ambiguity import Alternative, _distinct

    pose = knee_up_pose()
    joints = camera_joints(body, pose)
    nudged = joints.copy()
    nudged[J["left_wrist"]] += (0.0, 0.0, 0.02)             # 2 cm: looks the same
    moved = camera_joints(body, flip_limb(pose, joints, "right_leg", True, True, min_move=0.0))

    def alt(j, score, sign_flip=None):
        signs = depth_signs(j)
        if sign_flip is not None:
            signs = signs.copy()
            signs[sign_flip] *= -1           # another configuration by its signs alone
        return Alternative(pose, np.zeros(10), np.zeros(3), score, signs=signs, joints=j)

    ranked = [alt(joints, 0.0), alt(nudged, 1.0, SEG["left_arm_lower"]), alt(moved, 2.0)]
    assert len(_distinct(ranked, joints, 8)) == 3
    kept = _distinct(ranked, joints, 8, min_apart=0.06)
    assert [a.score for a in kept] == [0.0, 2.0]


def test_a_second_round_starts_from_the_best_and_reaches_two_limb_changes(body):
    """A fit with a shin and an upper arm reversed in depth: without combinations one search
    turns back one limb at a time; a second, from the first's best, turns back both."""
    from lift_cases import fit_inputs

    from posestudio import camera as cam
    from posestudio.keypoints import people_keypoints_2d
    from posestudio.lift.ambiguity import AmbiguitySettings, search_alternatives
    from posestudio.lift.fit import FitProblem, FitResult, FitSettings, fit_person
    from posestudio.scene.model import Camera, Canvas

    canvas = Canvas(512, 640)
    posed = body.pose(pose=knee_up_pose())
    camera = cam.frame_points(Camera(yaw_deg=20, pitch_deg=10), canvas, posed.vertices)
    kp = people_keypoints_2d([posed], camera, canvas)[0]
    model, targets, selection, focal, size = fit_inputs(kp, camera, canvas)
    fit = fit_person(model, targets, selection, focal=focal, size=size)
    joints = model.forward_np(fit.betas[None], fit.pose[None], fit.transl[None])[0][0]
    wrong = flip_limb(fit.pose, joints, "right_leg", False, True)
    wrong = flip_limb(wrong, model.forward_np(fit.betas[None], wrong[None], fit.transl[None])[0][0],
                      "left_arm", True, False)
    start = FitResult(wrong, fit.betas, fit.transl, fit.loss, fit.keypoints2d)
    problem = FitProblem.for_image(model, targets, selection, focal=focal, size=size,
                                   points3d=None, settings=FitSettings())
    want = depth_signs(joints)
    segs = [SEG[n] for n in ("right_leg_lower", "left_arm_upper")]

    def reached(found):
        return any(np.array_equal(a.signs[segs], want[segs]) for a in found)

    one = search_alternatives(problem, start, AmbiguitySettings(combos=0, rounds=1))
    assert not reached(one)
    two = search_alternatives(problem, start, AmbiguitySettings(combos=0, rounds=2))
    assert reached(two[:1])
