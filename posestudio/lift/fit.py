"""SMPLify-style fit of one body to 2D OpenPose keypoints, in the camera frame.

The camera sits at the origin looking down −Z (OpenGL), focal ``f`` pixels, principal point at
the canvas centre; a body with identity global orientation faces the camera. We fit the global
orientation, the body pose (and the hands, and the head through the face points, when those
keypoints exist), optionally the shape, and the body's translation (the camera translation of
SMPLify), minimising

* a robust (Geman-McClure) reprojection error, confidence weighted, in units of the person's
  size in the image (so thresholds do not depend on resolution);
* a max-mixture pose prior (as SMPLify's GMM): a per-joint weighted (``priors.stiffness``) pull
  towards the nearest of a few posture modes (``priors.start_poses``: standing, sitting,
  squatting, striding, arms hanging or forward), annealed from strong to weak;
* joint limits: knees and elbows are hinges, thighs and upper arms reach back only so far;
  a shape prior;
* when the detector gave its own 3D estimate (MediaPipe), a bone-direction term: the fitted
  bones should point the way the detector's 3D bones do, which settles the forward/backward
  depth ambiguity of each limb that 2D keypoints leave open (faded out at the end, so the 2D
  keypoints have the last word on where things are).

Stages (each a function of a :class:`FitProblem` and the batch of :class:`Hypotheses` it moves,
so the temporal fit of ``lift.temporal`` reuses them): (0) ``initial_translation``, depth from
the torso's size; (1) ``fit_orientation``, orientation and translation from the torso, four
starting yaws in one batch (front, back and both sides; when the torso lies or stands on its head
in the image, those four again rolled the way it lies), keeping the best two; (2)
``fit_starts``, everything, from every posture mode under each kept orientation, in one batch
(2 × 12 hypotheses), the worse half dropped at 15, 30 and 45 % of the steps, by the whole
objective: where the keypoints cannot tell modes apart (legs out of the frame) the mixture
weights (``priors.mode_costs``) pick the commoner posture; (3) ``polish``, L-BFGS on the best.
A keypoint-only body (``KeypointModel``), objectives with hand-written gradients in numpy
(``*_piece`` methods: value and vector-Jacobian product) and a couple of hundred batched Adam
steps (``lift.optim``) keep it well under a second of one CPU core, without importing torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from posestudio.errors import Cancelled, LiftError
from posestudio.lift import priors
from posestudio.lift.optim import Adam, lbfgs
from posestudio.lift.pieces import zeros_if_none
from posestudio.rotations import (
    axis_angle_to_matrix, axis_angle_to_matrix_one, axis_angle_to_matrix_vjp, matrix_to_axis_angle,
    matrix_to_axis_angle_one,
)
from posestudio.skeletons import (
    COCO18_NAMES, COCO18_SOURCES, FACE70_SOURCES, HAND21_NAMES, SMPLX_JOINT_INDEX, hand21_sources,
)

ProgressFn = Callable[[float, str], None]
StopFn = Callable[[], bool]

C = {name: i for i, name in enumerate(COCO18_NAMES)}
TORSO = [C[n] for n in ("neck", "right_shoulder", "left_shoulder", "right_hip", "left_hip")]
HEAD = [C[n] for n in ("nose", "right_eye", "left_eye", "right_ear", "left_ear")]
# Bones for the detector-3D direction term (COCO-18 index pairs).
BONES_3D = [
    (C[a], C[b]) for a, b in (
        ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
        ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
        ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
        ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
        ("right_shoulder", "left_shoulder"), ("right_hip", "left_hip"),
        ("neck", "nose"),
    )
]
# Per-keypoint weights: hips are placed differently by different detectors (BlazePose and
# OpenPose put them higher and wider than the SMPL joints), so trust them a little less.
BODY_WEIGHTS = np.ones(18)
BODY_WEIGHTS[[C["right_hip"], C["left_hip"]]] = 0.7
HAND_WEIGHT = 0.3   # 21 points per hand: keep them from outvoting the body
FACE_WEIGHT = 0.05  # 70 points on a small area: they orient the head, no more


@dataclass
class FitSettings:
    """Knobs of the fit; the defaults are what ``bench/bench_lift.py`` measures."""

    steps_global: int = 40
    steps_full: int = 120
    lr: float = 0.04
    pose_prior: float = 2e-5       # final weight of the pull towards the nearest posture mode
    pose_prior_start: float = 1e-3
    hinge_weight: float = 1e-2
    shape_prior: float = 2e-5      # weak: proportions are all 2D can tell (size trades with depth)
    bone3d_weight: float = 1e-2
    robust_sigma: float = 0.1      # Geman-McClure scale, fraction of the person's size
    fit_shape: bool = True
    fit_hands: bool = True
    fit_face: bool = True
    orientations: int = 2          # best starting orientations kept from stage 1
    start_poses: int = 12          # generic starting poses tried in stage 2 (priors.start_poses)
    prune_total: bool = True       # prune by the whole objective (False: reprojection only)
    prune_at: tuple = (0.15, 0.3, 0.45)  # fractions of ``steps_full`` where half the starts go
    bone3d_floor: float = 0.02     # share of the 3D-bone term left at the end (2D decides last)
    polish_iters: int = 40         # L-BFGS iterations on the best start at the end (0 = none)
    prior_modes: int = 12          # posture modes of the max-mixture pose prior (1 = standing only)
    roll_starts: float = 0.5       # torso turned this far (rad) in the image from upright: the four
    #                                starting yaws are tried rolled that way too (0 = never)


@dataclass
class FitResult:
    """One fitted body, camera frame (OpenGL axes, metres).

    pose : (55, 3) axis-angle; betas : (NB,); transl : (3,) (body model ``transl`` in the camera
    frame); loss : final objective; keypoints2d : (K, 2) model keypoints projected, pixels, in
    the order of the targets (body18 [+ hands 21+21] [+ face 70]).
    """

    pose: np.ndarray
    betas: np.ndarray
    transl: np.ndarray
    loss: float
    keypoints2d: np.ndarray


def selection_matrix(landmark_names, parts: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Rows that turn [joints (55); landmarks (L)] into OpenPose keypoints.

    Returns
    -------
    S : (K, 55 + L) float, each row a combination of model points
    available : (K,) bool, False where the model lacks the source (absent keypoint)
    """
    lm_index = {n: i for i, n in enumerate(landmark_names)}
    nj = len(SMPLX_JOINT_INDEX)
    sources: list = []
    names: list = []
    for part in parts:
        if part == "body":
            sources += list(COCO18_SOURCES); names += list(COCO18_NAMES)
        elif part in ("hand_left", "hand_right"):
            side = part.split("_")[1]
            sources += list(hand21_sources(side)); names += [f"{side}:{n}" for n in HAND21_NAMES]
        elif part == "face":
            sources += list(FACE70_SOURCES); names += [f"face:{i}" for i in range(70)]
    name_to_row = {n: i for i, n in enumerate(names[:18])} if parts and parts[0] == "body" else {}
    S = np.zeros((len(sources), nj + len(landmark_names)))
    ok = np.ones(len(sources), dtype=bool)

    def row_of(src) -> np.ndarray | None:
        r = np.zeros(S.shape[1])
        if src[0] == "joint":
            r[SMPLX_JOINT_INDEX[src[1]]] = 1.0
        elif src[0] == "landmark":
            if src[1] not in lm_index:
                return None
            r[nj + lm_index[src[1]]] = 1.0
        elif src[0] == "mid":
            a, b = (row_of(sources[name_to_row[n]]) for n in src[1:])
            if a is None or b is None:
                return None
            r = 0.5 * (a + b)
        return r

    for k, src in enumerate(sources):
        r = row_of(src)
        if r is None:
            ok[k] = False
        else:
            S[k] = r
    return S, ok


def _axis_angle_y(yaw: float) -> np.ndarray:
    return np.array([0.0, yaw, 0.0])


def image_roll(targets: np.ndarray) -> float | None:
    """Angle (rad) by which the torso's up direction (hips' midpoint → shoulders' or neck's)
    is turned in the image from upright, counter-clockwise as seen, about the camera's −Z view
    axis; None when the keypoints do not show it. ``targets`` (K, 3) pixels + confidence."""
    conf = targets[:18, 2]

    def mid(names) -> np.ndarray | None:
        idx = [C[n] for n in names if conf[C[n]] > 0]
        return targets[idx, :2].mean(0) if idx else None

    low = mid(("right_hip", "left_hip"))
    high = mid(("right_shoulder", "left_shoulder", "neck"))
    if low is None or high is None or np.linalg.norm(high - low) < 1e-6:
        return None
    up = high - low                               # pixels, y down
    return math.atan2(-up[0], -up[1])


def rolled(roll: float, orientation: np.ndarray) -> np.ndarray:
    """Axis-angle (3,) of ``orientation`` (3,) followed by a turn of ``roll`` rad about the
    camera's view axis (+Z, OpenGL camera frame)."""
    return matrix_to_axis_angle_one(
        axis_angle_to_matrix_one((0.0, 0.0, roll)) @ axis_angle_to_matrix_one(orientation))


def orientation_from_points3d(points3d: np.ndarray, conf: np.ndarray) -> np.ndarray | None:
    """Global orientation (3,) axis-angle from a detector's 3D shoulders and hips, or None."""
    need = [C["right_shoulder"], C["left_shoulder"], C["right_hip"], C["left_hip"]]
    if points3d is None or np.any(conf[need] <= 0):
        return None
    rs, ls, rh, lh = (points3d[i] for i in need)
    left = (ls - rs) + (lh - rh)
    up = (ls + rs) / 2 - (lh + rh) / 2
    if np.linalg.norm(left) < 1e-6 or np.linalg.norm(up) < 1e-6:
        return None
    x = left / np.linalg.norm(left)
    y = up - x * (up @ x)
    y /= np.linalg.norm(y)
    z = np.cross(x, y)
    return matrix_to_axis_angle(np.stack([x, y, z], axis=1))


class PoseTerms:
    """The pose priors of the objective, for a batch of poses (B, 55, 3) → (B,) loss.

    A max-mixture prior (as SMPLify's GMM): a stiffness-weighted pull towards the nearest posture
    mode, scaled by ``prior_w``; knees and elbows are hinges (flexion one way only, almost no
    other rotation); thighs and upper arms reach back only so far. Shared by the full fit and
    the warm-start refit (``lift.refit``), so both judge a pose the same way. Numpy with its
    gradient (:meth:`piece`).
    """

    def __init__(self, settings: FitSettings):
        self.hinge_weight = settings.hinge_weight
        self.stiff = priors.stiffness()                                           # (55, 3)
        self.h_idx, self.h_axis, self.h_sign = priors.hinge_arrays()
        self.modes = np.stack(list(priors.start_poses().values()))[: max(1, settings.prior_modes)]
        self.mode_cost = priors.mode_costs()[: len(self.modes)]
        # Σ stiff (p − m)² = Σ stiff p² − 2 (stiff p)·m + Σ stiff m²: the distance to every mode
        # by one matrix product (a reduction over two axes of (B, K, 55, 3) costs ~5× more).
        self._modes_flat = self.modes.reshape(len(self.modes), -1)
        self._modes_cost = (self.stiff.reshape(-1) * self._modes_flat ** 2).sum(1) + self.mode_cost
        self.shoulders = np.array([SMPLX_JOINT_INDEX["left_shoulder"], SMPLX_JOINT_INDEX["right_shoulder"]])
        self.arm_rest = np.array([1.0, -1.0])  # T-pose arms: ±x (left, right)
        self.hips = np.array([SMPLX_JOINT_INDEX["left_hip"], SMPLX_JOINT_INDEX["right_hip"]])

    def piece(self, pose: np.ndarray, prior_w: float):
        """((loss (B,),), vjp) of poses (B, 55, 3): the terms and their gradient."""
        hw = self.hinge_weight
        flat = pose.reshape(len(pose), -1)
        weighted = flat * self.stiff.reshape(-1)
        nearest = np.argmin(self._modes_cost - 2 * weighted @ self._modes_flat.T, 1)
        d = pose - self.modes[nearest]                                             # (B, 55, 3)
        loss = prior_w * ((self.stiff * d * d).reshape(len(pose), -1).sum(1) + self.mode_cost[nearest])
        hinge = pose[:, self.h_idx]                                                # (B, H, 3)
        off_axis = 1 - self.h_axis
        bent_back = np.maximum(-(hinge * self.h_axis).sum(-1) * self.h_sign, 0.0)  # (B, H)
        loss = loss + hw * ((bent_back ** 2).sum(-1) + 0.1 * ((hinge * off_axis) ** 2).sum((1, 2)))
        # Upper arms (B, 2, 3): the rotated rest directions ±x, i.e. ± the first matrix column.
        shoulder_aa = pose[:, self.shoulders]
        back = np.maximum(-axis_angle_to_matrix(shoulder_aa)[..., 2, 0] * self.arm_rest
                          - priors.SHOULDER_BACK_LIMIT, 0.0)                       # (B, 2)
        extended = np.maximum(pose[:, self.hips, 0] - priors.HIP_EXTENSION_LIMIT, 0.0)
        loss = loss + hw * ((back ** 2).sum(-1) + (extended ** 2).sum(-1))

        def vjp(g):
            g = g[:, None, None]
            grad = 2 * prior_w * g * self.stiff * d
            grad[:, self.h_idx] += hw * g * (-2 * bent_back[..., None] * self.h_axis * self.h_sign[:, None]
                                             + 0.2 * hinge * off_axis)
            if back.any():                       # an upper arm reaching too far back
                g_matrix = np.zeros(shoulder_aa.shape + (3,))
                g_matrix[..., 2, 0] = -2 * hw * g[..., 0] * back * self.arm_rest
                grad[:, self.shoulders] += axis_angle_to_matrix_vjp(shoulder_aa, g_matrix)
            grad[:, self.hips, 0] += 2 * hw * g[..., 0] * extended
            return (grad,)

        return (loss,), vjp


def normalised_targets(targets: np.ndarray, conf: np.ndarray, size: tuple[int, int],
                       focal: float) -> tuple[np.ndarray, np.ndarray, float, float, np.ndarray]:
    """Fitting targets in units of the person's size about the canvas centre, and their weights.

    Person-size units make the robust loss's scale and the optimiser's tolerances independent of
    the photo's resolution and of how much of it the person fills. Shared by the full fit and
    the warm refit so both optimise the same objective.

    Returns
    -------
    targets (N, 2), weights (N,) float64; focal in the same units (float); the scale (pixels
    per unit) and centre (2,) to map back to pixels.
    """
    width, height = size
    present = targets[conf > 0, :2]
    scale = float(np.linalg.norm(present.max(0) - present.min(0)))
    scale = max(scale, 0.05 * math.hypot(width, height))
    centre = np.array([width / 2.0, height / 2.0])
    weights = conf.astype(np.float64)
    weights[:18] *= BODY_WEIGHTS
    weights[18:60] *= HAND_WEIGHT
    weights[60:] *= FACE_WEIGHT
    return (targets[:, :2] - centre) / scale, weights, focal / scale, scale, centre


def project(points: np.ndarray, f: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(…, 3) camera-frame points → (…, 2) image coordinates (y down, like pixels) for focal
    ``f``, with the depths (…,) used (clamped at 1 mm) and where the clamp acted."""
    depth = -points[..., 2]
    clamped = depth < 1e-3
    z = np.maximum(depth, 1e-3)
    return np.stack([f * points[..., 0] / z, -f * points[..., 1] / z], -1), z, clamped


def robust_reprojection(points: np.ndarray, tgt: np.ndarray, w: np.ndarray, f: float,
                        sigma: float):
    """A piece: ((loss (B,),), vjp) of the robust (Geman-McClure) reprojection error of
    ``points`` (B, K, 3) against ``tgt`` (K, 2) or (B, K, 2), weights ``w`` (K,) or (B, K),
    normalised by the weights' sum per row."""
    uv, z, clamped = project(points, f)
    r = uv - tgt
    r2 = (r * r).sum(-1)
    sig2 = sigma * sigma
    norm = np.maximum(w.sum(-1), 1e-6)
    loss = (sig2 * r2 / (sig2 + r2) * w).sum(-1) / norm

    def vjp(g):
        g_r2 = g[:, None] * w / np.expand_dims(norm, -1) * (sig2 / (sig2 + r2)) ** 2
        g_u, g_v = 2 * r[..., 0] * g_r2, 2 * r[..., 1] * g_r2
        grad = np.empty_like(points)
        grad[..., 0] = g_u * f / z
        grad[..., 1] = -g_v * f / z
        grad[..., 2] = np.where(clamped, 0.0, (g_u * uv[..., 0] + g_v * uv[..., 1]) / z)
        return (grad,)

    return (loss,), vjp


def prior_weight(settings: FitSettings, t: float) -> float:
    """Weight of the pose prior at fraction ``t`` (0..1) of the full stage: annealed
    geometrically from ``pose_prior_start`` to ``pose_prior``."""
    return math.exp(math.log(settings.pose_prior_start) * (1 - t) + math.log(settings.pose_prior) * t)


class FitProblem:
    """The fixed part of one fit: the targets, their weights, the camera and the priors.

    Everything is in units of the person's size in the image about the canvas centre
    (``normalised_targets``). The batch dimension B of the arrays passed in is free: the
    single-photo fit puts hypotheses there, the temporal fit frames (then ``tgt`` and ``w``
    carry one row per frame). The maths is numpy with hand-written gradients (the ``*_piece``
    methods, ``lift.pieces``).

    Attributes
    ----------
    model : KeypointModel
    settings : FitSettings
    tgt : (K, 2) or (B, K, 2) targets; w : (K,) or (B, K) their weights (float64)
    sel : (K, 55 + L) model points → keypoints
    f : float, focal length in target units; scale : float, pixels per unit; centre : (2,) pixels
    bones : (incidence (K, M), unit directions (M, 3)) of the detector's 3D bones, or None;
        column m of the incidence is +1 at the bone's end keypoint and −1 at its start
    pose_terms : PoseTerms
    freeze : (55, 1) 0 for joints no keypoint drives (they keep the start pose)
    """

    def __init__(self, model, tgt: np.ndarray, w: np.ndarray, sel: np.ndarray, f: float,
                 scale: float, centre: np.ndarray, settings: FitSettings, *, has_hands: bool,
                 bones=None):
        self.model, self.settings = model, settings
        self.tgt, self.w, self.sel = tgt, w, sel
        self.f, self.scale, self.centre = f, scale, centre
        self.bones = bones
        self.pose_terms = PoseTerms(settings)
        self.freeze = np.ones((55, 1))
        self.freeze[22:25] = 0.0           # jaw and eyes: no keypoints drive them
        if not has_hands:
            self.freeze[25:55] = 0.0

    @classmethod
    def for_image(cls, model, targets: np.ndarray, selection: np.ndarray, *, focal: float,
                  size: tuple[int, int], points3d: np.ndarray | None,
                  settings: FitSettings) -> "FitProblem":
        """The problem of one person in one image; ``targets`` (K, 3) pixels + confidence."""
        conf = targets[:, 2]
        tgt, w, f, scale, centre = normalised_targets(targets, conf, size, focal)
        bones = None
        if points3d is not None and settings.bone3d_weight > 0:
            usable = [(a, b) for a, b in BONES_3D if conf[a] > 0 and conf[b] > 0]
            if usable:
                p3 = np.asarray(points3d, dtype=np.float64)
                incidence = np.zeros((len(targets), len(usable)))
                for m, (a, b) in enumerate(usable):
                    incidence[b, m] += 1.0
                    incidence[a, m] -= 1.0
                d3 = incidence[: len(p3)].T @ p3
                bones = (incidence, d3 / np.maximum(np.linalg.norm(d3, axis=-1, keepdims=True), 1e-6))
        has_hands = conf[18:60].sum() > 0 and settings.fit_hands
        return cls(model, tgt, w, np.asarray(selection, dtype=np.float64), f, scale, centre,
                   settings, has_hands=bool(has_hands), bones=bones)

    # --- pieces: values and their vector-Jacobian products (``lift.pieces``) --------------

    def points_piece(self, betas: np.ndarray, pose: np.ndarray, transl: np.ndarray):
        """A piece: ((joints (B, 55, 3), landmarks (B, L, 3), keypoints (B, K, 3)), vjp), camera
        frame, the keypoints in the order of the targets; the vjp gives (betas, pose, transl)."""
        (joints, landmarks), model_vjp = self.model.piece(betas, pose, transl)
        nj = joints.shape[1]
        kp = self.sel @ np.concatenate([joints, landmarks], 1)

        def vjp(g_joints, g_landmarks, g_kp):
            g_points = self.sel.T @ zeros_if_none(g_kp, kp)
            return model_vjp(g_points[:, :nj] + zeros_if_none(g_joints, joints),
                             g_points[:, nj:] + zeros_if_none(g_landmarks, landmarks))

        return (joints, landmarks, kp), vjp

    def keypoints_piece(self, betas: np.ndarray, pose: np.ndarray, transl: np.ndarray):
        """A piece: ((keypoints (B, K, 3),), vjp), camera frame, in the order of the targets."""
        (_, _, kp), vjp = self.points_piece(betas, pose, transl)
        return (kp,), lambda g_kp: vjp(None, None, g_kp)

    def reprojection_piece(self, points: np.ndarray, mask: np.ndarray | None = None):
        """A piece: ((loss (B,),), vjp), the robust reprojection error, weight-normalised per
        row; ``mask`` (K,) scales the weights (the torso alone, say)."""
        w = self.w if mask is None else self.w * mask
        return robust_reprojection(points, self.tgt, w, self.f, self.settings.robust_sigma)

    def _bone3d_piece(self, kp: np.ndarray, weight: float):
        """A piece: ((loss (B,),), vjp), ``weight`` × the mean of 1 − cos(angle) between the
        model's bones and the detector's 3D bones."""
        incidence, d3 = self.bones
        dm = incidence.T @ kp
        length = np.linalg.norm(dm, axis=-1, keepdims=True)
        unit = dm / np.maximum(length, 1e-6)
        loss = weight * (1 - (unit * d3).sum(-1)).mean(-1)

        def vjp(g):
            g_unit = -(weight / len(d3)) * g[:, None, None] * d3
            radial = np.where(length > 1e-6, (g_unit * unit).sum(-1, keepdims=True), 0.0)
            g_dm = (g_unit - radial * unit) / np.maximum(length, 1e-6)
            return (incidence @ g_dm,)

        return (loss,), vjp

    def objective_piece(self, pose: np.ndarray, transl: np.ndarray, betas: np.ndarray,
                     start: np.ndarray, prior_w: float):
        """A piece: ((loss (B,), effective pose (B, 55, 3), keypoints (B, K, 3)), vjp); the
        vjp gives the gradients of pose, transl, betas (and None for the start)."""
        s = self.settings
        freeze = self.freeze
        posed = pose * freeze + start * (1 - freeze)
        (kp,), kp_vjp = self.keypoints_piece(betas, posed, transl)
        (loss,), reproj_vjp = self.reprojection_piece(kp)
        (prior,), prior_vjp = self.pose_terms.piece(posed, prior_w)
        loss = loss + prior
        if s.fit_shape:
            loss = loss + s.shape_prior * (betas ** 2).sum(-1)
        bone_vjp = None
        if self.bones is not None:
            fade = prior_w / s.pose_prior_start + s.bone3d_floor
            (bone,), bone_vjp = self._bone3d_piece(kp, s.bone3d_weight * fade)
            loss = loss + bone

        def vjp(g_loss, g_posed, g_kp):
            g_loss = zeros_if_none(g_loss, loss)
            g_kp = zeros_if_none(g_kp, kp) + reproj_vjp(g_loss)[0]
            if bone_vjp is not None:
                g_kp = g_kp + bone_vjp(g_loss)[0]
            g_betas, g_pose, g_transl = kp_vjp(g_kp)
            g_pose = g_pose + prior_vjp(g_loss)[0] + zeros_if_none(g_posed, posed)
            if s.fit_shape:
                g_betas = g_betas + 2 * s.shape_prior * g_loss[:, None] * betas
            return g_pose * freeze, g_transl, g_betas, None

        return (loss, posed, kp), vjp

    def objective(self, hyp: "Hypotheses", prior_w: float):
        """(B,) whole objective, the effective pose (B, 55, 3) and the keypoints (B, K, 3)."""
        return self.objective_piece(hyp.pose, hyp.transl, hyp.betas, hyp.start, prior_w)[0]

    def objective_and_grad(self, hyp: "Hypotheses", prior_w: float, extra=None):
        """(B,) objective and the gradients [pose, transl, betas] of its sum (betas' None when
        the settings keep the shape); ``extra``, a piece of the effective pose (B, 55, 3) →
        (B,) (a learned pose prior), is added."""
        (loss, posed, _), vjp = self.objective_piece(hyp.pose, hyp.transl, hyp.betas, hyp.start, prior_w)
        ones = np.ones(len(loss))
        g_posed = None
        if extra is not None:
            (more,), extra_vjp = extra(posed)
            loss = loss + more
            g_posed = extra_vjp(ones)[0]
        g_pose, g_transl, g_betas, _ = vjp(ones, g_posed, None)
        return loss, [g_pose, g_transl, g_betas if self.settings.fit_shape else None]

    def result(self, hyp: "Hypotheses", row: int = 0) -> FitResult:
        """Row ``row`` of ``hyp`` as a :class:`FitResult`: the effective pose, shape and
        translation, the plain reprojection error and the model's keypoints in pixels."""
        _, pose, kp = self.objective(hyp.take([row]), self.settings.pose_prior)
        return FitResult(pose=pose[0], betas=hyp.betas[row].copy(), transl=hyp.transl[row].copy(),
                         loss=float(self.reprojection_piece(kp)[0][0][0]),
                         keypoints2d=project(kp[0], self.f)[0] * self.scale + self.centre)


@dataclass
class Hypotheses:
    """A batch of B candidate bodies (or B frames) being fitted; the arrays the optimisers move.

    pose : (B, 55, 3) axis-angle; transl : (B, 3) metres, camera frame; betas : (B, NB);
    start : (B, 55, 3) the starting pose, which the frozen joints keep.
    """

    pose: np.ndarray
    transl: np.ndarray
    betas: np.ndarray
    start: np.ndarray

    def leaves(self) -> list[np.ndarray]:
        return [self.pose, self.transl, self.betas]

    def take(self, rows) -> "Hypotheses":
        """Rows ``rows`` as new arrays."""
        return Hypotheses(*(a[rows].copy() for a in (self.pose, self.transl, self.betas, self.start)))

    @classmethod
    def of(cls, pose: np.ndarray, transl: np.ndarray, betas: np.ndarray | None, num_betas: int,
           start: np.ndarray | None = None) -> "Hypotheses":
        """Hypotheses from poses (B, 55, 3), translations (B, 3) and one shape (NB,) or one per
        row (B, NB) (None: 0); ``start`` defaults to the poses."""
        pose = np.array(pose, dtype=np.float64)
        rows = len(pose)
        shape = (np.zeros((rows, num_betas)) if betas is None else
                 np.broadcast_to(np.asarray(betas, dtype=np.float64), (rows, num_betas)).copy())
        return cls(pose, np.array(transl, dtype=np.float64).reshape(rows, 3), shape,
                   pose.copy() if start is None else np.array(start, dtype=np.float64))


def minimize_hypotheses(problem: "FitProblem", hyp: Hypotheses, prior_w: float, max_iter: int, *,
                        extra=None, check: StopFn | None = None) -> Hypotheses:
    """L-BFGS on the summed objective of ``hyp``'s rows (each row independent), from their
    current values (the shape too where the settings fit it); ``extra`` as
    :meth:`FitProblem.objective_and_grad`. Returns new rows."""
    fit_shape = problem.settings.fit_shape
    moving = hyp.leaves() if fit_shape else hyp.leaves()[:2]
    shapes = [a.shape for a in moving]
    cuts = np.cumsum([a.size for a in moving])[:-1]

    def unpack(x: np.ndarray) -> Hypotheses:
        parts = [c.reshape(shape) for c, shape in zip(np.split(x, cuts), shapes)]
        return Hypotheses(parts[0], parts[1], parts[2] if fit_shape else hyp.betas, hyp.start)

    def value_and_grad(x: np.ndarray):
        loss, grads = problem.objective_and_grad(unpack(x), prior_w, extra)
        return float(loss.sum()), np.concatenate([g.reshape(-1) for g in grads[:len(moving)]])

    x, _ = lbfgs(value_and_grad, np.concatenate([a.reshape(-1) for a in moving]), max_iter, check=check)
    out = unpack(x)
    return Hypotheses(out.pose.copy(), out.transl.copy(), out.betas.copy(), hyp.start.copy())


class _Reporter:
    """Progress and cancellation of one fit: ``progress`` every 20 steps over ``span``,
    ``should_stop`` every 10 (→ :class:`Cancelled`)."""

    def __init__(self, progress: ProgressFn | None, should_stop: StopFn | None,
                 span: tuple[float, float], total: int):
        self.progress, self.should_stop = progress, should_stop
        self.span, self.total = span, max(1, total)

    def __call__(self, step: int, message: str) -> None:
        if self.should_stop is not None and step % 10 == 0 and self.should_stop():
            raise Cancelled("lifting stopped by the user")
        if self.progress is not None and step % 20 == 0:
            a, b = self.span
            self.progress(a + (b - a) * step / self.total, message)


def initial_translation(problem: FitProblem, targets: np.ndarray, start_pose: np.ndarray,
                        focal: float, size: tuple[int, int],
                        betas: np.ndarray | None = None) -> np.ndarray:
    """Stage 0: the body's translation (3,) from the torso's size in the image (SMPLify's
    similar triangles), the torso centred on its keypoints; ``start_pose`` (1, 55, 3),
    ``betas`` (NB,) or None (0)."""
    conf, body = targets[:, 2], targets[:18]
    shape = np.zeros((1, problem.model.num_betas)) if betas is None else np.asarray(betas, dtype=np.float64)[None]
    rest_kp = problem.keypoints_piece(shape, start_pose, np.zeros((1, 3)))[0][0][0]
    pairs = [(C["neck"], C["right_hip"]), (C["neck"], C["left_hip"]),
             (C["right_shoulder"], C["left_shoulder"]), (C["neck"], C["nose"]),
             (C["right_hip"], C["left_hip"])]
    ratios = [np.linalg.norm(rest_kp[a, :2] - rest_kp[b, :2]) / max(np.linalg.norm(body[a, :2] - body[b, :2]), 1e-6)
              for a, b in pairs if conf[a] > 0 and conf[b] > 0]
    depth = focal * (float(np.median(ratios)) if ratios else 2.0 / size[1])
    depth = float(np.clip(depth, 0.3, 200.0))
    anchor = [i for i in TORSO if conf[i] > 0]
    pix = body[anchor, :2].mean(0)
    model_anchor = rest_kp[anchor].mean(0)
    xy = (pix - problem.centre) / focal * depth * np.array([1.0, -1.0]) - model_anchor[:2]
    return np.array([xy[0], xy[1], -depth - model_anchor[2]])


def fit_orientation(problem: FitProblem, starts: list[np.ndarray], start_pose: np.ndarray,
                    transl0: np.ndarray, keep: int, report: _Reporter,
                    betas: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Stage 1: global orientation and translation from the torso (and head), one row per
    starting orientation; the best ``keep`` rows, those far worse than the best dropped.

    Returns orientations (M, 3) axis-angle and translations (M, 3), best first.
    """
    bsz = len(starts)
    go = np.array(starts, dtype=np.float64)
    transl = np.repeat(transl0[None], bsz, 0).astype(np.float64)
    pose = np.repeat(start_pose, bsz, 0)
    shape = (np.zeros((bsz, problem.model.num_betas)) if betas is None else
             np.repeat(np.asarray(betas, dtype=np.float64)[None], bsz, 0))
    mask = np.zeros(problem.tgt.shape[-2])
    mask[TORSO] = 1.0
    mask[HEAD] = 0.3
    opt = Adam([go, transl], lr=0.05)

    def losses(grad: bool):
        pose[:, 0] = go
        (kp,), kp_vjp = problem.keypoints_piece(shape, pose, transl)
        (loss,), reproj_vjp = problem.reprojection_piece(kp, mask)
        if not grad:
            return loss
        _, g_pose, g_transl = kp_vjp(reproj_vjp(np.ones(bsz))[0])
        return [g_pose[:, 0], g_transl]

    for step in range(problem.settings.steps_global):
        report(step, "fitting body orientation")
        opt.step(losses(grad=True))
    values = losses(grad=False)
    best = np.argsort(values, kind="stable")[:keep]
    # A candidate much worse than the best is no candidate (a side view of a torso that is
    # clearly frontal): drop it rather than spend the batch on it.
    best = best[values[best] <= 4.0 * values[best[0]] + 1e-4]
    return go[best].copy(), transl[best].copy()


def fit_starts(problem: FitProblem, hyp: Hypotheses, report: _Reporter, step0: int) -> Hypotheses:
    """Stage 2: every parameter of every row, Adam with a cosine-decayed step, the pose prior
    annealed; the worse half of the rows dropped at ``settings.prune_at`` (by the whole
    objective, or the reprojection alone). Returns the surviving rows."""
    s = problem.settings
    opt = Adam(hyp.leaves(), lr=s.lr)
    prune_at = {int(f * s.steps_full) for f in s.prune_at}
    for step in range(s.steps_full):
        report(step0 + step, "fitting pose")
        t = step / max(1, s.steps_full - 1)
        opt.lr = s.lr * (0.1 + 0.45 * (1 + math.cos(math.pi * t)))  # cosine decay to a tenth
        prior_w = prior_weight(s, t)
        if step in prune_at and len(hyp.start) > 1:
            losses, _, kp = problem.objective(hyp, prior_w)
            if not s.prune_total:
                losses = problem.reprojection_piece(kp)[0][0]
            rows = np.argsort(losses, kind="stable")[: max(1, len(losses) // 2)]
            hyp = Hypotheses(*opt.keep_rows(rows), hyp.start[rows])
        opt.step(problem.objective_and_grad(hyp, prior_w)[1])
    return hyp


def polish(problem: FitProblem, hyp: Hypotheses, max_iter: int) -> Hypotheses:
    """Stage 3: the best row alone, quasi-Newton (L-BFGS) to convergence (Adam stops short),
    at the final prior weight. Returns one row."""
    best = int(np.argmin(problem.objective(hyp, problem.settings.pose_prior)[0]))
    hyp = hyp.take([best])
    if max_iter > 0:
        hyp = minimize_hypotheses(problem, hyp, problem.settings.pose_prior, max_iter)
    return hyp


def fit_person(
    model,
    targets: np.ndarray,
    selection: np.ndarray,
    *,
    focal: float,
    size: tuple[int, int],
    points3d: np.ndarray | None = None,
    init_pose: np.ndarray | None = None,
    betas: np.ndarray | None = None,
    settings: FitSettings | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    progress_span: tuple[float, float] = (0.0, 1.0),
) -> FitResult:
    """Fit one body to 2D keypoints: :func:`initial_translation`, :func:`fit_orientation`,
    :func:`fit_starts`, :func:`polish`.

    Parameters
    ----------
    model : KeypointModel
    targets : (K, 3) x, y pixels and confidence (0 = absent) in the order of ``selection``:
        rows 0-17 COCO-18 body, then optionally 18-59 left and right hand-21, 60-129 face-70.
    selection : (K, 55 + L) from :func:`selection_matrix` (rows of unavailable sources zero, and
        their targets' confidence must be 0)
    focal : focal length, pixels; size : (width, height) of the image, pixels
    points3d : (18, 3) detector 3D (OpenGL camera axes, metres) or None
    init_pose : (55, 3) starting pose (global orientation ignored) or None (relaxed pose)
    betas : (NB,) starting shape (kept as it is when ``settings.fit_shape`` is False) or None (0)
    progress : called as ``progress(fraction, message)``; should_stop : checked every few steps,
        True → :class:`Cancelled`.
    """
    s = settings or FitSettings()
    targets = np.asarray(targets, dtype=np.float64)
    conf = targets[:, 2]
    check_enough_keypoints(conf, "lift")
    problem = FitProblem.for_image(model, targets, selection, focal=focal, size=size,
                                   points3d=points3d, settings=s)
    total = s.steps_global + s.steps_full
    report = _Reporter(progress, should_stop, progress_span, total)

    start = np.array(priors.mean_pose() if init_pose is None else init_pose, dtype=np.float64)[None]
    start[:, 0] = 0.0
    transl0 = initial_translation(problem, targets, start, focal, size, betas)

    orient3d = orientation_from_points3d(points3d, conf[:18]) if points3d is not None else None
    if orient3d is not None:
        starts, keep = [orient3d], 1
    else:
        starts = [_axis_angle_y(a) for a in (0.0, math.pi / 2, math.pi, -math.pi / 2)]
        roll = image_roll(targets)
        # A body lying, upside down or cartwheeling: upright starts rarely turn that far.
        if s.roll_starts > 0 and roll is not None and abs(roll) >= s.roll_starts:
            starts += [rolled(roll, go) for go in starts]
        keep = s.orientations
    orients, transls = fit_orientation(problem, starts, start, transl0, keep, report, betas)

    # Every kept orientation × every starting posture, one batch.
    if init_pose is not None:
        library = [np.asarray(init_pose, dtype=np.float64)]
    else:
        library = list(priors.start_poses().values())[: max(1, s.start_poses)]
    n_p = len(library)
    start_b = np.tile(np.stack(library), (len(orients), 1, 1))
    start_b[:, 0] = np.repeat(orients, n_p, 0)
    hyp = Hypotheses.of(start_b, np.repeat(transls, n_p, 0), betas, model.num_betas)
    hyp = fit_starts(problem, hyp, report, s.steps_global)
    report(total, "refining")
    hyp = polish(problem, hyp, s.polish_iters)
    report(total, "done")
    return problem.result(hyp)


def check_enough_keypoints(conf: np.ndarray, what: str) -> None:
    """Raise :class:`LiftError` unless ``conf`` (K,) has 4 body points, two of them torso."""
    if not has_enough_keypoints(conf):
        raise LiftError(
            f"too few body keypoints to {what}: need at least 4, including two of the neck, "
            "shoulders and hips"
        )


def has_enough_keypoints(conf: np.ndarray) -> bool:
    """Whether ``conf`` (K,) (targets layout) has the 4 body points, two of them torso, a fit needs."""
    return bool(np.count_nonzero(conf[:18] > 0) >= 4 and np.count_nonzero(conf[TORSO] > 0) >= 2)
