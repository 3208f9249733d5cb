"""The temporal fit's hand-written gradients: its cross-frame terms (smoothness, steadiness,
foot contact) and the whole objective of a window and of a two-sided chunk, against central
finite differences in float64 along random directions."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "video"))

from motion_cases import keypoint_frames, walk_motion  # noqa: E402

from posestudio import camera as cam  # noqa: E402
from posestudio.lift import _keypoint_model, targets_of  # noqa: E402
from posestudio.lift.fit import FitSettings, selection_matrix  # noqa: E402
from posestudio.lift.temporal import (  # noqa: E402
    FEET, TemporalSettings, _frames_objective, _SequenceTerms, _sequence_problem,
)
from posestudio.scene.model import Camera, Canvas  # noqa: E402


def _check_directions(f, grads: list[np.ndarray], inputs: list[np.ndarray], rng,
                      directions: int = 12, eps: float = 1e-6) -> None:
    """⟨grad, v⟩ against (f(x + εv) − f(x − εv)) / 2ε for random directions v of all
    ``inputs`` at once (``f`` takes them as positional arguments)."""
    for _ in range(directions):
        vs = [rng.normal(size=x.shape) for x in inputs]
        up = f(*(x + eps * v for x, v in zip(inputs, vs)))
        down = f(*(x - eps * v for x, v in zip(inputs, vs)))
        numeric = (up - down) / (2 * eps)
        analytic = sum(float((g * v).sum()) for g, v in zip(grads, vs))
        assert abs(analytic - numeric) <= 1e-6 * max(1.0, abs(numeric)), (analytic, numeric)


def _poses(rng, frames: int) -> np.ndarray:
    """Random poses (T, 55, 3), one joint exactly at rest and one near a half turn (where the
    rotation's series and its sin/cos forms take over)."""
    pose = rng.normal(size=(frames, 55, 3)) * 0.5
    pose[:, 4] = 0.0
    pose[:, 5] = np.array([0.0, 0.0, 3.1]) + rng.normal(size=(frames, 3)) * 0.01
    return pose


@pytest.mark.parametrize("term, order", [("smoothness", 2), ("steadiness", 1)])
def test_motion_terms_gradient_matches_finite_differences(term, order):
    rng = np.random.default_rng(7)
    terms = _SequenceTerms(TemporalSettings(), fps=60.0)
    joints, pose = rng.normal(size=(6, 22, 3)), _poses(rng, 6)
    piece = getattr(terms, term)
    (value,), vjp = piece(joints, pose)
    assert value > 0
    g_joints, g_pose = vjp(1.0)
    assert np.all(g_pose[:, 22:] == 0.0)            # only the body joints' rotations count
    _check_directions(lambda j, p: float(piece(j, p)[0][0]), [g_joints, g_pose], [joints, pose], rng)
    # Too few frames for the difference: nothing, and no gradient.
    (short,), short_vjp = piece(joints[:order], pose[:order])
    assert short == 0.0 and not any(np.any(g) for g in short_vjp(1.0))


def test_motion_terms_measure_acceleration_and_velocity_at_30_fps():
    """A constant velocity costs no smoothness; a constant acceleration a (m/frame² at 60
    fps) costs smooth_joints × ρ(|a · (60/30)²|) per inner frame — ρ(r) = r² without an
    ``accel_scale``, the Charbonnier 2c²(√(1 + r²/c²) − 1) with one; a still body no
    steadiness."""
    t = np.arange(5.0)[:, None, None]
    accel = np.array([0.01, -0.02, 0.005])
    still = np.zeros((5, 55, 3))
    r2 = float(((accel * 4) ** 2).sum())
    for s, rho in ((replace(TemporalSettings(), accel_scale=None), r2),
                   (replace(TemporalSettings(), accel_scale=0.03),
                    2 * 0.03 ** 2 * (np.sqrt(1 + r2 / 0.03 ** 2) - 1))):
        terms = _SequenceTerms(s, fps=60.0)
        assert float(terms.smoothness(np.ones((5, 22, 3)) + t * 0.1, still)[0][0]) == pytest.approx(0.0, abs=1e-20)
        value = float(terms.smoothness(0.5 * t ** 2 * accel + np.zeros((5, 22, 3)), still)[0][0])
        assert value == pytest.approx(3 * s.smooth_joints * rho)
        assert float(terms.steadiness(np.ones((5, 22, 3)), still)[0][0]) == 0.0


def test_large_accelerations_cost_in_proportion_small_ones_squared():
    """With an ``accel_scale`` c, ten times an acceleration well under c costs ~100 times
    as much, ten times one well over c ~10 times: a fast move's peak is not flattened as a
    squared penalty would."""
    terms = _SequenceTerms(replace(TemporalSettings(), accel_scale=0.03), fps=30.0)
    t = np.arange(3.0)[:, None, None]
    still = np.zeros((3, 55, 3))

    def cost(a: float) -> float:
        joints = 0.5 * t ** 2 * np.array([a, 0.0, 0.0]) + np.zeros((3, 22, 3))
        return float(terms.smoothness(joints, still)[0][0])

    assert cost(0.01 * 0.03) / cost(0.001 * 0.03) == pytest.approx(100.0, rel=1e-3)
    assert cost(1000 * 0.03) / cost(100 * 0.03) == pytest.approx(10.0, rel=2e-2)


def test_contact_gradient_matches_finite_differences_and_counts_planted_steps_only():
    rng = np.random.default_rng(8)
    terms = _SequenceTerms(TemporalSettings(), fps=30.0)
    joints = rng.normal(size=(5, 22, 3))
    planted = np.zeros((5, 4))
    planted[1:3, 0] = 1.0                          # left ankle planted in frames 1 and 2
    planted[2, 3] = 1.0                            # right foot in frame 2 alone: no step counts
    (value,), vjp = terms.contact(joints, planted)
    step = joints[2, FEET[0]] - joints[1, FEET[0]]
    assert float(value) == pytest.approx(TemporalSettings().contact_weight * float(step @ step))
    (g_joints,) = vjp(1.0)
    moved = np.flatnonzero(np.abs(g_joints).sum(-1).sum(0))
    assert moved.tolist() == [FEET[0]]
    _check_directions(lambda j: float(terms.contact(j, planted)[0][0]), [g_joints], [joints], rng)


@pytest.fixture(scope="module")
def clip():
    """A sequence problem of 7 frames of a walk (noisy 2D keypoints) and its true motion."""
    from posestudio.body import load_body_model

    body = load_body_model("mannequin")
    canvas = Canvas(960, 540)
    camera = Camera(yaw_deg=30.0, pitch_deg=5.0, distance=5.0, target=(0.4, 0.9, 0.0), fov_y_deg=45.0)
    poses, transl = walk_motion(7, 30.0)
    kps, _ = keypoint_frames(body, poses, transl, np.zeros(10), camera, canvas, noise=3.0)
    _, model = _keypoint_model("mannequin")
    selection, available = selection_matrix(model.landmark_names, ("body", "hand_left", "hand_right", "face"))
    targets = np.stack([targets_of(k) for k in kps])
    targets[:, ~available] = 0.0
    targets[3] = 0.0                                # a missed frame: no data term
    focal = float(cam.intrinsics(camera, canvas)[0, 0])
    problem = _sequence_problem(model, targets, selection, focal, (canvas.width, canvas.height),
                                FitSettings())
    # The motion in the camera frame is what the fit moves; the world one is near enough for
    # a gradient check (the data term is then large, which is what we want to exercise too).
    return problem, poses, transl + np.array([0.0, -0.9, -5.0])


@pytest.mark.parametrize("kind", ["window", "chunk"])
def test_frames_objective_gradient_matches_finite_differences(clip, kind):
    """The whole objective of a warm-started window (steadiness, two solved frames before it,
    in reverse time order) and of a two-sided chunk (smoothness and foot contact, fixed frames
    on both sides), with the missed frame inside, at a perturbed motion."""
    problem, poses, transl = clip
    rng = np.random.default_rng(9)
    terms = _SequenceTerms(TemporalSettings(), fps=30.0)
    betas = rng.normal(size=(1, problem.model.num_betas)) * 0.3
    start = poses[:1] + rng.normal(size=(1, 55, 3)) * 0.1
    poses = poses + rng.normal(size=poses.shape) * 0.05
    if kind == "window":
        frames, before, after = [4, 3, 2], [6, 5], []
        f = _frames_objective(problem, terms.steadiness, betas, start, poses, transl, frames,
                              before, after)
    else:
        frames, before, after = [2, 3, 4], [0, 1], [5, 6]
        planted = rng.random((7, 4)) < 0.6
        f = _frames_objective(problem, terms.smoothness, betas, start, poses, transl, frames,
                              before, after, lambda j: terms.contact(j, planted.astype(float)))
    x = np.concatenate([poses[frames].reshape(-1), transl[frames].reshape(-1)])
    value, grad = f(x)
    assert np.isfinite(value) and value > 0
    g_pose = grad[:len(frames) * 165].reshape(-1, 55, 3)
    assert np.all(g_pose[:, 22:25] == 0.0) and np.all(g_pose[:, 25:] == 0.0)  # frozen: no hands
    _check_directions(lambda y: f(y)[0], [grad], [x], rng, directions=8)
