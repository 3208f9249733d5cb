"""Scenes for the sequence tests: a real animation (bundled pose presets as keys, two people,
a turning camera)."""

from __future__ import annotations

import dataclasses

import numpy as np


def animated_scene(fps: float = 10.0, seconds: float = 1.0, people: int = 2,
                   turn_deg: float = 60.0):
    """Two people going standing → walking → running → waving, the second 1.2 m to the
    first's left and a quarter of the clip behind; the camera turns ``turn_deg`` meanwhile."""
    from posestudio.anim import Animation, CameraKey, PoseKey
    from posestudio.presets import load_pose_preset
    from posestudio.scene.model import Camera, Canvas, Person, Scene

    names = ("standing", "walking", "running", "waving")
    poses = [load_pose_preset(n) for n in names]
    times = np.linspace(0.0, seconds, len(names))
    tracks, persons = [], []
    for p in range(people):
        offset = np.array([1.2 * p, 0.0, 0.0])
        keys = [PoseKey(float(t), poses[(k + p) % len(poses)][0],
                        poses[(k + p) % len(poses)][1] + offset) for k, t in enumerate(times)]
        tracks.append(keys)
        persons.append(Person(name=f"Person {p + 1}", pose=keys[0].pose, transl=keys[0].transl))
    camera = Camera(yaw_deg=0.0, pitch_deg=5.0, distance=4.5, target=(0.6 * (people - 1), 0.9, 0.0))
    camera_keys = [CameraKey(0.0, camera),
                   CameraKey(seconds, dataclasses.replace(camera, yaw_deg=turn_deg))]
    scene = Scene(canvas=Canvas(256, 384), camera=camera, people=persons)
    scene.animation = Animation(fps=fps, tracks=tracks, camera_keys=camera_keys)
    return scene
