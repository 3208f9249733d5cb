"""Edits apply and revert exactly, hold copies, validate, and merge one gesture into one step."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.errors import InputError
from posestudio.scene import Camera, Canvas, Person, RenderSettings, Scene
from posestudio.scene.edits import (
    AddPerson,
    Change,
    CompositeEdit,
    RemovePerson,
    SetCamera,
    SetCanvas,
    SetJointRotation,
    SetPersonField,
    SetPose,
    SetRenderSettings,
    SetViews,
)


def _scene() -> Scene:
    rng = np.random.default_rng(0)
    people = [Person(name=f"P{i}", pose=rng.normal(0, 0.3, (55, 3)), transl=rng.normal(0, 1, 3))
              for i in range(3)]
    return Scene(people=people)


def _roundtrip(edit, scene: Scene) -> Scene:
    """Apply then revert; return the applied state for inspection."""
    before = scene.copy()
    edit.apply(scene)
    applied = scene.copy()
    edit.revert(scene)
    assert scene == before
    edit.apply(scene)
    assert scene == applied
    edit.revert(scene)
    return applied


def test_joint_rotation_applies_and_reverts_exactly():
    scene = _scene()
    new = np.array([0.1, -1.3, 0.05])
    edit = SetJointRotation.from_scene(scene, 1, "left_elbow", new)
    applied = _roundtrip(edit, scene)
    assert np.array_equal(applied.people[1].pose[18], new)
    assert edit.changes == (Change("person", 1, ("pose",)),)
    assert edit.text == "Rotate left_elbow"


def test_edits_hold_copies_not_the_callers_arrays():
    scene = _scene()
    new = np.array([0.1, 0.2, 0.3])
    edit = SetJointRotation.from_scene(scene, 0, 5, new)
    new[:] = 9.0  # the caller reuses its buffer
    scene.people[0].pose[5] = 7.0  # the scene changes after the edit was made
    edit.apply(scene)
    assert np.allclose(scene.people[0].pose[5], [0.1, 0.2, 0.3])

    pose = np.zeros((55, 3))
    pose_edit = SetPose.from_scene(scene, 0, pose, np.ones(3))
    pose_edit.apply(scene)
    scene.people[0].pose[3] = 1.0  # writing the scene must not write into the edit
    assert np.array_equal(pose_edit.new_pose, np.zeros((55, 3)))
    pose_edit.apply(scene)
    assert np.array_equal(scene.people[0].pose, np.zeros((55, 3)))


def test_set_pose_and_person_fields():
    scene = _scene()
    _roundtrip(SetPose.from_scene(scene, 2, np.full((55, 3), 0.01), [0, 1, 0], "Mirror pose"), scene)
    for field, value in (("name", "Alice"), ("betas", np.arange(10.0) / 10), ("visible", False),
                         ("color", (0.2, 0.4, 0.6)), ("rig", "/models/SMPLX_NEUTRAL.npz"),
                         ("expression", np.ones(10))):
        edit = SetPersonField.from_scene(scene, 1, field, value)
        applied = _roundtrip(edit, scene)
        got = getattr(applied.people[1], field)
        assert np.array_equal(got, value) if isinstance(value, np.ndarray) else got == value
        assert edit.changes == (Change("person", 1, (field,)),)


@pytest.mark.parametrize("field, value, words", [
    ("betas", np.ones(3), "betas"), ("color", (2, 0, 0), "color"), ("pose", np.zeros((55, 3)), "pose"),
    ("rig", "", "rig"),
])
def test_bad_values_are_refused_naming_the_field(field, value, words):
    with pytest.raises(InputError, match=words):
        SetPersonField.from_scene(_scene(), 0, field, value)


def test_out_of_range_person_leaves_scene_unchanged():
    scene = _scene()
    before = scene.copy()
    edit = SetJointRotation(7, "head", [0, 0, 0], [0, 1, 0])
    with pytest.raises(InputError, match="person index 7"):
        edit.apply(scene)
    with pytest.raises(InputError, match="unknown joint"):
        SetJointRotation(0, "left_elbw", [0, 0, 0], [0, 1, 0])
    # A composite whose second edit fails leaves nothing half-applied.
    composite = CompositeEdit("both", [SetJointRotation(0, "head", scene.people[0].pose[15], [0, 1, 0]),
                                       SetJointRotation(9, "head", [0, 0, 0], [0, 1, 0])])
    with pytest.raises(InputError):
        composite.apply(scene)
    assert scene == before


def test_add_and_remove_person():
    scene = _scene()
    newcomer = Person(name="New")
    add = AddPerson(1, newcomer)
    newcomer.name = "changed later"
    applied = _roundtrip(add, scene)
    assert [p.name for p in applied.people] == ["P0", "New", "P1", "P2"]
    remove = RemovePerson.from_scene(scene, 0)
    applied = _roundtrip(remove, scene)
    assert [p.name for p in applied.people] == ["P1", "P2"]
    assert remove.changes == (Change("people", 0),)


def test_camera_canvas_render_views():
    scene = _scene()
    _roundtrip(SetCamera.from_scene(scene, Camera(yaw_deg=30, distance=4)), scene)
    _roundtrip(SetCanvas.from_scene(scene, Canvas(512, 512)), scene)
    _roundtrip(SetRenderSettings.from_scene(scene, RenderSettings(openpose_layout="body25")), scene)
    _roundtrip(SetViews(scene.views, {"front": Camera(), "side": Camera(yaw_deg=90)}), scene)
    # Edits copy dataclasses: mutating the one given does not change the edit.
    cam = Camera(yaw_deg=10)
    edit = SetCamera.from_scene(scene, cam)
    cam.yaw_deg = 50
    edit.apply(scene)
    assert scene.camera.yaw_deg == 10
    scene.camera.yaw_deg = 70
    assert edit.new.yaw_deg == 10


def test_composite_reverts_in_reverse_order():
    scene = _scene()
    first = SetJointRotation.from_scene(scene, 0, "neck", [0.3, 0, 0])
    second = SetJointRotation(0, "neck", [0.3, 0, 0], [0.6, 0, 0])  # builds on the first
    third = SetPersonField.from_scene(scene, 0, "name", "Bob")
    composite = CompositeEdit("Several", [first, second, third])
    applied = _roundtrip(composite, scene)
    assert np.allclose(applied.people[0].pose[12], [0.6, 0, 0])
    assert composite.changes == (Change("person", 0, ("pose", "name")),)


def test_merge_keeps_first_old_and_last_new():
    scene = _scene()
    start = scene.people[0].pose[18].copy()
    edits = []
    for k in range(1, 6):  # five mouse moves of one drag
        edit = SetJointRotation.from_scene(scene, 0, "left_elbow", [0, -0.2 * k, 0], merge_key="drag-1")
        edit.apply(scene)
        edits.append(edit)
    head = edits[0]
    assert all(head.merge(e) for e in edits[1:])
    assert np.array_equal(head.old, start)
    assert np.allclose(head.new, [0, -1.0, 0])
    head.revert(scene)
    assert np.array_equal(scene.people[0].pose[18], start)


@pytest.mark.parametrize("other", [
    SetJointRotation(0, "left_elbow", [0, 0, 0], [0, 1, 0], merge_key="other-drag"),
    SetJointRotation(0, "left_elbow", [0, 0, 0], [0, 1, 0], merge_key=None),
    SetJointRotation(0, "right_elbow", [0, 0, 0], [0, 1, 0], merge_key="k"),
    SetJointRotation(1, "left_elbow", [0, 0, 0], [0, 1, 0], merge_key="k"),
    SetPose(0, np.zeros((55, 3)), np.zeros((55, 3)), np.zeros(3), np.zeros(3), merge_key="k"),
])
def test_merge_refuses_other_gesture_target_or_type(other):
    edit = SetJointRotation(0, "left_elbow", [0, 0, 0], [0, 0.5, 0], merge_key="k")
    assert not edit.merge(other)
    assert np.allclose(edit.new, [0, 0.5, 0])
    unkeyed = SetJointRotation(0, "left_elbow", [0, 0, 0], [0, 0.5, 0])
    assert not unkeyed.merge(SetJointRotation(0, "left_elbow", [0, 0.5, 0], [0, 1, 0]))


def test_camera_and_pose_edits_merge():
    a = SetCamera(Camera(), Camera(yaw_deg=5), merge_key=("orbit", 1))
    b = SetCamera(Camera(yaw_deg=5), Camera(yaw_deg=9), merge_key=("orbit", 1))
    assert a.merge(b) and a.old.yaw_deg == 0 and a.new.yaw_deg == 9
    z = np.zeros((55, 3))
    p = SetPose(0, z, z + 0.1, np.zeros(3), np.ones(3), merge_key="ik")
    q = SetPose(0, z + 0.1, z + 0.2, np.ones(3), np.ones(3) * 2, merge_key="ik")
    assert p.merge(q)
    assert np.allclose(p.old_pose, 0) and np.allclose(p.new_pose, 0.2)
    assert np.allclose(p.old_transl, 0) and np.allclose(p.new_transl, 2)
    assert not CompositeEdit("c", [a]).merge(CompositeEdit("c", [b]))
