"""Keyframe evaluation: hold keys exact, rotations on the sphere, eased speed continuous,
frame times, tracks parallel to people."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posestudio.anim import Animation, CameraKey, PoseKey, animation_from_samples, frame_times, scene_at
from posestudio.errors import InputError
from posestudio.rotations import axis_angle_to_matrix, rotation_distance
from posestudio.scene.model import Camera, Person, Scene


def _pose(**joints):
    from posestudio.skeletons import SMPLX_JOINT_INDEX

    pose = np.zeros((55, 3))
    for name, value in joints.items():
        pose[SMPLX_JOINT_INDEX[name]] = value
    return pose


def _scene(keys, **kw):
    return Scene(people=[Person()], animation=Animation(tracks=[keys], **kw))


def test_hold_keys_are_exact_and_values_clamp_outside_the_keys():
    a = _pose(left_knee=[1.0, 0.2, -0.3])
    b = _pose(left_knee=[-0.4, 0.1, 0.9])
    scene = _scene([PoseKey(0.5, a, [0, 0.1, 0], "hold"), PoseKey(1.5, b, [1, 0, 0], "hold")])
    for t in (0.0, 0.5, 0.9, 1.4999):
        s = scene_at(scene, t)
        np.testing.assert_array_equal(s.people[0].pose, a)
        np.testing.assert_array_equal(s.people[0].transl, [0, 0.1, 0])
        assert s.animation is None
    np.testing.assert_array_equal(scene_at(scene, 1.5).people[0].pose, b)
    np.testing.assert_array_equal(scene_at(scene, 9.0).people[0].pose, b)
    assert scene.animation is not None and scene.people[0].pose.any() == 0  # input untouched


def test_linear_is_slerp_not_axis_angle_lerp():
    a = _pose(pelvis=[0.0, 3.0, 0.0])           # 172° about y
    b = _pose(pelvis=[0.0, -3.0, 0.0])          # -172°: 16° away the short way round
    scene = _scene([PoseKey(0.0, a, interp="linear"), PoseKey(1.0, b)])
    mid = scene_at(scene, 0.5).people[0].pose[0]
    # the short arc goes through ±180°, axis-angle lerp would have given 0 (identity)
    assert abs(np.linalg.norm(mid) - math.pi) < 1e-9
    ma, mb, mm = (axis_angle_to_matrix(v) for v in (a[0], b[0], mid))
    assert abs(rotation_distance(ma, mm) - rotation_distance(mm, mb)) < 1e-9


@pytest.mark.parametrize("interp", ["ease", "smooth"])
def test_eased_and_smooth_clips_have_continuous_joint_speed(interp):
    poses = [_pose(left_elbow=[0, 0, 0]), _pose(left_elbow=[0.3, 1.2, 0.0]),
             _pose(left_elbow=[1.0, 0.4, -0.5]), _pose(left_elbow=[0.2, -0.6, 0.4])]
    keys = [PoseKey(t, p, [t, 0, 0], interp) for t, p in zip((0.0, 1.0, 2.0, 3.0), poses)]
    scene = _scene(keys)
    from posestudio.skeletons import SMPLX_JOINT_INDEX

    j = SMPLX_JOINT_INDEX["left_elbow"]  # the angular speed of that joint's rotation
    h = 1e-4

    def speed(t):
        m0 = axis_angle_to_matrix(scene_at(scene, t - h).people[0].pose[j])
        m1 = axis_angle_to_matrix(scene_at(scene, t + h).people[0].pose[j])
        return rotation_distance(m0, m1) / (2 * h)

    for t_key in (1.0, 2.0):
        before, after = speed(t_key - 3 * h), speed(t_key + 3 * h)
        assert abs(before - after) < 0.01 * (1 + max(before, after)), (t_key, before, after)
        if interp == "ease":
            assert before < 0.01 and after < 0.01  # eased: comes to rest at each key
        else:
            assert before > 0.1  # smooth: passes through the key moving


def test_frame_times_and_still_scene():
    keys = [PoseKey(0.0, _pose()), PoseKey(2.0, _pose())]
    scene = _scene(keys, fps=10)
    t = frame_times(scene)
    assert len(t) == 21 and t[0] == 0.0 and t[-1] == 2.0
    np.testing.assert_allclose(frame_times(scene, fps=4, start=2, end=5), [0.5, 0.75, 1.0])
    np.testing.assert_array_equal(frame_times(Scene()), [0.0])
    still = Scene(people=[Person(pose=_pose(neck=[0.1, 0, 0]))])
    assert scene_at(still, 3.0).people[0] == still.people[0]


def test_camera_keys_and_people_without_keys():
    cams = [CameraKey(0.0, Camera(yaw_deg=0.0), "linear"), CameraKey(1.0, Camera(yaw_deg=90.0))]
    own = _pose(neck=[0.2, 0, 0])
    scene = Scene(people=[Person(pose=own), Person()],
                  animation=Animation(tracks=[[], [PoseKey(0.0, _pose())]], camera_keys=cams))
    s = scene_at(scene, 0.25)
    assert s.camera.yaw_deg == pytest.approx(22.5)
    np.testing.assert_array_equal(s.people[0].pose, own)


def test_validation_names_the_problem():
    with pytest.raises(InputError, match="later than"):
        Animation(tracks=[[PoseKey(1.0, _pose()), PoseKey(1.0, _pose())]])
    with pytest.raises(InputError, match="interp"):
        PoseKey(0.0, _pose(), interp="bezier")
    with pytest.raises(InputError, match="fps"):
        Animation(fps=0)
    with pytest.raises(InputError, match="parallel"):
        scene_at(Scene(people=[], animation=Animation(tracks=[[]])), 0.0)


def test_animation_from_samples_is_dense_and_linear():
    T = 5
    poses = np.zeros((T, 55, 3))
    poses[:, 18, 2] = np.linspace(0, 1, T)
    anim = animation_from_samples([poses], [np.zeros((T, 3))], fps=25)
    assert anim.fps == 25 and len(anim.tracks[0]) == T
    assert anim.tracks[0][-1].time == pytest.approx(4 / 25) and anim.duration() == pytest.approx(0.16)
    scene = Scene(people=[Person()], animation=anim)
    np.testing.assert_allclose(scene_at(scene, 0.5 / 25).people[0].pose[18, 2], 0.125, atol=1e-12)
