"""Depth ambiguities of a lift: the discrete alternatives 2D keypoints cannot tell apart, ranked.

A limb segment seen in 2D has two depth solutions of the same length — its far end towards or
away from the camera — and the torso can lean towards or away. From a fitted body
(``lift.fit``) we build those alternatives exactly (the end joint moved along its own camera ray
to the other intersection with the bone's sphere, so the keypoints still match), per limb
(upper and lower segment: 3 alternatives per arm and leg) and for the torso's lean, refine each
briefly with the fit's own objective (``FitProblem.objective``, batched Adam as in
``fit.fit_starts``), and rank them by a score that adds, to that objective,

* a data-driven pose prior (``pose_prior_gmm``: a Gaussian mixture fitted to real motion) and a
  limb-direction prior (each arm's and leg's segment directions in the torso frame, from the
  same motion),
* no self-intersection (``plausibility.collision``: limb capsules),
* balance for standing poses (``plausibility.balance``),

the joint limits being part of the objective already. The per-limb changes are then combined:
every choice per limb (as fitted or one of its best refined variants) on either lean, scored as
built in one batch, the best combinations refined and ranked again. When the best body so found
is not the plain fit, the search runs once more from it (``AmbiguitySettings.rounds``): a fit
wrong in several segments is often turned back one limb at a time. The best alternative becomes
the lift; the others are what the editor offers to cycle through. Never imports Qt.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from posestudio.rotations import axis_angle_to_matrix, matrix_to_axis_angle, rotation_between
from posestudio.skeletons import SMPLX_JOINT_INDEX as J
from posestudio.skeletons import SMPLX_PARENTS

if TYPE_CHECKING:  # pragma: no cover
    from posestudio.lift.fit import FitProblem, FitResult

# limb: (root, middle, end) joints; the root's rotation moves the upper segment, the middle's
# the lower one.
LIMBS = {
    "left_arm": ("left_shoulder", "left_elbow", "left_wrist"),
    "right_arm": ("right_shoulder", "right_elbow", "right_wrist"),
    "left_leg": ("left_hip", "left_knee", "left_ankle"),
    "right_leg": ("right_hip", "right_knee", "right_ankle"),
}
LEAN = "torso"
# Segments whose depth direction the alternatives decide: (name, parent joint, child joint).
SEGMENTS = tuple(
    (f"{limb}_{part}", names[i], names[i + 1])
    for limb, names in LIMBS.items() for i, part in enumerate(("upper", "lower"))
) + (("torso", "pelvis", "neck"),)
# variant codes of a limb: (upper flipped, lower flipped)
VARIANTS = ((True, False), (False, True), (True, True))


@dataclass
class AmbiguitySettings:
    """Knobs of the search; defaults are what ``bench/bench_lift_real.py`` measures."""

    refine_steps: int = 40
    lr: float = 0.01
    polish_iters: int = 15          # L-BFGS iterations on the winner when it is not the plain fit
    gmm_weight: float = 2e-5        # per nat of the pose prior, in objective units
    collision_weight: float = 0.05  # per m² of capsule penetration
    balance_weight: float = 2e-3    # per m² of centre of mass beyond the support
    limb_weight: float = 2e-5       # per nat of the limb-direction prior
    combos: int = 6                 # combinations of per-limb changes refined in the 2nd round
    per_limb: int = 2               # variants per limb combined in the 2nd round (besides none)
    min_move: float = 0.03          # metres: a flip that moves a joint less is no alternative
    top_k: int = 8                  # alternatives returned
    rounds: int = 2                 # searches in all, each after the first from the best body so far
    min_apart: float = 0.06         # metres: an alternative whose limb joints all stay this close
                                    # to a better one's is not offered


@dataclass
class Alternative:
    """One depth solution of a fitted body, camera frame (OpenGL axes, metres).

    pose : (55, 3) axis-angle; betas : (NB,); transl : (3,); score : objective + plausibility
    (lower is better); changed : the segments (``SEGMENTS`` names) whose depth direction
    differs from the plain fit; terms : the score's parts (``"fit"``, ``"prior"``,
    ``"collision"``, ``"balance"``) and ``"reprojection"``, the 2D part of ``"fit"``;
    signs : (len(SEGMENTS),) depth direction of each segment (+1 child nearer the camera than
    its parent, −1 farther).
    """

    pose: np.ndarray
    betas: np.ndarray
    transl: np.ndarray
    score: float
    changed: tuple[str, ...] = ()
    terms: dict = field(default_factory=dict)
    signs: np.ndarray = field(default_factory=lambda: np.zeros(len(SEGMENTS)))
    joints: np.ndarray | None = None
    """(55, 3) the alternative's joints, camera frame (metres), when the search made it."""

    @property
    def label(self) -> str:
        """Short text for the editor: what is flipped relative to the plain fit."""
        if not self.changed:
            return "as fitted"
        return ", ".join(_SEGMENT_WORDS.get(n, n.replace("_", " ")) for n in self.changed) + " flipped"

    @property
    def limbs(self) -> tuple[str, ...]:
        """The limbs (``LIMBS`` keys, and ``"torso"``) this alternative changes."""
        return tuple(dict.fromkeys(n if n == LEAN else n.rsplit("_", 1)[0] for n in self.changed))


_SEGMENT_WORDS = {
    "left_arm_upper": "left upper arm", "left_arm_lower": "left forearm",
    "right_arm_upper": "right upper arm", "right_arm_lower": "right forearm",
    "left_leg_upper": "left thigh", "left_leg_lower": "left shin",
    "right_leg_upper": "right thigh", "right_leg_lower": "right shin",
    "torso": "torso lean",
}


def changed_segments(diff: np.ndarray) -> tuple[str, ...]:
    """Names of the changed segments, a whole limb's two segments as ``<limb>_upper`` and
    ``<limb>_lower``; diff (len(SEGMENTS),) bool."""
    return tuple(name for (name, _, _), d in zip(SEGMENTS, diff) if d)


def global_rotations(pose: np.ndarray) -> np.ndarray:
    """(55, 3, 3) world (camera-frame) rotation of every joint of a (55, 3) pose."""
    local = axis_angle_to_matrix(pose)
    out = np.empty_like(local)
    for j, p in enumerate(SMPLX_PARENTS):
        out[j] = local[j] if p < 0 else out[p] @ local[j]
    return out


def depth_signs(joints: np.ndarray) -> np.ndarray:
    """(…, len(SEGMENTS)) +1 where a segment's child joint is nearer the camera than its parent
    (along the parent's viewing ray), −1 where farther; joints (…, 55, 3) camera frame."""
    parent = joints[..., [J[p] for _, p, _ in SEGMENTS], :]
    child = joints[..., [J[c] for _, _, c in SEGMENTS], :]
    ray = parent / np.maximum(np.linalg.norm(parent, axis=-1, keepdims=True), 1e-9)
    return np.where(((child - parent) * ray).sum(-1) < 0, 1.0, -1.0)


def _other_root(point: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray:
    """The other point of ``point``'s camera ray at distance ``radius`` from ``centre`` (the ray
    tangent point when the ray misses the sphere)."""
    u = point / max(np.linalg.norm(point), 1e-9)
    b = float(u @ centre)
    disc = max(b * b - float(centre @ centre) + radius * radius, 0.0)
    t_now = float(np.linalg.norm(point))
    roots = (b - math.sqrt(disc), b + math.sqrt(disc))
    t = roots[0] if abs(roots[1] - t_now) < abs(roots[0] - t_now) else roots[1]
    return u * t


def _set_world(pose: np.ndarray, glob: np.ndarray, joint: int, world: np.ndarray) -> None:
    """Give ``joint`` the world rotation ``world`` (its children keep their local rotations);
    updates ``pose`` (55, 3) and ``glob`` (55, 3, 3) of that joint only."""
    parent = SMPLX_PARENTS[joint]
    local = world if parent < 0 else glob[parent].T @ world
    pose[joint] = matrix_to_axis_angle(local)
    glob[joint] = world


def flip_limb(pose: np.ndarray, joints: np.ndarray, limb: str, upper: bool, lower: bool,
              min_move: float = 0.03) -> np.ndarray | None:
    """``pose`` (55, 3) with ``limb``'s upper and/or lower segment flipped in depth (keeping the
    2D position of its joints), given its camera-frame joints (55, 3); None when the flip moves
    nothing by ``min_move`` metres (a segment in the image plane has no second solution)."""
    r, m, e = (J[n] for n in LIMBS[limb])
    root, mid, end = joints[r], joints[m], joints[e]
    mid2 = _other_root(mid, root, float(np.linalg.norm(mid - root))) if upper else mid
    end_near = _other_root(end, mid2, float(np.linalg.norm(end - mid)))
    # the end's two solutions from the new middle: the one whose lower segment keeps (or, with
    # ``lower``, reverses) its depth direction
    u = end / max(np.linalg.norm(end), 1e-9)
    cands = [end_near, _mirror_on_ray(end_near, mid2, u)]
    old_sign = np.sign((end - mid) @ u)
    want = -old_sign if lower else old_sign
    end2 = min(cands, key=lambda c: (np.sign((c - mid2) @ u) != want, np.linalg.norm(c - end)))
    if max(np.linalg.norm(mid2 - mid), np.linalg.norm(end2 - end)) < min_move:
        return None
    out = pose.copy()
    glob = global_rotations(pose)
    r1 = rotation_between(mid - root, mid2 - root)
    _set_world(out, glob, r, r1 @ glob[r])
    r2 = rotation_between(r1 @ (end - mid), end2 - mid2)
    _set_world(out, glob, m, r2 @ r1 @ glob[m])
    return out


def _mirror_on_ray(point: np.ndarray, centre: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The other intersection of the ray along ``u`` through ``point`` with the sphere about
    ``centre`` through ``point``."""
    t = float(point @ u)
    b = float(u @ centre)
    return u * (2 * b - t)


def flip_lean(pose: np.ndarray, joints: np.ndarray, min_move: float = 0.03) -> np.ndarray | None:
    """``pose`` with the torso's lean towards/away from the camera reversed (pelvis → neck
    mirrored across the plane normal to the pelvis's viewing ray), legs keeping their world
    orientation; None when the torso lies in the image plane."""
    pelvis, neck = joints[J["pelvis"]], joints[J["neck"]]
    v = pelvis / max(np.linalg.norm(pelvis), 1e-9)
    s = neck - pelvis
    s2 = s - 2 * (s @ v) * v
    if np.linalg.norm(s2 - s) < min_move:
        return None
    out = pose.copy()
    glob = global_rotations(pose)
    hips = {j: glob[j].copy() for j in (J["left_hip"], J["right_hip"])}
    _set_world(out, glob, 0, rotation_between(s, s2) @ glob[0])
    for j, world in hips.items():
        _set_world(out, glob, j, world)
    return out


def _hypotheses(problem: "FitProblem", poses, transl, betas):
    from posestudio.lift.fit import Hypotheses

    return Hypotheses.of(np.asarray(poses), np.asarray(transl), np.asarray(betas),
                         problem.model.num_betas)


def _prior(settings: AmbiguitySettings, gmm):
    """The mocap pose prior as a piece of the effective pose, weighted, or None."""
    return None if gmm is None else partial(gmm.nll_piece, weight=settings.gmm_weight)


def _refine(problem: "FitProblem", hyp, settings: AmbiguitySettings, gmm, steps: int):
    """``steps`` of batched Adam (a cosine-decayed step) on the fit's objective + the pose
    prior, in place on ``hyp``'s arrays."""
    from posestudio.lift.optim import Adam

    opt = Adam(hyp.leaves(), lr=settings.lr)
    extra = _prior(settings, gmm)
    for step in range(steps):
        opt.lr = settings.lr * (0.2 + 0.4 * (1 + math.cos(math.pi * step / max(1, steps))))
        opt.step(problem.objective_and_grad(hyp, problem.settings.pose_prior, extra)[1])
    return hyp


def _score(problem: "FitProblem", hyp, settings: AmbiguitySettings, gmm, limbs=None):
    """Scores (B,) of the rows of ``hyp`` with their terms, and the rows:
    (pose (B,55,3), transl (B,3), betas (B,NB), joints (B,55,3), score, terms)."""
    from posestudio.lift.plausibility import balance, collision

    fit, pose, kp = problem.objective(hyp, problem.settings.pose_prior)
    reprojection = problem.reprojection_piece(kp)[0][0]
    joints = problem.model.forward_np(hyp.betas, pose, hyp.transl)[0]
    none = np.zeros(len(pose))
    terms = {
        "fit": fit,
        "prior": settings.gmm_weight * gmm.nll(pose) if gmm is not None else none,
        "collision": settings.collision_weight * collision(joints),
        "balance": settings.balance_weight * balance(joints),
        "limbs": settings.limb_weight * limbs.nll(joints) if limbs is not None else none,
    }
    score = sum(terms.values())
    terms["reprojection"] = reprojection   # the 2D part of "fit", for reports
    return pose, hyp.transl.copy(), hyp.betas.copy(), joints, score, terms


def score_bodies(problem: "FitProblem", pose: np.ndarray, transl: np.ndarray, betas: np.ndarray,
                 settings: AmbiguitySettings | None = None, gmm=None, limbs=None) -> np.ndarray:
    """The score (B,) the search ranks depth solutions by (lower is better): the fit's
    objective, the pose and limb-direction priors, collision and balance, of bodies with poses
    (B, 55, 3) axis-angle, translations (B, 3) (camera frame, metres) and shapes (B, NB) or one
    (NB,); ``gmm``, ``limbs`` as :func:`search_alternatives` (None: that prior left out)."""
    hyp = _hypotheses(problem, pose, transl, betas)
    return _score(problem, hyp, settings or AmbiguitySettings(), gmm, limbs)[4]


def search_alternatives(problem: "FitProblem", fit: "FitResult",
                        settings: AmbiguitySettings | None = None, gmm=None,
                        limbs=None) -> list[Alternative]:
    """The depth alternatives of ``fit`` (the plain fit among them), best first.

    Parameters
    ----------
    problem : the fit's problem (targets, camera, priors), ``FitProblem.for_image``
    fit : the fitted body, camera frame
    gmm : PoseGMM or None (``pose_prior_gmm.load_pose_gmm()``)
    limbs : LimbPrior or None (``pose_prior_gmm.load_limb_prior()``), for the ranking only

    Returns
    -------
    list of Alternative, at most ``settings.top_k``, distinct depth configurations (by
    ``signs``), sorted by score.
    """
    s = settings or AmbiguitySettings()
    joints0 = problem.model.forward_np(fit.betas[None], fit.pose[None], fit.transl[None])[0][0]
    found = _search_from(problem, fit.pose, fit.transl, fit.betas, s, gmm, limbs)
    base = found[0]
    for _ in range(s.rounds - 1):
        # the search again from its best so far: flips of a body already partly turned the
        # right way reach configurations that differ from the plain fit in many segments
        best = min(found, key=lambda a: a.score)
        if best is base:
            break
        base = best
        found += _search_from(problem, best.pose, best.transl, best.betas, s, gmm, limbs,
                              scored=best)[1:]
    ranked = _distinct(sorted(found, key=lambda a: a.score), joints0, s.top_k, s.min_apart)
    if ranked and ranked[0].changed and s.polish_iters > 0:
        ranked[0] = _polish(problem, ranked[0], s, gmm, limbs)
    return ranked


def _search_from(problem: "FitProblem", pose0: np.ndarray, transl0: np.ndarray,
                 betas0: np.ndarray, s: AmbiguitySettings, gmm, limbs,
                 scored: Alternative | None = None) -> list[Alternative]:
    """One round of the search about the body (pose0 (55, 3), transl0 (3,), betas0 (NB,)):
    that body as it is (``scored`` when it was scored already), every single-limb variant and
    the lean refined, then the best combinations of those refined. The body comes first."""
    joints0 = problem.model.forward_np(betas0[None], pose0[None], transl0[None])[0][0]
    # Single changes: the body, every single-limb variant and the lean, refined together.
    poses, owners = [pose0.copy()], [None]
    for limb in LIMBS:
        for code, (upper, lower) in enumerate(VARIANTS):
            p = flip_limb(pose0, joints0, limb, upper, lower, s.min_move)
            if p is not None:
                poses.append(p); owners.append((limb, code))
    p = flip_lean(pose0, joints0, s.min_move)
    if p is not None:
        poses.append(p); owners.append((LEAN, 0))
    n = len(poses)
    hyp = _hypotheses(problem, np.stack(poses), np.repeat(transl0[None], n, 0),
                      np.repeat(betas0[None], n, 0))
    # the body is scored as it is (row 0 of the first scoring), the rest after refinement
    plain = _score(problem, hyp.take([0]), s, gmm, limbs)
    pose1, transl1, betas1, joints1, score1, terms1 = _score(
        problem, _refine(problem, hyp, s, gmm, s.refine_steps), s, gmm, limbs)
    pose1[0], transl1[0], betas1[0], joints1[0] = plain[0][0], plain[1][0], plain[2][0], plain[3][0]
    score1[0] = plain[4][0]
    for key in terms1:
        terms1[key][0] = plain[5][key][0]
    found = [_alternative(pose1[i], betas1[i], transl1[i], joints1[i], score1[i], terms1, i,
                          () if owners[i] is None else (owners[i][0],)) for i in range(n)]
    if scored is not None:
        found[0] = scored

    # Combinations of the refined per-limb choices (the body's limb or one of its
    # best variants) and the lean, scored as built; the best refined again.
    poses2, changed2 = _combinations(pose1, owners, score1, s.per_limb)
    if poses2 and s.combos > 0:
        k = len(poses2)
        hyp2 = _hypotheses(problem, np.stack(poses2), np.repeat(transl0[None], k, 0),
                           np.repeat(betas0[None], k, 0))
        keep = np.argsort(_score(problem, hyp2, s, gmm, limbs)[4], kind="stable")[: s.combos]
        hyp2 = hyp2.take(keep.tolist())
        pose2, transl2, betas2, joints2, score2, terms2 = _score(
            problem, _refine(problem, hyp2, s, gmm, s.refine_steps), s, gmm, limbs)
        found += [_alternative(pose2[i], betas2[i], transl2[i], joints2[i], score2[i], terms2, i,
                               changed2[j]) for i, j in enumerate(keep)]
    return found


def _combinations(pose1: np.ndarray, owners: list, score1: np.ndarray, per_limb: int):
    """Poses (and the limbs they change) combining round 1's refined rows: per limb the plain
    limb or one of its ``per_limb`` best variants, on the plain or the lean-flipped torso; only
    combinations of two changes or more (the single ones are round 1's rows).

    pose1 : (N, 55, 3) round 1's refined poses, row 0 the plain fit; owners : per row None or
    (limb or ``LEAN``, variant); score1 : (N,) their scores.
    """
    rows: dict[str, list[int]] = {}
    for i in np.argsort(score1, kind="stable"):
        if owners[i] is not None:
            rows.setdefault(owners[i][0], []).append(int(i))
    leans = [None] + rows.pop(LEAN, [])[:1]
    limbs = [(limb, [None] + found[:per_limb]) for limb, found in rows.items()]
    candidates = [i for _, options in limbs for i in options if i is not None]
    glob1 = {i: global_rotations(pose1[i]) for i in candidates}
    poses, changed = [], []
    for lean in leans:
        base0 = pose1[0 if lean is None else lean]
        glob_base = global_rotations(base0)
        # Each row's upper segment keeps its world direction on this torso (its lower one its
        # bend): one local rotation per row, whatever else the combination picks.
        upper = {}
        for i in candidates:
            r = J[LIMBS[owners[i][0]][0]]
            upper[i] = glob_base[SMPLX_PARENTS[r]].T @ glob1[i][r]
        upper = dict(zip(upper, matrix_to_axis_angle(np.stack(list(upper.values()))))) if upper else {}
        for choice in itertools.product(*(options for _, options in limbs)):
            picked = [i for i in choice if i is not None]
            if len(picked) + (lean is not None) < 2:
                continue
            pose = base0.copy()
            for i in picked:
                r, m, _ = (J[n] for n in LIMBS[owners[i][0]])
                pose[r] = upper[i]
                pose[m] = pose1[i][m]
            poses.append(pose)
            changed.append(((LEAN,) if lean is not None else ()) + tuple(owners[i][0] for i in picked))
    return poses, changed


def _polish(problem: "FitProblem", alt: Alternative, settings: AmbiguitySettings, gmm,
            limbs=None) -> Alternative:
    """The winning alternative to convergence (L-BFGS, as ``fit.polish``), rescored."""
    from posestudio.lift.fit import minimize_hypotheses

    hyp = _hypotheses(problem, alt.pose[None], alt.transl[None], alt.betas[None])
    hyp = minimize_hypotheses(problem, hyp, problem.settings.pose_prior, settings.polish_iters,
                              extra=_prior(settings, gmm))
    pose, transl, betas, joints, score, terms = _score(problem, hyp, settings, gmm, limbs)
    return Alternative(pose[0], betas[0], transl[0], float(score[0]), alt.changed,
                       {k: float(v[0]) for k, v in terms.items()}, depth_signs(joints[0]), joints[0])


def _alternative(pose, betas, transl, joints, score, terms, row, changed) -> Alternative:
    return Alternative(pose=pose, betas=betas, transl=transl, score=float(score),
                       changed=tuple(changed),
                       terms={k: float(v[row]) for k, v in terms.items()},
                       signs=depth_signs(joints), joints=joints)


def _distinct(ranked: list[Alternative], joints0: np.ndarray, top_k: int,
              min_apart: float = 0.0) -> list[Alternative]:
    """The best of each depth configuration, relabelled by what differs from the plain fit; an
    alternative whose limb joints all lie within ``min_apart`` metres of a better one's (a flip
    of a segment nearly across the view) is left out: it looks the same."""
    base = depth_signs(joints0)
    seen, out = set(), []
    limb_joints = [J[n] for names in LIMBS.values() for n in names[1:]] + [J["neck"]]
    for alt in ranked:
        key = tuple(alt.signs.astype(int))
        if key in seen:
            continue
        if min_apart > 0 and alt.joints is not None and any(
                np.abs(alt.joints[limb_joints] - o.joints[limb_joints]).max() < min_apart
                for o in out if o.joints is not None):
            continue
        seen.add(key)
        alt.changed = changed_segments(alt.signs != base)
        out.append(alt)
        if len(out) == top_k:
            break
    return out


def best_fit_and_alternatives(model, targets: np.ndarray, selection: np.ndarray,
                              fit: "FitResult", *, focal: float, size: tuple[int, int],
                              points3d=None, settings=None,
                              ambiguity: AmbiguitySettings | None = None, gmm=None, limbs=None):
    """The search of :func:`search_alternatives` after a photo fit: returns the best alternative
    as a ``FitResult`` (``fit`` itself when nothing beats it) and the ranked alternatives.

    ``targets`` (K, 3), ``selection``, ``focal``, ``size``, ``points3d``, ``settings``: as given
    to ``fit.fit_person``; ``gmm``, ``limbs``: the pose and limb-direction priors (None: the
    bundled ones).
    """
    import dataclasses

    from posestudio.lift.fit import FitProblem, FitSettings
    from posestudio.lift.pose_prior_gmm import load_limb_prior, load_pose_gmm

    problem = FitProblem.for_image(model, np.asarray(targets, dtype=np.float64), selection,
                                   focal=focal, size=size, points3d=points3d,
                                   settings=settings or FitSettings())
    found = search_alternatives(problem, fit, ambiguity, gmm if gmm is not None else load_pose_gmm(),
                                limbs if limbs is not None else load_limb_prior())
    if not found:
        return fit, found
    if points3d is not None:
        # the detector's own 3D already chose the depths: the plain fit stays the lift and
        # comes first; the others remain on offer
        plain = [a for a in found if not a.changed]
        if not plain:
            plain = [Alternative(fit.pose, fit.betas, fit.transl, float("nan"))]
        return fit, plain[:1] + [a for a in found if a.changed]
    best = found[0]
    return dataclasses.replace(fit, pose=best.pose, betas=best.betas, transl=best.transl,
                               loss=best.terms.get("fit", fit.loss)), found
