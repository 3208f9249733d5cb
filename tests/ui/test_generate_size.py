"""The Generate panel's size, output folder, per-model steps and layout, driven with real clicks and
keys: a run at a long side other than the canvas writes an image of that size and leaves the scene
alone; steps and guidance come back per model; "Open folder" hands the output folder to the
desktop; Generate shows without scrolling at the window's default size. Tiny real SD 1.5
pipelines run in the generation process, as in ``test_generate_panel``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gui_helpers import close_window
from PIL import Image
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt
from test_generate_panel import _tiny_models_module, click_generate, panel, tiny_sd15  # noqa: F401

pytestmark = pytest.mark.gui
ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"


def type_into(qtbot, widget, text: str) -> None:
    """Click a field, select what it holds and type ``text`` over it, then Enter."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def spin_edit(box: QtWidgets.QAbstractSpinBox) -> QtWidgets.QLineEdit:
    return box.findChild(QtWidgets.QLineEdit)


def test_generation_size_keeps_the_canvas_aspect_rounded_as_the_family_needs():
    from posestudio.generate.families import size_multiple
    from posestudio.generate.params import generation_size

    assert [size_multiple(f) for f in ("sd", "sdxl", "flux", "sd3", "zimage", "qwenimage")] == [
        8, 8, 16, 16, 16, 16]
    assert generation_size((768, 1024), 512, 8) == (384, 512)
    assert generation_size((1500, 950), 0, 16) == (1504, 944)        # the canvas, rounded
    assert generation_size((1500, 950), 1024, 16) == (1024, 656)      # 1024 × 648.5 → ÷16
    assert generation_size((1000, 10), 512, 16) == (512, 16)          # never below one multiple


def test_a_smaller_generation_size_writes_that_size_and_leaves_the_scene(qtbot, window, panel):
    from posestudio.scene.file_format import scene_to_dict

    from posestudio.scene.edits import SetCanvas
    from posestudio.scene.model import Canvas

    window.doc.push(SetCanvas(window.doc.scene.canvas, Canvas(96, 64)))
    before, depth = json.dumps(scene_to_dict(window.doc.scene)), window.doc.undo_stack.count()
    assert panel.size.text() == "96×64 (scene canvas)"
    type_into(qtbot, spin_edit(panel.long_side), "48")
    assert panel.long_side.value() == 48
    assert panel.size.text().startswith("48×32 (canvas aspect, ÷2")   # tiny VAE: factor 2
    with qtbot.waitSignal(panel.runFinished, timeout=60000) as finished:
        click_generate(qtbot, panel)
    assert finished.args == ["done"], panel.status.text()
    entry = panel.entries[0]
    with Image.open(entry.path) as image:
        assert image.size == (48, 32)
        embedded = json.loads(image.text["posestudio-scene"])
    assert embedded["canvas"] == {"width": 48, "height": 32}          # remakes the same image
    assert (entry.request.width, entry.request.height) == (48, 32)
    with Image.open(entry.map_paths["openpose"]) as control:
        assert control.size == (48, 32)                                # maps at that size
    # The scene itself is untouched: same canvas, nothing on the undo stack.
    assert json.dumps(scene_to_dict(window.doc.scene)) == before
    assert window.doc.undo_stack.count() == depth
    assert (window.doc.scene.canvas.width, window.doc.scene.canvas.height) == (96, 64)

    # Back to "scene canvas" with the arrow key: the next request is the canvas size again.
    spin_edit(panel.long_side).setFocus()
    panel.long_side.setValue(64)
    qtbot.keyClick(spin_edit(panel.long_side), Qt.Key.Key_Down)
    assert panel.long_side.text() == "scene canvas"
    assert (panel.build_request().width, panel.build_request().height) == (96, 64)
    # Reusing the small image's parameters brings its size back as the long side.
    panel.gallery.setCurrentRow(0)
    qtbot.mouseClick(panel.reuse_button, Qt.MouseButton.LeftButton)
    assert panel.long_side.value() == 48 and panel.generation_size() == (48, 32)


def test_steps_and_guidance_are_remembered_per_model(qtbot, window, panel, tiny_sd15,
                                                     tmp_path_factory):
    from posestudio.ui.generate import GeneratePanel

    first = str(tiny_sd15[0])
    other = str(_tiny_models_module().build_sd15(tmp_path_factory.mktemp("other"),
                                                  name="other")[0])
    assert (panel.steps.value(), panel.guidance.value()) == (2, 5.0)
    type_into(qtbot, panel.base.edit, other)
    # A model never used: the last steps used with its family (SD 1.x), not a reset to 30.
    assert panel.family.text() and (panel.steps.value(), panel.guidance.value()) == (2, 5.0)
    type_into(qtbot, spin_edit(panel.steps), "4")
    type_into(qtbot, spin_edit(panel.guidance), "3")
    assert (panel.steps.value(), panel.guidance.value()) == (4, 3.0)

    type_into(qtbot, panel.base.edit, first)
    assert (panel.steps.value(), panel.guidance.value()) == (2, 5.0)
    type_into(qtbot, panel.base.edit, other)
    assert (panel.steps.value(), panel.guidance.value()) == (4, 3.0)
    # The next session: the other model's fields, and the first model's still kept for it.
    again = GeneratePanel(window.doc)
    qtbot.addWidget(again)
    assert again.base.text() == other and again.steps.value() == 4
    again.base.set_text(first)
    again._on_base_changed()
    assert (again.steps.value(), again.guidance.value()) == (2, 5.0)


def test_open_folder_hands_the_output_folder_to_the_desktop(qtbot, panel, tmp_path):
    class Desktop(QtCore.QObject):
        """Takes the file URLs QDesktopServices would hand to the file manager."""

        def __init__(self) -> None:
            super().__init__()
            self.urls: list[QtCore.QUrl] = []

        @QtCore.Slot(QtCore.QUrl)
        def open(self, url: QtCore.QUrl) -> None:  # noqa: A003 (the handler's name)
            self.urls.append(url)

    folder = tmp_path / "generations"
    assert panel.saved_in.full_text() == f"Saved in {folder}"
    assert panel.saved_in.toolTip() == f"Saved in {folder}"
    desktop = Desktop()
    QtGui.QDesktopServices.setUrlHandler("file", desktop, "open")
    try:
        qtbot.mouseClick(panel.open_folder_button, Qt.MouseButton.LeftButton)
    finally:
        QtGui.QDesktopServices.unsetUrlHandler("file")
    assert desktop.urls == [QtCore.QUrl.fromLocalFile(str(folder))] == [panel.output_folder_url()]
    assert folder.is_dir()                   # made, so the file manager has something to show
    panel.output_dir = tmp_path / "elsewhere"
    assert panel.saved_in.full_text().endswith("elsewhere")


@pytest.mark.parametrize("size", [None, (1400, 900)], ids=["own default", "1400x900"])
def test_generate_button_shows_without_scrolling(qtbot, data_dir, modals, size):
    from gui_helpers import open_window

    from posestudio.ui.main_window import MainWindow

    if size is None:
        win = MainWindow(previews=False, thumbnails=False, extras=True)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
    else:
        win = open_window(qtbot, modals, extras=True)
    try:
        qtbot.wait(100)                  # the window fits its dock areas once laid out
        QtWidgets.QApplication.processEvents()
        dock = win.generate_dock
        dock.raise_()
        panel, button = win.generate_panel, win.generate_panel.generate_button
        qtbot.waitUntil(lambda: not button.visibleRegion().isEmpty(), timeout=3000)  # laid out
        assert button.isVisible() and button.visibleRegion().boundingRect() == button.rect()
        top_left = button.mapTo(win, QtCore.QPoint(0, 0))
        assert win.rect().contains(QtCore.QRect(top_left, button.size()))
        # Nothing of the dock scrolls to reach it: the fields scroll above a fixed action row.
        outer = dock.widget()
        qtbot.waitUntil(lambda: not outer.verticalScrollBar().isVisible(), timeout=3000)
        assert outer.verticalScrollBar().maximum() == 0
        assert panel.fields_scroll.isVisible() and panel.open_folder_button.isVisible()
        footer_top = panel.progress.mapTo(panel, QtCore.QPoint(0, 0)).y()
        assert footer_top >= panel.fields_scroll.geometry().bottom()
        if size is None:
            ARTIFACTS.mkdir(exist_ok=True)
            dock.grab().save(str(ARTIFACTS / "generate_dock_default_size.png"))
    finally:
        close_window(win)
