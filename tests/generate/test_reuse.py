"""ReplaceScene: the one undo step of "Reuse parameters and scene" (Qt-free)."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.anim import Animation
from posestudio.errors import InputError
from posestudio.generate.reuse import ReplaceScene
from posestudio.scene.file_format import scene_to_dict
from posestudio.scene.model import Camera, Canvas, Person, Scene


def test_replace_scene_swaps_every_field_in_place_and_reverts_exactly():
    pose = np.zeros((55, 3))
    pose[18] = [0.1, -0.2, 1.3]
    current = Scene(canvas=Canvas(96, 64), camera=Camera(yaw_deg=30.0),
                    people=[Person(name="A"), Person(name="B", pose=pose)],
                    views={"side": Camera(yaw_deg=90.0)}, animation=Animation(fps=24.0, tracks=[[], []]))
    saved = Scene(canvas=Canvas(64, 64), people=[Person(name="C", transl=np.array([0.1, 0, 0]))])
    before, wanted = scene_to_dict(current), scene_to_dict(saved)
    edit = ReplaceScene(current, saved)
    target = current
    edit.apply(target)
    assert target is current and scene_to_dict(target) == wanted and target.animation is None
    saved.people[0].transl[0] = 5.0              # the edit holds copies
    target.people[0].transl[0] = 7.0             # ... and writes copies
    edit.revert(target)
    assert scene_to_dict(target) == before
    edit.apply(target)
    assert scene_to_dict(target) == wanted
    assert {c.kind for c in edit.changes} == {"people", "camera", "canvas", "render", "views",
                                                "animation"}
    assert not edit.is_noop() and ReplaceScene(saved, saved.copy()).is_noop()


def test_replace_scene_takes_scenes_only():
    with pytest.raises(InputError, match="must be a Scene"):
        ReplaceScene(Scene(), {"format": "posestudio-scene"})
