"""Photo import in the editor: a real photo (scikit-image's astronaut) through the menu's code path
and drag-and-drop, detect + lift in the worker thread, one undo step, the photo behind the
mannequin and aligned with it, cancel and bad files leaving the scene alone, keypoint drag + refit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gui_helpers import drag, framebuffer, save_screenshot
from PySide6 import QtCore, QtGui, QtWidgets

from posestudio.keypoints import people_keypoints_2d

pytestmark = pytest.mark.gui

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"
JOB_TIMEOUT_MS = 120_000          # a cold detector + lift is ~3 s; CI machines are slower
R_WRIST = 4                        # COCO-18 index


def run_job(qtbot, photo, start) -> str:
    """Start a job with ``start()`` and wait for its outcome ("imported", "failed", ...)."""
    with qtbot.waitSignal(photo.jobFinished, timeout=JOB_TIMEOUT_MS) as outcome:
        assert start() is not False
    return outcome.args[0]


def imported(qtbot, photo, path) -> None:
    assert run_job(qtbot, photo, lambda: photo.import_file(path)) == "imported", \
        photo.window.statusBar().currentMessage()
    qtbot.wait(30)


def body_keypoints_of_fit(window) -> np.ndarray:
    """(18, 3) COCO-18 points of the fitted person 0, projected through the scene camera."""
    scene = window.doc.scene
    person = people_keypoints_2d([window.controller.posed[0]], scene.camera, scene.canvas,
                                 hands=False, face=False)[0]
    return person.body


def _file_menu_texts(window) -> list[str]:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    return [a.text() for a in menu.actions()]


def test_import_photo_replaces_the_scene_in_one_undo_step(qtbot, window, photo, astronaut,
                                                          modals):
    doc = window.doc
    original = doc.scene.copy()
    depth = doc.undo_stack.count()
    assert {"Import &Photo…", "Import &OpenPose JSON…"} <= set(_file_menu_texts(window))
    modals.answers["Import photo"] = (str(astronaut), "")     # the file dialog's answer
    assert run_job(qtbot, photo, photo.import_photo_action.trigger) == "imported"
    assert ("getOpenFileName", "Import photo") in modals.seen

    scene = doc.scene
    assert len(scene.people) == 1
    assert (scene.canvas.width, scene.canvas.height) == (512, 512)
    assert doc.undo_stack.count() == depth + 1
    assert window.viewport.look_through and window.actions["look_through"].isChecked()
    assert "astronaut.png" in window.statusBar().currentMessage()
    # one person: no picker, no numbers on the photo
    assert photo.panel.people.isHidden() and photo.labels.isHidden()
    # the fitted mannequin reprojects onto the detected keypoints (within 4 % of the photo)
    fitted, detected = body_keypoints_of_fit(window), photo.state.keypoints[0][:18]
    both = (fitted[:, 2] > 0) & (detected[:, 2] > 0)
    assert both.sum() >= 8
    error = np.linalg.norm(fitted[both, :2] - detected[both, :2], axis=1).mean()
    assert error < 0.04 * 512, error

    window.actions["undo"].trigger()
    assert doc.scene == original
    assert photo.state is None and photo.overlay_points() is None
    window.actions["redo"].trigger()
    assert len(doc.scene.people) == 1 and doc.scene.canvas.width == 512
    assert photo.state is not None and photo.state.image.shape == (512, 512, 3)


def test_the_photo_is_shown_behind_the_mannequin_and_aligned_with_it(qtbot, window, photo,
                                                                      astronaut):
    from skimage import data

    imported(qtbot, photo, astronaut)
    vp, rgb = window.viewport, data.astronaut()
    photo.panel.opacity.setValue(100)
    qtbot.wait(30)
    shown = framebuffer(vp)
    save_screenshot(window, ARTIFACTS / "photo_import.png")

    # a photo pixel away from the person shows the photo itself (opacity 100 %)
    u, v = 480, 40                                   # top-right: the flag / background
    x, y = vp.canvas_to_widget(np.array([[u + 0.5, v + 0.5]]))[0].astype(int)
    assert np.abs(shown[y, x].astype(int) - rgb[v, u]).max() <= 20
    # the mannequin's joints land where the photo's keypoints are, on screen
    fitted, detected = body_keypoints_of_fit(window), photo.state.keypoints[0][:18]
    both = (fitted[:, 2] > 0) & (detected[:, 2] > 0)
    on_screen = vp.canvas_to_widget(detected[both, :2])
    frame = vp.canvas_frame_rect()
    assert np.all((on_screen[:, 0] > frame.left()) & (on_screen[:, 0] < frame.right()))
    error = np.linalg.norm(vp.canvas_to_widget(fitted[both, :2]) - on_screen, axis=1).mean()
    assert error < 0.04 * frame.height()
    # and the mannequin is drawn over the photo there: the neck pixel is not the photo's
    nx, ny = vp.canvas_to_widget(fitted[1:2, :2])[0].astype(int)
    photo.panel.opacity.setValue(0)
    qtbot.wait(30)
    without = framebuffer(vp)
    assert np.abs(without[ny, nx].astype(int) - shown[ny, nx].astype(int)).max() <= 12
    assert np.abs(without[y, x].astype(int) - shown[y, x].astype(int)).max() > 40


def test_keypoints_toggle_shows_and_hides_the_detected_points(qtbot, window, photo, astronaut):
    imported(qtbot, photo, astronaut)
    vp = window.viewport
    photo.panel.opacity.setValue(0)
    points = photo.overlay_points()
    present = points[points[:, 2] > 0]
    assert len(present) >= 18
    x, y = vp.canvas_to_widget(photo.state.keypoints[0][R_WRIST:R_WRIST + 1, :2])[0].round()
    x, y = int(x), int(y)
    qtbot.wait(30)
    on = framebuffer(vp)[y, x].astype(int)
    photo.panel.show_keypoints.setChecked(False)
    qtbot.wait(30)
    off = framebuffer(vp)[y, x].astype(int)
    assert photo.overlay_points() is None
    magenta = np.array([255, 60, 200])
    assert np.abs(on - magenta).max() <= 30 < np.abs(off - magenta).max()


def _drop(window, path: Path) -> tuple[bool, bool]:
    """Send a drag-enter then a drop of ``path`` to the window; (enter accepted, drop accepted)."""
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    pos = QtCore.QPointF(window.width() / 2, window.height() / 2)
    action = QtCore.Qt.DropAction.CopyAction
    enter = QtGui.QDragEnterEvent(pos.toPoint(), action, mime, QtCore.Qt.MouseButton.LeftButton,
                                  QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(window, enter)
    drop = QtGui.QDropEvent(pos, action, mime, QtCore.Qt.MouseButton.LeftButton,
                            QtCore.Qt.KeyboardModifier.NoModifier)
    QtWidgets.QApplication.sendEvent(window, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_dropping_a_photo_on_the_window_imports_it(qtbot, window, photo, astronaut):
    with qtbot.waitSignal(photo.jobFinished, timeout=JOB_TIMEOUT_MS) as outcome:
        assert _drop(window, astronaut) == (True, True)
    assert outcome.args == ["imported"]
    assert len(window.doc.scene.people) == 1 and window.doc.scene.canvas.height == 512


def test_dropping_a_scene_file_still_opens_it(qtbot, window, photo, tmp_path):
    from posestudio.scene.file_format import save_scene

    scene = window.doc.scene.copy()
    scene.canvas.width = 640
    path = tmp_path / "other.pose.json"
    save_scene(scene, path)
    _drop(window, path)
    assert photo.job is None                      # not an import ...
    assert window.doc.scene.canvas.width == 640   # ... the window opened it


def test_cancel_mid_lift_leaves_the_scene_untouched(qtbot, window, photo, astronaut):
    doc = window.doc
    original, depth = doc.scene.copy(), doc.undo_stack.count()
    reached = []
    photo.import_file(astronaut)
    job = photo.job
    job.cancelled.connect(lambda: reached.append("cancelled"), QtCore.Qt.ConnectionType.DirectConnection)
    job.succeeded.connect(lambda _: reached.append("succeeded"), QtCore.Qt.ConnectionType.DirectConnection)
    assert photo.progress.isVisible() and photo.progress.cancel.isEnabled()
    # wait until the lift is running (past detection), then press Cancel
    qtbot.waitUntil(lambda: photo.progress.bar.value() >= 20, timeout=JOB_TIMEOUT_MS)
    with qtbot.waitSignal(photo.jobFinished, timeout=5000) as outcome:
        qtbot.mouseClick(photo.progress.cancel, QtCore.Qt.MouseButton.LeftButton)
    assert outcome.args == ["cancelled"]
    assert not photo.progress.isVisible() and photo.job is None
    assert job.wait(30_000)
    qtbot.wait(50)                                   # any late signal has been delivered
    assert reached == ["cancelled"], "the worker did not stop at the cancel"
    assert doc.scene == original and doc.undo_stack.count() == depth
    assert photo.state is None
    assert "cancelled" in window.statusBar().currentMessage()


@pytest.mark.parametrize("name, content, words", [
    ("broken.png", None, "corrupt"),                      # a truncated PNG
    ("notes.jpg", b"this is not a picture at all\n", "not an image"),
    ("coffee.png", "coffee", "no person"),                 # a real photo with nobody in it
])
def test_bad_photo_gives_one_message_and_leaves_the_scene_untouched(qtbot, window, photo, astronaut,
                                                                    tmp_path, name, content, words):
    from PIL import Image
    from skimage import data

    path = tmp_path / name
    if content is None:
        path.write_bytes(astronaut.read_bytes()[:4000])
    elif content == "coffee":
        Image.fromarray(data.coffee()).save(path)
    else:
        path.write_bytes(content)
    doc = window.doc
    original, depth = doc.scene.copy(), doc.undo_stack.count()
    assert run_job(qtbot, photo, lambda: photo.import_file(path)) == "failed"
    message = window.statusBar().currentMessage()
    assert message.startswith("Import failed:") and words in message.lower(), message
    assert name in message
    assert doc.scene == original and doc.undo_stack.count() == depth and photo.state is None


def test_openpose_json_import_lifts_its_people(qtbot, window, photo, tmp_path):
    """A JSON the CLI's render wrote (OpenPose format + canvas size) goes the same way."""
    import json

    from posestudio.body import pose_people
    from posestudio.render.openpose_json import to_openpose_json
    from posestudio.scene.model import Canvas

    scene = window.doc.scene.copy()
    scene.canvas = Canvas(512, 640)
    scene.people[0].pose[16] = [0.0, 0.0, -1.0]          # left shoulder: arm down
    people = people_keypoints_2d(pose_people(scene), scene.camera, scene.canvas)
    path = tmp_path / "pose_keypoints.json"
    path.write_text(json.dumps(to_openpose_json(people, scene.canvas)))
    assert run_job(qtbot, photo, lambda: photo.import_file(path)) == "imported"
    assert (window.doc.scene.canvas.width, window.doc.scene.canvas.height) == (512, 640)
    assert photo.state.image is None and len(window.doc.scene.people) == 1


def test_dragging_a_keypoint_refits_the_mannequin_to_it(qtbot, window, photo, astronaut):
    imported(qtbot, photo, astronaut)
    vp, doc = window.viewport, window.doc
    before_people = [p.copy() for p in doc.scene.people]
    start = photo.state.keypoints[0][R_WRIST, :2].copy()
    target = start + np.array([60.0, -60.0])             # right wrist up, towards the belly
    a = vp.canvas_to_widget(start[None])[0]
    b = vp.canvas_to_widget(target[None])[0]
    with qtbot.waitSignal(photo.jobFinished, timeout=JOB_TIMEOUT_MS) as outcome:
        drag(qtbot, vp, [a, (a + b) / 2, b])             # drop → refit (auto refit is on)
    assert outcome.args == ["refitted"]
    moved = photo.state.keypoints[0][R_WRIST, :2]
    assert np.linalg.norm(moved - target) < 2.0           # the keypoint went where it was dropped
    wrist = body_keypoints_of_fit(window)[R_WRIST, :2]
    assert np.linalg.norm(wrist - target) < 0.3 * np.linalg.norm(start - target)
    assert doc.scene.people[0].name == before_people[0].name
    # one undo step brings the previous fit and the detected keypoint back
    window.actions["undo"].trigger()
    assert doc.scene.people == before_people
    assert np.allclose(photo.state.keypoints[0][R_WRIST, :2], start)


def test_the_selected_joints_gizmo_wins_over_a_keypoint_under_it(qtbot, window, photo, astronaut):
    from posestudio.skeletons import SMPLX_JOINT_INDEX

    imported(qtbot, photo, astronaut)
    vp, doc = window.viewport, window.doc
    r_elbow = 3                                                   # COCO-18
    keypoint = photo.state.keypoints[0][r_elbow, :2].copy()
    at = vp.canvas_to_widget(keypoint[None])[0]
    assert photo.dragger.keypoint_at(*at) == (0, r_elbow)         # without a gizmo: grabbable
    doc.select(0, SMPLX_JOINT_INDEX["right_elbow"])
    assert vp.gizmo() is not None
    pose = doc.scene.people[0].pose.copy()
    drag(qtbot, vp, [at, at + (15, 0), at + (30, 0)])
    assert photo.job is None                                      # no refit started ...
    assert np.array_equal(photo.state.keypoints[0][r_elbow, :2], keypoint)  # ... nothing moved
    assert not np.array_equal(doc.scene.people[0].pose, pose)     # the drag posed the mannequin


# ---------------------------------------------------------------- several people: who is a mannequin

@pytest.fixture(scope="module")
def two_astronauts(tmp_path_factory) -> Path:
    """A real 1024×512 photo with two people: the astronaut, and beside her the same photo
    mirrored (MediaPipe finds one person per half)."""
    from PIL import Image
    from skimage import data

    rgb = data.astronaut()
    path = tmp_path_factory.mktemp("photos") / "two_astronauts.png"
    Image.fromarray(np.concatenate([rgb, rgb[:, ::-1]], axis=1)).save(path)
    return path


def _people_x(state) -> list[float]:
    """Per detected person, the mean x (photo pixels) of their present body keypoints."""
    return [float(k[:18][k[:18, 2] > 0, 0].mean()) for k in state.keypoints]


def fitted_bodies(window) -> list:
    """Per scene person, COCO-18 keypoints of the fit projected through the scene camera."""
    scene, posed = window.doc.scene, window.controller.posed
    return people_keypoints_2d([posed[i] for i in range(len(scene.people))], scene.camera,
                               scene.canvas, hands=False, face=False)


def _apply(qtbot, photo, ticks: dict[int, bool]) -> None:
    for number, on in ticks.items():
        photo.panel.people.set_ticked(number, on)
    assert photo.panel.people.apply.isEnabled()
    qtbot.mouseClick(photo.panel.people.apply, QtCore.Qt.MouseButton.LeftButton)


def test_two_people_in_a_photo_become_two_mannequins_and_the_user_picks_who(
        qtbot, window, photo, two_astronauts):
    doc, vp = window.doc, window.viewport
    depth = doc.undo_stack.count()
    imported(qtbot, photo, two_astronauts)
    assert doc.undo_stack.count() == depth + 1
    state = photo.state
    assert (state.canvas.width, state.canvas.height) == (1024, 512)
    # everyone becomes a mannequin by default, numbered largest first, named by their number
    assert len(doc.scene.people) == 2 and state.chosen == [True, True]
    assert [p.name for p in doc.scene.people] == ["Person 1", "Person 2"]
    xs = _people_x(state)
    assert sorted(xs)[0] < 512 < sorted(xs)[1]                 # one person on each half
    from posestudio.ui.photo_import.fitting import person_size

    assert person_size(state.keypoints[0]) >= person_size(state.keypoints[1])
    # each mannequin stands on its own person (mean of its projected body joints)
    fitted = fitted_bodies(window)
    for person, x in zip(fitted, xs):
        assert abs(person.body[person.body[:, 2] > 0, 0].mean() - x) < 0.05 * 1024
    # the picker lists both, ticked; the photo shows both numbers, each above its own person
    picker = photo.panel.people
    assert not picker.isHidden() and picker.list.count() == 2 and picker.ticks() == [True, True]
    assert not picker.apply.isEnabled()                         # nothing to apply yet
    assert photo.labels.isVisible()
    centers, frame = photo.labels.badge_centers(), vp.canvas_frame_rect()
    for number, x in zip((1, 2), xs):
        cx = (centers[number][0] - frame.x()) * 1024 / frame.width()
        assert abs(cx - x) < 0.1 * 1024
    both = photo.overlay_points()
    assert (both[:, 2] > 0).sum() >= 2 * 12
    first, second = (p.copy() for p in doc.scene.people)
    neck_2 = vp.canvas_to_widget(state.keypoints[1][1:2, :2])[0]
    assert photo.dragger.keypoint_at(*neck_2)[0] == 1          # person 2's points can be dragged

    # untick person 2 + Apply: one mannequin (person 1, untouched), one undo step
    _apply(qtbot, photo, {2: False})
    assert len(doc.scene.people) == 1 and doc.scene.people[0] == first
    assert doc.undo_stack.count() == depth + 2
    assert photo.state.chosen == [True, False] and picker.ticks() == [True, False]
    assert not picker.apply.isEnabled()
    shown = photo.overlay_points()                              # only person 1's keypoints
    assert (shown[:, 2] > 0).sum() == (state.keypoints[0][:, 2] > 0).sum()
    assert [m.chosen for m in photo.people_marks()] == [True, False]
    assert photo.dragger.keypoint_at(*neck_2) is None           # ... not while left out
    photo.panel.opacity.setValue(100)
    qtbot.wait(50)
    save_screenshot(window, ARTIFACTS / "photo_import_people.png")

    # undo brings both back exactly, redo leaves person 2 out again
    window.actions["undo"].trigger()
    assert doc.scene.people == [first, second] and photo.state.chosen == [True, True]
    assert picker.ticks() == [True, True]
    window.actions["redo"].trigger()
    assert doc.scene.people == [first] and picker.ticks() == [True, False]

    # ticking person 2 again brings back the mannequin fitted at import, no new lift
    _apply(qtbot, photo, {2: True})
    assert photo.job is None and doc.scene.people == [first, second]
    # only person 2 chosen: person 1 leaves, person 2 takes the first slot
    _apply(qtbot, photo, {1: False})
    assert doc.scene.people == [second]
    # unticking everyone cannot be applied
    photo.panel.people.set_ticked(2, False)
    assert not picker.apply.isEnabled()
    assert photo.choose_people([False, False]) is False and doc.scene.people == [second]


def test_refit_with_a_person_left_out_keeps_them_out_and_in_the_same_world(
        qtbot, window, photo, tmp_path):
    """An OpenPose JSON with two people, written by the CLI's render of the two-people example:
    leave one out, refit, put them back: they stand where they stood."""
    from posestudio.cli import main as cli

    examples = Path(__file__).resolve().parents[2] / "resources" / "examples"
    example = examples / "two_people.pose.json"
    assert cli(["render", str(example), "--out", str(tmp_path), "--maps", "openpose"]) == 0
    doc = window.doc
    imported(qtbot, photo, tmp_path / "openpose.json")
    assert len(doc.scene.people) == 2 and photo.state.image is None
    assert not photo.panel.people.isHidden()
    _apply(qtbot, photo, {1: False})
    kept = doc.scene.people[0].copy()
    depth = doc.undo_stack.count()
    assert run_job(qtbot, photo, photo.refit) == "refitted"
    assert doc.undo_stack.count() == depth + 1
    assert len(doc.scene.people) == 1 and doc.scene.people[0].name == kept.name
    assert np.linalg.norm(doc.scene.people[0].transl - kept.transl) < 0.05   # same place
    _apply(qtbot, photo, {1: True})
    assert len(doc.scene.people) == 2
    fitted = fitted_bodies(window)
    for person, keypoints in zip(fitted, photo.state.keypoints):  # both reproject onto the JSON
        both = (person.body[:, 2] > 0) & (keypoints[:18, 2] > 0)
        error = np.linalg.norm(person.body[both, :2] - keypoints[:18][both, :2], axis=1).mean()
        assert error < 0.04 * doc.scene.canvas.height, error
    window.actions["undo"].trigger()
    assert len(doc.scene.people) == 1


def test_refit_keeps_the_users_edits_and_the_matched_camera(qtbot, window, photo, astronaut):
    """Refit is a warm start from the people as they stand: a knee the user bent (the legs are
    out of the photo) stays bent, and the fit looks through the photo's camera even after the
    user orbited the scene camera."""
    import dataclasses

    from posestudio.scene.edits import SetCamera, SetJointRotation
    from posestudio.skeletons import SMPLX_JOINT_INDEX

    imported(qtbot, photo, astronaut)
    doc = window.doc
    matched = doc.scene.camera
    bent = np.array([0.9, 0.0, 0.0])
    doc.push(SetJointRotation.from_scene(doc.scene, 0, "left_knee", bent))
    doc.push(SetCamera(matched, dataclasses.replace(matched, yaw_deg=matched.yaw_deg + 60)))
    start = photo.state.keypoints[0][R_WRIST, :2].copy()
    target = start + np.array([40.0, -40.0])
    photo.move_keypoint(0, R_WRIST, target * photo._to_scene_canvas())
    assert run_job(qtbot, photo, photo.refit) == "refitted"
    knee = doc.scene.people[0].pose[SMPLX_JOINT_INDEX["left_knee"]]
    assert np.linalg.norm(knee - bent) < 0.1, knee
    assert doc.scene.camera == matched                  # shown again through the photo's camera
    wrist = body_keypoints_of_fit(window)[R_WRIST, :2]
    assert np.linalg.norm(wrist - target) < 0.5 * np.linalg.norm(start - target)
