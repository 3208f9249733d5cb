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
    """(55, 3) axis-angle: any global turn, moderate random joint rotations."""
    pose = rng.normal(0.0, scale, size=(55, 3))
    pose[0] = (rng.uniform(-0.4, 0.4), rng.uniform(-np.pi, np.pi), rng.uniform(-0.3, 0.3))
    return pose


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
