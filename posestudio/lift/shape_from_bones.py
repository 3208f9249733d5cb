"""Body proportions (betas) from the bone-length ratios a confident 2D pose shows.

A single view cannot tell a body's size from its distance, but once a fit has placed every
joint in depth, the confident keypoints, cast back along their camera rays to their fitted
depths, give the lengths of the bones between them — and so their *ratios* (forearm to thigh,
shoulders to hips, torso to legs), which do not depend on the size. The betas whose bone-length
ratios best match those, by linear least squares on the centred log-lengths with a Gaussian
prior on the betas, are the estimate. A bone counts only when both its ends are confident and
it lies mostly across the view (a bone along the ray has a length only its depth gives); with
no bone counting, the betas stay at the prior. :func:`fit_with_bone_shape` refits a lifted body
with the estimated proportions (``lift(shape_from_bones=True)``).

The estimate is pure numpy on a body model's rest-pose joints (``BodyModel.rest_joints``); the
refit uses the fit's objective. Never imports Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posestudio.skeletons import COCO18_NAMES, SMPLX_JOINT_INDEX

# Bones between COCO-18 keypoints that are the body's joints of the same name
# (``keypoints.LAYOUTS``; the OpenPose neck is the shoulders' midpoint: no bone of its own).
BONES = (
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
)
_COCO = {name: i for i, name in enumerate(COCO18_NAMES)}
BONE_KEYPOINTS = np.array([[_COCO[a], _COCO[b]] for a, b in BONES])   # (M, 2) COCO-18 rows
_BONE_JOINTS = np.array([[SMPLX_JOINT_INDEX[a], SMPLX_JOINT_INDEX[b]] for a, b in BONES])


@dataclass
class ShapeSettings:
    """Knobs of the estimate.

    min_confidence : a keypoint below it is not used (detector confidence, 0..1)
    min_across : a bone counts when its image length is at least this share of its 3D length
    min_bones : fewer usable bones → no estimate (the betas stay at the prior)
    prior_sigma : standard deviation of the Gaussian prior on each beta (about the prior betas)
    noise : standard deviation of a log bone length read from the image (≈ relative error)
    """

    min_confidence: float = 0.5
    min_across: float = 0.6
    min_bones: int = 6
    prior_sigma: float = 1.0
    noise: float = 0.05


@dataclass
class ShapeEstimate:
    """betas : (NB,) the estimate; used : (len(BONES),) bool, the bones that counted;
    lengths : (len(BONES),) metres, the bone lengths read back from the image (nan unused)."""

    betas: np.ndarray
    used: np.ndarray
    lengths: np.ndarray

    @property
    def confident(self) -> bool:
        return bool(self.used.any())


def rest_bone_lengths(body, betas: np.ndarray) -> np.ndarray:
    """(len(BONES),) metres: the lengths between the body's joints that are the ``BONES``'
    COCO-18 keypoints, in its rest pose for ``betas`` (NB,)."""
    base, dirs = _joint_basis(body)
    joints = base + dirs @ np.asarray(betas, dtype=np.float64)
    return np.linalg.norm(joints[:, 0] - joints[:, 1], axis=1)


_BASES: dict[int, tuple] = {}


def _joint_basis(body) -> tuple[np.ndarray, np.ndarray]:
    """The bones' end joints in the rest pose as a linear function of the betas (exact: the
    shape blend and the joint regressor are linear): (M, 2, 3) at betas 0 and (M, 2, 3, NB)."""
    key = id(body)
    if key not in _BASES:
        zero = body.rest_joints(np.zeros(body.num_betas)).astype(np.float64)[_BONE_JOINTS]
        dirs = np.stack([body.rest_joints(e).astype(np.float64)[_BONE_JOINTS] - zero
                         for e in np.eye(body.num_betas)], -1)
        _BASES[key] = (body, zero, dirs)   # the body is kept so its id stays its own
    return _BASES[key][1:]


def observed_bone_lengths(keypoints2d: np.ndarray, depth: np.ndarray, *, focal: float,
                          size: tuple[int, int], settings: ShapeSettings | None = None):
    """Bone lengths the image shows at the fitted depths.

    Parameters
    ----------
    keypoints2d : (18, 3) COCO-18 pixels + confidence (0 = absent)
    depth : (18,) metres, each keypoint's distance in front of the camera (the fitted body's,
        along −Z of the OpenGL camera)
    focal : pixels; size : (width, height) pixels, principal point at the centre

    Returns
    -------
    lengths : (len(BONES),) metres, nan for bones that do not count; used : (len(BONES),) bool
    """
    s = settings or ShapeSettings()
    kp = np.asarray(keypoints2d, dtype=np.float64)
    z = np.asarray(depth, dtype=np.float64)
    centre = np.array(size, dtype=np.float64) / 2
    xy = (kp[:, :2] - centre) * z[:, None] / focal * np.array([1.0, -1.0])
    points = np.column_stack([xy, -z])                                # camera frame, metres
    a, b = BONE_KEYPOINTS.T
    lengths = np.linalg.norm(points[a] - points[b], axis=1)
    across = np.linalg.norm(xy[a] - xy[b], axis=1) / np.maximum(lengths, 1e-9)
    ok = (np.minimum(kp[a, 2], kp[b, 2]) >= s.min_confidence) & (z[a] > 0) & (z[b] > 0)
    used = ok & (across >= s.min_across) & (lengths > 0.02)
    return np.where(used, lengths, np.nan), used


def estimate_betas(body, lengths: np.ndarray, used: np.ndarray, prior: np.ndarray,
                   settings: ShapeSettings | None = None) -> ShapeEstimate:
    """The betas whose bone-length ratios match ``lengths`` best, with a Gaussian prior.

    Minimises ``|r_obs − r(β)|² / noise² + |β − prior|² / prior_sigma²`` over β, where r are the
    used bones' log-lengths minus their mean (the size cancels), r(β) linearised about the
    prior (one Gauss-Newton step from it, then a second from the first answer).

    Parameters
    ----------
    body : BodyModel (``rest_joints(betas)``); lengths : (len(BONES),) metres;
    used : (len(BONES),) bool; prior : (NB,) betas to stay at when nothing is known
    """
    s = settings or ShapeSettings()
    prior = np.asarray(prior, dtype=np.float64)
    if used.sum() < s.min_bones:
        return ShapeEstimate(prior.copy(), np.zeros(len(BONES), bool), np.full(len(BONES), np.nan))
    target = np.log(lengths[used])
    target -= target.mean()
    betas = prior.copy()
    for _ in range(2):
        r0, jac = _ratio_jacobian(body, betas, used)
        # residual of the linear model about ``betas``: r0 + jac δ ≈ target
        lhs = jac.T @ jac / s.noise ** 2 + np.eye(len(prior)) / s.prior_sigma ** 2
        rhs = jac.T @ (target - r0) / s.noise ** 2 - (betas - prior) / s.prior_sigma ** 2
        betas = betas + np.linalg.solve(lhs, rhs)
    return ShapeEstimate(betas, used.copy(), lengths.copy())


def _ratio_jacobian(body, betas: np.ndarray, used: np.ndarray, step: float = 0.1):
    """Centred log-lengths (U,) of the used bones at ``betas`` and their Jacobian (U, NB)
    (central differences)."""

    def ratios(b):
        logs = np.log(rest_bone_lengths(body, b)[used])
        return logs - logs.mean()

    r0 = ratios(betas)
    jac = np.empty((len(r0), len(betas)))
    for k in range(len(betas)):
        e = np.zeros(len(betas))
        e[k] = step
        jac[:, k] = (ratios(betas + e) - ratios(betas - e)) / (2 * step)
    return r0, jac


def shape_from_fit(body, keypoints2d: np.ndarray, keypoints3d: np.ndarray, *, focal: float,
                   size: tuple[int, int], prior: np.ndarray,
                   settings: ShapeSettings | None = None) -> ShapeEstimate:
    """The betas a fitted body's confident 2D shows: :func:`observed_bone_lengths` at the depths
    of the fitted body's COCO-18 points ``keypoints3d`` (18, 3) camera frame, then
    :func:`estimate_betas` about ``prior`` (NB,)."""
    lengths, used = observed_bone_lengths(keypoints2d, -np.asarray(keypoints3d)[:, 2], focal=focal,
                                          size=size, settings=settings)
    return estimate_betas(body, lengths, used, prior, settings)


def fit_with_bone_shape(model, body, targets: np.ndarray, selection: np.ndarray, fit, *,
                        focal: float, size: tuple[int, int], points3d=None, settings=None,
                        shape: ShapeSettings | None = None, rounds: int = 2, iters: int = 30):
    """A fitted body given the proportions its confident 2D shows.

    From ``fit`` (``fit.FitResult``, camera frame): :func:`shape_from_fit` about the fit's own
    betas, then the pose and translation refitted (L-BFGS, ``iters``) with those betas held;
    ``rounds`` times. Unsure 2D (no estimate) returns ``fit`` unchanged.

    Parameters
    ----------
    model : KeypointModel; body : its BodyModel; targets : (K, 3) pixels + confidence in the
    order of ``selection`` (rows 0-17 COCO-18); focal : pixels; size : (width, height);
    points3d, settings : as given to ``fit.fit_person``

    Returns
    -------
    (FitResult, FitSettings) : the refitted body and the settings that keep its betas (shape
    fitting off), for what refines it next (``lift.ambiguity``)
    """
    import dataclasses

    from posestudio.keypoints import openpose_points_3d
    from posestudio.lift.fit import FitProblem, FitSettings, Hypotheses, minimize_hypotheses

    s = settings or FitSettings()
    for _ in range(rounds):
        posed = body.pose(betas=fit.betas, pose=fit.pose, transl=fit.transl)
        points = openpose_points_3d(posed, "coco18", hands=False, face=False)["body"][0]
        est = shape_from_fit(body, np.asarray(targets)[:18], points, focal=focal, size=size,
                             prior=np.zeros(len(fit.betas)), settings=shape)
        if not est.confident:
            return fit, s
        s = dataclasses.replace(s, fit_shape=False)
        problem = FitProblem.for_image(model, np.asarray(targets, dtype=np.float64), selection,
                                       focal=focal, size=size, points3d=points3d, settings=s)
        hyp = Hypotheses.of(fit.pose[None], fit.transl[None], est.betas, model.num_betas)
        fit = problem.result(minimize_hypotheses(problem, hyp, s.pose_prior, iters))
    return fit, s
