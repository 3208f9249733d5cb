"""Undo to the exact original, save → reopen equal, export, unsaved prompt (autosave recovery:
test_autosave.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6 import QtCore, QtGui
from PySide6.QtWidgets import QMessageBox

from posestudio.scene.file_format import load_scene
from posestudio.skeletons import SMPLX_JOINT_INDEX as J

pytestmark = pytest.mark.gui


def _edit_a_lot(window) -> None:
    """A mix of every kind of edit, through the same entry points the widgets use."""
    ctl = window.controller
    ctl.set_joint_rotation(0, J["left_elbow"], np.array([0.0, -1.1, 0.0]))
    ctl.move_effector(0, J["right_wrist"], np.asarray(ctl.posed[0].joints[J["right_wrist"]])
                      + [0.1, 0.2, 0.15])
    window.add_person()
    window.person_panel.sliders[0].setValue(20)
    window.camera_panel.set_canvas(832, 1216)
    window.camera_panel.yaw.setValue(35.0)
    window.frame_people()


def test_undo_everything_returns_the_exact_original_scene(window):
    doc = window.doc
    original = doc.scene.copy()
    _edit_a_lot(window)
    assert doc.scene != original and len(doc.scene.people) == 2
    assert doc.scene.canvas.width == 832
    while doc.undo_stack.canUndo():
        window.actions["undo"].trigger()
    assert doc.scene == original
    for a, b in zip(doc.scene.people, original.people):
        assert np.array_equal(a.pose, b.pose) and np.array_equal(a.transl, b.transl)
    while doc.undo_stack.canRedo():
        window.actions["redo"].trigger()
    assert len(doc.scene.people) == 2 and doc.scene.canvas.height == 1216


def test_save_then_reopen_gives_an_equal_scene(window, tmp_path):
    _edit_a_lot(window)
    path = tmp_path / "shot.pose.json"
    assert window.save_to(path)
    assert not window.doc.dirty and "shot.pose.json" in window.windowTitle()
    saved = window.doc.scene.copy()
    window.new_file()
    assert window.doc.scene != saved
    assert window.open_file(path)
    assert window.doc.scene == saved
    assert load_scene(path) == saved
    from posestudio.ui import files

    assert str(path) in files.recent_files()[0]


def test_unsaved_changes_prompt_guards_new_and_close_and_can_cancel(window, modals):
    window.controller.set_joint_rotation(0, J["head"], np.array([0.3, 0.0, 0.0]))
    assert window.doc.dirty and window.windowTitle().startswith("Untitled *")
    modals.answers["Unsaved changes"] = QMessageBox.StandardButton.Cancel
    window.actions["new"].trigger()
    assert window.doc.scene.people[0].pose[J["head"], 0] == 0.3      # kept
    assert not window.close() and window.isVisible(), "Cancel keeps the window open"
    assert modals.seen.count(("question", "Unsaved changes")) == 2
    modals.answers["Unsaved changes"] = QMessageBox.StandardButton.Discard
    window.actions["new"].trigger()
    assert not window.doc.dirty and np.all(window.doc.scene.people[0].pose == 0)


def test_save_on_the_prompt_of_an_untitled_scene_asks_for_a_file_name(window, modals, tmp_path):
    window.controller.set_joint_rotation(0, J["head"], np.array([0.3, 0.0, 0.0]))
    target = tmp_path / "kept"
    modals.answers["Unsaved changes"] = QMessageBox.StandardButton.Save
    modals.answers["Save scene as"] = (str(target), "")
    window.actions["new"].trigger()
    saved = load_scene(tmp_path / "kept.pose.json")
    assert saved.people[0].pose[J["head"], 0] == 0.3
    assert not window.doc.dirty and np.all(window.doc.scene.people[0].pose == 0)


def test_export_dialog_writes_the_maps_with_expected_names(window, qtbot, tmp_path):
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QDialogButtonBox

    from posestudio.ui.export_dialog import ExportDialog

    window.camera_panel.set_canvas(512, 768)
    window.frame_people()
    window.actions["export"].trigger()
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.folder.setText(str(tmp_path / "maps"))
    dialog.prefix.setText("shot01")
    for name, box in dialog.checks.items():
        box.setChecked(name in ("openpose", "depth"))
    export = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    QTest.mouseClick(export, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    names = sorted(p.name for p in (tmp_path / "maps").iterdir())
    assert names == [".posestudio-export.json", "shot01_camera.json", "shot01_depth.png",
                     "shot01_depth_metric.npy", "shot01_openpose.json", "shot01_openpose.png"]
    op = np.asarray(Image.open(tmp_path / "maps" / "shot01_openpose.png"))
    assert op.shape == (768, 512, 3) and op.any(), "the skeleton is drawn"
    depth = np.asarray(Image.open(tmp_path / "maps" / "shot01_depth.png"))
    assert depth.shape == (768, 512) and (depth > 0).mean() > 0.05
    data = json.loads((tmp_path / "maps" / "shot01_openpose.json").read_text())
    assert data["canvas_width"] == 512 and len(data["people"]) == 1


def test_dropping_a_scene_file_opens_it(window, tmp_path):
    from posestudio.scene.file_format import save_scene
    from posestudio.scene.model import Canvas, Person, Scene

    path = tmp_path / "dropped.pose.json"
    save_scene(Scene(canvas=Canvas(640, 640), people=[Person(name="A"), Person(name="B")]), path)
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    event = QtGui.QDropEvent(QtCore.QPointF(300, 300), QtCore.Qt.DropAction.CopyAction, mime,
                             QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert [p.name for p in window.doc.scene.people] == ["A", "B"]
    assert window.outliner.topLevelItemCount() == 2
