"""Warm-start refit: nudge an already lifted person onto edited 2D keypoints.

After an import the user drags a 2D keypoint on the photo and asks for a refit. Lifting again
from scratch (``lift.lift``) costs a second or more and, since it restarts from the generic
posture modes, a small drag can flip a limb or the whole body into another depth solution. A
refit instead starts from the person's current pose, shape and translation and runs a short
local optimisation (L-BFGS, ``lift.optim``) of the same objective as the full fit:

* the same Geman-McClure reprojection error, confidence weighted, in units of the person's size
  in the image, but with a wider scale (``REFIT_SIGMA``): the dragged point is the user's
  intention, not an outlier to be ignored;
* the same pose priors (``fit.PoseTerms`` at the full fit's final weight) and shape prior;
* pulls towards the start (``STAY_*``): joint angles, the body's orientation, the joints'
  positions and above all the trunk's depth. What the keypoints do not ask to change stays as
  it was, so a wrist drag bends the arm and leaves the rest of the body where it stands; a limb
  no keypoint sees (legs out of the photo) is not touched at all;
* a dragged body wrist takes its hand's 21 points along (``hands_follow_wrists``).

The person is fitted in the camera frame of the scene camera and put back in the same world,
so the camera and everyone else in the scene stay where they are.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import numpy as np

from posestudio.errors import Cancelled, LiftError
from posestudio.rotations import axis_angle_to_matrix, matrix_to_axis_angle
from posestudio.skeletons import SMPLX_JOINT_INDEX

ProgressFn = Callable[[float, str], None]
CancelledFn = Callable[[], bool]

# Geman-McClure scale of a refit, fraction of the person's size (the full fit uses 0.1).
REFIT_SIGMA = 0.3
# L-BFGS iterations at most: the start is close, so a few dozen converge.
REFIT_ITERS = 40
# Pull towards the starting pose, per joint times the prior's stiffness (``priors.stiffness``).
STAY_WEIGHT = 1e-4
# ... the body's global orientation in the same units: a drag of one limb should bend that
# limb, not turn the whole body (which swings unseen legs by centimetres).
STAY_ORIENT = 100.0
# Pull of each body joint towards where it started, per square metre: the smallest change in
# 3D that meets the edited keypoints, so undragged joints stay where they were.
STAY_JOINTS = 1e-4
# ... and, much stronger, of the trunk's depth: 2D edits say nothing about how far a joint is,
# and a trunk that tilts in depth to help a limb reach moves everything else. Limbs are free to
# swing in depth to follow a drag.
STAY_DEPTH = 1e-2
TRUNK = ("pelvis", "left_hip", "right_hip", "spine1", "spine2", "spine3", "neck", "head",
         "left_collar", "right_collar", "left_shoulder", "right_shoulder")
# Pull towards the starting translation, per square metre.
STAY_TRANSL = 0.1


def _targets(keypoints2d) -> np.ndarray:
    """(130, 3) fitting targets from a (130, 3) / (18|25, 3) array or a person-like object."""
    from posestudio.lift import targets_of

    if isinstance(keypoints2d, np.ndarray) or isinstance(keypoints2d, (list, tuple)):
        array = np.asarray(keypoints2d, dtype=np.float64)
        if array.shape == (130, 3):
            out = np.nan_to_num(array.copy())
            out[out[:, 2] <= 0] = 0.0
            return out
        if array.ndim == 2 and array.shape[0] in (18, 25) and array.shape[1] == 3:
            return targets_of(_BodyOnly(array))
        raise LiftError(f"keypoints must be (130, 3) targets or (18|25, 3) body points, "
                        f"got shape {array.shape}")
    return targets_of(keypoints2d)


class _BodyOnly:
    def __init__(self, body: np.ndarray):
        self.body = body


# Limbs (SMPL-X joints) and the target rows that see them: body COCO-18 (hips 8/11, knees 9/12,
# ankles 10/13, elbows 3/6, wrists 4/7) and the hands (18-38 left, 39-59 right).
_UNSEEN_LIMBS = (
    (("right_hip", "right_knee", "right_ankle", "right_foot"), (9, 10)),
    (("left_hip", "left_knee", "left_ankle", "left_foot"), (12, 13)),
    (("right_knee", "right_ankle", "right_foot"), (10,)),
    (("left_knee", "left_ankle", "left_foot"), (13,)),
    (("right_shoulder", "right_elbow", "right_wrist"), (3, 4, *range(39, 60))),
    (("left_shoulder", "left_elbow", "left_wrist"), (6, 7, *range(18, 39))),
    (("right_elbow", "right_wrist"), (4, *range(39, 60))),
    (("left_elbow", "left_wrist"), (7, *range(18, 39))),
)

# (body wrist row, hand rows) in the targets layout: a hand's 21 points hang on its wrist.
_HANDS = ((7, slice(18, 39)), (4, slice(39, 60)))
# A body wrist further than this (fraction of the person's size) from its hand's own wrist
# point was dragged away from the hand: the hand goes with it.
HAND_FOLLOW = 0.02


def hands_follow_wrists(targets: np.ndarray) -> np.ndarray:
    """A copy of ``targets`` (130, 3) whose hand-21 points are moved with a dragged body wrist.

    A user drags the body's wrist, not the 21 hand points around it; left where they were, the
    hand points would hold the fitted wrist back (they outnumber it).
    """
    out = targets.copy()
    present = out[:18][out[:18, 2] > 0, :2]
    if len(present) < 2:
        return out
    size = float(np.linalg.norm(present.max(0) - present.min(0)))
    for wrist, rows in _HANDS:
        hand = out[rows]
        if out[wrist, 2] <= 0 or hand[0, 2] <= 0:
            continue
        shift = out[wrist, :2] - hand[0, :2]
        if np.linalg.norm(shift) > HAND_FOLLOW * size:
            hand[hand[:, 2] > 0, :2] += shift
    return out


def refit_person(person, keypoints2d, camera, canvas, *, progress: ProgressFn | None = None,
                 cancelled: CancelledFn | None = None, fit_shape: bool = False,
                 iterations: int = REFIT_ITERS):
    """Refit one lifted person to (edited) 2D keypoints, starting from their current 3D pose.

    Parameters
    ----------
    person : Person
        The person as they stand in the scene (world frame); not modified.
    keypoints2d : (130, 3) array (``lift.targets_of`` layout: COCO-18 body, left hand-21,
        right hand-21, face-70), an (18|25, 3) body array, or an object with ``body`` /
        ``hand_left`` / ``hand_right`` / ``face``; pixels of ``canvas``, confidence 0 = absent.
    camera, canvas : the scene camera and canvas the keypoints are seen through.
    progress : ``progress(fraction 0..1, message)``; cancelled : ``() -> bool``, polled every
        optimiser iteration, True → :class:`~posestudio.errors.Cancelled` (nothing changed).
    fit_shape : also adjust the body shape (off: a drag is about pose, not proportions).
    iterations : L-BFGS iterations at most.

    Returns
    -------
    Person
        A copy of ``person`` with the refitted ``pose``, ``transl`` (and ``betas``), in the same
        world frame.

    Raises
    ------
    LiftError : too few body keypoints; Cancelled
    """
    from posestudio import camera as cam
    from posestudio.lift import _keypoint_model
    from posestudio.lift.fit import (
        FitProblem, FitSettings, check_enough_keypoints, normalised_targets, selection_matrix,
    )
    from posestudio.lift.optim import lbfgs

    def check() -> None:
        if cancelled is not None and cancelled():
            raise Cancelled("refit stopped by the user")

    check()
    targets = hands_follow_wrists(_targets(keypoints2d))
    conf = targets[:, 2]
    check_enough_keypoints(conf, "refit")
    if progress is not None:
        progress(0.0, "refitting")
    _, model = _keypoint_model(person.rig)
    selection, available = selection_matrix(model.landmark_names,
                                            ("body", "hand_left", "hand_right", "face"))
    targets[~available] = 0.0
    conf = targets[:, 2]
    nb = model.num_betas
    s = FitSettings()

    # World → OpenGL camera frame: v_cam = Rc v + tc. SMPL rotates about the pelvis J0, so
    # the global orientation becomes Rc R and the translation Rc (J0 + t) + tc − J0.
    w2c = cam.world_to_camera(camera)
    rc, tc = w2c[:3, :3], w2c[:3, 3]
    betas0 = np.zeros(nb)
    betas0[: min(nb, len(person.betas))] = np.asarray(person.betas, dtype=np.float64)[:nb]

    def pelvis(betas: np.ndarray) -> np.ndarray:
        return model.rest_joints(betas[None])[0, 0]

    j0 = pelvis(betas0)
    pose0 = np.asarray(person.pose, dtype=np.float64).copy()
    pose0[0] = matrix_to_axis_angle(rc @ axis_angle_to_matrix(pose0[0]))
    transl0 = rc @ (j0 + np.asarray(person.transl, dtype=np.float64)) + tc - j0

    focal = float(cam.intrinsics(camera, canvas)[0, 0])
    tgt, w, f, scale, centre = normalised_targets(targets, conf, (canvas.width, canvas.height), focal)
    problem = FitProblem(model, tgt, w, selection, f, scale, centre,
                         replace(s, robust_sigma=REFIT_SIGMA), has_hands=bool(conf[18:60].any()))
    stay = problem.pose_terms.stiff.copy()
    stay[0] = STAY_ORIENT
    freeze = problem.freeze.copy()       # jaw and eyes, and the hands when none were seen
    for joints_of_limb, rows in _UNSEEN_LIMBS:
        if not conf[list(rows)].any():   # no keypoint sees this limb: leave it as it was
            freeze[[SMPLX_JOINT_INDEX[n] for n in joints_of_limb]] = 0.0
    start, transl_start = pose0[None], transl0[None]
    joints_start = model.forward_np(betas0[None], start, transl_start)[0][:, :22]
    trunk = [SMPLX_JOINT_INDEX[n] for n in TRUNK]
    cut = start.size + 3

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        """1e3 × (reprojection + priors + the pulls towards where the person stood), and its
        gradient with respect to x = [free pose, translation (, betas)] (the scale suits
        L-BFGS's stopping tolerances)."""
        pose = x[:start.size].reshape(start.shape) * freeze + start * (1 - freeze)
        transl = x[start.size:cut].reshape(1, 3)
        betas = x[cut:].reshape(1, nb) if fit_shape else betas0[None]
        (joints, _, kp), points_vjp = problem.points_piece(betas, pose, transl)
        (reprojection,), reprojection_vjp = problem.reprojection_piece(kp)
        (prior,), prior_vjp = problem.pose_terms.piece(pose, s.pose_prior)
        moved = joints[:, :22] - joints_start
        loss = (reprojection + prior + STAY_WEIGHT * (stay * (pose - start) ** 2).sum((1, 2))
                + STAY_JOINTS * (moved[..., :2] ** 2).sum((1, 2)) + STAY_DEPTH * (moved[:, trunk, 2] ** 2).sum(1)
                + STAY_TRANSL * ((transl - transl_start) ** 2).sum(-1))
        one = np.ones(1)
        g_joints = np.zeros_like(joints)
        g_joints[:, :22, :2] = 2 * STAY_JOINTS * moved[..., :2]
        g_joints[:, trunk, 2] += 2 * STAY_DEPTH * moved[:, trunk, 2]
        g_betas, g_pose, g_transl = points_vjp(g_joints, None, reprojection_vjp(one)[0])
        g_pose = (g_pose + prior_vjp(one)[0] + 2 * STAY_WEIGHT * stay * (pose - start)) * freeze
        g_transl = g_transl + 2 * STAY_TRANSL * (transl - transl_start)
        grads = [g_pose.reshape(-1), g_transl.reshape(-1)]
        if fit_shape:
            loss = loss + s.shape_prior * (betas ** 2).sum(-1)
            grads.append((g_betas + 2 * s.shape_prior * betas).reshape(-1))
        return 1e3 * float(loss.sum()), 1e3 * np.concatenate(grads)

    calls = [0]

    def check_and_report() -> None:
        check()
        calls[0] += 1
        if progress is not None and calls[0] % 10 == 0:
            progress(min(0.95, calls[0] / (1.5 * iterations)), "refitting")

    x0 = np.concatenate([start.reshape(-1), transl_start.reshape(-1)] + ([betas0] if fit_shape else []))
    x, _ = lbfgs(objective, x0, max(1, int(iterations)), check=check_and_report)
    check()
    pose = (x[:start.size].reshape(start.shape) * freeze + start * (1 - freeze))[0]
    transl_cam = x[start.size:cut]
    betas_new = x[cut:] if fit_shape else betas0
    if not np.all(np.isfinite(pose)) or not np.all(np.isfinite(transl_cam)):
        raise LiftError("the refit diverged; the person is left as they were")

    # Camera frame → world: R_w = Rcᵀ R_cam, t_w = Rcᵀ (J0 + t_cam − tc) − J0.
    j0 = pelvis(betas_new)
    pose[0] = matrix_to_axis_angle(rc.T @ axis_angle_to_matrix(pose[0]))
    out = person.copy()
    out.pose = pose
    out.transl = rc.T @ (j0 + transl_cam - tc) - j0
    if fit_shape:
        new_betas = np.array(person.betas, dtype=np.float64)
        new_betas[: min(nb, len(new_betas))] = betas_new[: len(new_betas)]
        out.betas = new_betas
    if progress is not None:
        progress(1.0, "done")
    return out
