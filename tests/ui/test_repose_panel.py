"""The Re-pose panel in the real main window: a scene with its photo, a tiny real FLUX.1 Kontext
editing pipeline run by the job process, the instruction made from the scene shown and used,
the result beside the original with parameters and scene embedded, "reuse" (scene included, one
undo step), cancel, and a wrong folder in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from job_helpers import Recorder, build_tiny, click, install_panel

pytestmark = pytest.mark.gui


@pytest.fixture(scope="session")
def tiny_kontext(tmp_path_factory):
    return build_tiny(tmp_path_factory, "tiny_edit_models", "EDIT_BUILDERS", "flux-kontext")["base"]


@pytest.fixture
def photo_scene(tmp_path):
    """The waving example as after a photo import: a 64×64 canvas and the photo in the scene."""
    from posestudio.cli.scene_args import load_scene_arg
    from posestudio.scene.model import Canvas, PhotoReference

    path = tmp_path / "character.png"
    image = np.zeros((64, 64, 3), np.uint8)
    image[8:56, 24:40] = (220, 60, 40)
    Image.fromarray(image).save(path)
    scene = load_scene_arg("waving")
    scene.canvas = Canvas(64, 64)
    scene.photo = PhotoReference(str(path), 64, 64)
    return scene


@pytest.fixture
def panel(window, tiny_kontext, photo_scene, tmp_path):
    from posestudio.ui.generate import install_repose

    panel = install_panel(window, install_repose, photo_scene, tmp_path / "reposed", tiny_kontext)
    panel.steps.setValue(2)
    panel.seed.set_value(5)
    panel.device.setCurrentText("cpu")
    yield panel
    panel.shutdown()


def run(qtbot, panel) -> str:
    with qtbot.waitSignal(panel.runFinished, timeout=120000) as finished:
        click(qtbot, panel.run_button)
    return finished.args[0]


def test_repose_the_photo_result_beside_the_original_with_scene_and_reuse(qtbot, window, panel,
                                                                          photo_scene):
    assert window.repose_panel is panel and "FLUX" in panel.family.text()
    # the character defaults to the scene's photo, shown as the original
    assert panel.character.text() == "" and panel.character_path() == photo_scene.photo.path
    assert not panel.original_view.pixmap().isNull()
    # editing models follow text: the instruction made from the scene is shown
    auto = panel.update_auto_prompt()
    assert auto.startswith("the same person") and "mannequin" in auto
    assert panel.auto_prompt.text() == auto
    assert run(qtbot, panel) == "done", panel.status.text()
    result = panel.results[-1]
    image = Path(result["image"])
    assert image.is_file() and image.parent == panel.output_dir
    assert set(result["references"]) == {"mannequin"}
    assert result["request"]["prompt"] == auto        # the empty prompt: the scene's instruction
    with Image.open(image) as png:
        assert png.size == (64, 64)
        scene = json.loads(png.text["posestudio-scene"])
    assert scene["canvas"] == {"width": 64, "height": 64}
    assert not panel.result_view.pixmap().isNull() and not panel.original_view.pixmap().isNull()
    assert panel.gallery.count() == 1 and "seed 5" in panel.status.text()

    # a combination reference, picked in the combo box
    panel.reference.setCurrentIndex(panel.reference.findData("depth+openpose"))
    assert "depth map and skeleton" in panel.update_auto_prompt()
    assert run(qtbot, panel) == "done", panel.status.text()
    assert set(panel.results[-1]["references"]) == {"depth", "openpose"}

    # change the pose, then reuse the first result with its scene: one undo step brings it back
    from posestudio.scene.edits import SetPose

    original = window.doc.scene.people[0].pose.copy()
    moved = original.copy()
    moved[16] = [0.0, 0.0, -1.0]
    window.doc.push(SetPose.from_scene(window.doc.scene, 0, moved))
    panel.seed.set_value(99)
    panel.gallery.setCurrentRow(0)
    panel.reuse_scene.setChecked(True)
    depth = window.doc.undo_stack.count()
    click(qtbot, panel.reuse_button)
    assert window.doc.undo_stack.count() == depth + 1
    assert panel.seed.value() == 5 and panel.reference.currentData() == "mannequin"
    assert np.allclose(window.doc.scene.people[0].pose, original)
    window.doc.undo_stack.undo()
    assert np.allclose(window.doc.scene.people[0].pose, moved)


def test_cancel_stops_within_a_step(qtbot, panel):
    panel.steps.setValue(300)
    seen = Recorder(panel)
    panel.runner.progress.connect(
        lambda done, total: panel.cancel_button.isEnabled() and done > 50
        and panel.status.text() != "Cancelling…" and click(qtbot, panel.cancel_button))
    assert run(qtbot, panel) == "cancelled", panel.status.text()
    last = max(d for d, _ in seen.progress)
    assert last < 1000 and panel.status.text() == "Cancelled"
    assert not panel.output_dir.exists() or not list(panel.output_dir.glob("*.png"))


def test_wrong_model_folder_and_missing_character_are_one_line(qtbot, window, panel, tmp_path):
    folder = tmp_path / "half-a-model"
    folder.mkdir()
    (folder / "model_index.json").write_text(json.dumps({
        "_class_name": "FluxKontextPipeline",
        "transformer": ["diffusers", "FluxTransformer2DModel"]}))
    panel.base.set_text(str(folder))
    panel.base.changed.emit(str(folder))
    assert "incomplete" in panel.family.text()
    click(qtbot, panel.run_button)
    assert not panel.running
    assert "incomplete" in panel.status.text() and "\n" not in panel.status.text()
    assert "e05050" in panel.status.styleSheet()
    from posestudio.scene.model import Scene

    window.doc.replace_scene(Scene(), None)        # no photo, no character image
    click(qtbot, panel.run_button)
    assert "import a photo" in panel.status.text() and not panel.running
