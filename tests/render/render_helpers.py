"""Helpers shared by the render tests (imported by name: tests/render is on sys.path)."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import types

import numpy as np
import pytest

from posestudio.scene.model import Camera, Canvas


def random_pose(rng: np.random.Generator, scale: float = 0.45) -> np.ndarray:
    """(55, 3) axis-angle of a natural pose: any global turn, random joint rotations clamped
    into the anatomical ranges of ``posestudio.kinematics.limits``."""
    from posestudio.kinematics.limits import clamp_pose

    pose = rng.normal(0.0, scale, size=(55, 3))
    pose[0] = (rng.uniform(-0.4, 0.4), rng.uniform(-np.pi, np.pi), rng.uniform(-0.3, 0.3))
    return clamp_pose(pose)


def random_camera(rng: np.random.Generator, points: np.ndarray, canvas: Canvas) -> Camera:
    """A camera from a random direction that frames ``points``, sometimes zoomed in."""
    from posestudio import camera as camera_math

    camera = Camera(yaw_deg=rng.uniform(-180, 180), pitch_deg=rng.uniform(-35, 50),
                    fov_y_deg=rng.uniform(25, 70), roll_deg=rng.uniform(-15, 15))
    camera = camera_math.frame_points(camera, canvas, points, margin=0.1)
    if rng.random() < 0.3:  # partly off-canvas: some keypoints fall outside
        camera = dataclasses.replace(camera, distance=camera.distance * 0.6)
    return camera


def controlnet_aux_util():
    """controlnet_aux.open_pose.util without running controlnet_aux's package __init__."""
    if "controlnet_aux.open_pose.util" in sys.modules:
        return sys.modules["controlnet_aux.open_pose.util"]
    spec = importlib.util.find_spec("controlnet_aux")
    if spec is None:
        pytest.skip("controlnet_aux is not installed")
    root = spec.submodule_search_locations[0]
    for name, path in (("controlnet_aux", root), ("controlnet_aux.open_pose", root + "/open_pose")):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = [path]
            sys.modules[name] = module
    from controlnet_aux.open_pose import util

    return util


def controlnet_aux_drawing(openpose_json: dict) -> np.ndarray:
    """controlnet_aux's drawing (``open_pose.draw_poses`` order) of an OpenPose JSON dict.

    The JSON is read as the A1111 extension reads it: a body point with confidence 0 is None,
    coordinates are normalised by ``canvas_width``/``canvas_height``; absent hand and face
    points (0, 0, 0) are left for controlnet_aux's own ``> eps`` test to skip.
    """
    util = controlnet_aux_util()
    from controlnet_aux.open_pose.body import Keypoint

    width, height = openpose_json["canvas_width"], openpose_json["canvas_height"]

    def points(flat, keep_absent):
        triples = np.asarray(flat, dtype=np.float64).reshape(-1, 3)
        return [Keypoint(x / width, y / height) if c > 0 or keep_absent else None
                for x, y, c in triples]

    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    for person in openpose_json["people"]:
        canvas = util.draw_bodypose(canvas, points(person["pose_keypoints_2d"], False))
        for key in ("hand_left_keypoints_2d", "hand_right_keypoints_2d"):
            canvas = util.draw_handpose(canvas, points(person[key], True) or None)
        canvas = util.draw_facepose(canvas, points(person["face_keypoints_2d"], True) or None)
    return canvas
