"""A data-driven pose prior: a Gaussian mixture over the rotations of the joints 2D keypoints move.

Fitted to real motion capture (``rigs/build_pose_prior.py`` rebuilds ``rigs/pose_prior_gmm.npz``
from the clips it names, every frame also mirrored left ↔ right), and used to rank the depth
alternatives of a lift (``lift.ambiguity``): a limb flipped the wrong way in depth usually needs
a rotation that people rarely make. The features are the axis-angle rotations (radians, SMPL-X
order, model frame) of ``JOINTS``; the score is the mixture's negative log-likelihood.

Pure numpy to evaluate and to fit (a small EM, no scikit-learn); ``nll_piece`` adds the
gradient, for the refinement of alternatives. Never imports Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from posestudio.errors import LiftError
from posestudio.skeletons import SMPLX_JOINT_INDEX

JOINTS = ("spine1", "spine2", "spine3", "neck", "left_hip", "right_hip", "left_knee", "right_knee",
          "left_shoulder", "right_shoulder", "left_elbow", "right_elbow")
JOINT_IDS = np.array([SMPLX_JOINT_INDEX[n] for n in JOINTS])


def default_path() -> Path:
    """The bundled prior, ``rigs/pose_prior_gmm.npz`` (package data of ``posestudio.rigs``)."""
    from importlib import resources

    return Path(str(resources.files("posestudio.rigs") / "pose_prior_gmm.npz"))


@dataclass(frozen=True)
class PoseGMM:
    """A full-covariance Gaussian mixture over pose features.

    Attributes
    ----------
    means : (K, D) float64, feature means (D = 3 × len(joints))
    prec_chol : (K, D, D) float64, Cholesky factors L of the precisions (P = L Lᵀ)
    log_norm : (K,) float64, log weight + log |L| − D/2 log 2π per component
    joints : tuple of str, the SMPL-X joints whose axis-angle rotations are the features
    """

    means: np.ndarray
    prec_chol: np.ndarray
    log_norm: np.ndarray
    joints: tuple[str, ...] = JOINTS

    @property
    def joint_ids(self) -> np.ndarray:
        return np.array([SMPLX_JOINT_INDEX[n] for n in self.joints])

    def features(self, pose: np.ndarray) -> np.ndarray:
        """(…, 55, 3) axis-angle poses → (…, D) features."""
        pose = np.asarray(pose, dtype=np.float64)
        return pose[..., self.joint_ids, :].reshape(*pose.shape[:-2], -1)

    def nll(self, pose: np.ndarray) -> np.ndarray:
        """Negative log-likelihood (…,) of (…, 55, 3) poses (lower = more usual)."""
        x = self.features(pose)
        return -_log_likelihood(x.reshape(-1, x.shape[-1]), self).reshape(x.shape[:-1])

    def nll_piece(self, pose: np.ndarray, weight: float = 1.0):
        """((weight × nll (B,),), vjp) of (B, 55, 3) poses: :meth:`nll` and its gradient (a
        responsibility-weighted sum of each component's precision pull)."""
        ids = self.joint_ids
        x = pose[:, ids].reshape(len(pose), -1)
        y = _whitened(x, self.means, self.prec_chol)
        log_p = self.log_norm[None] - 0.5 * (y ** 2).sum(-1)                 # (B, K)
        total = _logsumexp(log_p, axis=1)
        resp = np.exp(log_p - total[:, None])

        def vjp(g):
            g_x = np.einsum("nk,kde,nke->nd", resp * (weight * g)[:, None], self.prec_chol, y)
            grad = np.zeros_like(pose)
            grad[:, ids] = g_x.reshape(len(pose), len(ids), 3)
            return (grad,)

        return (-weight * total,), vjp

    def save(self, path: str | Path, **meta) -> None:
        np.savez_compressed(path, means=self.means, prec_chol=self.prec_chol,
                            log_norm=self.log_norm, joints=np.array(self.joints),
                            **{k: np.asarray(v) for k, v in meta.items()})


def _log_likelihood(x: np.ndarray, gmm: PoseGMM) -> np.ndarray:
    """(N,) log-likelihood of features x (N, D)."""
    return _logsumexp(_component_log_prob(x, gmm.means, gmm.prec_chol, gmm.log_norm), axis=1)


def _whitened(x: np.ndarray, means: np.ndarray, prec_chol: np.ndarray) -> np.ndarray:
    """(N, K, D) offsets of features x (N, D) from each component's mean, times its precision's
    Cholesky factor (their squared norms are the Mahalanobis distances)."""
    return np.einsum("nkd,kde->nke", x[:, None] - means[None], prec_chol)


def _component_log_prob(x, means, prec_chol, log_norm) -> np.ndarray:
    return log_norm[None] - 0.5 * (_whitened(x, means, prec_chol) ** 2).sum(-1)


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    m = a.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def fit_gmm(x: np.ndarray, components: int = 8, *, iterations: int = 200, reg: float = 1e-3,
            seed: int = 0) -> PoseGMM:
    """Fit a full-covariance mixture to features x (N, D) by EM (k-means++ start, ``reg`` added
    to each covariance's diagonal, radians²). Deterministic for a given ``seed``."""
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape
    if n < components * 2:
        raise LiftError(f"pose prior: {n} samples are too few for {components} components")
    rng = np.random.default_rng(seed)
    centres = [x[rng.integers(n)]]
    for _ in range(components - 1):  # k-means++ seeding
        dist = np.min([((x - c) ** 2).sum(1) for c in centres], axis=0)
        centres.append(x[rng.choice(n, p=dist / dist.sum())])
    means = np.array(centres)
    resp = np.eye(components)[np.argmin(((x[:, None] - means[None]) ** 2).sum(-1), axis=1)]
    previous = -np.inf
    for _ in range(iterations):
        weights = resp.sum(0) + 1e-9
        means = (resp.T @ x) / weights[:, None]
        prec_chol = np.empty((components, d, d))
        log_norm = np.empty(components)
        for k in range(components):
            diff = x - means[k]
            cov = (resp[:, k, None] * diff).T @ diff / weights[k] + reg * np.eye(d)
            chol_cov = np.linalg.cholesky(cov)
            prec_chol[k] = np.linalg.solve(chol_cov, np.eye(d)).T   # L with P = L Lᵀ
            log_norm[k] = (math.log(weights[k] / n) + np.log(np.diag(prec_chol[k])).sum()
                           - 0.5 * d * math.log(2 * math.pi))
        log_prob = _component_log_prob(x, means, prec_chol, log_norm)
        total = _logsumexp(log_prob, axis=1)
        resp = np.exp(log_prob - total[:, None])
        mean_ll = float(total.mean())
        if mean_ll - previous < 1e-6:
            break
        previous = mean_ll
    return PoseGMM(means, prec_chol, log_norm)


# Limb chains (root, middle, end) of the limb-direction prior; the right ones are mirrored onto
# the left (x → −x in the torso frame) so both sides share one mixture.
LIMB_CHAINS = {
    "arm": (("left_shoulder", "left_elbow", "left_wrist"), ("right_shoulder", "right_elbow", "right_wrist")),
    "leg": (("left_hip", "left_knee", "left_ankle"), ("right_hip", "right_knee", "right_ankle")),
}


def torso_frames(joints: np.ndarray) -> np.ndarray:
    """(…, 3, 3) rows: the body's left, up and forward unit axes from joints (…, 55, 3) (any
    frame: up = pelvis → neck, left = right → left across shoulders and hips, forward = left × up)."""
    j = np.asarray(joints, dtype=np.float64)
    idx = SMPLX_JOINT_INDEX
    up = j[..., idx["neck"], :] - j[..., idx["pelvis"], :]
    up /= np.maximum(np.linalg.norm(up, axis=-1, keepdims=True), 1e-9)
    left = (j[..., idx["left_shoulder"], :] - j[..., idx["right_shoulder"], :]
            + j[..., idx["left_hip"], :] - j[..., idx["right_hip"], :])
    left = left - (left * up).sum(-1, keepdims=True) * up
    left /= np.maximum(np.linalg.norm(left, axis=-1, keepdims=True), 1e-9)
    return np.stack([left, up, np.cross(left, up)], -2)


def limb_features(joints: np.ndarray, kind: str) -> np.ndarray:
    """(…, 2, 6) the upper and lower segments' unit directions in the torso frame of the left and
    the (mirrored) right ``kind`` limb ("arm" or "leg"); joints (…, 55, 3)."""
    j = np.asarray(joints, dtype=np.float64)
    frame = torso_frames(j)
    out = []
    for side, chain in enumerate(LIMB_CHAINS[kind]):
        a, b, c = (j[..., SMPLX_JOINT_INDEX[n], :] for n in chain)
        dirs = []
        for v in (b - a, c - b):
            v = np.einsum("...ij,...j->...i", frame, v)
            v /= np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)
            if side == 1:
                v = v * np.array([-1.0, 1.0, 1.0])
            dirs.append(v)
        out.append(np.concatenate(dirs, -1))
    return np.stack(out, -2)


@dataclass(frozen=True)
class LimbPrior:
    """Mixtures over the directions of arms and legs in the torso frame (``limb_features``):
    how usual each limb's depth configuration is, whatever the twist of its joints."""

    arm: PoseGMM
    leg: PoseGMM

    def nll(self, joints: np.ndarray) -> np.ndarray:
        """(B,) summed negative log-likelihood of the four limbs of joints (B, 55, 3)."""
        total = 0.0
        for kind, gmm in (("arm", self.arm), ("leg", self.leg)):
            x = limb_features(joints, kind)
            total = total - _log_likelihood(x.reshape(-1, 6), gmm).reshape(x.shape[:-1]).sum(-1)
        return total

    def save_arrays(self) -> dict:
        return {f"{kind}_{name}": getattr(getattr(self, kind), name)
                for kind in ("arm", "leg") for name in ("means", "prec_chol", "log_norm")}


def fit_limb_prior(joints: np.ndarray, components: int = 6, reg: float = 0.01) -> LimbPrior:
    """A :class:`LimbPrior` fitted to joints (N, 55, 3) of real motion (left and right limbs
    pooled)."""
    parts = {}
    for kind in ("arm", "leg"):
        x = limb_features(joints, kind).reshape(-1, 6)
        parts[kind] = fit_gmm(x, components, reg=reg, seed=0)
    return LimbPrior(**parts)


@lru_cache(maxsize=4)
def load_limb_prior(path: str | None = None) -> LimbPrior | None:
    """The limb-direction prior stored beside the pose prior (``arm_*``/``leg_*`` arrays), or None
    when the file has none."""
    path = Path(path) if path else default_path()
    try:
        with np.load(path, allow_pickle=False) as data:
            if "arm_means" not in data:
                return None
            return LimbPrior(*(PoseGMM(data[f"{k}_means"], data[f"{k}_prec_chol"],
                                       data[f"{k}_log_norm"], ()) for k in ("arm", "leg")))
    except (OSError, KeyError, ValueError) as exc:
        raise LiftError(f"pose prior {path}: cannot read ({exc})") from None


@lru_cache(maxsize=4)
def load_pose_gmm(path: str | None = None) -> PoseGMM:
    """The shipped prior (``rigs/pose_prior_gmm.npz``) or the one at ``path``, cached."""
    path = Path(path) if path else default_path()
    try:
        with np.load(path, allow_pickle=False) as data:
            return PoseGMM(data["means"], data["prec_chol"], data["log_norm"],
                           tuple(str(s) for s in data["joints"]))
    except (OSError, KeyError, ValueError) as exc:
        raise LiftError(f"pose prior {path}: cannot read ({exc})") from None
