#!/usr/bin/env python3
"""Rebuild resources/examples/dance.pose.json: an animated example (keys from pose presets, a turning camera)."""
import copy
import os
os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from posestudio.scene.file_format import load_scene, load_pose, save_scene
from posestudio.anim import Animation, PoseKey, CameraKey
scene = load_scene("resources/examples/standing.pose.json")
person = scene.people[0]
names = ["relaxed", "waving", "walking", "pointing", "relaxed"]
keys = []
for i, n in enumerate(names):
    p = load_pose(f"resources/presets/poses/{n}.pose.json")
    keys.append(PoseKey(time=0.8 * i, pose=p.pose, transl=p.transl if p.transl is not None else person.transl,
                        interp="ease" if i % 2 else "smooth"))
cam0 = copy.deepcopy(scene.camera); cam1 = copy.deepcopy(scene.camera); cam1.yaw_deg = cam0.yaw_deg + 60.0
scene.animation = Animation(fps=24.0, tracks=[keys], camera_keys=[CameraKey(0.0, cam0), CameraKey(3.2, cam1)])
save_scene(scene, "resources/examples/dance.pose.json")
