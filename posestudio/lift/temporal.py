"""Temporal fit: one person's 2D keypoints over a clip → a smooth 3D motion, camera fixed.

Not per-frame fits glued together. The objective of every frame is the single-photo fit's
(:class:`~posestudio.lift.fit.FitProblem`: robust reprojection, confidence weighted, pose
priors), and across frames

* **one body shape** for the whole clip (from a full multi-hypothesis fit of the clip's best
  frame, ``fit_person``), fixed while the motion is fitted;
* **smoothness**: the acceleration of the 3D joints (root motion included: the joints are in
  the camera frame) and of every joint's local rotation matrix, penalised over a window;
* **warm start**: frames are solved in windows of ``window`` frames moving away from the
  reference frame, each window starting from the last solved frame and tied to the two solved
  before it by a velocity prior — the depth solution of each limb is carried along instead of
  being re-decided (and flipped) every frame; every ``reanchor_every`` frames a fresh
  multi-start fit of one frame (the clip's shape) competes, and wins when its single-frame
  objective is clearly lower, so a fast move that the warm start lost is caught again;
* **depth search**: at the reference frame and at the last frame of every ``search_every``
  frames, the single-photo depth-ambiguity search (``lift.ambiguity``: limbs flipped towards /
  away from the camera, torso lean, ranked by fit + mocap pose prior + plausibility) runs from
  the motion's solution there; when another depth solution wins, the window is solved again
  backwards from it and each of its frames keeps the better-ranked solution — the warm start
  would otherwise carry a wrong depth choice on for as long as the 2D keeps it ambiguous;
* **confidence-aware**: a frame with too few keypoints (missed, occluded) has no data term and
  is filled by the smoothness term from its neighbours, never fitted to garbage; keypoints
  weigh by their confidence under the robust loss;
* **foot contact** (optional): after a first pass, a foot that barely moves (and is at its
  lowest) is held still in a second, two-sided pass (no skating);
* the camera is fixed (the clip's focal length, principal point at the centre).

``fit_sequence`` returns poses and translations in the camera frame; ``lift_tracks`` turns
several people's fits into an animated :class:`~posestudio.scene.model.Scene` with ordinary
keyframes (``posestudio.anim.animation_from_samples``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Callable, Sequence

import numpy as np

from posestudio.errors import Cancelled, LiftError
from posestudio.lift.fit import (
    FitProblem, FitSettings, fit_person, has_enough_keypoints,
)
from posestudio.skeletons import SMPLX_JOINT_INDEX

ProgressFn = Callable[[float, str], None]
StopFn = Callable[[], bool]

BODY = slice(0, 22)                      # the body joints (no hands, jaw, eyes)
FEET = [SMPLX_JOINT_INDEX[n] for n in ("left_ankle", "right_ankle", "left_foot", "right_foot")]


@dataclass
class TemporalSettings:
    """Knobs of the temporal fit; the defaults are what ``bench/bench_video.py`` measures
    (tuned on its training clips, ``--train``; reported on held-out ones).

    Smoothness weights are per frame, for accelerations measured at 30 fps (other rates are
    rescaled, so the same motion costs the same at any rate).
    """

    window: int = 4                 # frames solved together in the warm-started pass
    steps: int = 30                 # L-BFGS iterations per window
    smooth_joints: float = 2.0      # × mean squared joint acceleration (m / frame², 30 fps)
    smooth_rotations: float = 0.01  # × mean squared acceleration of the local rotation matrices
    steady_joints: float = 0.005    # × mean squared joint velocity (m / frame), one-sided pass
    steady_rotations: float = 0.0005  # × mean squared velocity of the local rotation matrices
    reanchor_every: int = 8         # frames between fresh multi-start fits that may re-anchor
    reanchor_margin: float = 0.9    # ... adopted when its objective is below this × the warm one's
    reanchor_steps: int = 60        # ... its Adam steps and posture modes (``FitSettings``)
    reanchor_starts: int = 6
    search_every: int = 4           # frames between depth-ambiguity searches (0 = none)
    refine_iters: int = 60          # L-BFGS iterations of the two-sided pass (0 = none)
    refine_chunk: int = 96          # frames per chunk of the two-sided pass
    foot_contact: bool = True
    contact_speed: float = 0.25     # m/s: a foot slower than this (and low) is planted
    contact_weight: float = 50.0    # × squared foot motion (m / frame) while planted


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
    """The cross-frame terms of a batch of consecutive frames (B along time)."""

    def __init__(self, settings: TemporalSettings, fps: float):
        self.s = settings
        self.rate = (fps / 30.0) ** 2    # accelerations per frame² → per (1/30 s)²

    def smoothness(self, joints, pose):
        """(scalar) acceleration penalty of ``joints`` (B, J, 3) and local rotations of ``pose``
        (B, 55, 3) along the batch (needs B ≥ 3)."""
        from posestudio.rotations_torch import axis_angle_to_matrix

        if joints.shape[0] < 3:
            return joints.sum() * 0.0
        acc = (joints[2:] - 2 * joints[1:-1] + joints[:-2]) * self.rate
        rot = axis_angle_to_matrix(pose[:, BODY])
        racc = (rot[2:] - 2 * rot[1:-1] + rot[:-2]) * self.rate
        return (self.s.smooth_joints * (acc ** 2).sum(-1).mean(-1).sum()
                + self.s.smooth_rotations * (racc ** 2).sum((-1, -2)).mean(-1).sum())

    def steadiness(self, joints, pose):
        """(scalar) velocity penalty, the one-sided pass's smoothness: a one-sided acceleration
        prior would carry a velocity error (in depth, which the keypoints do not see) on and on;
        a velocity prior only damps."""
        from posestudio.rotations_torch import axis_angle_to_matrix

        if joints.shape[0] < 2:
            return joints.sum() * 0.0
        rate = math.sqrt(self.rate)
        vel = (joints[1:] - joints[:-1]) * rate
        rot = axis_angle_to_matrix(pose[:, BODY])
        rvel = (rot[1:] - rot[:-1]) * rate
        return (self.s.steady_joints * (vel ** 2).sum(-1).mean(-1).sum()
                + self.s.steady_rotations * (rvel ** 2).sum((-1, -2)).mean(-1).sum())

    def contact(self, joints, planted):
        """(scalar) motion of planted feet; ``planted`` (B, 4) float, frame t vs t − 1."""
        if joints.shape[0] < 2 or planted is None:
            return joints.sum() * 0.0
        step = ((joints[1:, FEET] - joints[:-1, FEET]) ** 2).sum(-1)     # (B-1, 4)
        both = planted[1:] * planted[:-1]
        return self.s.contact_weight * (step * both).sum()


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
    import torch

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
    depth = _DepthSearch(model, targets, selection, focal, size, points3d, first.betas, fs)
    if s.search_every > 0:
        pose, trans = depth.best(ref, first.pose, first.transl)
        if pose is not None:
            first = replace(first, pose=pose, transl=trans)
    problem = _sequence_problem(model, targets, selection, focal, size, fs)
    dtype = problem.model.dtype
    betas = torch.tensor(first.betas[None], dtype=dtype)
    poses = np.zeros((n, 55, 3))
    transl = np.zeros((n, 3))
    poses[ref], transl[ref] = first.pose, first.transl
    terms = _SequenceTerms(s, fps)
    start_pose = torch.tensor(first.pose[None], dtype=dtype)   # frozen joints keep these

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
                warm_cost = _frame_cost(problem, betas, poses[key], transl[key], key)
                fresh_cost = _frame_cost(problem, betas, fresh.pose, fresh.transl, key)
                if fresh_cost < s.reanchor_margin * warm_cost:
                    poses[frames], transl[frames] = fresh.pose, fresh.transl
                    if len(frames) > 1:
                        _solve_window(problem, terms, s, betas, start_pose, poses, transl, [key],
                                      frames[1:])
            last = frames[-1]
            if s.search_every > 0 and observed[last] and \
                    (w0 + len(frames)) % s.search_every < s.window:
                pose, trans = depth.best(last, poses[last], transl[last])
                if pose is not None:
                    _adopt_backwards(problem, terms, s, betas, start_pose, poses, transl,
                                     frames, pose, trans, depth)
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

    def __init__(self, model, targets, selection, focal, size, points3d, betas, fit_settings):
        from posestudio.lift.pose_prior_gmm import load_pose_gmm

        self.model, self.targets, self.selection = model, targets, selection
        self.focal, self.size, self.points3d = focal, size, points3d
        self.betas = np.asarray(betas, dtype=np.float64)
        self.settings = replace(fit_settings, fit_shape=False)
        self.gmm = load_pose_gmm()

    def best(self, frame: int, pose: np.ndarray, transl: np.ndarray):
        """(pose (55, 3), transl (3,)) of the best depth solution at ``frame`` when it is not
        the given one, else (None, None)."""
        from posestudio.lift.ambiguity import search_alternatives
        from posestudio.lift.fit import FitResult

        p3 = None
        if self.points3d is not None and np.all(np.isfinite(self.points3d[frame])):
            p3 = self.points3d[frame]
        problem = FitProblem.for_image(self.model, self.targets[frame], self.selection,
                                       focal=self.focal, size=self.size, points3d=p3,
                                       settings=self.settings)
        current = FitResult(pose, self.betas, transl, math.nan, np.zeros((0, 2)))
        found = search_alternatives(problem, current, gmm=self.gmm)
        if not found or not found[0].changed:
            return None, None
        return found[0].pose, found[0].transl

    def score(self, problem: FitProblem, betas, pose: np.ndarray, transl: np.ndarray,
              frame: int) -> float:
        """The frame's objective plus the mocap prior, as the search weighs it."""
        from posestudio.lift.ambiguity import AmbiguitySettings

        prior = AmbiguitySettings().gmm_weight * float(self.gmm.nll(pose))
        return _frame_cost(problem, betas, pose, transl, frame) + prior


def _adopt_backwards(problem, terms, s: TemporalSettings, betas, start_pose, poses, transl,
                     frames: list[int], pose: np.ndarray, trans: np.ndarray,
                     depth: _DepthSearch) -> None:
    """A better depth solution found at the window's last frame: the window's other frames
    solved again backwards from it, each keeping whichever solution scores better (fit and
    mocap prior, as the search ranks)."""
    key, rest = frames[-1], frames[:-1][::-1]
    old_pose, old_transl = poses[rest].copy(), transl[rest].copy()
    poses[key], transl[key] = pose, trans
    if not rest:
        return
    _solve_window(problem, terms, s, betas, start_pose, poses, transl, [key], rest)
    for i, t in enumerate(rest):
        if depth.score(problem, betas, old_pose[i], old_transl[i], t) < \
                depth.score(problem, betas, poses[t], transl[t], t):
            poses[t], transl[t] = old_pose[i], old_transl[i]


def _frame_cost(problem: FitProblem, betas, pose: np.ndarray, transl: np.ndarray, frame: int) -> float:
    """The single-frame objective (reprojection + pose priors) of one body at ``frame``;
    ``betas`` (1, NB) tensor."""
    sub = _frame_problem(problem, [frame])
    shape = betas.detach().double().numpy()
    (kp,), _ = sub.keypoints_piece(shape, pose[None], transl[None])
    return float(sub.reprojection_piece(kp)[0][0][0] + sub.pose_terms.piece(pose[None], problem.settings.pose_prior)[0][0][0])


def _frame_problem(problem: FitProblem, frames: Sequence[int]) -> FitProblem:
    """``problem`` restricted to ``frames`` (targets and weights of those rows)."""
    sub = FitProblem.__new__(FitProblem)
    sub.__dict__.update(problem.__dict__)
    sub.tgt, sub.w = problem.tgt[list(frames)], problem.w[list(frames)]
    return sub


def _solve_window(problem, terms, s: TemporalSettings, betas, start_pose, poses, transl,
                  context: list[int], frames: list[int]) -> None:
    """Solve ``frames`` (in the order given) from the last solved frame, tied to ``context``
    (solved frames just before them in that order); results written into ``poses``/``transl``."""
    import torch

    from posestudio.lift.optim import minimize_lbfgs

    dtype = problem.model.dtype
    k = len(frames)
    # Warm start: the last solved frame.
    last = context[-1]
    pose_p = torch.tensor(np.repeat(poses[last][None], k, 0), dtype=dtype).requires_grad_(True)
    transl_p = torch.tensor(np.repeat(transl[last][None], k, 0), dtype=dtype).requires_grad_(True)
    freeze = torch.tensor(problem.freeze, dtype=dtype)
    ctx_pose = torch.tensor(poses[context], dtype=dtype)
    ctx_transl = torch.tensor(transl[context], dtype=dtype)
    with torch.no_grad():
        ctx_joints = problem.model.forward(betas.expand(len(context), -1), ctx_pose, ctx_transl)[0]
    sub = _frame_problem(problem, frames)
    fs = problem.settings

    def posed():
        return pose_p * freeze + start_pose * (1 - freeze)

    def objective():
        pose = posed()
        joints, landmarks = problem.model.forward(betas.expand(k, -1), pose, transl_p)
        kp = sub.torch_select(joints, landmarks)
        loss = (sub.torch_reprojection(kp) + sub.pose_terms.torch(pose, fs.pose_prior)).sum()
        loss = loss + terms.steadiness(torch.cat([ctx_joints[:, BODY], joints[:, BODY]]),
                                       torch.cat([ctx_pose, pose]))
        return 1e3 * loss   # the scale of L-BFGS's tolerances

    minimize_lbfgs(objective, [pose_p, transl_p], s.steps)
    with torch.no_grad():
        poses[frames] = posed().double().numpy()
        transl[frames] = transl_p.double().numpy()


def _planted_feet(problem, betas, poses, transl, fps: float, speed: float) -> np.ndarray:
    """(T, 4) bool: ankles and feet slower than ``speed`` m/s and within 5 cm of their lowest
    height over the clip (the camera's "down" taken as the mean of the body's)."""
    import torch

    n = len(poses)
    with torch.no_grad():
        joints = problem.model.forward(betas.expand(n, -1), torch.tensor(poses, dtype=problem.model.dtype),
                                       torch.tensor(transl, dtype=problem.model.dtype))[0].double().numpy()
    feet = joints[:, FEET]                                        # (T, 4, 3)
    up = joints[:, SMPLX_JOINT_INDEX["neck"]] - joints[:, 0]
    up = up.mean(0) / max(np.linalg.norm(up.mean(0)), 1e-9)
    velocity = np.gradient(feet, axis=0) * fps
    slow = np.linalg.norm(velocity, axis=-1) < speed
    height = feet @ up
    low = height < height.min(0) + 0.05
    return slow & low


def _refine_chunk(problem, terms, s: TemporalSettings, betas, start_pose, poses, transl,
                  contacts, c0: int, c1: int, report) -> None:
    """Two-sided pass over frames ``c0:c1``: all frames together, L-BFGS, the smoothness and
    foot contacts of the whole chunk; the frames just outside the chunk stay fixed."""
    import torch

    from posestudio.lift.optim import minimize_lbfgs

    dtype = problem.model.dtype
    n = len(poses)
    lo, hi = max(0, c0 - 2), min(n, c1 + 2)          # fixed context on both sides
    frames = list(range(c0, c1))
    k = len(frames)
    pose_p = torch.tensor(poses[c0:c1], dtype=dtype).requires_grad_(True)
    transl_p = torch.tensor(transl[c0:c1], dtype=dtype).requires_grad_(True)
    before = (torch.tensor(poses[lo:c0], dtype=dtype), torch.tensor(transl[lo:c0], dtype=dtype))
    after = (torch.tensor(poses[c1:hi], dtype=dtype), torch.tensor(transl[c1:hi], dtype=dtype))
    planted = torch.tensor(contacts[lo:hi], dtype=dtype) if contacts.any() else None
    sub = _frame_problem(problem, frames)
    fs = problem.settings
    freeze = torch.tensor(problem.freeze, dtype=dtype)

    def objective():
        pose_free = pose_p * freeze + start_pose * (1 - freeze)
        pose_all = torch.cat([before[0], pose_free, after[0]])
        transl_all = torch.cat([before[1], transl_p, after[1]])
        joints, landmarks = problem.model.forward(betas.expand(len(pose_all), -1), pose_all,
                                                  transl_all)
        mid = slice(c0 - lo, c0 - lo + k)
        kp = sub.torch_select(joints[mid], landmarks[mid])
        loss = (sub.torch_reprojection(kp) + sub.pose_terms.torch(pose_free, fs.pose_prior)).sum()
        loss = loss + terms.smoothness(joints[:, BODY], pose_all)
        loss = loss + terms.contact(joints, planted)
        return 1e3 * loss   # the scale of L-BFGS's tolerances

    def check() -> None:
        report(0.8 + 0.2 * c0 / n, "smoothing motion")

    minimize_lbfgs(objective, [pose_p, transl_p], s.refine_iters, check=check)
    with torch.no_grad():
        poses[c0:c1] = (pose_p * freeze + start_pose * (1 - freeze)).double().numpy()
        transl[c0:c1] = transl_p.double().numpy()
