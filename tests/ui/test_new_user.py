"""Small things a new user meets first: a toolbar, body-shape sliders with names and the height in
cm, a new person placed beside the others inside the camera frame, export defaults (next to the
scene file or the last folder, every previewed map ticked), a mannequin preview."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtWidgets
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

pytestmark = pytest.mark.gui


def test_the_toolbar_offers_the_main_actions(window):
    bar = window.findChild(QtWidgets.QToolBar, "main_toolbar")
    assert bar is not None and bar.isVisible()
    labels = [b.text() for b in bar.findChildren(QtWidgets.QToolButton) if b.isVisible()]
    assert {"New", "Open", "Save", "Undo", "Add person", "Camera view"} <= set(labels), labels
    add = next(b for b in bar.findChildren(QtWidgets.QToolButton) if b.text() == "Add person")
    QTest.mouseClick(add, Qt.MouseButton.LeftButton)
    assert len(window.doc.scene.people) == 2
    undo = next(b for b in bar.findChildren(QtWidgets.QToolButton) if b.text() == "Undo")
    assert undo.isEnabled()
    QTest.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert len(window.doc.scene.people) == 1 and undo.text() == "Undo"
    camera = next(b for b in bar.findChildren(QtWidgets.QToolButton) if b.text() == "Camera view")
    QTest.mouseClick(camera, Qt.MouseButton.LeftButton)
    assert window.viewport.look_through and window.actions["look_through"].isChecked()
    assert camera.isChecked() and camera.text() == "Camera view"
    window.actions["look_through"].setChecked(False)          # from the menu / keyboard
    assert not camera.isChecked()


def test_new_people_stand_beside_the_others_inside_the_frame(window):
    from posestudio.ui.panels.placement import in_frame

    scene = window.doc.scene
    window.frame_people()
    for n in range(2, 5):
        window.actions["add_person"].trigger()
        assert len(scene.people) == n
        for posed in window.controller.posed.values():        # everyone, not only the new one
            assert in_frame(np.asarray(posed.vertices, float), scene.camera, scene.canvas)
        feet = [np.asarray(p.vertices)[:, 1].min() for p in window.controller.posed.values()]
        assert np.ptp(feet) < 0.02                            # all on the floor
    xs = sorted(np.asarray(p.joints)[0, 0] for p in window.controller.posed.values())
    assert np.min(np.diff(xs)) > 0.3                          # side by side, not overlapping
    while window.doc.undo_stack.canUndo():                    # each addition one undo step
        window.doc.undo_stack.undo()
    assert len(scene.people) == 1


def test_body_shape_sliders_are_named_and_the_height_is_in_cm(window):
    panel = window.person_panel
    names = [label.text() for label in panel.labels]
    assert names[:4] == ["Height", "Weight", "Leg length", "Torso length"]
    assert names[-1] == "Masculine ↔ feminine"
    assert "β2" in panel.sliders[2].toolTip() and "Leg length" in panel.sliders[2].toolTip()
    height = float(panel.values[0].text().split()[0])
    assert 170 <= height <= 180                               # the mannequin is 1.75 m
    panel.sliders[0].setValue(panel.sliders[0].maximum())     # +3 σ taller
    taller = float(panel.values[0].text().split()[0])
    assert taller > height + 15
    assert panel.values[2].text() == "+0.0 σ"


def test_export_defaults_follow_the_scene_file_and_the_previews(window, tmp_path):
    from posestudio.scene.file_format import save_scene
    from posestudio.ui import files
    from posestudio.ui.export_dialog import LAST_FOLDER_KEY, ExportDialog
    from posestudio.ui.workers import PREVIEW_MAPS

    assert "mannequin" in PREVIEW_MAPS and "mannequin" in window.previews.views
    assert "first change" not in window.previews.status.text()
    scene_file = tmp_path / "shots" / "a.pose.json"
    scene_file.parent.mkdir()
    save_scene(window.doc.scene, scene_file)
    assert window.open_file(scene_file)
    dialog = ExportDialog(window.doc, window)
    assert set(dialog.selected_maps()) == set(PREVIEW_MAPS)   # seg and mannequin ticked too
    assert dialog.folder.text() == str(scene_file.parent / "controlnet_maps")
    dialog.deleteLater()
    last = tmp_path / "renders" / "maps"
    last.parent.mkdir()
    files.settings().setValue(LAST_FOLDER_KEY, str(last))
    dialog = ExportDialog(window.doc, window)
    assert dialog.folder.text() == str(last)
    dialog.deleteLater()
