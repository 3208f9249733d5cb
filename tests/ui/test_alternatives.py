"""Pose alternatives after a photo import: N / Shift+N and the thumbnail picker, one undo step each.

An OpenPose JSON of the mannequin with a knee raised towards the camera (a leg the keypoints
alone cannot place in depth) goes through the editor's import; the selected person then cycles
through the lift's alternatives with real key presses and a real click on a thumbnail, and the
limb filter changes one leg only.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from posestudio.keypoints import people_keypoints_2d
from posestudio.skeletons import SMPLX_JOINT_INDEX as J

pytestmark = pytest.mark.gui


def import_knee_up(qtbot, window, photo, tmp_path) -> None:
    from posestudio.body import pose_people
    from posestudio.render.openpose_json import to_openpose_json
    from posestudio.scene.model import Canvas

    scene = window.doc.scene.copy()
    scene.canvas = Canvas(512, 640)
    pose = np.zeros((55, 3))
    pose[J["left_shoulder"]], pose[J["right_shoulder"]] = (0, 0, -1.2), (0, 0, 1.2)
    pose[J["right_hip"]], pose[J["right_knee"]] = (-1.2, 0, 0), (1.4, 0, 0)
    scene.people[0].pose = pose
    people = people_keypoints_2d(pose_people(scene), scene.camera, scene.canvas)
    path = tmp_path / "knee_up_keypoints.json"
    path.write_text(json.dumps(to_openpose_json(people, scene.canvas)))
    with qtbot.waitSignal(photo.jobFinished, timeout=120_000) as outcome:
        assert photo.import_file(path)
    assert outcome.args[0] == "imported", window.statusBar().currentMessage()


def key(window, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    window.activateWindow()
    QTest.keyClick(window.viewport, k, modifier)
    QTest.qWait(20)


def test_cycle_and_pick_alternatives(qtbot, window, photo, tmp_path):
    from posestudio.ui.photo_import.alternatives import candidates, nearest

    import_knee_up(qtbot, window, photo, tmp_path)
    doc = window.doc
    alts = photo.state.alternatives[0]
    labels = photo.state.alternative_labels[0]
    assert len(alts) >= 2 and labels[0] and len(set(labels)) == len(labels)
    assert nearest(doc.scene.people[0], alts) == 0        # the import is the best alternative
    doc.select(0, -1)
    picker = photo.alternatives.picker
    assert picker.isVisibleTo(window) and picker.list.count() == len(alts)
    assert not picker.list.item(0).icon().isNull()

    imported = doc.scene.people[0].copy()
    depth = doc.undo_stack.count()
    key(window, Qt.Key.Key_N)                             # next alternative
    assert nearest(doc.scene.people[0], alts) == 1
    assert not np.allclose(doc.scene.people[0].pose, imported.pose)
    key(window, Qt.Key.Key_N, Qt.KeyboardModifier.ShiftModifier)   # and back
    assert np.allclose(doc.scene.people[0].pose, alts[0].pose, atol=1e-6)
    key(window, Qt.Key.Key_N)
    doc.undo_stack.undo()
    assert np.allclose(doc.scene.people[0].pose, alts[0].pose, atol=1e-6)   # one step undone
    assert doc.undo_stack.index() == depth + 2             # three steps pushed, one undone

    # a click on the last thumbnail
    last = picker.list.count() - 1
    picker.list.scrollToItem(picker.list.item(last))
    rect = picker.list.visualItemRect(picker.list.item(last))
    QTest.mouseClick(picker.list.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center())
    assert nearest(doc.scene.people[0], alts) == last
    assert picker.list.currentRow() == last

    # one limb only: the right leg's options change the right hip and knee, nothing else
    doc.undo_stack.undo()
    before = np.array(doc.scene.people[0].pose)
    picker.limb.setCurrentText("right leg")
    options = candidates(doc.scene.people[0], alts, "right leg")
    assert picker.list.count() == len(options)
    if len(options) >= 2:
        key(window, Qt.Key.Key_N)
        after = np.array(doc.scene.people[0].pose)
        moved = np.where(np.abs(after - before).max(1) > 1e-9)[0]
        assert set(moved) <= {J["right_hip"], J["right_knee"]} and len(moved) > 0
