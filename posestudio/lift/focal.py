"""The focal length of a photo whose EXIF has none: a few plausible values, each scored by a fit.

2D keypoints say little about perspective, but not nothing: at a short focal length the near
limbs look larger than the far ones, and a body fitted with the wrong focal length needs
stranger proportions or a less usual pose to match them. From the fit at the default focal
length we move the body to each candidate — 35 mm-equivalent 24, 35, 50 and 85 mm, what phones
and cameras mostly use — scaling its distance so it keeps its size in the image, polish it there
(L-BFGS, as ``fit.polish``) and keep the candidate whose fit has the lowest objective plus
pose-prior cost (``FitProblem.objective`` at the final prior weight, plus the mocap mixture of
``pose_prior_gmm``). A quick fit from scratch per candidate would be as costly and, unconverged,
no judge. Never imports Qt.
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from posestudio.lift.fit import FitProblem, FitResult, FitSettings

CANDIDATES_35MM = (24.0, 35.0, 50.0, 85.0)
_FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)
GMM_WEIGHT = 2e-5   # as ``ambiguity.AmbiguitySettings.gmm_weight``


def focal_px_of(focal_35mm: float, size: tuple[int, int]) -> float:
    """Pixels of a 35 mm-equivalent focal length on an image ``size`` (width, height)."""
    return float(focal_35mm) * math.hypot(*size) / _FULL_FRAME_DIAGONAL_MM


def search_focal(model, targets: np.ndarray, selection: np.ndarray, size: tuple[int, int],
                 fit: FitResult, focal_px: float, *, points3d: np.ndarray | None = None,
                 settings: FitSettings | None = None, candidates_35mm=CANDIDATES_35MM,
                 polish_iters: int = 20) -> tuple[float, FitResult, dict]:
    """The focal length (pixels) that fits ``targets`` best, the fit there, and every score.

    Parameters
    ----------
    model, targets (K, 3), selection, size, points3d, settings : as for ``fit.fit_person``
    fit : the body fitted at ``focal_px`` (camera frame)
    candidates_35mm : 35 mm-equivalent focal lengths to try (mm)

    Returns
    -------
    focal_px : float
    fit : FitResult at that focal length
    scores : dict {focal_35mm: score} (lower is better)
    """
    from posestudio.lift.fit import Hypotheses, minimize_hypotheses
    from posestudio.lift.pose_prior_gmm import load_pose_gmm

    s = settings or FitSettings()
    gmm = load_pose_gmm()
    targets = np.asarray(targets, dtype=np.float64)
    pelvis = model.forward_np(fit.betas[None], fit.pose[None], fit.transl[None])[0][0, 0]

    prior = partial(gmm.nll_piece, weight=GMM_WEIGHT)

    scores, fits = {}, {}
    for mm in candidates_35mm:
        focal = focal_px_of(mm, size)
        problem = FitProblem.for_image(model, targets, selection, focal=focal, size=size,
                                       points3d=points3d, settings=s)
        # the same body, as far away as keeps its size in the image
        transl = fit.transl + pelvis * (focal / focal_px - 1.0)
        hyp = Hypotheses.of(fit.pose[None], transl[None], fit.betas, model.num_betas)
        hyp = minimize_hypotheses(problem, hyp, s.pose_prior, polish_iters, extra=prior)
        value, pose, _ = problem.objective(hyp, s.pose_prior)
        scores[mm] = float(value[0] + prior(pose)[0][0][0])
        fits[mm] = problem.result(hyp)
    best = min(scores, key=scores.get)
    return focal_px_of(best, size), fits[best], scores
