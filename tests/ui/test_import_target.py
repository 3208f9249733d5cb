"""Importing a photo over a scene worth keeping asks where it goes (replace / add / new window),
and a replaced scene is untitled until saved, so Ctrl+S cannot write the import over the file
that was open."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posestudio.anim import PoseKey
from posestudio.scene.edits import SetJointRotation, SetKey
from posestudio.scene.file_format import load_scene, save_scene
from posestudio.scene.model import Person, Scene

pytestmark = pytest.mark.gui
JOB_TIMEOUT_MS = 120_000


@pytest.fixture
def opened(window, tmp_path) -> Path:
    """A two-person scene opened from a file, then modified (one rotation, unsaved)."""
    path = tmp_path / "two.pose.json"
    save_scene(Scene(people=[Person(name="A"), Person(name="B", transl=np.array([0.8, 0, 0]))]),
               path)
    assert window.open_file(path)
    window.doc.push(SetJointRotation.from_scene(window.doc.scene, 0, "left_elbow", [0, 0, 1.0]))
    window.doc.push(SetKey(0, PoseKey(0.5, window.doc.scene.people[0].pose,
                                      window.doc.scene.people[0].transl)))
    assert window.doc.dirty and window.doc.scene.animation is not None
    return path


def _import(qtbot, photo, path) -> str:
    with qtbot.waitSignal(photo.jobFinished, timeout=JOB_TIMEOUT_MS) as outcome:
        assert photo.import_file(path)
    return outcome.args[0]


def test_import_over_a_modified_scene_asks_and_the_result_is_untitled(
        qtbot, window, photo, astronaut, opened, modals):
    from posestudio.ui.photo_import.ask import REPLACE

    assert window.windowTitle().startswith("two.pose.json *")
    modals.answers["ImportTargetDialog"] = REPLACE
    assert _import(qtbot, photo, astronaut) == "imported"
    assert ("exec", "ImportTargetDialog") in modals.seen      # it asked
    assert window.doc.path is None
    assert window.windowTitle().startswith("Untitled")
    assert [p.name for p in window.doc.scene.people] != ["A", "B"]
    assert window.doc.scene.animation is None              # the old keys went with the old scene
    # saving now asks for a new name instead of writing over the file that was open
    before = opened.read_bytes()
    modals.answers["getSaveFileName"] = ("", "")              # the user cancels Save As
    window.actions["save"].trigger()
    assert ("getSaveFileName", "Save scene as") in modals.seen
    assert opened.read_bytes() == before


def test_add_to_this_scene_keeps_the_people_and_the_file(qtbot, window, photo, astronaut, opened,
                                                         modals):
    from posestudio.ui.photo_import.ask import ADD

    modals.answers["ImportTargetDialog"] = ADD
    assert _import(qtbot, photo, astronaut) == "imported"
    people = window.doc.scene.people
    assert len(people) == 3 and [p.name for p in people[1:]] == ["A", "B"]
    assert window.doc.path == opened
    window.doc.undo_stack.undo()                              # one step takes the photo away
    assert [p.name for p in window.doc.scene.people] == ["A", "B"]
    assert load_scene(opened).people[0].name == "A"


def test_cancel_leaves_the_scene_alone_and_a_fresh_scene_is_not_asked(
        qtbot, window, photo, astronaut, opened, modals):
    modals.answers["ImportTargetDialog"] = 0
    scene = window.doc.scene.copy()
    assert photo.import_file(astronaut) is False
    assert window.doc.scene == scene and photo.job is None
    asked = len(modals.seen)
    window.new_file()                                         # "Unsaved changes" → Discard
    assert _import(qtbot, photo, astronaut) == "imported"
    assert not any(kind == "exec" for kind, _ in modals.seen[asked:])


def test_the_photo_and_its_keypoints_come_back_with_the_scene(qtbot, window, photo, astronaut,
                                                              tmp_path):
    assert _import(qtbot, photo, astronaut) == "imported"
    photo.move_keypoint(0, 4, (300.0, 200.0))                 # the user corrects a wrist
    moved = [k.copy() for k in photo.state.keypoints]
    target = tmp_path / "fitted.pose.json"
    assert window.save_to(target)
    assert '"photo"' in target.read_text()
    window.new_file()
    assert photo.state is None and window.viewport._background is None
    assert window.open_file(target)
    assert photo.state is not None and photo.state.source == str(astronaut)
    assert all(np.array_equal(a, b) for a, b in zip(photo.state.keypoints, moved))
    assert window.viewport._background is not None            # the photo is behind it again
    assert photo.overlay_points() is not None
    with qtbot.waitSignal(photo.jobFinished, timeout=JOB_TIMEOUT_MS) as outcome:
        assert photo.refit()                                  # the fit can still be refined
    assert outcome.args[0] == "refitted"


def test_a_missing_photo_is_a_quiet_notice(qtbot, window, photo, tmp_path, modals):
    from posestudio.scene.model import PhotoReference

    keypoints = np.zeros((130, 3))
    keypoints[:18] = [[200 + 5 * i, 100 + 20 * i, 0.9] for i in range(18)]
    target = tmp_path / "s.pose.json"
    save_scene(Scene(people=[Person()], photo=PhotoReference(
        str(tmp_path / "gone.png"), 512, 512, [keypoints], [keypoints], [True], 700.0)), target)
    asked = len(modals.seen)
    assert window.open_file(target)
    assert len(modals.seen) == asked                          # no dialog
    assert "missing" in window.statusBar().currentMessage()
    assert photo.state is not None and photo.state.image is None
    assert window.viewport._background is None and photo.overlay_points() is not None


def test_a_photo_with_nobody_in_it_opens_without_an_error(qtbot, window, photo, astronaut,
                                                          tmp_path, modals):
    """A scene file whose photo lists no people (nothing detected, or a hand-edited file) opens
    with the photo behind the scene and an empty keypoint overlay, not an exception."""
    import sys

    from posestudio.scene.model import PhotoReference

    errors = []
    hook, sys.excepthook = sys.excepthook, lambda *exc: errors.append(exc)
    try:
        target = tmp_path / "nobody.pose.json"
        save_scene(Scene(people=[Person()], photo=PhotoReference(str(astronaut), 512, 512)),
                   target)
        assert window.open_file(target)
        qtbot.wait(50)
    finally:
        sys.excepthook = hook
    assert errors == []
    assert photo.state is not None and window.viewport._background is not None
    assert photo.overlay_points().shape == (0, 3)
