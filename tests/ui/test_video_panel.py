"""The Generate Video panel in the real main window: a tiny real Wan VACE pipeline run by the job
process (started once, shared by the tests) in two segments, progress per step and segment,
cancel, a wrong folder in one line, the clip shown and openable, the fields remembered.
No modal dialog can open: the tests never press the file-picker buttons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6 import QtGui

from job_helpers import Recorder, build_tiny, click, install_panel

pytestmark = pytest.mark.gui

SECONDS = 0.75          # 13 frames at the Wan preset's 16 fps: segments of 9 frames, 5 shared


@pytest.fixture(scope="session")
def tiny_wan(tmp_path_factory):
    return build_tiny(tmp_path_factory, "tiny_video_models", "VIDEO_BUILDERS", "wan-vace")["base"]


def animated_scene():
    """The walking example on a 16×16 canvas, its right arm rising over ``SECONDS``."""
    from posestudio.anim import Animation, PoseKey
    from posestudio.cli.scene_args import load_scene_arg
    from posestudio.scene.model import Canvas

    scene = load_scene_arg("walking")
    scene.canvas = Canvas(16, 16)
    person = scene.people[0]
    raised = person.pose.copy()
    raised[17] = [0.0, 0.0, 1.2]
    scene.animation = Animation(fps=16.0, tracks=[[
        PoseKey(0.0, person.pose.copy(), person.transl.copy()),
        PoseKey(SECONDS, raised, person.transl.copy())]], camera_keys=[])
    return scene


@pytest.fixture
def panel(window, tiny_wan, tmp_path):
    """The Generate Video panel of the window, on the animated scene, pointed at tiny Wan VACE:
    2 steps, 9 frames a segment, seed 3, CPU."""
    from posestudio.ui.generate import install_video

    panel = install_panel(window, install_video, animated_scene(), tmp_path / "videos", tiny_wan)
    panel.prompt.setPlainText("a dancer")
    panel.steps.setValue(2)
    panel.segment_frames.setValue(9)
    panel.seed.set_value(3)
    panel.device.setCurrentText("cpu")
    yield panel
    panel.shutdown()


def test_generate_video_writes_the_clip_shows_it_and_opens_it(qtbot, window, panel, tiny_wan,
                                                               monkeypatch):
    assert window.video_panel is panel and window.docks["generate-video"].widget() is not None
    assert panel.family.text().startswith("Wan VACE")
    seen = Recorder(panel)
    with qtbot.waitSignal(panel.runFinished, timeout=120000) as finished:
        click(qtbot, panel.run_button)
        assert panel.running and not panel.run_button.isEnabled()
        assert panel.cancel_button.isEnabled()
    assert finished.args == ["done"], panel.status.text()
    steps = [s for s in seen.stages if "step" in s]
    assert steps == ["segment 1/2, step 1/2", "segment 1/2, step 2/2",
                     "segment 2/2, step 1/2", "segment 2/2, step 2/2"]
    assert panel.segment.text() == "Segment 2 of 2"
    assert panel.progress.value() == panel.progress.maximum() == 1000
    video = Path(panel.result["video"])
    assert video.is_file() and video.suffix == ".mp4" and video.parent == panel.output_dir
    frames = sorted(Path(panel.result["frames_dir"]).glob("*.png"))
    assert len(frames) == panel.result["frames"] == 13
    sidecar = json.loads(Path(panel.result["sidecar"]).read_text())
    assert sidecar["request"]["seed"] == 3 and sidecar["request"]["prompt"] == "a dancer"
    # the clip loops in the panel; its buttons hand the mp4 and its folder to the desktop
    assert len(panel.player.frames) == 13 and panel.player.timer.isActive()
    assert "13 frames at 16 fps" in panel.result_label.text()
    opened = []
    monkeypatch.setattr(QtGui.QDesktopServices, "openUrl",
                        staticmethod(lambda url: opened.append(url.toLocalFile()) or True))
    click(qtbot, panel.open_video_button)
    click(qtbot, panel.open_folder_button)
    assert opened == [str(video), str(video.parent)]

    # The next session's panel starts with the same fields.
    from posestudio.ui.generate import VideoPanel

    again = VideoPanel(window.doc)
    qtbot.addWidget(again)
    assert again.base.text() == str(tiny_wan) and again.prompt.toPlainText() == "a dancer"
    assert again.steps.value() == 2 and again.segment_frames.value() == 9
    assert again.seed.value() == 3 and again.device.currentText() == "cpu"


def test_cancel_stops_within_a_step_and_writes_nothing(qtbot, panel):
    panel.steps.setValue(200)
    seen = Recorder(panel)
    stages_at_cancel = []

    def cancel_on_first_step(text: str) -> None:
        if "step" in text and not stages_at_cancel:
            stages_at_cancel.append(len(seen.stages))
            click(qtbot, panel.cancel_button)

    panel.runner.stage.connect(cancel_on_first_step)
    with qtbot.waitSignal(panel.runFinished, timeout=120000) as finished:
        click(qtbot, panel.run_button)
    assert finished.args == ["cancelled"], panel.status.text()
    assert panel.status.text() == "Cancelled" and panel.progress.value() == 0
    # a step or two may have been under way when the click arrived, never the 400 of the run
    assert len([s for s in seen.stages if "step" in s]) <= 3
    assert not list(panel.output_dir.glob("*.mp4")) if panel.output_dir.exists() else True
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_wrong_model_folder_is_one_line_in_the_panel(qtbot, panel, tmp_path):
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    panel.base.set_text(str(folder))
    panel.base.changed.emit(str(folder))
    assert panel.family.text() and "\n" not in panel.family.text()
    click(qtbot, panel.run_button)
    assert not panel.running and panel.run_button.isEnabled()
    text = panel.status.text()
    assert text and "\n" not in text and "Traceback" not in text
    assert "e05050" in panel.status.styleSheet()      # shown as an error
    panel.base.set_text("")
    click(qtbot, panel.run_button)
    assert panel.status.text() == "choose a video model folder"
