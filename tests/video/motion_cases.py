"""Synthetic motion with known truth for the sequence tests: a walk cycle of the mannequin,
its 2D keypoints through a fixed camera (optionally noisy), and the accuracy measures."""

from __future__ import annotations

import numpy as np

from posestudio.keypoints import people_keypoints_2d
from posestudio.lift.metrics import to_camera as to_cam
from posestudio.skeletons import SMPLX_JOINT_INDEX as J


def walk_motion(frames: int, fps: float, *, speed: float = 1.0, direction: float = 0.0,
                start=(0.0, 0.0, 0.0), phase: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A walk cycle (about 1 s per stride) along world +X turned by ``direction`` radians about
    Y: poses (T, 55, 3) and translations (T, 3), metres."""
    t = np.arange(frames) / fps
    w = 2 * np.pi * 1.0 * t + phase
    poses = np.zeros((frames, 55, 3))
    heading = np.pi / 2 + direction               # the body faces where it walks (+Z at rest)
    poses[:, 0] = (0.0, heading, 0.0)
    poses[:, J["left_hip"], 0] = -0.45 * np.sin(w)
    poses[:, J["right_hip"], 0] = 0.45 * np.sin(w)
    poses[:, J["left_knee"], 0] = 0.35 + 0.35 * np.sin(w + 1.2)
    poses[:, J["right_knee"], 0] = 0.35 - 0.35 * np.sin(w + 1.2)
    poses[:, J["left_shoulder"]] = np.stack([0.35 * np.sin(w), 0 * w, -1.2 + 0 * w], -1)
    poses[:, J["right_shoulder"]] = np.stack([-0.35 * np.sin(w), 0 * w, 1.2 + 0 * w], -1)
    poses[:, J["left_elbow"], 1] = -0.3 - 0.2 * np.sin(w)
    poses[:, J["right_elbow"], 1] = 0.3 - 0.2 * np.sin(w)
    poses[:, J["spine1"], 1] = 0.08 * np.sin(w)
    d = np.array([np.cos(direction), 0.0, -np.sin(direction)])
    transl = np.asarray(start, dtype=float) + speed * t[:, None] * d
    transl[:, 1] += 0.02 * np.cos(2 * w)          # the body bobs twice a stride
    return poses, transl


def keypoint_frames(body, poses, transl, betas, camera, canvas, *, noise: float = 0.0,
                    seed: int = 0, hands: bool = False, face: bool = False):
    """Per frame: the OpenPosePerson (pixels, ``noise`` px of Gaussian noise on present points)
    and the true joints (J, 3) in the camera frame."""
    rng = np.random.default_rng(seed)
    people, joints = [], []
    for pose, t in zip(poses, transl):
        posed = body.pose(betas=betas, pose=pose, transl=t)
        kp = people_keypoints_2d([posed], camera, canvas, hands=hands, face=face)[0]
        present = kp.body[:, 2] > 0
        kp.body[present, :2] += rng.normal(0, noise, (int(present.sum()), 2))
        people.append(kp)
        joints.append(to_cam(posed.joints, camera))
    return people, np.stack(joints)
