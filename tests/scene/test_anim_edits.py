"""Key edits: each one undo step, exact revert, merging of one gesture, tracks parallel to people."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.anim import Animation, CameraKey, PoseKey
from posestudio.errors import InputError
from posestudio.scene import Camera, Person, Scene
from posestudio.scene.edits import AddPerson, DeleteKey, MoveKey, RemovePerson, SetAnimation, SetKey


def _key(t, v=0.1, interp="smooth"):
    pose = np.zeros((55, 3))
    pose[18] = [v, 0, 0]
    return PoseKey(t, pose, [0, v, 0], interp)


def _snapshot(scene):
    return scene.copy()


def test_set_key_on_a_still_scene_creates_the_animation_and_undo_removes_it():
    scene = Scene(people=[Person(), Person()])
    edit = SetKey(1, _key(0.5))
    edit.apply(scene)
    assert len(scene.animation.tracks) == 2 and scene.animation.tracks[1] == [_key(0.5)]
    assert edit.changes[0].kind == "animation" and edit.changes[0].index == 1
    edit.revert(scene)
    assert scene.animation is None


def test_set_replaces_and_reverts_exactly_and_merges_one_gesture():
    scene = Scene(people=[Person()], animation=Animation(tracks=[[_key(0.0), _key(1.0, 0.3)]]))
    before = _snapshot(scene)
    a = SetKey(0, _key(1.0, 0.5), merge_key="drag")
    a.apply(scene)
    b = SetKey(0, _key(1.0 + 1e-9, 0.7), merge_key="drag")
    b.apply(scene)
    assert a.merge(b) and len(scene.animation.tracks[0]) == 2
    assert scene.animation.tracks[0][1].pose[18, 0] == 0.7
    a.revert(scene)
    assert scene == before
    a.apply(scene)
    assert scene.animation.tracks[0][1].pose[18, 0] == 0.7


def test_keys_stay_in_time_order_and_move_delete_undo():
    scene = Scene(people=[Person()], animation=Animation(tracks=[[_key(0.0), _key(2.0)]]))
    before = _snapshot(scene)
    done = []

    def push(edit):
        edit.apply(scene)
        done.append(edit)

    push(SetKey(0, _key(1.0, 0.4, "ease")))
    assert [k.time for k in scene.animation.tracks[0]] == [0.0, 1.0, 2.0]
    push(MoveKey.from_scene(scene, 0, 1.0, 3.0))
    assert [k.time for k in scene.animation.tracks[0]] == [0.0, 2.0, 3.0]
    assert scene.animation.tracks[0][2].interp == "ease"
    push(DeleteKey.from_scene(scene, 0, 0.0))
    assert [k.time for k in scene.animation.tracks[0]] == [2.0, 3.0]
    for edit in reversed(done):
        edit.revert(scene)
    assert scene == before
    with pytest.raises(InputError, match="already a key"):
        MoveKey.from_scene(scene, 0, 0.0, 2.0)
    with pytest.raises(InputError, match="no key at 5"):
        DeleteKey.from_scene(scene, 0, 5.0)
    with pytest.raises(InputError, match="PoseKey"):
        SetKey(0, CameraKey(0.0, Camera()))


def test_a_key_drag_is_one_undo_step():
    scene = Scene(people=[Person()], animation=Animation(tracks=[[_key(0.0), _key(1.0)]]))
    first = MoveKey.from_scene(scene, 0, 1.0, 1.1, merge_key=("drag", 1))
    first.apply(scene)
    second = MoveKey.from_scene(scene, 0, 1.1, 1.5, merge_key=("drag", 1))
    second.apply(scene)
    assert first.merge(second) and first.new_time == 1.5
    first.revert(scene)
    assert [k.time for k in scene.animation.tracks[0]] == [0.0, 1.0]


def test_camera_track_and_set_animation():
    scene = Scene(people=[Person()])
    SetKey(None, CameraKey(0.0, Camera(yaw_deg=10))).apply(scene)
    assert scene.animation.camera_keys[0].camera.yaw_deg == 10
    edit = SetAnimation.from_scene(scene, Animation(fps=12, tracks=[[_key(0.0)]]))
    edit.apply(scene)
    assert scene.animation.fps == 12 and not scene.animation.camera_keys
    edit.revert(scene)
    assert scene.animation.fps == 30 and len(scene.animation.camera_keys) == 1
    with pytest.raises(InputError, match="parallel"):
        SetAnimation.from_scene(scene, Animation(tracks=[])).apply(scene)


def test_adding_and_removing_people_keeps_tracks_parallel():
    scene = Scene(people=[Person(name="A"), Person(name="B")],
                  animation=Animation(tracks=[[_key(0.0, 0.1)], [_key(0.0, 0.2)]]))
    before = _snapshot(scene)
    add = AddPerson(1, Person(name="C"))
    add.apply(scene)
    assert [len(t) for t in scene.animation.tracks] == [1, 0, 1]
    remove = RemovePerson.from_scene(scene, 0)
    remove.apply(scene)
    assert scene.animation.tracks[1][0].pose[18, 0] == 0.2 and len(scene.animation.tracks) == 2
    remove.revert(scene)
    add.revert(scene)
    assert scene == before
