"""A turning camera in a video (``video.camera_motion``): its turn measured from the background,
the people moved into the first frame's camera and the scene camera keyed to turn with the
video's, so every frame's render still overlays the clip."""

from __future__ import annotations

import numpy as np
import pytest

from motion_cases import FOCAL, brick_wall, panning_shot, turned_view
from posestudio.rotations import axis_angle_to_matrix
from posestudio.video.camera_motion import CameraMotion, angle_deg


def _pan(frames: int) -> list[np.ndarray]:
    """A pan right with a little tilt and roll: 0.5° a frame about the camera's up axis."""
    return [axis_angle_to_matrix(np.radians([0.15, -0.5, 0.05]) * t) for t in range(frames)]


def test_a_pan_is_measured_from_the_background_and_people_are_left_out():
    """Someone large crosses the picture (a third of it, textured): followed with the wall,
    they would read as a 12° turn; their keypoints' box leaves them out."""
    skimage_data = pytest.importorskip("skimage.data")
    person = skimage_data.astronaut()[0:400, 50:350]
    wall = brick_wall(1200, 900)
    truth = _pan(16)
    camera = CameraMotion(FOCAL, (640, 480))
    for t, rotation in enumerate(truth):
        frame = turned_view(wall, rotation, (640, 480))
        x = 20 + 12 * t
        frame[40:440, x:x + 300] = person
        camera.update(frame, [np.array([x + 40, 60, x + 260, 420])])   # their keypoints' box
    measured = camera.rotations
    assert measured.shape == (16, 3, 3) and camera.measured == 15
    errors = [angle_deg(m.T @ r) for m, r in zip(measured, truth)]
    assert max(errors) < 0.1, errors
    assert angle_deg(measured[-1]) == pytest.approx(angle_deg(truth[-1]), abs=0.1)


def test_a_still_camera_reads_still_and_a_blank_frame_holds():
    wall = brick_wall(640, 480)
    camera = CameraMotion(FOCAL, (640, 480))
    for t in range(6):
        camera.update(wall if t != 3 else np.full_like(wall, 90))   # a blank frame: no points
    assert camera.measured < 5
    assert max(angle_deg(r) for r in camera.rotations) < 0.05
    # A stream that changes size mid-way (a crafted file can): held, not a crash.
    camera.update(brick_wall(320, 200))
    camera.update(np.zeros((1, 1, 3), np.uint8))
    assert len(camera.rotations) == 8 and angle_deg(camera.rotations[-1]) < 0.05


def test_moved_bodies_and_the_keyed_camera_reproject_as_each_frame_saw_them(mannequin):
    from posestudio.anim import animation_from_samples
    from posestudio.anim.evaluate import scene_at
    from posestudio.keypoints import people_keypoints_2d
    from posestudio.lift.camera_match import (
        scene_camera, to_first_camera, turning_camera_keys, world_offset,
    )
    from posestudio.scene.model import Canvas, Person, Scene

    canvas = Canvas(640, 480)
    rng = np.random.default_rng(1)
    frames = 5
    rotations = np.stack([axis_angle_to_matrix(np.radians([3.0, -8.0, 2.0]) * t / frames)
                          for t in range(frames)])
    poses = rng.normal(0, 0.15, (frames, 55, 3))
    poses[:, 0] = np.radians([10.0, 160.0, 0.0])
    transl = np.array([0.2, -0.3, -4.0]) + rng.normal(0, 0.05, (frames, 3))
    betas = np.zeros(10)

    rest = mannequin.pose(betas=betas, pose=np.zeros((55, 3))).joints[0]
    moved, moved_transl = to_first_camera(poses, transl, rest, rotations)
    pelvis = mannequin.pose(betas=betas, pose=moved[0], transl=moved_transl[0]).joints[0]
    offset = world_offset(pelvis, -1.0)
    camera = scene_camera(offset, pelvis, FOCAL, canvas)
    animation = animation_from_samples([moved], [moved_transl + offset], 10.0,
                                       camera_keys=turning_camera_keys(camera, rotations, 10.0))
    scene = Scene(canvas=canvas, camera=camera, people=[Person(name="a", betas=betas)],
                  animation=animation)
    for t in range(frames):
        still = scene_at(scene, t / 10.0)
        posed = mannequin.pose(betas=betas, pose=still.people[0].pose,
                               transl=np.asarray(still.people[0].transl))
        drawn = people_keypoints_2d([posed], still.camera, canvas, hands=False, face=False)[0]
        body_seen = people_keypoints_2d(
            [mannequin.pose(betas=betas, pose=poses[t], transl=transl[t] + offset)],
            camera, canvas, hands=False, face=False)[0]
        # Against the fit in frame t's own camera (the scene camera of a fixed video).
        np.testing.assert_allclose(drawn.body[:, :2], body_seen.body[:, :2], atol=0.05)
    assert len(animation.camera_keys) == frames


def test_a_panning_camera_turns_the_scene_camera_not_the_person(tmp_path, cli):
    """A still person (the astronaut, on a brick wall) filmed by a camera panning across: the
    person moves in the picture, but the import puts the turn in the scene camera's keys and
    the person stays where they are."""
    from posestudio.video.importer import import_video

    path = tmp_path / "pan.mp4"
    truth = panning_shot(path)
    scene, report = import_video(path, focal_px=FOCAL)
    assert report.camera_turn_deg == pytest.approx(angle_deg(truth[-1]), abs=0.5)
    # Each frame's keypoints are matched through that frame's camera (a pan of ~60 px is not
    # counted as error).
    assert report.reprojection_px[0] < 10.0, report.reprojection_px
    keys = scene.animation.camera_keys
    assert len(keys) == report.num_frames == 12
    assert keys[-1].camera.yaw_deg - keys[0].camera.yaw_deg == pytest.approx(6.6, abs=0.6)
    # The person slides ~60 px across the picture: taken as a fixed camera's, that is 0.18 m
    # sideways and a 6° turn of the body; with the camera turning, they stay (nearly) put.
    track = scene.animation.tracks[0]
    drift = np.asarray(track[-1].transl) - np.asarray(track[0].transl)
    assert abs(drift[0]) < 0.08, drift
    facing = [axis_angle_to_matrix(np.asarray(key.pose[0]))[:, 2] for key in (track[0], track[-1])]
    heading = [np.degrees(np.arctan2(f[0], f[2])) for f in facing]   # about the vertical
    assert abs(heading[1] - heading[0]) < 3.0, heading
    # The command line says so; --fixed-camera takes it as fixed (no keys, the pan in the body).
    from posestudio.scene.file_format import load_scene

    result = cli("import", path, "--out", tmp_path / "pan.pose.json", "--focal-px", "500")
    assert result.code == 0, result.err
    assert "the camera turned 6.6°, keyed on the scene camera" in result.out
    fixed = tmp_path / "fixed.pose.json"
    result = cli("import", path, "--out", fixed, "--focal-px", "500", "--fixed-camera")
    assert result.code == 0 and "camera turned" not in result.out, result
    track = load_scene(fixed).animation
    assert track.camera_keys == []
    assert abs(track.tracks[0][-1].transl[0] - track.tracks[0][0].transl[0]) > 0.12
