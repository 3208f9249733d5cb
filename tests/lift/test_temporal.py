"""The temporal fit: smoother than per-frame fits (acceleration error), as accurate, missed
frames filled from their neighbours, one body shape for the clip."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "video"))

from motion_cases import keypoint_frames, to_cam, walk_motion  # noqa: E402

from posestudio import camera as cam  # noqa: E402
from posestudio.body import load_body_model  # noqa: E402
from posestudio.errors import Cancelled, LiftError  # noqa: E402
from posestudio.lift import _keypoint_model, lift, targets_of  # noqa: E402
from posestudio.lift.metrics import accel_error_mm, pa_mpjpe_mm  # noqa: E402
from posestudio.lift.ambiguity import search_alternatives  # noqa: E402
from posestudio.lift.fit import FitResult, FitSettings, fit_person, selection_matrix  # noqa: E402
from posestudio.lift.temporal import (  # noqa: E402
    TemporalSettings, _DepthSearch, _sequence_problem, _SequenceTerms, _solve_back, _solve_window,
    fit_sequence,
)
from posestudio.scene.model import Camera, Canvas  # noqa: E402

CANVAS = Canvas(960, 540)
CAMERA = Camera(yaw_deg=30.0, pitch_deg=5.0, distance=5.0, target=(0.4, 0.9, 0.0), fov_y_deg=45.0)
FPS = 30.0


@pytest.fixture(scope="module")
def walk():
    body = load_body_model("mannequin")
    poses, transl = walk_motion(10, FPS)
    kps, joints = keypoint_frames(body, poses, transl, np.zeros(10), CAMERA, CANVAS, noise=3.0)
    _, model = _keypoint_model("mannequin")
    selection, available = selection_matrix(model.landmark_names, ("body", "hand_left", "hand_right", "face"))
    targets = np.stack([targets_of(k) for k in kps])
    targets[:, ~available] = 0.0
    focal = float(cam.intrinsics(CAMERA, CANVAS)[0, 0])
    return body, model, selection, targets, kps, joints, focal


def _fit(walk, targets, **kwargs):
    body, model, selection, _, _, _, focal = walk
    fit = fit_sequence(model, targets, selection, focal=focal, size=(CANVAS.width, CANVAS.height),
                       fps=FPS, **kwargs)
    joints = np.stack([body.pose(betas=fit.betas, pose=p, transl=t).joints
                       for p, t in zip(fit.poses, fit.transl)])
    return fit, joints


def test_temporal_fit_is_smoother_than_per_frame_lifting_and_as_accurate(walk):
    body, _, _, targets, kps, truth, focal = walk
    fit, joints = _fit(walk, targets)
    per_frame = []
    for kp in kps:
        result = lift([kp], (CANVAS.width, CANVAS.height), focal_px=focal)
        p = result.people[0]
        per_frame.append(to_cam(body.pose(betas=p.betas, pose=p.pose, transl=p.transl).joints,
                                result.camera))
    per_frame = np.stack(per_frame)
    temporal_acc, photo_acc = accel_error_mm(joints, truth), accel_error_mm(per_frame, truth)
    assert temporal_acc < photo_acc / 5, (temporal_acc, photo_acc)
    pa_temporal = np.mean([pa_mpjpe_mm(j, g) for j, g in zip(joints, truth)])
    pa_photo = np.mean([pa_mpjpe_mm(j, g) for j, g in zip(per_frame, truth)])
    assert pa_temporal < max(pa_photo, 45.0), (pa_temporal, pa_photo)
    assert fit.observed.all() and fit.betas.shape == (10,)


def test_missed_frames_are_filled_not_fitted_to_garbage(walk):
    _, _, _, targets, _, truth, _ = walk
    broken = targets.copy()
    broken[5:8] = 0.0                         # three frames nobody was found
    broken[3, :18, :2] += 400.0 * (broken[3, :18, 2:] > 0)   # ... and one of garbage: still "seen"
    broken[3, :18, 2] *= 0.05                                  # ... with a low confidence
    fit, joints = _fit(walk, broken)
    assert not fit.observed[5:8].any() and fit.observed[[4, 8]].all()
    for t in (3, 5, 6, 7):
        assert pa_mpjpe_mm(joints[t], truth[t]) < 60.0, t
    step = np.linalg.norm(np.diff(joints[2:10, :22], axis=0), axis=-1).max()
    true_step = np.linalg.norm(np.diff(truth[2:10, :22], axis=0), axis=-1).max()
    assert step < 1.5 * true_step               # no jump into or out of the gap


def test_no_usable_frame_and_cancel(walk):
    _, _, _, targets, _, _, _ = walk
    with pytest.raises(LiftError, match="too few body keypoints"):
        _fit(walk, np.zeros_like(targets))
    with pytest.raises(Cancelled):
        _fit(walk, targets, should_stop=lambda: True)


def test_depth_solutions_are_compared_as_the_search_ranks_them(walk):
    """The temporal fit keeps, frame by frame, the depth solution the single-photo search
    ranks better: its scores are the search's own (``ambiguity.score_bodies``)."""
    _, model, selection, targets, _, _, focal = walk
    size = (CANVAS.width, CANVAS.height)
    quick = FitSettings(steps_full=30, start_poses=2, polish_iters=10)
    fit = fit_person(model, targets[0], selection, focal=focal, size=size, settings=quick)
    targets = targets.copy()
    targets[5] = 0.0
    observed = np.arange(len(targets)) != 5
    clip = _sequence_problem(model, targets, selection, focal, size, quick)
    depth = _DepthSearch(model, targets, observed, selection, focal, size, None, fit.betas, quick)
    found = search_alternatives(depth.problem(0), FitResult(fit.pose, fit.betas, fit.transl, 0.0,
                                                            np.zeros((0, 2))), gmm=depth.gmm)
    assert len(found) > 1
    poses, transl = np.stack([a.pose for a in found]), np.stack([a.transl for a in found])
    np.testing.assert_allclose(depth.scores(clip, 0, poses, transl), [a.score for a in found],
                               rtol=1e-9)
    # A frame without keypoints: the same score without its 2D part (the priors decide).
    np.testing.assert_allclose(depth.scores(clip, 5, poses, transl),
                               [a.score - a.terms["reprojection"] for a in found], rtol=1e-9)


def test_a_depth_solution_found_late_is_carried_back_to_the_frames_before_it(walk):
    """Frames that the warm start carried into a wrong depth solution are solved again
    backwards from the better one the search finds after them, and keep it where the search
    ranks it better."""
    body, model, selection, targets, _, _, focal = walk
    size = (CANVAS.width, CANVAS.height)
    fit, good = _fit(walk, targets)
    s, fs = TemporalSettings(), FitSettings()
    clip = _sequence_problem(model, targets, selection, focal, size, fs)
    depth = _DepthSearch(model, targets, np.ones(len(targets), bool), selection, focal, size,
                         None, fit.betas, fs)
    terms, betas, start = _SequenceTerms(s, FPS), fit.betas[None], fit.poses[fit.reference][None]
    found = search_alternatives(depth.problem(9), FitResult(fit.poses[9], fit.betas, fit.transl[9],
                                                            0.0, np.zeros((0, 2))), gmm=depth.gmm)
    plain = next(i for i, a in enumerate(found) if not a.changed)

    def apart(a):
        return np.abs(body.pose(betas=fit.betas, pose=a.pose, transl=a.transl).joints[:22]
                      - good[9, :22]).sum()

    wrong = max(found[plain + 1:], key=apart)       # a worse-ranked depth solution at frame 9
    poses, transl = fit.poses.copy(), fit.transl.copy()
    poses[9], transl[9] = wrong.pose, wrong.transl
    before = [8, 7, 6, 5, 4, 3]
    _solve_window(clip, terms, s, betas, start, poses, transl, [9], before)   # carried back
    carried = poses.copy(), transl.copy()

    poses[9], transl[9] = fit.poses[9], fit.transl[9]      # the search's better one adopted
    _solve_back(clip, terms, s, betas, start, poses, transl, 9, before, depth)

    def joints(p, t):
        return np.stack([body.pose(betas=fit.betas, pose=p[i], transl=t[i]).joints[:22]
                         for i in before])

    moved_wrong = np.linalg.norm(joints(*carried) - good[before, :22], axis=-1).mean(-1)
    moved_after = np.linalg.norm(joints(poses, transl) - good[before, :22], axis=-1).mean(-1)
    assert moved_wrong[0] > 0.05, moved_wrong            # the wrong solution was carried back
    assert moved_after[0] < 0.5 * moved_wrong[0], (moved_after, moved_wrong)
    for t in before:
        new, old = depth.scores(clip, t, np.stack([poses[t], carried[0][t]]),
                                np.stack([transl[t], carried[1][t]]))
        assert new <= old, t                               # each frame kept the better-ranked
        if t == 8:
            assert new < old


def test_a_sequence_fit_never_imports_torch():
    code = textwrap.dedent("""
        import sys
        sys.path.insert(0, "tests/video")
        import numpy as np
        from motion_cases import keypoint_frames, walk_motion
        from posestudio import camera as cam
        from posestudio.body import load_body_model
        from posestudio.lift import _keypoint_model, targets_of
        from posestudio.lift.fit import FitSettings, selection_matrix
        from posestudio.lift.temporal import TemporalSettings, fit_sequence
        from posestudio.scene.model import Camera, Canvas
        canvas = Canvas(640, 480)
        camera = Camera(yaw_deg=20.0, distance=5.0, target=(0.0, 0.9, 0.0), fov_y_deg=45.0)
        kps, _ = keypoint_frames(load_body_model("mannequin"), *walk_motion(6, 30.0),
                                 np.zeros(10), camera, canvas)
        _, model = _keypoint_model("mannequin")
        selection, available = selection_matrix(model.landmark_names, ("body",))
        targets = np.stack([targets_of(k)[:18] for k in kps])
        fit = fit_sequence(model, targets, selection, focal=float(cam.intrinsics(camera, canvas)[0, 0]),
                           size=(640, 480), fps=30.0,
                           settings=TemporalSettings(steps=5, reanchor_every=4, reanchor_steps=5,
                                                     reanchor_starts=1, refine_iters=5),
                           fit_settings=FitSettings(steps_global=5, steps_full=10, start_poses=2,
                                                    polish_iters=5))
        assert fit.poses.shape == (6, 55, 3)
        print("torch" if "torch" in sys.modules else "clean")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("clean")


def test_the_smoothing_control_trades_following_the_keypoints_for_steadiness(walk):
    """``with_smoothing`` scales every smoothness and steadiness weight; more smoothing gives a
    steadier motion (smaller joint accelerations), less follows the keypoints more closely
    (smaller reprojection error)."""
    base = TemporalSettings()
    strong = base.with_smoothing(8.0)
    assert strong.smooth_joints == 8.0 * base.smooth_joints
    assert strong.steady_rotations == 8.0 * base.steady_rotations
    assert strong.smooth_rotations == 8.0 * base.smooth_rotations and strong.steps == base.steps
    with pytest.raises(ValueError):
        base.with_smoothing(0.0)
    body, model, selection, targets, _, _, focal = walk
    acc, reproj = {}, {}
    for factor in (0.1, 8.0):
        fit, joints = _fit(walk, targets, settings=base.with_smoothing(factor))
        acc[factor] = np.linalg.norm(np.diff(joints[:, :22], n=2, axis=0), axis=-1).mean()
        problem = _sequence_problem(model, targets, selection, focal,
                                    (CANVAS.width, CANVAS.height), FitSettings())
        kp = problem.keypoints_piece(np.repeat(fit.betas[None], len(joints), 0), fit.poses,
                                     fit.transl)[0][0]
        reproj[factor] = float(problem.reprojection_piece(kp)[0][0].sum())
    assert acc[8.0] < acc[0.1], acc
    assert reproj[0.1] < reproj[8.0], reproj
