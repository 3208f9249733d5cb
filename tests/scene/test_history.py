"""History: undo/redo, merging, clean state, change events; the event emitter; a seeded stress run."""

from __future__ import annotations

import gc
import random

import numpy as np
import pytest

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
)
from posestudio.scene.events import EventEmitter
from posestudio.scene.history import History


# --- events ----------------------------------------------------------------------------------

class _View:
    def __init__(self):
        self.seen = []

    def on_change(self, event):
        self.seen.append(event.value)


def test_emitter_calls_with_event_attributes_and_holds_methods_weakly():
    emitter = EventEmitter("changed")
    view = _View()
    emitter.connect(view.on_change)
    emitter.connect(view.on_change)  # twice = once
    emitter.emit(value=1)
    assert view.seen == [1]
    del view
    gc.collect()
    emitter.emit(value=2)  # the dead view is skipped, no error
    assert len(emitter) == 0


def test_emitter_functions_strongly_disconnect_and_blockers():
    emitter = EventEmitter()
    got = []
    emitter.connect(lambda e: got.append(("a", e.value)))
    view = _View()
    emitter.connect(view.on_change)
    with emitter.blocker(view.on_change):
        emitter.emit(value=1)
    with emitter.blocker():
        with emitter.blocker():
            emitter.emit(value=2)
        emitter.emit(value=3)
    emitter.emit(value=4)
    assert got == [("a", 1), ("a", 4)] and view.seen == [4]
    emitter.disconnect(view.on_change)
    emitter.emit(value=5)
    assert view.seen == [4] and got[-1] == ("a", 5)
    emitter.disconnect()
    emitter.emit(value=6)
    assert got[-1] == ("a", 5)
    with pytest.raises(AttributeError, match="value"):
        emitter.connect(lambda e: e.missing) and emitter.emit(value=7)


# --- history ---------------------------------------------------------------------------------

def _history() -> History:
    return History(Scene(people=[Person(name="A"), Person(name="B")]))


def test_push_undo_redo_and_events():
    history = _history()
    log, states = [], []
    history.changed.connect(lambda e: log.append((e.action, e.changes)))
    history.state_changed.connect(lambda e: states.append((e.can_undo, e.can_redo, e.clean)))
    history.push(SetJointRotation.from_scene(history.scene, 1, "head", [0, 0.5, 0]))
    assert np.allclose(history.scene.people[1].pose[15], [0, 0.5, 0])
    assert log[-1] == ("push", (Change("person", 1, ("pose",)),))
    assert states[-1] == (True, False, False)
    assert history.undo_text() == "Rotate head"
    assert history.undo()
    assert np.allclose(history.scene.people[1].pose[15], 0)
    assert log[-1][0] == "undo" and states[-1] == (False, True, True)
    assert history.redo()
    assert log[-1][0] == "redo" and history.redo_text() == ""
    assert not history.redo()
    history.undo()
    assert not history.undo()


def test_one_drag_is_one_step_and_gestures_stay_apart():
    history = _history()
    for k in range(1, 21):
        history.push(SetJointRotation.from_scene(history.scene, 0, "left_knee", [0.05 * k, 0, 0],
                                                 merge_key=("drag", 1)))
    assert history.index == 1
    history.close_merge()  # end of the drag; a second drag with the same key is its own step
    history.push(SetJointRotation.from_scene(history.scene, 0, "left_knee", [1.5, 0, 0],
                                             merge_key=("drag", 1)))
    assert history.index == 2
    history.undo()
    assert np.allclose(history.scene.people[0].pose[4], [1.0, 0, 0])
    history.undo()
    assert np.allclose(history.scene.people[0].pose[4], 0)


def test_merge_never_rewrites_the_saved_state_or_crosses_undo():
    history = _history()
    key = ("drag", 7)
    history.push(SetJointRotation.from_scene(history.scene, 0, "neck", [0.1, 0, 0], merge_key=key))
    history.set_clean()
    history.push(SetJointRotation.from_scene(history.scene, 0, "neck", [0.2, 0, 0], merge_key=key))
    assert history.index == 2 and not history.is_clean()
    history.undo()
    assert history.is_clean()
    history.push(SetJointRotation.from_scene(history.scene, 0, "neck", [0.3, 0, 0], merge_key=key))
    assert history.index == 2 and not history.can_redo()


def test_noop_edit_is_not_recorded_and_clean_lost_with_redo_branch():
    history = _history()
    assert not history.push(SetJointRotation.from_scene(history.scene, 0, "neck", [0, 0, 0]))
    assert history.index == 0 and history.is_clean()
    history.push(SetPersonField.from_scene(history.scene, 0, "name", "C"))
    history.set_clean()
    history.undo()
    history.push(SetPersonField.from_scene(history.scene, 0, "name", "D"))
    assert not history.is_clean()
    history.undo()
    assert not history.is_clean()  # the saved "C" state is gone for good


def test_limit_drops_oldest_and_reset_replaces_scene():
    history = History(Scene(people=[Person()]), limit=3)
    for k in range(5):
        history.push(SetPersonField.from_scene(history.scene, 0, "name", f"N{k}"))
    assert history.index == 3 and not history.is_clean()
    while history.undo():
        pass
    assert history.scene.people[0].name == "N1"
    seen = []
    history.changed.connect(lambda e: seen.append(e.changes))
    history.reset(Scene())
    assert seen == [(Change("scene"),)] and history.index == 0 and history.is_clean()


def test_failed_push_records_nothing():
    history = _history()
    with pytest.raises(Exception, match="person index 5"):
        history.push(SetJointRotation(5, "neck", [0, 0, 0], [1, 0, 0]))
    assert history.index == 0 and history.scene == _history().scene


# --- seeded stress run -----------------------------------------------------------------------

def _random_edit(rng: random.Random, scene: Scene, gesture: int):
    people = len(scene.people)
    roll = rng.random()
    vec = lambda n, s=0.5: np.array([rng.gauss(0, s) for _ in range(n)])  # noqa: E731
    if people == 0 or roll < 0.08:
        return AddPerson(rng.randint(0, people), Person(name=f"p{rng.randint(0, 999)}",
                                                        pose=vec(165).reshape(55, 3)))
    i = rng.randrange(people)
    key = ("g", gesture) if rng.random() < 0.6 else None
    if roll < 0.40:
        return SetJointRotation.from_scene(scene, i, rng.randrange(55), vec(3), merge_key=key)
    if roll < 0.55:
        return SetPose.from_scene(scene, i, vec(165, 0.2).reshape(55, 3), vec(3), "IK", key)
    if roll < 0.68:
        field = rng.choice(["name", "betas", "visible", "color", "expression"])
        value = {"name": f"n{rng.randint(0, 99)}", "betas": vec(10), "visible": rng.random() < 0.5,
                 "color": (rng.random(), rng.random(), rng.random()),
                 "expression": vec(10)}[field]
        return SetPersonField.from_scene(scene, i, field, value, merge_key=key)
    if roll < 0.74:
        return RemovePerson.from_scene(scene, i)
    if roll < 0.84:
        cam = Camera(yaw_deg=rng.uniform(-180, 180), pitch_deg=rng.uniform(-80, 80),
                     distance=rng.uniform(0.5, 9), target=tuple(vec(3)))
        return SetCamera.from_scene(scene, cam, merge_key=key)
    if roll < 0.88:
        return SetCanvas.from_scene(scene, Canvas(rng.randint(16, 2048), rng.randint(16, 2048)))
    if roll < 0.92:
        return SetRenderSettings.from_scene(
            scene, RenderSettings(openpose_layout=rng.choice(["coco18", "body25"]),
                                  canny_low=rng.randint(0, 200)))
    j = rng.randrange(55)
    first = SetJointRotation.from_scene(scene, i, j, vec(3))
    second = SetJointRotation(i, j, first.new, vec(3))
    return CompositeEdit("pair", [first, second, SetPersonField.from_scene(scene, i, "name", "c")])


def test_random_edit_undo_redo_replays_and_saves(tmp_path):
    from posestudio.scene.file_format import load_scene, save_scene

    rng = random.Random(1234)
    start = Scene(people=[Person(name="A"), Person(name="B")])
    history = History(start.copy())
    gesture = 0
    for _ in range(5000):
        roll = rng.random()
        if roll < 0.55:
            if rng.random() < 0.3:
                gesture += 1
            history.push(_random_edit(rng, history.scene, gesture))
        elif roll < 0.78:
            history.undo()
        elif roll < 0.96:
            history.redo()
        else:
            history.set_clean() if rng.random() < 0.5 else history.close_merge()
    scene = history.scene
    replay = start.copy()
    for edit in history.done:
        edit.apply(replay)
    assert replay == scene
    # Still a valid scene: every person passes the model's own validation.
    for person in scene.people:
        assert Person(**{f: getattr(person, f) for f in (
            "name", "rig", "betas", "pose", "transl", "expression", "visible", "color")}) == person
    path = tmp_path / "stress.pose.json"
    save_scene(scene, path)
    assert load_scene(path) == scene
    # Undo everything returns to the start exactly.
    while history.undo():
        pass
    assert history.scene == start
