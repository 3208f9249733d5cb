"""Priors that keep a fitted pose natural: a relaxed mean pose, per-joint stiffness, joint limits.

All in axis-angle (radians), SMPL-X joint order, model frame (Y up, person faces +Z, the
person's left is +X). Signs, worked out from that frame:

* knee flexion (shin goes back): +x rotation of ``*_knee``;
* elbow flexion (forearm comes forward from the T-pose): −y for ``left_elbow``, +y for
  ``right_elbow``;
* arms down from the T-pose: −z for ``left_shoulder``, +z for ``right_shoulder``.

No learned prior (VPoser/GMM need licensed SMPL data): a max-mixture of quadratic pulls towards
a few hand-made posture modes (``start_poses``), weighted per joint by how freely that joint
moves, plus hinge limits on knees and elbows and reach limits on thighs and upper arms, is
enough to pick the natural solution among the depth ambiguities that 2D keypoints leave, and is
cheap.
"""

from __future__ import annotations

import numpy as np

from posestudio.rotations import axis_angle_to_matrix_one, matrix_to_axis_angle_one
from posestudio.skeletons import SMPLX_JOINT_INDEX, SMPLX_JOINT_NAMES

J = SMPLX_JOINT_INDEX


def mean_pose() -> np.ndarray:
    """(55, 3) relaxed standing pose: arms hanging at the sides, elbows and knees slightly bent."""
    pose = np.zeros((len(SMPLX_JOINT_NAMES), 3))
    pose[J["left_shoulder"]] = (0.0, 0.0, -1.15)
    pose[J["right_shoulder"]] = (0.0, 0.0, 1.15)
    pose[J["left_elbow"]] = (0.0, -0.25, 0.0)
    pose[J["right_elbow"]] = (0.0, 0.25, 0.0)
    pose[J["left_knee"]] = (0.08, 0.0, 0.0)
    pose[J["right_knee"]] = (0.08, 0.0, 0.0)
    return pose


def stiffness() -> np.ndarray:
    """(55, 3) weight of each joint's deviation from ``mean_pose`` (1 = a typical joint).

    Free joints (shoulders, hips, knees, elbows) are cheap to move; the spine, collars, wrists,
    ankles and feet are stiff, since keypoints barely see them and they absorb errors otherwise.
    """
    w = np.ones((len(SMPLX_JOINT_NAMES), 3))
    w[0] = 0.0  # global orientation: free
    for name, value in (
        ("spine1", 4.0), ("spine2", 6.0), ("spine3", 6.0), ("neck", 3.0), ("head", 3.0),
        ("left_collar", 10.0), ("right_collar", 10.0),
        ("left_shoulder", 0.3), ("right_shoulder", 0.3), ("left_elbow", 0.3), ("right_elbow", 0.3),
        ("left_hip", 0.3), ("right_hip", 0.3), ("left_knee", 0.3), ("right_knee", 0.3),
        ("left_wrist", 2.0), ("right_wrist", 2.0), ("left_ankle", 4.0), ("right_ankle", 4.0),
        ("left_foot", 20.0), ("right_foot", 20.0), ("jaw", 50.0),
        ("left_eye_smplhf", 50.0), ("right_eye_smplhf", 50.0),
    ):
        w[J[name]] = value
    # Twist of a limb about its own bone (unobservable from keypoints): keep it small.
    for name in ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow"):
        w[J[name], 0] *= 4.0   # arm bones lie along x at rest
    for name in ("left_hip", "right_hip"):
        w[J[name], 1] *= 4.0   # leg bones lie along y
    for i in range(25, 55):
        w[i] = 0.5  # fingers: loose, their keypoints decide
    return w


# Hinge joints: (joint, axis of flexion, sign of flexion). Flexion the other way and rotation
# about the other two axes are penalised.
HINGES: tuple[tuple[str, int, float], ...] = (
    ("left_knee", 0, 1.0), ("right_knee", 0, 1.0),
    ("left_elbow", 1, -1.0), ("right_elbow", 1, 1.0),
)


def hinge_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Joint indices (H,), flexion axis one-hot (H, 3) and flexion sign (H,) of ``HINGES``."""
    idx = np.array([J[n] for n, _, _ in HINGES])
    axis = np.zeros((len(HINGES), 3))
    axis[np.arange(len(HINGES)), [a for _, a, _ in HINGES]] = 1.0
    sign = np.array([s for _, _, s in HINGES])
    return idx, axis, sign


# Hip extension (thigh going behind the body, +x rotation of ``*_hip``) beyond this is rare;
# without a limit 2D keypoints cannot tell a thigh bent forward from one bent back.
HIP_EXTENSION_LIMIT = 0.5
# Likewise an upper arm reaches back at most ~35° behind the shoulders' plane: the largest
# backward (−Z, model frame) component of the upper arm's direction.
SHOULDER_BACK_LIMIT = 0.55


def _arms_forward(pose: np.ndarray, lift_rad: float = 0.8, bend_rad: float = 1.0) -> np.ndarray:
    """``pose`` with both upper arms swung ``lift_rad`` forward from hanging, elbows bent."""
    forward = axis_angle_to_matrix_one((-lift_rad, 0.0, 0.0))  # about the body's x: towards +Z
    out = pose.copy()
    for side, sign in (("left", 1.0), ("right", -1.0)):
        hanging = axis_angle_to_matrix_one(pose[J[f"{side}_shoulder"]])
        out[J[f"{side}_shoulder"]] = matrix_to_axis_angle_one(forward @ hanging)
        out[J[f"{side}_elbow"]] = (0.0, -sign * bend_rad, 0.0)
    return out


def start_poses() -> dict[str, np.ndarray]:
    """Generic starting poses for the multi-start fit, (55, 3) each.

    Coarse "modes" of human posture: legs standing, sitting, squatting or striding either way,
    each with the arms hanging or held forward, and standing or sitting with the arms up. They play the role of the components of SMPLify's
    mixture prior: a start in the right mode lets the local fit settle the depth of each limb
    (which 2D keypoints leave open) the right way. Deliberately not the bundled presets (the
    benchmark draws its test poses from those).
    """
    base = mean_pose()

    def variant(**joints) -> np.ndarray:
        pose = base.copy()
        for name, value in joints.items():
            pose[J[name]] = value
        return pose

    legs = {
        "stand": base.copy(),
        "sit": variant(left_hip=(-1.5, 0, 0), right_hip=(-1.5, 0, 0),
                       left_knee=(1.5, 0, 0), right_knee=(1.5, 0, 0)),
        "squat": variant(left_hip=(-2.0, 0, 0.3), right_hip=(-2.0, 0, -0.3),
                         left_knee=(2.2, 0, 0), right_knee=(2.2, 0, 0), spine1=(0.3, 0, 0)),
        "stride_left": variant(left_hip=(-0.6, 0, 0), right_hip=(0.3, 0, 0), left_knee=(0.4, 0, 0),
                               right_knee=(0.4, 0, 0)),
        "stride_right": variant(right_hip=(-0.6, 0, 0), left_hip=(0.3, 0, 0), left_knee=(0.4, 0, 0),
                                right_knee=(0.4, 0, 0)),
    }
    poses = {}
    for name, pose in legs.items():
        poses[name] = pose
        poses[f"{name}+arms_forward"] = _arms_forward(pose)
    for name in ("stand", "sit"):
        poses[f"{name}+arms_up"] = _arms_forward(legs[name], lift_rad=2.6, bend_rad=0.3)
    return poses


def mode_costs() -> np.ndarray:
    """(K,) extra prior cost of each of ``start_poses()`` (same order), in the units of the pose
    prior (stiffness × rad²): the mixture weights. When the keypoints cannot tell two modes apart
    (legs out of the frame, a wrist not found), the commoner one wins: standing, arms hanging."""
    legs = {"stand": 0.0, "sit": 0.3, "squat": 0.6, "stride_left": 0.3, "stride_right": 0.3}
    arms = {"": 0.0, "+arms_forward": 0.3, "+arms_up": 0.6}
    costs = []
    for name in start_poses():
        leg, _, arm = name.partition("+")
        costs.append(legs[leg] + arms["+" + arm if arm else ""])
    return np.array(costs)
