"""The fit's hand-written gradients: each numpy piece against torch autograd through the real
body model (smplx's ``torch_forward``) or against central finite differences in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from posestudio import rotations
from posestudio.lift import _keypoint_model
from posestudio.lift.fit import FitProblem, FitSettings, PoseTerms, robust_reprojection

from lift_cases import fit_inputs, make_case, pose_of


def _numeric_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar ``f`` at ``x`` (any shape)."""
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        up = f(x)
        flat[i] = keep - eps
        down = f(x)
        flat[i] = keep
        out[i] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("angle", [0.0, 1e-7, 1e-3, 0.02, 1.0, 3.1])
def test_rotation_vjp_matches_autograd_of_the_matrix_exponential_at_every_angle(angle):
    rng = np.random.default_rng(1)
    axis = rng.normal(size=(40, 3))
    aa = axis / np.linalg.norm(axis, axis=1, keepdims=True) * angle * rng.uniform(0.5, 1.0, (40, 1))
    g = rng.normal(size=(40, 3, 3))
    x = torch.tensor(aa, requires_grad=True)
    zero = torch.zeros_like(x[:, 0])
    skew = torch.stack([zero, -x[:, 2], x[:, 1], x[:, 2], zero, -x[:, 0],
                        -x[:, 1], x[:, 0], zero], -1).reshape(-1, 3, 3)
    (torch.linalg.matrix_exp(skew) * torch.tensor(g)).sum().backward()   # exp([ω]×) = R(ω)
    np.testing.assert_allclose(rotations.axis_angle_to_matrix_vjp(aa, g), x.grad.numpy(), atol=1e-10)


def test_keypoint_model_gradient_matches_autograd_through_the_real_body_model():
    """Joints and landmarks and their gradients, against smplx-backed ``torch_forward``
    differentiated by torch (the landmarks' owning joints are exact for the mannequin)."""
    body, model = _keypoint_model("mannequin")
    rng = np.random.default_rng(0)
    betas = rng.normal(size=(3, model.num_betas)) * 0.5
    pose = rng.normal(size=(3, 55, 3)) * 0.4
    transl = rng.normal(size=(3, 3))
    joints, landmarks, cache = model.forward_np(betas, pose, transl)
    tb, tp, tt = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (betas, pose, transl))
    _, j_ref, l_ref = body.torch_forward(tb.float(), tp.float(), tt.float())
    np.testing.assert_allclose(joints, j_ref.detach().numpy(), atol=2e-5)
    np.testing.assert_allclose(landmarks, l_ref.detach().numpy(), atol=2e-5)

    g_j, g_l = rng.normal(size=joints.shape), rng.normal(size=landmarks.shape)
    ((j_ref.double() * torch.tensor(g_j)).sum() + (l_ref.double() * torch.tensor(g_l)).sum()).backward()
    g_betas, g_pose, g_transl = model.vjp(cache, g_j, g_l)
    for ours, ref in ((g_betas, tb.grad), (g_pose, tp.grad), (g_transl, tt.grad)):
        ref = ref.numpy()
        assert np.abs(ours - ref).max() <= 1e-3 * max(1.0, np.abs(ref).max())


def test_keypoint_model_gradient_at_the_rest_pose_matches_finite_differences():
    """Pose exactly 0 (the frozen hands and face of most fits) is where series take over."""
    _, model = _keypoint_model("mannequin")
    rng = np.random.default_rng(3)
    betas, pose, transl = np.zeros((1, model.num_betas)), np.zeros((1, 55, 3)), np.zeros((1, 3))
    g_j = rng.normal(size=(1, 55, 3))
    _, landmarks, cache = model.forward_np(betas, pose, transl)
    g_l = rng.normal(size=landmarks.shape)

    def scalar(p):
        j, lm, _ = model.forward_np(betas, p, transl)
        return float((j * g_j).sum() + (lm * g_l).sum())

    np.testing.assert_allclose(model.vjp(cache, g_j, g_l)[1], _numeric_grad(scalar, pose.copy()), atol=1e-6)


def test_pose_terms_gradient_matches_finite_differences_on_every_term():
    """Poses that switch on every term: a knee bent backwards, an elbow twisted, an upper arm
    far behind the back, a thigh over-extended (the nearest mode decides the pull)."""
    terms = PoseTerms(FitSettings())
    pose = pose_of(left_knee=(-0.4, 0.2, 0.1), right_elbow=(0.3, -0.5, 0.2),
                   left_shoulder=(0.1, 1.9, -0.4), right_hip=(0.9, 0.1, 0.0), spine2=(0.2, 0.1, 0.0))
    pose = np.stack([pose, pose * 0.5 + 0.01])
    (value,), vjp = terms.piece(pose, 1e-3)
    assert np.all(value > 0)
    g = np.array([1.0, 0.7])
    numeric = _numeric_grad(lambda p: float((terms.piece(p, 1e-3)[0][0] * g).sum()), pose.copy())
    np.testing.assert_allclose(vjp(g)[0], numeric, atol=1e-6)


def test_reprojection_gradient_matches_finite_differences_and_stops_behind_the_camera():
    rng = np.random.default_rng(2)
    points = rng.normal(size=(2, 6, 3)) * 0.3 + np.array([0.0, 0.0, -3.0])
    points[1, 0, 2] = 0.5                       # behind the camera: depth clamped
    tgt, w = rng.normal(size=(6, 2)) * 0.2, rng.uniform(0.2, 1.0, 6)
    (loss,), vjp = robust_reprojection(points, tgt, w, 2.0, 0.1)
    numeric = _numeric_grad(lambda p: float(robust_reprojection(p, tgt, w, 2.0, 0.1)[0][0].sum()), points.copy())
    analytic = vjp(np.ones(2))[0]
    np.testing.assert_allclose(analytic, numeric, atol=1e-6)
    assert analytic[1, 0, 2] == 0.0


def test_whole_objective_gradient_matches_finite_differences_with_every_term_on():
    """The full fit objective (reprojection, priors, shape prior, detector-3D bones, frozen
    joints) of a real case, at a perturbed pose, against central differences."""
    case = make_case(pose_of(left_knee=(1.0, 0, 0), right_elbow=(0, 1.2, 0)), yaw=30.0)
    model, targets, selection, focal, size = fit_inputs(case.keypoints, case.camera, case.canvas)
    rng = np.random.default_rng(4)
    points3d = case.joints_cam[:18] + rng.normal(size=(18, 3)) * 0.02  # a detector's 3D guess
    problem = FitProblem.for_image(model, targets, selection, focal=focal, size=size,
                                   points3d=points3d, settings=FitSettings())
    assert problem.bones is not None and problem.freeze.min() == 0.0
    pose = case.pose[None] + rng.normal(size=(1, 55, 3)) * 0.05
    start = np.zeros_like(pose)
    transl = np.array([[0.1, -0.2, -3.0]])
    betas = rng.normal(size=(1, model.num_betas)) * 0.3
    (loss, posed, kp), vjp = problem.objective_piece(pose, transl, betas, start, 3e-4)
    g_posed, g_kp = rng.normal(size=posed.shape) * 1e-3, rng.normal(size=kp.shape) * 1e-3
    g_pose, g_transl, g_betas, _ = vjp(np.ones(1), g_posed, g_kp)

    def scalar(p, t, b):
        value, q, k = problem.objective_piece(p, t, b, start, 3e-4)[0]
        return float(value.sum() + (q * g_posed).sum() + (k * g_kp).sum())

    for ours, x, f in ((g_pose, pose, lambda x: scalar(x, transl, betas)),
                       (g_transl, transl, lambda x: scalar(pose, x, betas)),
                       (g_betas, betas, lambda x: scalar(pose, transl, x))):
        numeric = _numeric_grad(f, x.copy())
        assert np.abs(ours - numeric).max() <= 1e-5 * max(1.0, np.abs(numeric).max())
    assert np.all(g_pose[0, 22:25] == 0.0)      # jaw and eyes are frozen
