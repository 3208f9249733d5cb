"""The timeline dock: key poses at frames (one undo step each), scrub between them, move keys by
dragging their marks, copy/paste a pose between frames, key only the selected joint, onion-skin
ghosts, and playback at real speed that drops frames rather than slowing down."""

from __future__ import annotations

import time

import numpy as np
import pytest
from gui_helpers import drag
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from posestudio.scene.edits import SetCamera, SetJointRotation
from posestudio.skeletons import SMPLX_JOINT_INDEX as J

ELBOW = J["left_elbow"]


def test_the_clock_computes_the_frame_due_from_elapsed_time(qapp):
    from posestudio.ui.timeline.clock import PlaybackClock

    clock = PlaybackClock()
    clock.fps, clock.first, clock.last = 30.0, 10, 39          # 30 frames
    clock._origin = 10
    assert clock.frame_at(0.0) == (10, True)
    assert clock.frame_at(0.5) == (25, True)
    assert clock.frame_at(1.0 + 2 / 30) == (12, True)           # wrapped round the loop
    clock.loop = False
    assert clock.frame_at(5.0) == (39, False)                    # stops on the last frame


def test_limb_joints_are_the_joint_and_everything_below_it():
    from posestudio.ui.timeline.controller import limb_joints

    arm = limb_joints(J["left_shoulder"])
    assert arm[:3] == [J["left_shoulder"], J["left_elbow"], J["left_wrist"]]
    assert J["left_index3"] in arm and J["right_wrist"] not in arm


@pytest.fixture
def timeline(window):
    from posestudio.ui.timeline import install

    return install(window)


def _bend(window, angle: float) -> None:
    doc = window.doc
    doc.push(SetJointRotation.from_scene(doc.scene, 0, ELBOW, [0.0, 0.0, angle]))


def _elbow(window) -> np.ndarray:
    return window.doc.scene.people[0].pose[ELBOW].copy()


@pytest.mark.gui
def test_key_scrub_undo_and_move_a_key_with_the_mouse(window, qtbot, timeline):
    doc, panel = window.doc, timeline.panel
    window.doc.select(0, -1)
    steps = doc.undo_stack.count()
    _bend(window, 0.0)
    QTest.mouseClick(panel.set_key, Qt.MouseButton.LeftButton)          # key at frame 0
    timeline.go_to(30)
    _bend(window, -1.2)
    QTest.mouseClick(panel.set_key, Qt.MouseButton.LeftButton)          # key at frame 30
    assert doc.undo_stack.count() == steps + 2 + 1                      # 2 keys + 1 rotation
    assert timeline.key_frames() == [0, 30]
    assert doc.scene.animation.fps == 30.0

    wrist_at_30 = np.asarray(window.controller.posed[0].joints[J["left_wrist"]]).copy()
    timeline.go_to(15)                                                  # scrub: in between
    mid = _elbow(window)[2]
    assert -1.2 < mid < 0.0
    assert not np.allclose(window.controller.posed[0].joints[J["left_wrist"]], wrist_at_30)
    timeline.go_to(30)
    assert np.allclose(_elbow(window), [0, 0, -1.2])
    assert doc.undo_stack.count() == steps + 3                          # scrubbing is no edit

    # drag the key mark at frame 30 to frame 45 on the ruler: one undo step
    ruler = panel.ruler
    y = ruler.height() - 12
    start, end = ruler.x_of(30), ruler.x_of(45)
    drag(qtbot, ruler, [(start, y), ((start + end) / 2, y), (end, y)])
    assert timeline.key_frames() == [0, 45]
    assert timeline.frame == 45 and np.allclose(_elbow(window), [0, 0, -1.2])
    doc.undo_stack.undo()
    assert timeline.key_frames() == [0, 30]
    doc.undo_stack.undo()                                               # the second key
    assert timeline.key_frames() == [0]

    # delete the last key: the scene is a still one again after undoing the first key too
    timeline.go_to(0)
    timeline.delete_key()
    assert timeline.key_frames() == []
    doc.undo_stack.undo()
    assert timeline.key_frames() == [0]


@pytest.mark.gui
def test_copy_paste_and_key_only_the_selected_joint(window, qtbot, timeline):
    doc, panel = window.doc, timeline.panel
    doc.select(0, -1)
    _bend(window, -0.9)
    doc.push(SetJointRotation.from_scene(doc.scene, 0, J["right_knee"], [0.7, 0, 0]))
    timeline.set_key()                                                   # frame 0
    timeline.copy_pose()
    timeline.go_to(20)
    _bend(window, 0.0)
    doc.push(SetJointRotation.from_scene(doc.scene, 0, J["right_knee"], [0.0, 0, 0]))
    timeline.set_key()                                                   # frame 20: straight
    timeline.go_to(40)
    steps = doc.undo_stack.count()
    timeline.paste_pose()                                                # frame 40 = frame 0
    assert doc.undo_stack.count() == steps + 1
    key40 = doc.scene.animation.tracks[0][-1]
    assert np.allclose(key40.pose, doc.scene.animation.tracks[0][0].pose)

    # key only the selected joint at frame 20: the knee keeps the animation's value there
    timeline.go_to(20)
    doc.select(0, ELBOW)
    panel.scope.setCurrentIndex(1)                                       # "Selected joint"
    _bend(window, -0.4)
    doc.push(SetJointRotation.from_scene(doc.scene, 0, J["right_knee"], [1.3, 0, 0]))
    timeline.set_key()
    key20 = doc.scene.animation.tracks[0][1]
    assert np.allclose(key20.pose[ELBOW], [0, 0, -0.4])
    assert np.allclose(key20.pose[J["right_knee"]], 0.0)                 # not the 1.3 change


@pytest.mark.gui
def test_onion_skin_shows_faded_ghosts_of_neighbouring_frames(window, qtbot, timeline):
    from posestudio.ui.viewport.onion import ghost_alpha

    doc, panel = window.doc, timeline.panel
    doc.select(0, -1)
    timeline.set_key()
    timeline.go_to(30)
    _bend(window, -1.5)
    timeline.set_key()
    timeline.go_to(15)
    assert timeline.onion.count() == 0
    panel.onion_frames.setValue(2)
    panel.onion.setChecked(True)
    ghosts = timeline.onion_ghosts()
    assert sorted(g.offset for g in ghosts) == [-2, -1, 1, 2]
    assert timeline.onion.count() == 8                                   # bones + mesh each
    wrists = {g.offset: g.joints[J["left_wrist"]] for g in ghosts}
    assert np.linalg.norm(wrists[2] - wrists[-2]) > 0.02                 # they show the motion
    assert ghost_alpha(1, 2) > ghost_alpha(2, 2)                         # farther = fainter
    panel.onion.setChecked(False)
    assert timeline.onion.count() == 0


@pytest.mark.gui
def test_playback_keeps_real_speed_and_drops_frames_when_drawing_is_slow(window, qtbot,
                                                                         timeline):
    doc = window.doc
    doc.select(0, -1)
    timeline.set_key()
    timeline.go_to(60)
    _bend(window, -1.0)
    timeline.set_key()                                                   # 2 s at 30 fps
    timeline.go_to(0)
    shown = []
    timeline.frameShown.connect(lambda f: (shown.append(f), time.sleep(0.05)))  # 50 ms a frame
    started = time.perf_counter()
    timeline.toggle_play()
    assert timeline.clock.playing() and timeline.panel.play.isChecked()
    qtbot.wait(1000)
    elapsed = time.perf_counter() - started
    timeline.toggle_play()
    assert not timeline.clock.playing()
    # real speed: the last frame shown is where 30 fps puts it, within a few frames
    assert abs(shown[-1] - elapsed * 30) < 5, (shown[-1], elapsed)
    assert timeline.clock.dropped > 0 and len(shown) < elapsed * 30      # it skipped frames
    assert doc.undo_stack.count() == 3                                   # playing is no edit


@pytest.mark.gui
def test_an_unkeyed_change_on_an_animated_person_says_how_to_keep_it(window, timeline):
    window.doc.select(0, -1)
    timeline.set_key()
    timeline.go_to(10)
    _bend(window, -0.5)
    assert "press K" in window.statusBar().currentMessage()
    timeline.set_key()
    assert timeline.key_frames() == [0, 10]


@pytest.mark.gui
def test_a_keyed_camera_moves_between_its_keys(window, timeline):
    import dataclasses

    doc = window.doc
    timeline.key_camera()
    timeline.go_to(30)
    doc.push(SetCamera.from_scene(doc.scene, dataclasses.replace(doc.scene.camera, yaw_deg=60.0)))
    timeline.key_camera()
    assert len(doc.scene.animation.camera_keys) == 2
    timeline.go_to(15)
    assert 0.0 < doc.scene.camera.yaw_deg < 60.0
    timeline.go_to(0)
    assert doc.scene.camera.yaw_deg == 0.0


@pytest.mark.gui
def test_an_animated_scene_opens_at_its_first_frame_and_plays_its_keys(window, timeline,
                                                                        tmp_path):
    doc = window.doc
    doc.select(0, -1)
    timeline.go_to(5)
    timeline.set_key()
    timeline.go_to(25)
    _bend(window, -1.0)
    timeline.set_key()
    path = tmp_path / "clip.pose.json"
    assert window.save_to(path)
    timeline.go_to(40)
    window.new_file()
    assert doc.scene.animation is None and timeline.key_frames() == []
    assert window.open_file(path)
    assert timeline.frame == 0 and timeline.key_frames() == [5, 25]   # the play range's start
    assert np.allclose(_elbow(window), 0.0)
    timeline.go_to(25)
    assert np.allclose(_elbow(window), [0, 0, -1.0])


@pytest.mark.gui
def test_a_keys_interpolation_is_chosen_in_the_panel(window, timeline):
    doc, panel = window.doc, timeline.panel
    doc.select(0, -1)
    timeline.set_key()
    timeline.go_to(20)
    _bend(window, -1.2)
    timeline.set_key()
    timeline.go_to(10)
    assert not panel.interp.isEnabled()                      # no key at frame 10
    smooth = _elbow(window)[2]
    timeline.go_to(0)
    assert panel.interp.isEnabled() and panel.interp.currentData() == "smooth"
    steps = doc.undo_stack.count()
    panel.interp.setCurrentIndex(panel.interp.findData("hold"))
    panel.interp.activated.emit(panel.interp.currentIndex())   # as a user's pick does
    assert doc.undo_stack.count() == steps + 1
    assert doc.scene.animation.tracks[0][0].interp == "hold"
    timeline.go_to(10)
    assert _elbow(window)[2] == 0.0 and smooth < -0.1        # held until the next key
    doc.undo_stack.undo()
    assert np.allclose(_elbow(window)[2], smooth)


@pytest.mark.gui
def test_play_range_and_fps_are_edits_and_the_views_follow_the_frame(window, qtbot, timeline):
    doc, panel = window.doc, timeline.panel
    doc.select(0, -1)
    timeline.set_key()
    timeline.go_to(30)
    _bend(window, -1.0)
    timeline.set_key()
    assert timeline.play_range() == (0, 30)
    steps = doc.undo_stack.count()
    panel.range_end.setValue(45)                              # loop a bit longer
    assert timeline.play_range() == (0, 45) and doc.undo_stack.count() == steps + 1
    panel.fps.setValue(15.0)                                  # keys stay at their seconds
    assert doc.scene.animation.fps == 15.0 and timeline.key_frames() == [0, 15]
    doc.undo_stack.undo()
    assert timeline.key_frames() == [0, 30]
    # every view hears about a new frame (previews and export read the same scene)
    with qtbot.waitSignal(doc.changed, timeout=1000) as heard:
        timeline.go_to(15)
    assert any(c.kind == "person" for c in heard.args[0])
