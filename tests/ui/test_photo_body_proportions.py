"""The Photo dock's "Body proportions from the photo": a click turns it on for the next import
(the import job's lift gets ``shape_from_bones``), and the choice is remembered in the settings."""

from __future__ import annotations

import json

import pytest
from PySide6 import QtCore

from posestudio.keypoints import people_keypoints_2d

pytestmark = pytest.mark.gui

JOB_TIMEOUT_MS = 120_000


def _keypoints_json(window, tmp_path):
    from posestudio.body import pose_people
    from posestudio.render.openpose_json import to_openpose_json

    scene = window.doc.scene
    people = people_keypoints_2d(pose_people(scene), scene.camera, scene.canvas)
    path = tmp_path / "pose_keypoints.json"
    path.write_text(json.dumps(to_openpose_json(people, scene.canvas)))
    return path


def test_the_checkbox_reaches_the_import_and_is_remembered(qtbot, window, photo, tmp_path):
    from posestudio.ui import files
    from posestudio.ui.photo_import.controller import SHAPE_FROM_BONES_KEY

    box = photo.panel.shape_from_bones
    photo.dock.show()
    qtbot.waitExposed(box)
    assert box.isEnabled() and not box.isChecked() and box.toolTip()
    qtbot.mouseClick(box, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(8, box.height() // 2))
    assert box.isChecked()
    assert files.settings().value(SHAPE_FROM_BONES_KEY, False, type=bool)

    path = _keypoints_json(window, tmp_path)
    with qtbot.waitSignal(photo.jobFinished, timeout=JOB_TIMEOUT_MS) as outcome:
        assert photo.import_file(path)
        assert photo.job.work.keywords["shape_from_bones"] is True
    assert outcome.args == ["imported"], window.statusBar().currentMessage()

    qtbot.mouseClick(box, QtCore.Qt.MouseButton.LeftButton, pos=QtCore.QPoint(8, box.height() // 2))
    assert not box.isChecked()
    assert not files.settings().value(SHAPE_FROM_BONES_KEY, True, type=bool)


@pytest.fixture
def remembered_on(data_dir):
    """The settings say the option was on when the editor last ran (set before the window opens)."""
    from posestudio.ui import files
    from posestudio.ui.photo_import.controller import SHAPE_FROM_BONES_KEY

    settings = files.settings()
    settings.setValue(SHAPE_FROM_BONES_KEY, True)
    settings.sync()


def test_a_new_window_starts_with_the_remembered_choice(remembered_on, window, photo):
    assert photo.panel.shape_from_bones.isChecked()
