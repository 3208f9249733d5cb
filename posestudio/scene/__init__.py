"""Scene model (plain data) and its versioned file format."""

from posestudio.scene.file_format import load_scene, save_scene, scene_from_dict, scene_to_dict
from posestudio.scene.model import Camera, Canvas, Person, RenderSettings, Scene

__all__ = [
    "Camera", "Canvas", "Person", "RenderSettings", "Scene", "load_scene", "save_scene",
    "scene_from_dict", "scene_to_dict",
]
