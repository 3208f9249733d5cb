"""Warm-start refit: a dragged keypoint moves its limb, the rest of the body stays put."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lift_cases import make_case
from posestudio import camera as cam
from posestudio.body import load_body_model
from posestudio.errors import Cancelled, LiftError
from posestudio.lift import targets_of
from posestudio.lift.importer import refit_person
from posestudio.presets import load_pose_preset
from posestudio.scene.model import Person
from posestudio.skeletons import COCO18_NAMES
from posestudio.skeletons import SMPLX_JOINT_INDEX as J

R_WRIST = COCO18_NAMES.index("right_wrist")
# The dragged arm may move; every other body joint must stay where it was.
ARM = {J[n] for n in ("right_collar", "right_shoulder", "right_elbow", "right_wrist")}
STILL = [j for j in range(22) if j not in ARM]


@pytest.fixture(scope="module", params=[("standing", -30.0), ("walking", 20.0), ("standing", 150.0)],
                ids=lambda p: f"{p[0]}-yaw{p[1]:g}")
def lifted(request):
    """A person as a lift would have left them (here: the truth), their camera and keypoints."""
    name, yaw = request.param
    pose = load_pose_preset(name)[0]
    case = make_case(pose, yaw=yaw)
    return Person(pose=pose, betas=case.betas), case, targets_of(case.keypoints)


def _joints(person):
    return load_body_model("mannequin").pose_person(person).joints.astype(np.float64)


@pytest.mark.parametrize("drag", [(30.0, -40.0), (-30.0, -40.0), (40.0, 0.0)])
def test_wrist_drag_moves_the_wrist_and_nothing_else(lifted, drag):
    person, case, targets = lifted
    pose_before = person.pose.copy()
    edited = targets.copy()
    edited[R_WRIST, :2] += drag
    before = _joints(person)
    refitted = refit_person(person, edited, case.camera, case.canvas)
    after = _joints(refitted)
    wrist_uv = cam.project(after[[J["right_wrist"]]], case.camera, case.canvas)[0][0]
    remaining = np.linalg.norm(wrist_uv - edited[R_WRIST, :2])
    assert remaining < 0.3 * np.hypot(*drag)                     # most of the way to the drag
    moved_cm = 100 * np.linalg.norm(after[STILL] - before[STILL], axis=1)
    assert moved_cm.max() < 2.0, dict(zip([load_body_model("mannequin").joint_names[j] for j in STILL],
                                          moved_cm.round(2)))
    assert np.array_equal(person.pose, pose_before)  # the input person is left as it was


def test_refit_without_edits_leaves_the_person_in_place(lifted):
    person, case, targets = lifted
    refitted = refit_person(person, targets, case.camera, case.canvas)
    # Body joints, metres; not 0: the pose prior pulls the ground-truth pose a little.
    assert np.abs(_joints(refitted)[:22] - _joints(person)[:22]).max() < 0.015
    assert refitted is not person and refitted.name == person.name


def test_refit_keeps_the_world_frame_of_any_camera(lifted):
    """The person and camera placed anywhere in the world: the refit comes back in that world."""
    person, case, targets = lifted
    shift = np.array([0.3, 1.0, -0.2])
    moved = person.copy()
    moved.transl = moved.transl + shift
    camera = replace(case.camera, target=tuple(np.add(case.camera.target, shift)))
    refitted = refit_person(moved, targets, camera, case.canvas)
    assert np.abs(_joints(refitted)[:22] - _joints(moved)[:22]).max() < 0.015


def test_cancel_and_bad_input(lifted):
    person, case, targets = lifted
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        refit_person(person, targets, case.camera, case.canvas, cancelled=stop)
    seen = []
    refit_person(person, targets, case.camera, case.canvas, progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    few = np.zeros((130, 3))
    few[:3] = targets[:3]
    with pytest.raises(LiftError, match="too few"):
        refit_person(person, few, case.camera, case.canvas)
    with pytest.raises(LiftError, match="shape"):
        refit_person(person, np.zeros((7, 3)), case.camera, case.canvas)


def test_refit_on_a_real_photo_follows_a_dragged_keypoint(astronaut_jpg):
    """The astronaut lifted from her photo; the first arm keypoint she shows dragged up and out.
    (Her wrists are at the photo's edge, the detector often drops them: then an elbow.)"""
    from posestudio.lift.importer import import_photo

    scene, imported = import_photo(astronaut_jpg)
    person = scene.people[0]
    targets = targets_of(imported.people[0])
    side, part = next((s, p) for p in ("wrist", "elbow") for s in ("right", "left")
                      if targets[COCO18_NAMES.index(f"{s}_{p}"), 2] > 0)
    k, joint = COCO18_NAMES.index(f"{side}_{part}"), J[f"{side}_{part}"]
    arm = {J[f"{side}_{n}"] for n in ("collar", "shoulder", "elbow", "wrist")}
    still = [j for j in range(22) if j not in arm]
    before = _joints(person)
    drag = np.array([-20.0 if side == "right" else 20.0, -30.0])
    edited = targets.copy()
    edited[k, :2] = cam.project(before[[joint]], scene.camera, scene.canvas)[0][0] + drag
    refitted = refit_person(person, edited, scene.camera, scene.canvas)
    after = _joints(refitted)
    uv = cam.project(after[[joint]], scene.camera, scene.canvas)[0][0]
    assert np.linalg.norm(uv - edited[k, :2]) < 0.4 * np.linalg.norm(drag), (side, part)
    assert 100 * np.linalg.norm(after[still] - before[still], axis=1).max() < 2.0
