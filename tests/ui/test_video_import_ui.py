"""Video import in the real main window: a keypoint sequence (a ComfyUI list of frames of a known
walk) lifted by the core importer in a worker thread, landing as one undo step with its keys on
the timeline; cancel leaves the scene as it was; a video's first frame as the preview; File ▸
Import Video… through the (answered) file picker; unreadable sources in one line; a panning
video's turn keyed on the scene camera."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.gui

FRAMES = 8


@pytest.fixture(scope="module")
def frames_file(tmp_path_factory):
    """Two people walking past each other, 8 frames of OpenPose keypoints in one JSON list
    (pixels, canvas): the import fits the second in a worker process."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "video"))
    from motion_cases import keypoint_frames, walk_motion
    from posestudio.body import load_body_model
    from posestudio.render.openpose_json import to_openpose_json
    from posestudio.scene.model import Camera, Canvas

    canvas = Canvas(640, 480)
    camera = Camera(yaw_deg=0.0, pitch_deg=5.0, distance=6.0, target=(0.0, 0.9, 0.0),
                    fov_y_deg=50.0)
    body = load_body_model("mannequin")
    a, _ = keypoint_frames(body, *walk_motion(FRAMES, 30.0, start=(-1.0, 0, 0)), np.zeros(10),
                           camera, canvas, noise=1.0)
    b, _ = keypoint_frames(body, *walk_motion(FRAMES, 30.0, direction=np.pi, start=(1.0, 0, -0.8)),
                           np.zeros(10), camera, canvas, noise=1.0, seed=1)
    path = tmp_path_factory.mktemp("keypoints") / "walk.json"
    path.write_text(json.dumps([to_openpose_json([a[t], b[t]], canvas) for t in range(FRAMES)]))
    return path


@pytest.fixture(scope="module")
def blank_video(tmp_path_factory):
    """20 grey frames (nobody in them) at 20 fps, 64×48."""
    import cv2

    path = tmp_path_factory.mktemp("video") / "empty-room.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 20.0, (64, 48))
    for i in range(20):
        writer.write(np.full((48, 64, 3), 60 + 4 * i, np.uint8))
    writer.release()
    return path


@pytest.fixture
def importer(window):
    from posestudio.ui.timeline import install as install_timeline
    from posestudio.ui.video_import import install

    window.timeline = install_timeline(window)
    controller = install(window)
    yield controller
    controller.shutdown()


def choose(qtbot, panel, path) -> None:
    """Type the path into the source field and press Enter."""
    panel.path.clear()
    qtbot.keyClicks(panel.path, str(path))
    qtbot.keyClick(panel.path, Qt.Key.Key_Return)


def test_keypoint_sequence_lands_as_one_undo_step_with_keys_on_the_timeline(
        qtbot, window, importer, frames_file):
    panel, doc = importer.panel, window.doc
    assert importer.action in window.menuBar().actions()[0].menu().actions()
    choose(qtbot, panel, frames_file)
    assert panel.info.text() == f"{FRAMES} keypoint frames, 640×480"
    panel.fps.setValue(24)
    panel.smoothing.selectAll()                         # typed, as a user would
    qtbot.keyClicks(panel.smoothing, "2")
    assert panel.options().smoothing == 2.0
    before, depth = doc.scene.copy(), doc.undo_stack.count()
    progress = []
    panel.progress.valueChanged.connect(progress.append)
    with qtbot.waitSignal(importer.jobFinished, timeout=60000) as finished:
        qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
        assert importer.busy and panel.cancel_button.isEnabled()
    assert finished.args == ["imported"], panel.status.text()
    assert progress and progress == sorted(progress)
    scene = doc.scene
    assert scene.animation is not None and scene.animation.fps == 24.0
    assert len(scene.people) == 2
    assert [len(track) for track in scene.animation.tracks] == [FRAMES, FRAMES]
    assert (scene.canvas.width, scene.canvas.height) == (640, 480)
    assert doc.undo_stack.count() == depth + 1
    assert doc.undo_stack.undoText() == "Import walk.json"
    assert window.timeline.key_frames(0) == list(range(FRAMES))
    assert f"{FRAMES} frames at 24 fps" in panel.status.text()
    doc.undo_stack.undo()                               # the previous scene comes back whole
    assert doc.scene.animation is None and len(doc.scene.people) == len(before.people)


def test_cancel_leaves_the_scene_unchanged(qtbot, window, importer, frames_file):
    panel, doc = importer.panel, window.doc
    choose(qtbot, panel, frames_file)
    depth = doc.undo_stack.count()
    panel.progress.valueChanged.connect(
        lambda _v: panel.cancel_button.isEnabled() and qtbot.mouseClick(
            panel.cancel_button, Qt.MouseButton.LeftButton))
    with qtbot.waitSignal(importer.jobFinished, timeout=60000) as finished:
        qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["cancelled"]
    assert doc.undo_stack.count() == depth and doc.scene.animation is None
    assert panel.status.text() == "Import cancelled: the scene is unchanged"
    assert panel.import_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_video_preview_menu_import_and_one_line_failures(qtbot, window, importer, modals,
                                                         blank_video, tmp_path):
    panel, doc = importer.panel, window.doc
    depth = doc.undo_stack.count()
    modals.answers["Import video"] = (str(blank_video), "")
    with qtbot.waitSignal(importer.jobFinished, timeout=60000) as finished:
        importer.action.trigger()                  # File ▸ Import Video / Keypoint Sequence…
    # the preview shows the video's first frame
    assert panel.info.text() == "video 64×48 at 20 fps, 20 frames"
    assert panel.preview.pixmap() is not None and not panel.preview.pixmap().isNull()
    # nobody in the room: one line, the scene untouched
    assert finished.args == ["failed"]
    assert "\n" not in panel.status.text() and "nobody" in panel.status.text()
    assert doc.undo_stack.count() == depth and doc.scene.animation is None

    fake = tmp_path / "notes.mp4"
    fake.write_text("not a video")
    choose(qtbot, panel, fake)
    assert panel.status.text() and "\n" not in panel.status.text()
    assert "e05050" in panel.status.styleSheet() and panel.info.text() == ""
    qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
    assert not importer.busy


def test_a_panning_video_turns_the_scene_camera(qtbot, window, importer, tmp_path):
    """A still person filmed by a panning camera: the import says the camera turned, and the
    scene camera's keys turn with it (the viewport shows each frame as the video did)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "video"))
    from motion_cases import panning_shot

    path = tmp_path / "pan.mp4"
    panning_shot(path)
    panel, doc = importer.panel, window.doc
    choose(qtbot, panel, path)
    assert panel.camera_motion.isChecked() and panel.options().camera_motion
    with qtbot.waitSignal(importer.jobFinished, timeout=60000) as finished:
        qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["imported"], panel.status.text()
    assert "the camera turned" in panel.status.text()
    keys = doc.scene.animation.camera_keys
    assert len(keys) == 12 and keys[-1].camera.yaw_deg - keys[0].camera.yaw_deg > 3.0
    # Unticked, the camera is taken as fixed: no camera keys.
    qtbot.mouseClick(panel.camera_motion, Qt.MouseButton.LeftButton)
    assert not panel.options().camera_motion
    with qtbot.waitSignal(importer.jobFinished, timeout=60000) as finished:
        qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["imported"], panel.status.text()
    assert "camera turned" not in panel.status.text()
    assert doc.scene.animation.camera_keys == []
