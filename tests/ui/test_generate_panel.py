"""The Generate panel in the real main window: tiny real SD 1.5 pipelines run by the generation
process (started once, shared by the tests), progress, cancel, the gallery and "reuse parameters".
No modal dialog can open: the panel reports errors in its status line, and the tests never press
the file-picker buttons."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt

pytestmark = pytest.mark.gui


def _tiny_models_module():
    # The builders the generate tests use (tests/ is not a package: load the file by path).
    path = Path(__file__).resolve().parents[1] / "generate" / "tiny_models.py"
    spec = importlib.util.spec_from_file_location("tiny_models_for_ui", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_sd15(tmp_path_factory):
    """(base folder, controlnet folder) of a tiny random SD 1.5 + ControlNet, built once."""
    import torch

    torch.set_num_threads(1)
    return _tiny_models_module().build_sd15(tmp_path_factory.mktemp("tiny-sd15"))


@pytest.fixture
def panel(window, tiny_sd15, tmp_path, qtbot):
    """The Generate panel installed in the window, on a 64×64 scene, pointed at the tiny models,
    2 steps, fixed seed, CPU."""
    from posestudio.scene.model import Canvas, Person, Scene
    from posestudio.ui.generate import install

    window.doc.replace_scene(Scene(canvas=Canvas(64, 64), people=[Person()]), None)
    panel = install(window)
    panel.output_dir = tmp_path / "generations"
    base, cn = tiny_sd15
    panel.base.set_text(str(base))
    panel._on_base_changed()
    first = panel.rows[0]
    first.set_values("openpose", 1.0, True, str(cn))
    panel.rows[1].set_values("depth", 0.5, False, str(cn))
    panel.prompt.setPlainText("a dancer")
    panel.steps.setValue(2)
    panel.guidance.setValue(5.0)
    panel.random_seed.setChecked(False)
    panel.seed.setText("7")
    panel.device.setCurrentText("cpu")
    yield panel
    panel.shutdown()


def click_generate(qtbot, panel) -> None:
    qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)


def test_generate_adds_image_to_gallery_with_parameters_and_maps(qtbot, window, panel):
    assert window.generate_panel is panel and window.docks["generate"].widget() is not None
    assert "SD" in panel.family.text() or "Stable Diffusion" in panel.family.text()
    with qtbot.waitSignal(panel.runFinished, timeout=60000) as finished:
        click_generate(qtbot, panel)
        # The click returned while the work goes on in the worker thread: the UI is not blocked.
        assert panel.running and panel.gallery.count() == 0
        assert not panel.generate_button.isEnabled() and panel.cancel_button.isEnabled()
    assert finished.args == ["done"], panel.status.text()
    assert panel.gallery.count() == 1
    assert panel.progress.value() == panel.progress.maximum() == 2
    entry = panel.entries[0]
    assert entry.request.seed == 7 and entry.family == "sd"
    assert entry.path.is_file() and set(entry.map_paths) == {"openpose"}
    with Image.open(entry.path) as image:
        assert image.size == (64, 64)
        generation = json.loads(image.text["posestudio-generation"])
        scene = json.loads(image.text["posestudio-scene"])
    assert generation["request"]["prompt"] == "a dancer"
    assert scene["canvas"] == {"width": 64, "height": 64}
    with Image.open(entry.map_paths["openpose"]) as control:
        assert np.asarray(control).max() > 0  # the figure is drawn in the control map
    # The selected result is shown next to the control map that made it.
    assert panel.strip.count() == 2
    assert "seed 7" in panel.status.text()


def test_multi_controlnet_with_depth_and_settings_are_remembered(qtbot, window, panel, tiny_sd15):
    panel.rows[1].enabled.setChecked(True)          # "OpenPose 1.0 + depth 0.5"
    panel.rows[1].end.setValue(0.8)
    with qtbot.waitSignal(panel.runFinished, timeout=60000) as finished:
        click_generate(qtbot, panel)
    assert finished.args == ["done"], panel.status.text()
    entry = panel.entries[-1]
    assert [(c.map, c.scale, c.end) for c in entry.request.controlnets] == [
        ("openpose", 1.0, 1.0), ("depth", 0.5, 0.8)]
    assert set(entry.map_paths) == {"openpose", "depth"}
    with Image.open(entry.map_paths["depth"]) as depth:
        assert np.asarray(depth).max() > 0          # rendered by GL on the worker thread

    # A second panel (the next session) starts with the same models and rows.
    from posestudio.ui.generate import GeneratePanel

    again = GeneratePanel(window.doc)
    qtbot.addWidget(again)
    assert again.base.text() == str(tiny_sd15[0])
    assert [r.state()["map"] for r in again.rows] == ["openpose", "depth"]
    assert again.rows[1].state()["enabled"] and again.rows[1].scale.value() == 0.5
    assert again.prompt.toPlainText() == "a dancer" and again.steps.value() == 2


def test_reuse_parameters_reproduces_the_image(qtbot, panel):
    with qtbot.waitSignal(panel.runFinished, timeout=60000):
        click_generate(qtbot, panel)
    first = panel.entries[0]
    panel.prompt.setPlainText("something else")
    panel.seed.setText("8")
    panel.steps.setValue(3)
    panel.gallery.setCurrentRow(0)
    qtbot.mouseClick(panel.reuse_button, Qt.MouseButton.LeftButton)
    assert panel.prompt.toPlainText() == "a dancer"
    assert panel.seed.text() == "7" and panel.steps.value() == 2
    with qtbot.waitSignal(panel.runFinished, timeout=60000):
        click_generate(qtbot, panel)
    second = panel.entries[1]
    assert second.path != first.path
    with Image.open(first.path) as a, Image.open(second.path) as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))
    # Reuse from the PNG file on disk as well.
    panel.seed.setText("99")
    assert panel.reuse_file(first.path) and panel.seed.text() == "7"


def scene_json(scene) -> dict:
    from posestudio.scene.file_format import scene_to_dict

    return json.loads(json.dumps(scene_to_dict(scene)))


def embedded_scene(path: Path) -> dict:
    with Image.open(path) as image:
        return json.loads(image.text["posestudio-scene"])


def test_reuse_parameters_and_scene_is_one_undo_step_and_remakes_the_image(
        qtbot, window, panel, modals, tmp_path):
    from posestudio.scene.edits import SetCamera, SetCanvas, SetJointRotation
    from posestudio.scene.model import Camera, Canvas

    doc = window.doc
    with qtbot.waitSignal(panel.runFinished, timeout=60000):
        click_generate(qtbot, panel)
    first = panel.entries[0]
    made_from = embedded_scene(first.path)
    # The user goes on editing: another pose, camera and canvas, other fields.
    doc.push(SetJointRotation.from_scene(doc.scene, 0, "left_elbow", [0.0, 0.0, 1.2]))
    doc.push(SetCamera(doc.scene.camera, Camera(yaw_deg=40.0, distance=4.0)))
    doc.push(SetCanvas(doc.scene.canvas, Canvas(96, 64)))
    edited, depth, scene_object = scene_json(doc.scene), doc.undo_stack.count(), doc.scene
    assert edited != made_from
    panel.prompt.setPlainText("something else")
    panel.seed.setText("8")

    panel.reuse_scene.setChecked(True)
    panel.gallery.setCurrentRow(0)
    qtbot.mouseClick(panel.reuse_button, Qt.MouseButton.LeftButton)
    assert scene_json(doc.scene) == made_from and doc.scene is scene_object
    assert doc.undo_stack.count() == depth + 1                     # one step
    assert doc.undo_stack.undoText().startswith("Restore scene from")
    assert panel.prompt.toPlainText() == "a dancer" and panel.seed.text() == "7"
    assert panel.size.text().startswith("64×64")                   # the panel saw the change
    assert "Undo" in panel.status.text()
    with qtbot.waitSignal(panel.runFinished, timeout=60000) as finished:
        click_generate(qtbot, panel)
    assert finished.args == ["done"], panel.status.text()
    with Image.open(first.path) as a, Image.open(panel.entries[1].path) as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))        # the very same image

    doc.undo_stack.undo()
    assert scene_json(doc.scene) == edited and doc.scene is scene_object
    doc.undo_stack.redo()
    assert scene_json(doc.scene) == made_from

    # "From image…" with a damaged scene chunk: one message, nothing changes.
    from PIL.PngImagePlugin import PngInfo

    damaged = tmp_path / "damaged.png"
    with Image.open(first.path) as image:
        info = PngInfo()
        info.add_itxt("posestudio-generation", image.text["posestudio-generation"])
        info.add_itxt("posestudio-scene", '{"format": "posestudio-scene", "version": 1, '
                                          '"canvas": {"width": "wide"}}')
        image.save(damaged, pnginfo=info)
    doc.undo_stack.undo()
    panel.seed.setText("9")
    modals.answers["Reuse parameters from image"] = (str(damaged), "PNG (*.png)")
    reuse_file = next(b for b in panel.findChildren(type(panel.reuse_button))
                      if b.text() == "From image…")
    qtbot.mouseClick(reuse_file, Qt.MouseButton.LeftButton)
    assert "damaged.png" in panel.status.text() and "canvas.width" in panel.status.text()
    assert scene_json(doc.scene) == edited and doc.undo_stack.count() == depth + 1
    assert panel.seed.text() == "9"
    # Unticked, the same file still gives its parameters (the scene is not needed).
    panel.reuse_scene.setChecked(False)
    qtbot.mouseClick(reuse_file, Qt.MouseButton.LeftButton)
    assert panel.seed.text() == "7" and scene_json(doc.scene) == edited
    # A PNG without PoseStudio parameters: one message.
    plain = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(plain)
    assert not panel.reuse_file(plain, with_scene=True)
    assert "no PoseStudio generation parameters" in panel.status.text()


def test_the_next_run_starts_as_soon_as_the_previous_one_reported(qtbot, panel):
    # Generate pressed the moment a run reports, while its thread is still ending: the new run
    # starts, and releasing the old thread must not touch the new one (that aborted the app).
    outcomes, started = [], []

    def again(how: str) -> None:
        outcomes.append(how)
        if len(outcomes) < 3:
            started.append(panel.generate())

    panel.runFinished.connect(again)
    with qtbot.waitSignal(panel.runFinished, timeout=60000,
                          check_params_cb=lambda how: len(outcomes) == 3):
        click_generate(qtbot, panel)
    assert started == [True, True] and outcomes == ["done"] * 3, panel.status.text()
    assert panel.gallery.count() == 3
    qtbot.waitUntil(lambda: panel.thread is None, timeout=10000)   # the last thread released


def test_cancel_stops_the_run_and_writes_nothing(qtbot, panel):
    panel.steps.setValue(500)
    seen = []
    click_generate(qtbot, panel)
    panel.thread.progress.connect(lambda done, total: seen.append(done))
    qtbot.waitUntil(lambda: panel.progress.maximum() == 500 and panel.progress.value() >= 1,
                    timeout=60000)
    with qtbot.waitSignal(panel.runFinished, timeout=30000) as finished:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["cancelled"]
    assert panel.status.text() == "Cancelled"
    assert panel.gallery.count() == 0 and max(seen, default=0) < 500
    assert not panel.output_dir.exists() or not any(panel.output_dir.iterdir())
    assert panel.generate_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_bad_models_are_reported_in_the_panel_without_a_dialog(qtbot, panel, tmp_path, tiny_sd15):
    missing = tmp_path / "no-such-model"
    panel.base.set_text(str(missing))
    click_generate(qtbot, panel)
    assert not panel.running
    assert str(missing) in panel.status.text() and "does not exist" in panel.status.text()

    # An SDXL-family ControlNet on the SD 1.5 base: refused before any work, naming both.
    sdxl_cn = tmp_path / "sdxl-controlnet"
    sdxl_cn.mkdir()
    config = json.loads((tiny_sd15[1] / "config.json").read_text())
    config["addition_embed_type"] = "text_time"
    (sdxl_cn / "config.json").write_text(json.dumps(config))
    (sdxl_cn / "diffusion_pytorch_model.safetensors").write_bytes(
        (tiny_sd15[1] / "diffusion_pytorch_model.safetensors").read_bytes())
    panel.base.set_text(str(tiny_sd15[0]))
    panel.rows[0].path.set_text(str(sdxl_cn))
    click_generate(qtbot, panel)
    assert not panel.running
    assert "SDXL ControlNet" in panel.status.text() and "Stable Diffusion 1.x" in panel.status.text()

    panel.rows[0].enabled.setChecked(False)
    click_generate(qtbot, panel)
    assert "tick at least one ControlNet" in panel.status.text()
    assert panel.gallery.count() == 0
