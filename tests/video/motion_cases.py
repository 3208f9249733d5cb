"""Synthetic motion with known truth for the sequence tests: a walk cycle of the mannequin,
its 2D keypoints through a fixed camera (optionally noisy), and the accuracy measures; a
camera turning over a textured wall, and clips written as mp4."""

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


FOCAL = 500.0   # pixels: the turning camera's focal length


def turned_view(image: np.ndarray, rotation: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """What a camera (``FOCAL``, centred) turned by ``rotation`` (OpenGL axes, X_t = R X_0)
    from one that saw ``image`` centred sees: ``image`` warped by K R K⁻¹, ``size`` (w, h)."""
    import cv2

    def k(cx, cy):          # OpenGL ray (x, y, z) → homogeneous pixel
        return np.array([[FOCAL, 0.0, -cx], [0.0, -FOCAL, -cy], [0.0, 0.0, -1.0]])

    h, w = image.shape[:2]
    warp = k(size[0] / 2, size[1] / 2) @ rotation @ np.linalg.inv(k(w / 2, h / 2))
    return cv2.warpPerspective(image, warp, size)


def brick_wall(width: int, height: int) -> np.ndarray:
    """A textured backdrop (scikit-image's brick wall), RGB (height, width, 3) uint8."""
    import cv2
    from skimage import data

    gray = cv2.resize(data.brick(), (width, height), interpolation=cv2.INTER_CUBIC)
    return np.repeat(gray[..., None], 3, axis=2)


def write_video(path, frames: list[np.ndarray], fps: float) -> None:
    """RGB frames → an mp4 (OpenCV's mp4v)."""
    import cv2

    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    assert writer.isOpened()
    for rgb in frames:
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()


def panning_shot(path, frames: int = 12) -> list[np.ndarray]:
    """A still person (scikit-image's astronaut on a brick wall) filmed by a camera panning
    left to right, 0.6° a frame, 640×480 at 12 fps, written to ``path``; the rotations."""
    from skimage import data

    from posestudio.rotations import axis_angle_to_matrix

    wall = brick_wall(1400, 1000)
    wall[320:680, 520:880] = data.astronaut()[60:420, 70:430]
    truth = [axis_angle_to_matrix(np.radians([0.0, -0.6, 0.0]) * t) for t in range(frames)]
    write_video(path, [turned_view(wall, r, (640, 480)) for r in truth], 12.0)
    return truth
