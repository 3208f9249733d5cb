"""Body proportions from bone-length ratios: a differently shaped body seen by a camera moves
the estimate towards its true betas; unsure 2D leaves the betas at the prior."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.lift.priors import mean_pose
from posestudio.lift.shape_from_bones import (
    BONE_KEYPOINTS, BONES, ShapeSettings, estimate_betas, observed_bone_lengths, rest_bone_lengths, shape_from_fit,
)
from posestudio.skeletons import COCO18_NAMES
from posestudio.skeletons import SMPLX_JOINT_INDEX as J

BONES_INDEX = {name: i for i, name in enumerate(COCO18_NAMES)}

SIZE, FOCAL = (1024, 1024), 1200.0
# legs longer, torso shorter, arms longer, shoulders narrower, hips wider (the mannequin's
# betas 2–6 move those ratios; 0 is the overall size, which ratios cannot see)
TRUE = np.array([0.0, 0.0, 1.5, -1.0, 1.2, -1.0, 1.0, 0.0, 0.0, 0.0])
SEEN = [2, 3, 4, 5, 6]


@pytest.fixture(scope="module")
def body():
    from posestudio.body import load_body_model

    return load_body_model("mannequin")


def open_pose() -> np.ndarray:
    """Arms and legs spread across the view, so every bone is seen nearly at full length."""
    pose = mean_pose()
    pose[J["left_shoulder"]] = (0.0, 0.0, -0.5)
    pose[J["right_shoulder"]] = (0.0, 0.0, 0.5)
    pose[J["left_hip"]] = (0.0, 0.0, 0.25)
    pose[J["right_hip"]] = (0.0, 0.0, -0.25)
    return pose


def seen_keypoints(body, betas, confidence=0.9, rng=None):
    """COCO-18 pixels + confidence and the points (18, 3) camera frame of ``betas``' body 3 m
    in front of a camera looking at it, slightly turned."""
    from posestudio.keypoints import openpose_points_3d

    pose = open_pose()
    pose[0] = (0.0, 0.3, 0.0)
    posed = body.pose(betas=betas, pose=pose, transl=np.array([0.0, 0.0, -3.0]))
    points = openpose_points_3d(posed, "coco18", hands=False, face=False)["body"][0]
    uv = np.column_stack([SIZE[0] / 2 + FOCAL * points[:, 0] / -points[:, 2],
                          SIZE[1] / 2 - FOCAL * points[:, 1] / -points[:, 2]])
    if rng is not None:
        uv += rng.normal(0, 1.0, uv.shape)
    return np.column_stack([uv, np.full(18, confidence)]), points


def test_rest_lengths_follow_the_betas(body):
    zero = rest_bone_lengths(body, np.zeros(10))
    longer_legs = rest_bone_lengths(body, np.eye(10)[2])
    legs = [i for i, (a, b) in enumerate(BONES) if "knee" in a or "knee" in b]
    assert (longer_legs[legs] > zero[legs] * 1.03).all()
    assert np.all(zero > 0.1)


def test_observed_lengths_at_the_true_depth_are_the_true_lengths(body):
    kp, points = seen_keypoints(body, TRUE)
    lengths, used = observed_bone_lengths(kp, -points[:, 2], focal=FOCAL, size=SIZE)
    assert used.sum() >= 8
    ia, ib = BONE_KEYPOINTS[used].T
    truth = np.linalg.norm(points[ia] - points[ib], axis=1)
    assert np.allclose(lengths[used], truth, atol=1e-6)


def test_a_differently_shaped_body_moves_the_estimate_towards_its_betas(body):
    rng = np.random.default_rng(0)
    kp, points = seen_keypoints(body, TRUE, rng=rng)
    # the depths of a fit that has the pose right but not yet the shape: a few cm off
    depth = -points[:, 2] + rng.normal(0, 0.03, 18)
    est = shape_from_fit(body, kp, points, focal=FOCAL, size=SIZE, prior=np.zeros(10))
    assert est.confident
    before = np.abs(TRUE[SEEN]).sum()
    after = np.abs(est.betas[SEEN] - TRUE[SEEN]).sum()
    assert after < 0.5 * before, est.betas.round(2)
    # each proportion moves the right way
    assert np.all(np.sign(est.betas[SEEN]) == np.sign(TRUE[SEEN])), est.betas.round(2)
    # with depths a few cm off, still closer than the prior
    lengths, used = observed_bone_lengths(kp, depth, focal=FOCAL, size=SIZE)
    noisy = estimate_betas(body, lengths, used, np.zeros(10))
    assert np.abs(noisy.betas[SEEN] - TRUE[SEEN]).sum() < 0.7 * before


def test_unsure_2d_leaves_the_betas_at_the_prior(body):
    prior = np.linspace(-0.3, 0.3, 10)
    kp, points = seen_keypoints(body, TRUE, confidence=0.3)
    est = shape_from_fit(body, kp, points, focal=FOCAL, size=SIZE, prior=prior)
    assert not est.confident
    assert np.array_equal(est.betas, prior)
    # a bone seen end-on (along the view ray) does not count either
    kp, points = seen_keypoints(body, TRUE)
    _, used = observed_bone_lengths(kp, -points[:, 2], focal=FOCAL, size=SIZE)
    assert used.all()
    end_on = -points[:, 2]
    end_on[[BONES_INDEX["left_elbow"]]] += 0.5     # the forearm now runs mostly along the ray
    _, used = observed_bone_lengths(kp, end_on, focal=FOCAL, size=SIZE)
    assert not used[[i for i, bone in enumerate(BONES) if "left_elbow" in bone]].any()
    assert used.sum() == len(BONES) - 2
    # too few bones → no estimate
    est = estimate_betas(body, np.ones(len(BONES)), np.arange(len(BONES)) < 3, prior,
                         ShapeSettings(min_bones=4))
    assert np.array_equal(est.betas, prior)


def test_the_lift_takes_the_proportions_of_confident_2d(body):
    """A differently shaped body lifted from its keypoints: the plain fit keeps proportions near
    the mannequin's; with ``shape_from_bones`` they move towards the truth, the keypoints still
    matched; unsure 2D changes nothing."""
    import torch

    from posestudio import camera as cam
    from posestudio.keypoints import people_keypoints_2d
    from lift_cases import fit_inputs

    from posestudio.lift import lift
    from posestudio.lift.fit import fit_person
    from posestudio.lift.shape_from_bones import fit_with_bone_shape
    from posestudio.scene.model import Camera, Canvas

    torch.set_num_threads(1)
    canvas = Canvas(768, 1024)
    posed = body.pose(betas=TRUE, pose=open_pose())
    camera = cam.frame_points(Camera(yaw_deg=20, pitch_deg=10), canvas, posed.vertices)
    kp = people_keypoints_2d([posed], camera, canvas)[0]
    model, targets, selection, focal, size = fit_inputs(kp, camera, canvas)
    plain = fit_person(model, targets, selection, focal=focal, size=size)
    shaped, settings = fit_with_bone_shape(model, body, targets, selection, plain, focal=focal, size=size)
    assert not settings.fit_shape
    err_plain = np.abs(plain.betas[SEEN] - TRUE[SEEN]).sum()
    err_shaped = np.abs(shaped.betas[SEEN] - TRUE[SEEN]).sum()
    assert err_shaped < err_plain - 0.5, (plain.betas.round(2), shaped.betas.round(2))
    body2d = targets[:18, 2] > 0
    assert np.abs(shaped.keypoints2d[:18][body2d] - targets[:18, :2][body2d]).max() < 6.0

    unsure = targets.copy()
    unsure[:, 2] = np.where(unsure[:, 2] > 0, 0.3, 0.0)
    same, _ = fit_with_bone_shape(model, body, unsure, selection, plain, focal=focal, size=size)
    assert same is plain

    result = lift([kp], size, focal_px=focal, shape_from_bones=True)
    assert np.abs(result.people[0].betas[SEEN] - TRUE[SEEN]).sum() < err_plain - 0.5
    assert result.reprojection_px[0] < 4.0
