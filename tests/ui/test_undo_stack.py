"""The editor's undo stack (QUndoStack of core edits) under 5,000 random operations: edits of
every kind, drags merged into one step, undo and redo. The scene always equals the state its
history predicts, replaying the stack's commands on the original gives the same scene, and the
scene saves and reloads equal."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from posestudio.scene.edits import (AddPerson, RemovePerson, SetCamera, SetCanvas, SetJointRotation,
                                    SetPersonField, SetPose, SetViews)
from posestudio.scene.file_format import load_scene, save_scene
from posestudio.scene.model import Canvas, Person, Scene

pytestmark = pytest.mark.gui


def random_edit(doc, rng, drag_key):
    """One edit a widget could push (or None when it does not apply)."""
    scene = doc.scene
    n = len(scene.people)
    p = int(rng.integers(n)) if n else -1
    kind = rng.choice(["joint", "joint", "pose", "betas", "visible", "name", "add", "remove",
                       "camera", "canvas", "views"])
    if kind in ("joint", "pose", "betas", "visible", "name", "remove") and p < 0:
        kind = "add"
    if kind == "joint":
        return SetJointRotation.from_scene(scene, p, int(rng.integers(55)), rng.normal(0, 0.6, 3),
                                           merge_key=drag_key)
    if kind == "pose":
        pose = scene.people[p].pose + rng.normal(0, 0.1, (55, 3))
        return SetPose.from_scene(scene, p, pose, rng.normal(0, 0.2, 3), merge_key=drag_key)
    if kind == "betas":
        return SetPersonField.from_scene(scene, p, "betas", rng.normal(0, 1, 10), merge_key=drag_key)
    if kind == "visible":
        return SetPersonField.from_scene(scene, p, "visible", not scene.people[p].visible)
    if kind == "name":
        return SetPersonField.from_scene(scene, p, "name", f"P{rng.integers(1000)}")
    if kind == "add":
        if n >= 4:
            return None
        return AddPerson(int(rng.integers(n + 1)), Person(name=f"New {rng.integers(100)}",
                                                          transl=rng.normal(0, 1, 3)))
    if kind == "remove":
        return RemovePerson.from_scene(scene, p)
    if kind == "camera":
        cam = dataclasses.replace(scene.camera, yaw_deg=float(rng.uniform(-180, 180)),
                                  pitch_deg=float(rng.uniform(-80, 80)),
                                  distance=float(rng.uniform(0.5, 8)),
                                  fov_y_deg=float(rng.uniform(10, 90)))
        return SetCamera.from_scene(scene, cam, merge_key=drag_key)
    if kind == "canvas":
        return SetCanvas.from_scene(scene, Canvas(int(rng.integers(16, 2049)),
                                                  int(rng.integers(16, 2049))))
    views = dict(scene.views)
    if views and rng.random() < 0.5:
        views.pop(sorted(views)[0])
    else:
        views[f"V{rng.integers(50)}"] = dataclasses.replace(scene.camera)
    return SetViews(scene.views, views)


def test_5000_random_edits_undos_and_redos_match_the_history(qapp, tmp_path):
    from posestudio.ui.document import Document

    rng = np.random.default_rng(7)
    original = Scene(people=[Person(name="A"), Person(name="B", transl=np.array([0.8, 0, 0]))])
    doc = Document(original.copy(), undo_steps=0)      # the whole history: no step dropped
    stack = doc.undo_stack
    states = [original.copy()]          # states[i] = the scene after the first i commands
    drag_key, drag_left = None, 0
    for step in range(5000):
        r = rng.random()
        if r < 0.15 and stack.canUndo():
            stack.undo()
            drag_key, drag_left = None, 0
        elif r < 0.25 and stack.canRedo():
            stack.redo()
            drag_key, drag_left = None, 0
        else:
            if drag_left == 0 and rng.random() < 0.3:            # start a drag of a few moves
                drag_key, drag_left = doc.new_gesture(), int(rng.integers(2, 8))
            edit = random_edit(doc, rng, drag_key if drag_left else None)
            drag_left = max(drag_left - 1, 0)
            if edit is None:
                continue
            before = (stack.index(), stack.count())
            doc.push(edit)
            i = stack.index()
            if (i, stack.count()) != before or doc.scene != states[i]:
                # a new step (dropping the redo branch) or a drag merged into the last step
                states = states[:i] + [doc.scene.copy()]
        assert len(states) == stack.count() + 1, step
        if step % 250 == 0 or step == 4999:
            assert doc.scene == states[stack.index()], f"scene differs from history at {step}"
            path = tmp_path / "check.pose.json"
            save_scene(doc.scene, path)
            assert load_scene(path) == doc.scene
    # replay the stack's commands on the original: the same scene
    replay = original.copy()
    for i in range(stack.index()):
        stack.command(i).edit.apply(replay)
    assert replay == doc.scene
    assert stack.index() > 20, "the random walk did build a history"
    while stack.canUndo():
        stack.undo()
    assert doc.scene == original


def test_a_long_session_of_signals_and_merged_drags_does_not_abort_the_interpreter(qapp):
    """20,000 merged drag moves through the real stack keep the count of ``True`` steady: a Qt
    binding that drops a reference per ``emit``/``mergeWith`` (PySide6 6.12.0 on Python 3.11,
    excluded by the pin in pyproject.toml) would abort the interpreter (``bool_dealloc``)."""
    import sys

    from posestudio.ui.document import Document

    doc = Document()
    key = doc.new_gesture()
    before = sys.getrefcount(True)
    for i in range(20000):
        doc.push(SetJointRotation.from_scene(doc.scene, 0, 18, np.array([0.0, 1e-4 * i, 0.0]),
                                             merge_key=key))
    assert doc.undo_stack.count() == 1
    assert doc.scene.people[0].pose[18, 1] == pytest.approx(1e-4 * 19999)
    assert abs(sys.getrefcount(True) - before) < 5000


def test_key_edits_are_undo_steps_of_the_editor_stack(qapp):
    """Animation keys go through the same path as every edit: one command per key edit, a key
    drag merged into one step, the views told what changed, undo and redo exact."""
    from posestudio.anim import Animation, PoseKey
    from posestudio.scene.edits import ALL_CHANGES, Change, DeleteKey, MoveKey, SetKey
    from posestudio.ui.document import Document

    def key(t, v):
        pose = np.zeros((55, 3))
        pose[18] = [v, 0.0, 0.0]
        return PoseKey(t, pose, [0.0, v, 0.0], "smooth")

    doc = Document(Scene(people=[Person()]))
    still = doc.scene.copy()
    heard = []
    doc.changed.connect(heard.append)
    doc.push(SetKey(0, key(0.0, 0.1)))
    doc.push(SetKey(0, key(1.0, 0.4)))
    drag = doc.new_gesture()
    for t in (1.1, 1.2, 1.3):
        doc.push(MoveKey.from_scene(doc.scene, 0, round(t - 0.1, 1), t, merge_key=drag))
    doc.push(DeleteKey.from_scene(doc.scene, 0, 0.0))
    stack = doc.undo_stack
    assert stack.count() == 4, "set, set, one drag, delete"
    assert [k.time for k in doc.scene.animation.tracks[0]] == [1.3]
    assert heard[-1] == (Change("animation", 0),)
    keyed = doc.scene.copy()
    stack.undo()
    stack.undo()
    assert [k.time for k in doc.scene.animation.tracks[0]] == [0.0, 1.0]
    while stack.canUndo():
        stack.undo()
    assert doc.scene == still and doc.scene.animation is None
    while stack.canRedo():
        stack.redo()
    assert doc.scene == keyed
    doc.replace_scene(Scene(people=[Person()], animation=Animation(tracks=[[key(0.0, 0.2)]])),
                      None)
    assert heard[-1] == ALL_CHANGES and Change("animation") in ALL_CHANGES
