"""Temporal fit: one person's 2D keypoints over a clip → a smooth 3D motion, camera fixed.

Not per-frame fits glued together. The objective of every frame is the single-photo fit's
(:class:`~posestudio.lift.fit.FitProblem`: robust reprojection, confidence weighted, pose
priors), and across frames

* **one body shape** for the whole clip (from a full multi-hypothesis fit of the clip's best
  frame, ``fit_person``), fixed while the motion is fitted;
* **smoothness**: the acceleration of the 3D joints (root motion included: the joints are in
  the camera frame) and of every joint's local rotation matrix, penalised over a window —
  lightly: a fast move is real motion, and a strong penalty flattens it; a joint's
  acceleration past ``accel_scale`` costs in proportion rather than squared (Charbonnier), so
  the peak of a kick or a foot strike survives while small jitter is smoothed;
* **warm start**: frames are solved in windows of ``window`` frames moving away from the
  reference frame, each window starting from the last solved frame and tied to the two solved
  before it by a velocity prior — the depth solution of each limb is carried along instead of
  being re-decided (and flipped) every frame; every ``reanchor_every`` frames a fresh
  multi-start fit of one frame (the clip's shape) goes through the depth search below and
  competes with the warm start by the search's score, so a fast move that the warm start lost
  is caught again;
* **depth search**: at the reference frame and at the last frame of every ``search_every``
  frames, the single-photo depth-ambiguity search (``lift.ambiguity``: limbs flipped towards /
  away from the camera, torso lean, ranked by fit + mocap pose prior + plausibility) runs from
  the motion's solution there; when another depth solution wins (here or at a re-anchoring),
  the frames solved before it are solved again backwards from it, a window at a time and up to
  ``backtrack`` frames, each keeping the better-ranked solution, until a whole window keeps its
  old one — the warm start would otherwise carry a wrong depth choice on for as long as the 2D
  keeps it ambiguous, and a flip found late would leave the frames before it wrong;
* **confidence-aware**: a frame with too few keypoints (missed, occluded) has no data term and
  is filled by the smoothness term from its neighbours, never fitted to garbage; keypoints
  weigh by their confidence under the robust loss;
* **foot contact** (optional, ``foot_contact``; off by default): after a first pass, a foot
  that barely moves (and is at its lowest) is held still in the two-sided pass. With the light
  smoothing the plain two-sided pass skates less than with it: the first pass finds only part of
  a stance, and pinning that part pushes the foot's motion into the frames around it;
* each frame is fitted in its own camera frame (the clip's focal length, principal point at the
  centre); a video camera's turn is measured and undone afterwards by the caller
  (``video.camera_motion``, ``lift.camera_match.to_first_camera``).

The objective of a window or a chunk is float64 numpy with hand-written gradients: the fit's
pieces (``KeypointModel.piece``, ``FitProblem.reprojection_piece``, ``PoseTerms.piece``) and
the cross-frame terms of ``_SequenceTerms``, minimised by ``optim.lbfgs``; torch is not
imported.

``fit_sequence`` returns poses and translations in the camera frame; ``lift_tracks`` turns
several people's fits into an animated :class:`~posestudio.scene.model.Scene` with ordinary
keyframes (``posestudio.anim.animation_from_samples``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from functools import partial
from typing import Callable, Sequence

import numpy as np

from posestudio.errors import Cancelled, LiftError
from posestudio.kinematics.contacts import PLANTED_SPEED, planted_feet
from posestudio.lift.ambiguity import AmbiguitySettings
from posestudio.lift.fit import (
    FitProblem, FitSettings, fit_person, has_enough_keypoints,
)
from posestudio.lift.optim import lbfgs
from posestudio.rotations import axis_angle_to_matrix, axis_angle_to_matrix_vjp
from posestudio.skeletons import FOOT_JOINTS

ProgressFn = Callable[[float, str], None]
StopFn = Callable[[], bool]

BODY = slice(0, 22)                      # the body joints (no hands, jaw, eyes)
FEET = list(FOOT_JOINTS)


@dataclass
class TemporalSettings:
    """Knobs of the temporal fit; the defaults are what ``bench/bench_video.py`` measures
    (tuned on its training clips, ``--train``; reported on held-out ones).

    Smoothness weights are per frame, for accelerations measured at 30 fps (other rates are
    rescaled, so the same motion costs the same at any rate).
    """

    window: int = 4                 # frames solved together in the warm-started pass
    steps: int = 50                 # L-BFGS iterations per window
    smooth_joints: float = 0.25     # × mean squared joint acceleration (m / frame², 30 fps)
    accel_scale: float | None = 0.03  # m / frame² (30 fps): a joint acceleration beyond this
                                    # costs in proportion, not squared (Charbonnier), so a
                                    # kick's snap or a foot strike is kept while small jitter
                                    # is smoothed as before; None: squared throughout
    smooth_rotations: float = 0.005  # × mean squared acceleration of the local rotation matrices
    steady_joints: float = 0.005    # × mean squared joint velocity (m / frame), one-sided pass
    steady_rotations: float = 0.0005  # × mean squared velocity of the local rotation matrices
    reanchor_every: int = 8         # frames between fresh multi-start fits that may re-anchor
    reanchor_steps: int = 60        # ... its Adam steps and posture modes (``FitSettings``)
    reanchor_starts: int = 6
    search_every: int = 4           # frames between depth-ambiguity searches (0 = none)
    search_rounds: int = 1          # ... its ``AmbiguitySettings.rounds`` and ``refine_steps``:
    search_steps: int = 20          # it starts from the motion, mostly near the right solution
    backtrack: int = 12             # solved frames before an adopted depth solution solved
                                    # again from it (each keeps the better-ranked solution)
    refine_iters: int = 500         # L-BFGS iterations of the two-sided pass (0 = none)
    refine_chunk: int = 96          # frames per chunk of the two-sided pass
    foot_contact: bool = False      # hold planted feet still in the two-sided pass (measured: more
                                    # jerk and skating than without, see bench/RESULTS_video.md)
    contact_speed: float = PLANTED_SPEED  # m/s: a foot slower than this (and low) is planted
    contact_weight: float = 50.0    # × squared foot motion (m / frame) while planted

    def with_smoothing(self, factor: float) -> "TemporalSettings":
        """These settings with every smoothness and steadiness weight × ``factor`` (> 0): the
        user's smoothing control — 1 as measured, lower follows the keypoints more closely (fast
        moves kept), higher is steadier."""
        if not (factor > 0 and math.isfinite(factor)):
            raise ValueError(f"smoothing factor must be a positive number, got {factor!r}")
        return replace(self, smooth_joints=self.smooth_joints * factor,
                       smooth_rotations=self.smooth_rotations * factor,
                       steady_joints=self.steady_joints * factor,
                       steady_rotations=self.steady_rotations * factor)


@dataclass
class SequenceFit:
    """One person's motion over ``T`` frames, camera frame (OpenGL axes, metres).

    poses : (T, 55, 3) axis-angle; transl : (T, 3); betas : (NB,);
    observed : (T,) bool, frames with enough keypoints (the others are filled);
    contacts : (T, 4) bool, planted left/right ankle and foot; reference : int, the frame fitted
    from scratch; seconds : float.
    """

    poses: np.ndarray
    transl: np.ndarray
    betas: np.ndarray
    observed: np.ndarray
    contacts: np.ndarray
    reference: int
    seconds: float


class _SequenceTerms:
    """The cross-frame terms of a batch of consecutive frames (B along time), each a piece
    (``lift.pieces``' convention): ``((value,), vjp)``, the value a 0-d array, ``vjp(g)``
    the gradients of ``g`` × value with respect to the inputs."""

    def __init__(self, settings: TemporalSettings, fps: float):
        self.s = settings
        self.rate = (fps / 30.0) ** 2    # accelerations per frame² → per (1/30 s)²

    def smoothness(self, joints: np.ndarray, pose: np.ndarray):
        """Acceleration penalty of ``joints`` (B, J, 3) and of the local rotation matrices of
        the body joints of ``pose`` (B, 55, 3) along the batch (0 when B < 3); the vjp gives
        (joints (B, J, 3), pose (B, 55, 3))."""
        return self._motion(joints, pose, 2, self.rate, self.s.smooth_joints,
                            self.s.smooth_rotations, joints_scale=self.s.accel_scale)

    def steadiness(self, joints: np.ndarray, pose: np.ndarray):
        """Velocity penalty, the one-sided pass's smoothness (0 when B < 2): a one-sided
        acceleration prior would carry a velocity error (in depth, which the keypoints do not
        see) on and on; a velocity prior only damps. Inputs and vjp as :meth:`smoothness`."""
        return self._motion(joints, pose, 1, math.sqrt(self.rate), self.s.steady_joints,
                            self.s.steady_rotations)

    def contact(self, joints: np.ndarray, planted: np.ndarray):
        """Motion of planted feet: ``joints`` (B, J ≥ 22, 3), ``planted`` (B, 4) float (the
        ``FEET`` joints), a step from frame t − 1 to t counting where both plant the foot; the
        vjp gives (joints,)."""
        step = joints[1:, FEET] - joints[:-1, FEET]                        # (B-1, 4, 3)
        both = (planted[1:] * planted[:-1])[..., None]
        weight = self.s.contact_weight
        value = weight * (step * step * both).sum()

        def vjp(g):
            g_joints = np.zeros_like(joints)
            g_joints[:, FEET] = _difference_adjoint(2 * weight * g * both * step, 1)
            return (g_joints,)

        return (np.asarray(value),), vjp

    def _motion(self, joints, pose, order: int, rate: float, w_joints: float, w_rotations: float,
                joints_scale: float | None = None):
        """``w_joints`` × the mean over joints of the squared ``order``-th differences of the
        joints along time (× ``rate``; past ``joints_scale`` in proportion, see
        :func:`_difference_penalty`), summed over time, plus ``w_rotations`` × the same of the
        body joints' rotation matrices (squared Frobenius norm)."""
        aa = pose[:, BODY]
        (v_joints,), joints_vjp = _difference_penalty(joints, order, rate, w_joints, joints_scale)
        (v_rot,), rot_vjp = _difference_penalty(axis_angle_to_matrix(aa), order, rate, w_rotations)

        def vjp(g):
            g_pose = np.zeros_like(pose)
            g_pose[:, BODY] = axis_angle_to_matrix_vjp(aa, rot_vjp(g)[0])
            return joints_vjp(g)[0], g_pose

        return (np.asarray(v_joints + v_rot),), vjp


def _difference_penalty(x: np.ndarray, order: int, rate: float, weight: float,
                        scale: float | None = None):
    """A piece: ``weight`` × Σ_t mean_n ρ(|Δᵒ x_t,n| × rate), Δᵒ the ``order``-th difference
    along axis 0 of ``x`` (T, N, ...) (the norm over the axes after the second), ρ(r) = r²,
    or with a ``scale`` c the Charbonnier 2c²(√(1 + r²/c²) − 1): r² for r ≪ c, 2c·r for
    r ≫ c; 0 when T ≤ order."""
    if len(x) <= order:
        return (np.asarray(0.0),), lambda g: (np.zeros_like(x),)
    d = np.diff(x, n=order, axis=0) * rate
    per_item = weight / x.shape[1]
    if scale is None:
        value, slope = (d * d).sum(), d
    else:
        root = np.sqrt(1.0 + (d * d).sum(tuple(range(2, d.ndim)), keepdims=True) / scale ** 2)
        value, slope = 2 * scale ** 2 * (root - 1.0).sum(), d / root

    def vjp(g):
        return (_difference_adjoint(2 * per_item * rate * g * slope, order),)

    return (np.asarray(per_item * value),), vjp


def _difference_adjoint(g: np.ndarray, order: int) -> np.ndarray:
    """The transpose of ``np.diff(·, n=order, axis=0)`` applied to ``g`` (T − order, ...):
    (T, ...)."""
    for _ in range(order):
        pad = np.zeros((1,) + g.shape[1:])
        g = np.concatenate([pad, g]) - np.concatenate([g, pad])
    return g


def _sequence_problem(model, targets: np.ndarray, selection: np.ndarray, focal: float,
                      size: tuple[int, int], fit_settings: FitSettings) -> FitProblem:
    """A :class:`FitProblem` over all T frames: targets (T, K, 2) in one unit for the clip (the
    median size of the person), weights (T, K) (zero rows for unobserved frames)."""
    from posestudio.lift.fit import BODY_WEIGHTS, FACE_WEIGHT, HAND_WEIGHT

    width, height = size
    sizes = []
    for frame in targets:
        present = frame[frame[:, 2] > 0, :2]
        if len(present) >= 2:
            sizes.append(float(np.linalg.norm(present.max(0) - present.min(0))))
    scale = max(float(np.median(sizes)) if sizes else 0.0, 0.05 * math.hypot(width, height))
    centre = np.array([width / 2.0, height / 2.0])
    weights = targets[:, :, 2].copy()
    weights[:, :18] *= BODY_WEIGHTS
    weights[:, 18:60] *= HAND_WEIGHT
    weights[:, 60:] *= FACE_WEIGHT
    has_hands = bool(targets[:, 18:60, 2].sum() > 0 and fit_settings.fit_hands)
    return FitProblem(model, (targets[:, :, :2] - centre) / scale, weights,
                      np.asarray(selection, dtype=np.float64), focal / scale, scale, centre,
                      fit_settings, has_hands=has_hands)


def _reference_frame(targets: np.ndarray, observed: np.ndarray, fps: float) -> int:
    """The observed frame, within the first second of observed frames, with the most
    confident body keypoints: where the motion is fitted from scratch."""
    frames = np.flatnonzero(observed)
    first = frames[frames < frames[0] + max(1, int(round(fps)))]
    score = targets[first, :18, 2].sum(-1)
    return int(first[int(np.argmax(score))])


def fit_sequence(model, targets: np.ndarray, selection: np.ndarray, *, focal: float,
                 size: tuple[int, int], fps: float, points3d: np.ndarray | None = None,
                 settings: TemporalSettings | None = None, fit_settings: FitSettings | None = None,
                 progress: ProgressFn | None = None, should_stop: StopFn | None = None,
                 progress_span: tuple[float, float] = (0.0, 1.0)) -> SequenceFit:
    """Fit one person's motion to a sequence of 2D keypoints.

    Parameters
    ----------
    model : KeypointModel
    targets : (T, K, 3) per frame x, y pixels and confidence (0 = absent), the layout of
        ``fit.fit_person`` (COCO-18 body [+ hands 21+21] [+ face 70]); a frame whose keypoints
        are too few (all zero for a missed frame) is filled
    selection : (K, 55 + L) from ``fit.selection_matrix``
    focal : focal length, pixels; size : (width, height) pixels; fps : frames per second
    points3d : (T, 18, 3) the detector's 3D estimate per frame (NaN rows = none), or None; used
        for the reference frame's orientation and limb directions
    progress, should_stop : as ``fit.fit_person`` (``Cancelled`` when stopped)

    Raises
    ------
    LiftError : no frame has enough keypoints
    """
    t0 = time.perf_counter()
    s = settings or TemporalSettings()
    fs = fit_settings or FitSettings()
    targets = np.nan_to_num(np.asarray(targets, dtype=np.float64))
    n = len(targets)
    observed = np.array([has_enough_keypoints(frame[:, 2]) for frame in targets])
    if not observed.any():
        raise LiftError("too few body keypoints to lift in every frame: need at least 4, "
                        "including two of the neck, shoulders and hips")
    targets = targets.copy()
    targets[~observed] = 0.0
    a, b = progress_span

    def report(fraction: float, message: str) -> None:
        if should_stop is not None and should_stop():
            raise Cancelled("lifting stopped by the user")
        if progress is not None:
            progress(a + (b - a) * min(1.0, fraction), message)

    # 1. The reference frame from scratch: pose and the clip's body shape.
    ref = _reference_frame(targets, observed, fps)
    p3 = None
    if points3d is not None and np.all(np.isfinite(points3d[ref])):
        p3 = points3d[ref]
    first = fit_person(model, targets[ref], selection, focal=focal, size=size, points3d=p3,
                       settings=fs, progress=progress, should_stop=should_stop,
                       progress_span=(a, a + 0.25 * (b - a)))
    depth = _DepthSearch(model, targets, observed, selection, focal, size, points3d, first.betas, fs,
                         s)
    if s.search_every > 0:
        pose, trans = depth.best(ref, first.pose, first.transl)
        if pose is not None:
            first = replace(first, pose=pose, transl=trans)
    problem = _sequence_problem(model, targets, selection, focal, size, fs)
    betas = first.betas[None].astype(np.float64)               # (1, NB), the clip's shape
    poses = np.zeros((n, 55, 3))
    transl = np.zeros((n, 3))
    poses[ref], transl[ref] = first.pose, first.transl
    terms = _SequenceTerms(s, fps)
    start_pose = first.pose[None].astype(np.float64)           # frozen joints keep these

    # 2. Warm-started windows moving away from the reference, forward then backward; every
    #    ``reanchor_every`` frames a fresh multi-start fit of one frame competes with the warm
    #    start (a limb carried into the wrong depth solution gets out of it).
    orders = [list(range(ref + 1, n)), list(range(ref - 1, -1, -1))]
    total = max(1, n - 1)
    done = 0
    fresh_settings = replace(fs, fit_shape=False, steps_full=s.reanchor_steps,
                             start_poses=s.reanchor_starts)
    for order in orders:
        solved = [ref]
        for w0 in range(0, len(order), s.window):
            frames = order[w0:w0 + s.window]
            context = solved[-2:]
            _solve_window(problem, terms, s, betas, start_pose, poses, transl, context, frames)
            key = frames[0]
            if s.reanchor_every > 0 and w0 % s.reanchor_every == s.reanchor_every - s.window \
                    and observed[key]:
                p3 = points3d[key] if points3d is not None and np.all(np.isfinite(points3d[key])) else None
                fresh = fit_person(model, targets[key], selection, focal=focal, size=size,
                                   points3d=p3, betas=first.betas, settings=fresh_settings)
                won = depth.fresh_wins(problem, key, fresh.pose, fresh.transl, poses[key],
                                       transl[key])
                if won is not None:
                    poses[frames], transl[frames] = won
                    if len(frames) > 1:
                        _solve_window(problem, terms, s, betas, start_pose, poses, transl, [key],
                                      frames[1:])
                    _solve_back(problem, terms, s, betas, start_pose, poses, transl, key,
                                solved[1:][::-1][:s.backtrack], depth)
            last = frames[-1]
            if s.search_every > 0 and observed[last] and \
                    (w0 + len(frames)) % s.search_every < s.window:
                pose, trans = depth.best(last, poses[last], transl[last])
                if pose is not None:
                    poses[last], transl[last] = pose, trans
                    before = (solved[1:] + frames[:-1])[::-1][:s.backtrack]
                    _solve_back(problem, terms, s, betas, start_pose, poses, transl, last,
                                before, depth)
            solved += frames
            done += len(frames)
            report(0.25 + 0.55 * done / total, "fitting motion")

    # 3. Feet: planted where they barely move; then a two-sided pass over the whole clip.
    contacts = np.zeros((n, 4), dtype=bool)
    if s.foot_contact and n >= 3:
        contacts = _planted_feet(problem, betas, poses, transl, fps, s.contact_speed)
    if s.refine_iters > 0 and n >= 3:
        chunk = max(8, s.refine_chunk)
        for c0 in range(0, n, chunk - 4):
            c1 = min(n, c0 + chunk)
            _refine_chunk(problem, terms, s, betas, start_pose, poses, transl, contacts, c0, c1,
                          report)
            report(0.8 + 0.2 * c1 / n, "smoothing motion")
            if c1 == n:
                break
    return SequenceFit(poses, transl, first.betas.copy(), observed, contacts, ref,
                       time.perf_counter() - t0)


class _DepthSearch:
    """The single-photo depth-ambiguity search (``lift.ambiguity``) on one frame of the clip,
    from the motion's current solution there, the clip's body shape fixed."""

    def __init__(self, model, targets, observed, selection, focal, size, points3d, betas,
                 fit_settings, settings: TemporalSettings | None = None):
        from posestudio.lift.pose_prior_gmm import load_pose_gmm

        self.model, self.targets, self.observed = model, targets, observed
        self.selection, self.focal, self.size, self.points3d = selection, focal, size, points3d
        self.betas = np.asarray(betas, dtype=np.float64)
        self.settings = replace(fit_settings, fit_shape=False)
        self.gmm = load_pose_gmm()
        s = settings or TemporalSettings()
        self.search = AmbiguitySettings(rounds=s.search_rounds, refine_steps=s.search_steps)

    def problem(self, frame: int) -> FitProblem:
        """The single-photo problem of an observed ``frame``, as the search poses it."""
        p3 = None
        if self.points3d is not None and np.all(np.isfinite(self.points3d[frame])):
            p3 = self.points3d[frame]
        return FitProblem.for_image(self.model, self.targets[frame], self.selection,
                                    focal=self.focal, size=self.size, points3d=p3,
                                    settings=self.settings)

    def best(self, frame: int, pose: np.ndarray, transl: np.ndarray):
        """(pose (55, 3), transl (3,)) of the best depth solution at the observed ``frame``
        when it is not the given one, else (None, None)."""
        from posestudio.lift.ambiguity import search_alternatives
        from posestudio.lift.fit import FitResult

        current = FitResult(pose, self.betas, transl, math.nan, np.zeros((0, 2)))
        found = search_alternatives(self.problem(frame), current, self.search, gmm=self.gmm)
        if not found or not found[0].changed:
            return None, None
        return found[0].pose, found[0].transl

    def fresh_wins(self, clip: FitProblem, frame: int, pose: np.ndarray, transl: np.ndarray,
                   warm_pose: np.ndarray, warm_transl: np.ndarray):
        """A fresh fit's body (pose (55, 3), transl (3,)) at the observed ``frame``, through the
        search: (pose, transl) of its best depth solution when the search ranks it above the
        warm start's body there, else None."""
        better, better_transl = self.best(frame, pose, transl)
        if better is not None:
            pose, transl = better, better_transl
        fresh, warm = self.scores(clip, frame, np.stack([pose, warm_pose]),
                                  np.stack([transl, warm_transl]))
        return (pose, transl) if fresh < warm else None

    def scores(self, clip: FitProblem, frame: int, poses: np.ndarray,
               transl: np.ndarray) -> np.ndarray:
        """The search's ranking scores (N,) (``ambiguity.score_bodies``, lower is better) of
        bodies (poses (N, 55, 3), transl (N, 3)) at ``frame``; an unobserved frame is scored
        on ``clip``'s problem there (no keypoints: the priors alone)."""
        from posestudio.lift.ambiguity import score_bodies

        if self.observed[frame]:
            problem = self.problem(frame)
        else:
            problem = _frame_problem(clip, [frame])
            problem.settings = self.settings       # the shape fixed, as the search has it
        return score_bodies(problem, poses, transl, self.betas, self.search, gmm=self.gmm)


def _solve_back(problem, terms: _SequenceTerms, s: TemporalSettings, betas, start_pose, poses,
                transl, key: int, before: list[int], depth: _DepthSearch) -> None:
    """A better depth solution adopted at ``key``: the solved frames ``before`` it (nearest
    first, up to ``s.backtrack``) solved again backwards from it, ``s.window`` at a time, each
    frame keeping whichever solution the search ranks better; the walk stops at the first
    window where every frame keeps its old solution (the wrong depth choice began there)."""
    context = [key]
    for w0 in range(0, len(before), s.window):
        part = before[w0:w0 + s.window]
        old_pose, old_transl = poses[part].copy(), transl[part].copy()
        _solve_window(problem, terms, s, betas, start_pose, poses, transl, context[-2:], part)
        kept = 0
        for i, t in enumerate(part):
            old, new = depth.scores(problem, t, np.stack([old_pose[i], poses[t]]),
                                    np.stack([old_transl[i], transl[t]]))
            if old < new:
                poses[t], transl[t] = old_pose[i], old_transl[i]
            else:
                kept += 1
        if kept == 0:
            return
        context += part


def _frame_problem(problem: FitProblem, frames: Sequence[int]) -> FitProblem:
    """``problem`` restricted to ``frames`` (targets and weights of those rows)."""
    sub = FitProblem.__new__(FitProblem)
    sub.__dict__.update(problem.__dict__)
    sub.tgt, sub.w = problem.tgt[list(frames)], problem.w[list(frames)]
    return sub


def _frames_objective(problem: FitProblem, cross, betas: np.ndarray, start_pose: np.ndarray,
                      poses: np.ndarray, transl: np.ndarray, frames: list[int], before: list[int],
                      after: list[int], contact=None):
    """The objective of solving ``frames`` together, the solved frames ``before`` and ``after``
    fixed, as ``value_and_grad(x)`` of x = [poses (k, 55, 3), translations (k, 3)] flattened
    (what :func:`~posestudio.lift.optim.lbfgs` takes).

    Every frame's data term and pose priors (``FitProblem``'s pieces); ``cross(joints, pose)``,
    a ``_SequenceTerms`` piece of the body joints (B, 22, 3) and effective poses (B, 55, 3) of
    ``before + frames + after`` in that order (the order of time, or its reverse), and
    ``contact(joints)``, a piece of the same joints, when given; all × 1e3 (the scale of
    L-BFGS's tolerances). ``poses`` (T, 55, 3) and ``transl`` (T, 3) give the fixed frames;
    ``betas`` (1, NB); ``start_pose`` (1, 55, 3), kept by the frozen joints.
    """
    k = len(frames)
    fixed = list(before) + list(after)
    around = np.zeros((0, BODY.stop, 3))
    if fixed:
        around = problem.model.forward_np(np.repeat(betas, len(fixed), 0), poses[fixed],
                                          transl[fixed])[0][:, BODY]
    head, tail = around[:len(before)], around[len(before):]
    pose_before, pose_after = poses[list(before)], poses[list(after)]
    mid = slice(len(before), len(before) + k)
    sub = _frame_problem(problem, frames)
    shape = np.repeat(betas, k, 0)
    prior_w = problem.settings.pose_prior
    scale = 1e3
    ones = np.full(k, scale)

    def value_and_grad(x: np.ndarray):
        pose, trans = _unpack(x, k)
        posed = _effective(problem, pose, start_pose)
        (joints, _, kp), points_vjp = sub.points_piece(shape, posed, trans)
        (reprojection,), reprojection_vjp = sub.reprojection_piece(kp)
        (prior,), prior_vjp = sub.pose_terms.piece(posed, prior_w)
        body = np.concatenate([head, joints[:, BODY], tail])
        (motion,), motion_vjp = cross(body, np.concatenate([pose_before, posed, pose_after]))
        value = reprojection.sum() + prior.sum() + float(motion)
        g_body, g_posed = motion_vjp(scale)
        if contact is not None:
            (feet,), contact_vjp = contact(body)
            value += float(feet)
            g_body = g_body + contact_vjp(scale)[0]
        g_joints = np.zeros_like(joints)
        g_joints[:, BODY] = g_body[mid]
        _, g_pose, g_transl = points_vjp(g_joints, None, reprojection_vjp(ones)[0])
        g_pose = (g_pose + prior_vjp(ones)[0] + g_posed[mid]) * problem.freeze
        return scale * value, np.concatenate([g_pose.reshape(-1), g_transl.reshape(-1)])

    return value_and_grad


def _unpack(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Poses (k, 55, 3) and translations (k, 3) of the flat vector ``x``."""
    return x[:k * 165].reshape(k, 55, 3), x[k * 165:].reshape(k, 3)


def _effective(problem: FitProblem, pose: np.ndarray, start_pose: np.ndarray) -> np.ndarray:
    """``pose`` (k, 55, 3) with the frozen joints at ``start_pose`` (1, 55, 3)."""
    return pose * problem.freeze + start_pose * (1 - problem.freeze)


def _solve_frames(problem: FitProblem, cross, betas, start_pose, poses: np.ndarray,
                  transl: np.ndarray, frames: list[int], before: list[int], after: list[int],
                  init: tuple[np.ndarray, np.ndarray], iters: int, *, contact=None,
                  check=None) -> None:
    """L-BFGS (``iters`` iterations) on :func:`_frames_objective` from ``init`` (poses
    (k, 55, 3), translations (k, 3)); the result written into ``poses`` and ``transl`` at
    ``frames``; ``check`` as ``lbfgs``'s."""
    value_and_grad = _frames_objective(problem, cross, betas, start_pose, poses, transl, frames,
                                       before, after, contact)
    x0 = np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1) for a in init])
    x, _ = lbfgs(value_and_grad, x0, iters, check=check)
    pose, trans = _unpack(x, len(frames))
    poses[frames] = _effective(problem, pose, start_pose)
    transl[frames] = trans


def _solve_window(problem, terms: _SequenceTerms, s: TemporalSettings, betas, start_pose, poses,
                  transl, context: list[int], frames: list[int]) -> None:
    """Solve ``frames`` (in the order given) from the last solved frame, tied to ``context``
    (solved frames just before them in that order) by the velocity prior; results written
    into ``poses``/``transl``."""
    k, last = len(frames), context[-1]
    init = (np.repeat(poses[last][None], k, 0), np.repeat(transl[last][None], k, 0))
    _solve_frames(problem, terms.steadiness, betas, start_pose, poses, transl, frames, context,
                  [], init, s.steps)


def _planted_feet(problem, betas, poses, transl, fps: float, speed: float) -> np.ndarray:
    """(T, 4) bool: the ``FEET`` of the fitted motion that are planted
    (``kinematics.contacts.planted_feet``: slower than ``speed`` m/s, at their lowest)."""
    joints = problem.model.forward_np(np.repeat(betas, len(poses), 0), poses, transl)[0]
    return planted_feet(joints, fps, speed)


def _refine_chunk(problem, terms: _SequenceTerms, s: TemporalSettings, betas, start_pose, poses,
                  transl, contacts, c0: int, c1: int, report) -> None:
    """Two-sided pass over frames ``c0:c1``: all frames together, L-BFGS, the smoothness and
    foot contacts of the whole chunk; the two frames on either side stay fixed."""
    n = len(poses)
    lo, hi = max(0, c0 - 2), min(n, c1 + 2)          # fixed context on both sides
    planted = contacts[lo:hi].astype(np.float64)
    contact = partial(terms.contact, planted=planted) if contacts.any() else None

    def check() -> None:
        report(0.8 + 0.2 * c0 / n, "smoothing motion")

    _solve_frames(problem, terms.smoothness, betas, start_pose, poses, transl,
                  list(range(c0, c1)), list(range(lo, c0)), list(range(c1, hi)),
                  (poses[c0:c1], transl[c0:c1]), s.refine_iters, contact=contact, check=check)
