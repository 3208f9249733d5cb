"""How plausible a fitted body is, beyond matching the keypoints: for ranking depth alternatives.

Terms, each (B,) for a batch of bodies in the camera frame (metres, OpenGL axes):

* ``collision``: limb capsules passing through each other or through the torso (summed squared
  penetration, m²; touching is free);
* ``balance``: for an upright standing body (both legs nearly straight, feet below the pelvis),
  how far the centre of mass lies outside the support between the feet, across the body's up
  axis (m², beyond 12 cm).

The joint limits and the data-driven pose prior are in ``lift.fit.PoseTerms`` and
``lift.pose_prior_gmm``; ``lift.ambiguity`` combines them all. Pure numpy, never imports Qt.
"""

from __future__ import annotations

import numpy as np

from posestudio.skeletons import SMPLX_JOINT_INDEX as J

# (name, start joint, end joint, radius metres)
CAPSULES = (
    ("torso", "pelvis", "neck", 0.11),
    ("head", "neck", "head", 0.09),
    ("l_upper_arm", "left_shoulder", "left_elbow", 0.045),
    ("l_forearm", "left_elbow", "left_wrist", 0.035),
    ("r_upper_arm", "right_shoulder", "right_elbow", 0.045),
    ("r_forearm", "right_elbow", "right_wrist", 0.035),
    ("l_thigh", "left_hip", "left_knee", 0.065),
    ("l_shin", "left_knee", "left_ankle", 0.045),
    ("r_thigh", "right_hip", "right_knee", 0.065),
    ("r_shin", "right_knee", "right_ankle", 0.045),
)
_NAMES = [c[0] for c in CAPSULES]
# Pairs that may not pass through each other (neighbours along a chain are left out).
PAIRS = tuple((_NAMES.index(a), _NAMES.index(b)) for a, b in (
    ("l_forearm", "torso"), ("r_forearm", "torso"), ("l_forearm", "head"), ("r_forearm", "head"),
    ("l_forearm", "r_forearm"), ("l_forearm", "l_thigh"), ("r_forearm", "r_thigh"),
    ("l_forearm", "r_thigh"), ("r_forearm", "l_thigh"),
    ("l_shin", "r_shin"), ("l_thigh", "r_shin"), ("r_thigh", "l_shin"), ("l_shin", "torso"),
    ("r_shin", "torso"), ("l_thigh", "r_thigh"),
))
_SAMPLES = np.linspace(0.0, 1.0, 7)


def _segment_distance(a0, a1, b0, b1) -> np.ndarray:
    """Approximate closest distance (…,) between segments a0a1 and b0b1 (…, 3): points sampled
    on a, each projected onto b."""
    pa = a0[..., None, :] + _SAMPLES[:, None] * (a1 - a0)[..., None, :]          # (…, S, 3)
    d = (b1 - b0)[..., None, :]
    t = np.clip(((pa - b0[..., None, :]) * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-9), 0, 1)
    closest = b0[..., None, :] + t[..., None] * d
    return np.linalg.norm(pa - closest, axis=-1).min(-1)


def collision(joints: np.ndarray) -> np.ndarray:
    """(B,) summed squared penetration (m²) of the capsule pairs ``PAIRS``; joints (B, 55, 3)."""
    ends = np.array([[J[s], J[e]] for _, s, e, _ in CAPSULES])
    radius = np.array([r for *_, r in CAPSULES])
    ia, ib = np.array(PAIRS).T
    p0, p1 = joints[:, ends[:, 0]], joints[:, ends[:, 1]]          # (B, C, 3)
    dist = _segment_distance(p0[:, ia], p1[:, ia], p0[:, ib], p1[:, ib])   # (B, P)
    depth = np.maximum(radius[ia] + radius[ib] - 0.02 - dist, 0.0)
    return (depth ** 2).sum(-1)


def balance(joints: np.ndarray) -> np.ndarray:
    """(B,) squared distance (m²) beyond 12 cm of the centre of mass from the feet's support,
    across the body's up axis, for bodies standing upright (0 for the others)."""
    pelvis, neck = joints[:, J["pelvis"]], joints[:, J["neck"]]
    up = neck - pelvis
    up /= np.maximum(np.linalg.norm(up, axis=-1, keepdims=True), 1e-9)
    hips = joints[:, [J["left_hip"], J["right_hip"]]]
    knees = joints[:, [J["left_knee"], J["right_knee"]]]
    ankles = joints[:, [J["left_ankle"], J["right_ankle"]]]
    thigh, shin = knees - hips, ankles - knees

    def unit(v):
        return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)

    straight = ((unit(thigh) * unit(shin)).sum(-1) > 0.8).all(-1)
    below = (((ankles - pelvis[:, None]) * up[:, None]).sum(-1) < -0.6).all(-1)
    com = joints[:, :22].mean(1)

    def flat(v):
        return v - (v * up).sum(-1, keepdims=True) * up

    a, b = flat(ankles[:, 0]), flat(ankles[:, 1])
    c = flat(com)
    d = b - a
    t = np.clip(((c - a) * d).sum(-1) / np.maximum((d * d).sum(-1), 1e-9), 0, 1)
    off = np.linalg.norm(c - (a + t[:, None] * d), axis=-1)
    return np.where(straight & below, np.maximum(off - 0.12, 0.0) ** 2, 0.0)
