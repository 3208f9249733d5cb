"""Synthetic lifting cases: the bundled mannequin in a known pose, seen by a known camera."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posestudio import camera as cam
from posestudio.body import load_body_model
from posestudio.keypoints import people_keypoints_2d
from posestudio.scene.model import Camera, Canvas
from posestudio.lift.metrics import to_camera
from posestudio.skeletons import SMPLX_JOINT_INDEX as J


@dataclass
class Case:
    pose: np.ndarray        # (55, 3) ground truth
    betas: np.ndarray
    camera: Camera
    canvas: Canvas
    keypoints: object       # OpenPosePerson (pixels)
    joints_cam: np.ndarray  # (J, 3) ground-truth joints, camera frame (OpenGL)
    focal: float


def make_case(pose: np.ndarray, *, yaw: float = 0.0, pitch: float = 5.0, fov: float = 45.0,
              betas=None, canvas=Canvas(768, 1024), hands: bool = True, face: bool = True) -> Case:
    body = load_body_model("mannequin")
    betas = np.zeros(10) if betas is None else np.asarray(betas, dtype=float)
    posed = body.pose(betas=betas, pose=pose)
    camera = cam.frame_points(Camera(yaw_deg=yaw, pitch_deg=pitch, fov_y_deg=fov), canvas,
                              posed.vertices, margin=0.08)
    kp = people_keypoints_2d([posed], camera, canvas, hands=hands, face=face)[0]
    return Case(pose, betas, camera, canvas, kp, to_camera(posed.joints, camera),
                float(cam.intrinsics(camera, canvas)[0, 0]))


def fit_inputs(keypoints, camera: Camera, canvas: Canvas):
    """What ``fit_person`` takes for ``keypoints`` (OpenPosePerson, pixels) seen by ``camera`` on
    ``canvas``: ``(model, targets, selection, focal, size)`` for the mannequin, every part used."""
    from posestudio.lift import _keypoint_model, targets_of
    from posestudio.lift.fit import selection_matrix

    _, model = _keypoint_model("mannequin")
    selection, available = selection_matrix(model.landmark_names,
                                            ("body", "hand_left", "hand_right", "face"))
    targets = targets_of(keypoints)
    targets[~available] = 0.0
    focal = float(cam.intrinsics(camera, canvas)[0, 0])
    return model, targets, selection, focal, (canvas.width, canvas.height)


def lifted_joints_cam(result, index: int = 0) -> np.ndarray:
    """Joints of a lifted person in the lifted scene's camera frame."""
    body = load_body_model("mannequin")
    person = result.people[index]
    posed = body.pose(betas=person.betas, pose=person.pose, transl=person.transl)
    return to_camera(posed.joints, result.camera)


def pose_of(**joints) -> np.ndarray:
    pose = np.zeros((55, 3))
    for name, value in joints.items():
        pose[J[name]] = value
    return pose
