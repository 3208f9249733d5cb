"""Importing over a scene worth keeping into a *new window*, driven like a user: Ctrl+Shift+I,
the file chosen, a click on "New window" in the question. The import lands in a second editor
window, the open scene (its people, file, unsaved changes and undo history) is left as it was,
and closing the second window frees it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6 import QtWidgets
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from posestudio.scene.edits import SetJointRotation
from posestudio.scene.file_format import save_scene
from posestudio.scene.model import Canvas, Person, Scene

pytestmark = pytest.mark.gui
JOB_TIMEOUT_MS = 120_000


def openpose_file(tmp_path):
    """An OpenPose JSON of one mannequin with its left arm down, on a 512×640 canvas."""
    from posestudio.body import pose_people
    from posestudio.keypoints import people_keypoints_2d
    from posestudio.render.openpose_json import to_openpose_json

    scene = Scene(people=[Person()], canvas=Canvas(512, 640))
    scene.people[0].pose[16] = [0.0, 0.0, -1.0]
    people = people_keypoints_2d(pose_people(scene), scene.camera, scene.canvas)
    path = tmp_path / "pose_keypoints.json"
    path.write_text(json.dumps(to_openpose_json(people, scene.canvas)))
    return path


def test_import_into_a_new_window_leaves_the_open_scene_alone(qtbot, window, photo, tmp_path,
                                                              modals, monkeypatch):
    from posestudio.ui.main_window import MainWindow
    from posestudio.ui.photo_import import controller as photo_controller
    from posestudio.ui.photo_import.ask import ImportTargetDialog

    opened = tmp_path / "two.pose.json"
    save_scene(Scene(people=[Person(name="A"), Person(name="B", transl=np.array([0.8, 0, 0]))]),
               opened)
    assert window.open_file(opened)
    window.doc.push(SetJointRotation.from_scene(window.doc.scene, 0, "left_elbow", [0, 0, 1.0]))
    kept = window.doc.scene.copy()
    source = openpose_file(tmp_path)

    asked = []

    def click_new_window(dialog) -> int:          # the question, answered by a mouse click
        dialog.show()
        qtbot.waitExposed(dialog)
        asked.append(dialog.windowTitle())
        button = next(b for b in dialog.findChildren(QtWidgets.QPushButton)
                      if b.text() == "&New window")
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(ImportTargetDialog, "exec", click_new_window)
    modals.answers["Import OpenPose JSON"] = (str(source), "")
    before = set(QtWidgets.QApplication.topLevelWidgets())
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    QTest.keyClick(window.viewport, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)

    assert asked == ["Import into which scene?"]
    others = [w for w in QtWidgets.QApplication.topLevelWidgets()
              if isinstance(w, MainWindow) and w not in before]
    assert len(others) == 1, "one new editor window"
    other = others[0]
    try:
        assert other.isVisible() and other in photo_controller._OTHER_WINDOWS
        qtbot.waitUntil(lambda: other.doc.scene.canvas.width == 512, timeout=JOB_TIMEOUT_MS)
        scene = other.doc.scene
        assert (scene.canvas.width, scene.canvas.height) == (512, 640)
        assert other.doc.undo_stack.count() == 1, "the import is one undo step there"
        assert len(scene.people) == 1 and other.doc.path is None
        # the open window: same scene, same file, still unsaved, its one undo step intact
        assert window.doc.scene == kept and window.doc.path == opened
        assert window.doc.dirty and window.doc.undo_stack.count() == 1
        assert photo.state is None and not photo.busy
    finally:
        other.doc.undo_stack.setClean()
        other.close()                                  # WA_DeleteOnClose
    qtbot.waitUntil(lambda: not photo_controller._OTHER_WINDOWS, timeout=10000)
