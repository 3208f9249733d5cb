"""Panels driven like a user drives them: people (add, duplicate, rename, hide, body shape,
delete), the scene camera panel (canvas presets, focal length, saved views) and the pose library
with thumbnails rendered from the rig."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import close_window, drag, open_window
from PySide6 import QtWidgets
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from posestudio.skeletons import SMPLX_JOINT_INDEX as J

pytestmark = pytest.mark.gui


def key(window, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    window.viewport.setFocus()
    QTest.keyClick(window.viewport, k, modifier)


def slider_handle(slider: QtWidgets.QSlider) -> QPoint:
    option = QtWidgets.QStyleOptionSlider()
    slider.initStyleOption(option)
    rect = slider.style().subControlRect(QtWidgets.QStyle.ComplexControl.CC_Slider, option,
                                         QtWidgets.QStyle.SubControl.SC_SliderHandle, slider)
    return rect.center()


def test_people_add_duplicate_rename_hide_shape_delete(window, qtbot, modals):
    doc = window.doc
    original = doc.scene.copy()
    window.controller.set_joint_rotation(0, J["left_knee"], np.array([0.8, 0.0, 0.0]))
    key(window, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)              # add
    assert len(doc.scene.people) == 2 and doc.person == 1
    assert window.outliner.topLevelItemCount() == 2
    assert len(window.viewport._bodies) == 2
    colours = {body.color for body in window.viewport._bodies}
    assert len(colours) == 2, "each person has its own colour"
    doc.select(0, -1)
    key(window, Qt.Key.Key_D, Qt.KeyboardModifier.ShiftModifier)              # duplicate
    assert len(doc.scene.people) == 3
    assert np.array_equal(doc.scene.people[2].pose, doc.scene.people[0].pose)
    modals.answers["Rename person"] = ("Alice", True)
    key(window, Qt.Key.Key_F2)                                                 # rename
    assert doc.scene.people[2].name == "Alice"
    assert window.outliner.topLevelItem(2).text(0) == "Alice"
    # hide the duplicate from the outliner's check box: it leaves the viewport
    window.outliner.topLevelItem(2).setCheckState(0, Qt.CheckState.Unchecked)
    assert doc.scene.people[2].visible is False and 2 not in window.controller.posed
    assert not window.person_panel.visible.isChecked()
    window.outliner.topLevelItem(2).setText(0, "Bob")                          # rename in place
    assert doc.scene.people[2].name == "Bob"
    window.actions["undo"].trigger()
    assert window.outliner.topLevelItem(2).text(0) == "Alice"
    # body shape: drag the β0 slider with the mouse — one undo step for the whole drag
    doc.select(1, -1)
    slider = window.person_panel.sliders[0]
    before_vertices = np.asarray(window.controller.posed[1].vertices).copy()
    steps = doc.undo_stack.index()
    handle = slider_handle(slider)
    drag(qtbot, slider, [handle + QPoint(dx, 0) for dx in range(0, 61, 6)])
    assert doc.scene.people[1].betas[0] > 0.3
    assert doc.undo_stack.index() == steps + 1
    height = np.ptp(np.asarray(window.controller.posed[1].vertices)[:, 1])
    assert abs(height - np.ptp(before_vertices[:, 1])) > 0.01, "the body changed size"
    key(window, Qt.Key.Key_Delete)                                             # delete
    assert [p.name for p in doc.scene.people] == ["Person 1", "Alice"]
    assert window.outliner.topLevelItemCount() == 2
    while doc.undo_stack.canUndo():
        window.actions["undo"].trigger()
    assert doc.scene == original


def test_camera_panel_presets_focal_length_and_saved_views(window, qtbot, modals):
    from posestudio.camera import focal_mm_from_fov

    doc, panel, vp = window.doc, window.camera_panel, window.viewport
    index = panel.preset.findData("832x1216")
    assert index > 0
    panel.preset.setCurrentIndex(index)
    panel.preset.activated.emit(index)
    assert (doc.scene.canvas.width, doc.scene.canvas.height) == (832, 1216)
    window.camera_panel.set_canvas(512, 512)                 # the combo follows the scene
    assert panel.preset.currentText() == "SD 512×512"
    window.actions["undo"].trigger()
    assert panel.preset.currentText() == "SDXL 832×1216 portrait"
    window.actions["look_through"].setChecked(True)
    frame = vp.canvas_frame_rect()
    assert frame.width() / frame.height() == pytest.approx(832 / 1216, rel=1e-3)
    panel.focal.setValue(85.0)
    assert focal_mm_from_fov(doc.scene.camera.fov_y_deg) == pytest.approx(85.0, abs=0.05)
    assert panel.fov.value() == pytest.approx(doc.scene.camera.fov_y_deg, abs=0.05)
    modals.answers["Save camera view"] = ("Portrait 85", True)
    saved = doc.scene.camera
    window.actions["save_view"].trigger()
    assert set(doc.scene.views) == {"Portrait 85"}
    assert [panel.views.item(i).text() for i in range(panel.views.count())] == ["Portrait 85"]
    panel.yaw.setValue(60.0)
    assert doc.scene.camera != saved
    where = panel.views.visualItemRect(panel.views.item(0)).center()
    for event in (QTest.mouseClick, QTest.mouseDClick):          # a double-click, as Qt sees it
        event(panel.views.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
              where)
    assert doc.scene.camera == saved
    # "frame the people" keeps every visible vertex inside the canvas
    key(window, Qt.Key.Key_F, Qt.KeyboardModifier.ShiftModifier)
    from posestudio.camera import project

    uv, depth = project(np.asarray(window.controller.posed[0].vertices), doc.scene.camera,
                        doc.scene.canvas)
    assert (depth > 0).all() and uv.min() >= 0
    assert (uv[:, 0] <= 832).all() and (uv[:, 1] <= 1216).all()


def test_pose_library_renders_thumbnails_and_saves_the_current_pose(qtbot, data_dir, modals):
    window = open_window(qtbot, modals, thumbnails=True)
    try:
        panel = window.presets_panel
        names = [panel.list.item(i).data(Qt.ItemDataRole.UserRole)
                 for i in range(panel.list.count())]
        for wanted in ("standing", "walking", "running", "sitting", "kneeling", "jumping",
                       "waving", "pointing", "fighting_stance", "lying"):
            assert wanted in names
        with qtbot.waitSignal(panel.worker.done, timeout=120000):
            pass
        icon = panel.list.item(names.index("sitting")).icon()
        assert not icon.isNull()
        image = icon.pixmap(72, 96).toImage()
        colours = {image.pixel(x, y) for x in range(0, image.width(), 3)
                   for y in range(0, image.height(), 3)}
        assert len(colours) > 20, "the thumbnail shows a shaded figure"
        # save as preset (name asked in a dialog), then it is in the library and applies
        window.presets_panel.apply("waving")
        modals.answers["Save pose preset"] = ("My wave", True)
        saved = panel.save_current()
        assert saved == "★ My wave" and saved in panel.poses
        window.actions["reset_pose"].trigger()
        panel.apply(saved)
        from posestudio.presets import load_pose_preset

        assert np.allclose(window.doc.scene.people[0].pose, load_pose_preset("waving")[0])
    finally:
        close_window(window)
