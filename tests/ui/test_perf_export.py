"""Export renders in the worker process, not on the UI thread: the dialog shows a busy bar,
stays responsive, writes all files at once, and shows errors inside itself (no modal box)."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import close_window, open_window
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from posestudio.ui.export_dialog import ExportDialog

pytestmark = pytest.mark.gui


def _open_dialog(window, folder, maps=("openpose", "depth")) -> ExportDialog:
    window.actions["export"].trigger()
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.folder.setText(str(folder))
    for name, box in dialog.checks.items():
        box.setChecked(name in maps)
    return dialog


def _click_export(dialog) -> None:
    QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def test_export_runs_in_the_worker_with_a_busy_bar_and_errors_stay_in_the_dialog(
        window, qtbot, tmp_path, modals):
    window.camera_panel.set_canvas(512, 512)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    dialog = _open_dialog(window, blocker / "maps")
    _click_export(dialog)
    # the click returned before any rendering: the job is out, the dialog is busy
    assert dialog.exporting() and dialog.progress.isVisible()
    assert not dialog.buttons.isEnabled() and not dialog.checks["depth"].isEnabled()
    qtbot.waitUntil(lambda: not dialog.exporting(), timeout=60000)
    # an unwritable folder: the message is in the dialog, which stays open; no modal box
    assert dialog.isVisible() and dialog.error and "Export failed" in dialog.message.text()
    assert not dialog.progress.isVisible() and dialog.buttons.isEnabled()
    assert modals.seen == []
    assert blocker.read_text() == "not a folder"
    # a bad prefix is refused before any work
    dialog.prefix.setText("a/b")
    _click_export(dialog)
    assert not dialog.exporting() and "prefix" in dialog.error
    # fixed: the export goes through and the files appear together
    target = tmp_path / "maps"
    dialog.folder.setText(str(target))
    dialog.prefix.setText("take2")
    _click_export(dialog)
    assert dialog.exporting() and not target.exists(), "rendering did not block the click"
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=60000)
    assert sorted(p.name for p in target.iterdir()) == [
        ".posestudio-export.json", "take2_camera.json", "take2_depth.png", "take2_depth_metric.npy", "take2_openpose.json",
        "take2_openpose.png"]
    assert all(p.exists() for p in dialog.written) and len(dialog.written) == 5
    assert "Exported 5 files" in window.statusBar().currentMessage()


def test_export_reuses_the_preview_worker_and_previews_go_on(qtbot, data_dir, modals, tmp_path):
    win = open_window(qtbot, modals, previews=True)
    try:
        arrived = []
        win.preview.ready.connect(lambda *a: arrived.append(a))
        qtbot.waitUntil(lambda: len(arrived) > 0, timeout=60000)
        dialog = _open_dialog(win, tmp_path / "out", maps=("seg",))
        assert dialog._worker is win.preview, "one render process for previews and exports"
        _click_export(dialog)
        # a preview requested while the export runs is still answered
        win.doc.select(0, 1)
        win.joint_panel.fields[0].setValue(30.0)
        seen = len(arrived)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=60000)
        qtbot.waitUntil(lambda: len(arrived) > seen, timeout=60000)
        seg = tmp_path / "out" / "seg.png"
        assert seg.exists()
        from PIL import Image

        assert np.asarray(Image.open(seg)).any()
        assert win._export_worker is None
    finally:
        win.doc.undo_stack.setClean()
        close_window(win)
