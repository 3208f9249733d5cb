"""Retargeting a walk to other bodies: bone lengths constant and the target's, feet on the floor,
planted feet not sliding; alignment to a reference person."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.anim import Animation, PoseKey, animation_from_samples
from posestudio.anim.retarget import (
    align_to_reference, contact_phases, joint_positions, lock_contacts, retarget_person,
)
from posestudio.body import load_body_model
from posestudio.kinematics.ik import solve_ik
from posestudio.scene import Camera, Canvas, Person, Scene
from posestudio.skeletons import SMPLX_JOINT_INDEX as IDX
from posestudio.skeletons import SMPLX_PARENTS

FPS = 30
FRAMES = 60


@pytest.fixture(scope="module")
def body():
    return load_body_model("mannequin")


def _foot_path(t: int, phase: int, rest_ankle: np.ndarray, step: float = 0.25) -> np.ndarray:
    """Ankle position at frame t of a foot that stands 20 frames and swings 10 (lifting 8 cm)."""
    cycle = (t + phase) % 30
    k = (t + phase) // 30
    start = rest_ankle + [0.0, 0.0, k * step * 2 - phase / 15 * step]
    if cycle < 20:
        return start
    u = (cycle - 20) / 10
    return start + [0.0, 0.08 * np.sin(np.pi * u), 2 * step * (3 * u * u - 2 * u ** 3)]


@pytest.fixture(scope="module")
def walk(body):
    """A walk made with leg IK: each ankle stands still on its footprint for 20 frames."""
    rest = body.rest_joints(np.zeros(10))
    lowest = rest[[IDX["left_ankle"], IDX["right_ankle"]], 1].min()
    standing = -lowest + 0.03 - 0.08  # pelvis height so the soles touch y = 0, knees bent
    poses, transls, stance = [], [], {"left_ankle": [], "right_ankle": []}
    pose = np.zeros((55, 3))
    for t in range(FRAMES):
        feet = {name: _foot_path(t, phase, rest[IDX[name]] + [0, standing, 0])
                for name, phase in (("left_ankle", 0), ("right_ankle", 15))}
        for name, phase in (("left_ankle", 0), ("right_ankle", 15)):
            stance[name].append((t + phase) % 30 < 20)
        transl = np.array([0.0, standing, np.mean([f[2] for f in feet.values()]) - rest[0, 2]])
        for name, goal in feet.items():
            pose, _ = solve_ik(rest, SMPLX_PARENTS, pose, transl, name, goal, use_limits=False)
        poses.append(pose.copy())
        transls.append(transl)
    scene = Scene(people=[Person()], animation=animation_from_samples([np.array(poses)],
                                                                      [np.array(transls)], FPS))
    return scene, {k: np.array(v) for k, v in stance.items()}


def _joints(body, betas, scene):
    track = scene.animation.tracks[0]
    return np.stack([body.pose(betas, k.pose, k.transl).joints for k in track])


def _phases(mask):
    out, start = [], None
    for i, flag in enumerate(np.append(mask, False)):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out.append((start, i))
            start = None
    return out


@pytest.mark.parametrize("betas", [
    np.array([0, 0, 2.0, 0, 0, 0, 0, 0, 0, 0]),    # longer legs only
    np.array([-1.5, 1.0, 0, 1.0, 1.5, 0, 0, 0, 0, 0]),  # other proportions everywhere
])
def test_retarget_keeps_bones_feet_and_contacts(body, walk, betas):
    scene, stance = walk
    source = _joints(body, np.zeros(10), scene)
    for name, mask in stance.items():  # the source really plants its feet
        for a, b in _phases(mask):
            path = source[a:b, IDX[name]][:, [0, 2]]
            assert np.ptp(path, axis=0).max() < 0.005
    out = retarget_person(scene, 0, betas, body=body)
    assert np.array_equal(out.people[0].betas, betas) and scene.people[0].betas.any() == 0
    joints = _joints(body, betas, out)
    rest = body.rest_joints(betas)
    # bone lengths: constant over the frames and equal to the target body's
    kids = np.arange(1, 22)
    lengths = np.linalg.norm(joints[:, kids] - joints[:, [SMPLX_PARENTS[k] for k in kids]], axis=-1)
    target = np.linalg.norm(rest[kids] - rest[[SMPLX_PARENTS[k] for k in kids]], axis=-1)
    assert (lengths.std(0) / lengths.mean(0)).max() < 0.01
    np.testing.assert_allclose(lengths, np.broadcast_to(target, lengths.shape), rtol=1e-5)
    # feet on the floor: the lowest point of the body over the clip is at y = 0
    lowest = min(float(body.pose(betas, k.pose, k.transl).vertices[:, 1].min())
                 for k in out.animation.tracks[0])
    assert abs(lowest) < 0.01
    # planted feet do not slide (< 1 cm in each contact phase)
    for name, mask in stance.items():
        for a, b in _phases(mask):
            path = joints[a + 1:b - 1, IDX[name]][:, [0, 2]]
            assert np.linalg.norm(path - path.mean(0), axis=1).max() < 0.01, (name, a, b)
    # the root path is scaled by the leg length ratio (Everybody Dance Now's normalisation)
    legs = [np.linalg.norm(r[IDX["left_knee"]] - r[IDX["left_hip"]])
            + np.linalg.norm(r[IDX["left_ankle"]] - r[IDX["left_knee"]])
            for r in (body.rest_joints(np.zeros(10)), rest)]
    travel = [np.ptp(np.stack([k.transl for k in s.animation.tracks[0]])[:, 2]) for s in (scene, out)]
    assert travel[1] / travel[0] == pytest.approx(legs[1] / legs[0], rel=1e-6)


def test_locking_contacts_removes_a_slide(body, walk):
    """Scaling the root path by the leg ratio alone already keeps these feet within a few mm;
    a root path that does not fit the legs (here 20 % too long) slides, and the lock fixes it."""
    scene, stance = walk
    track = scene.animation.tracks[0]
    poses = np.stack([k.pose for k in track])
    transl = np.stack([k.transl for k in track])
    transl[:, 2] *= 1.2
    rest = body.rest_joints(np.zeros(10))

    def worst(p):
        joints = joint_positions(p, transl, rest)
        return max(np.ptp(joints[a + 1:b - 1, IDX[name]][:, [0, 2]], axis=0).max()
                   for name, mask in stance.items() for a, b in _phases(mask))

    assert worst(poses) > 0.03
    assert worst(lock_contacts(poses, transl, rest, FPS)) < 0.01


def test_contact_phases_detect_a_planted_foot():
    t = np.arange(40)
    points = np.zeros((40, 3))
    points[20:, 2] = (t[20:] - 20) * 0.05   # walks away at 1.5 m/s from frame 20
    points[20:, 1] = 0.1
    assert contact_phases(points, 30) == [(0, 20)]


def test_align_to_reference_takes_shape_place_and_framing(body, walk):
    scene, _ = walk
    reference = Scene(canvas=Canvas(512, 768), camera=Camera(yaw_deg=20, distance=4.0),
                      people=[Person(betas=np.array([1.0, 0, 1.0, 0, 1.0, 0, 0, 0, 0, 0]),
                                     transl=np.array([0.7, 1.0, -0.4]))])
    out = align_to_reference(scene, reference, body=body)
    assert out.canvas == reference.canvas and out.camera == reference.camera
    assert np.array_equal(out.people[0].betas, reference.people[0].betas)
    first = out.animation.tracks[0][0].transl
    np.testing.assert_allclose(first[[0, 2]], [0.7, -0.4], atol=1e-9)
    joints = _joints(body, reference.people[0].betas, out)
    rest = body.rest_joints(reference.people[0].betas)
    arm = np.linalg.norm(joints[:, IDX["left_elbow"]] - joints[:, IDX["left_shoulder"]], axis=1)
    np.testing.assert_allclose(arm, np.linalg.norm(rest[IDX["left_elbow"]] - rest[IDX["left_shoulder"]]),
                               rtol=1e-6)


def test_a_still_person_retargets_too(body):
    scene = Scene(people=[Person(transl=np.array([0.0, 1.0, 0.0]))])
    out = retarget_person(scene, 0, np.full(10, 0.5), body=body)
    assert out.animation is None and np.array_equal(out.people[0].betas, np.full(10, 0.5))
    lowest = body.pose(out.people[0].betas, out.people[0].pose, out.people[0].transl).vertices[:, 1].min()
    assert abs(lowest) < 1e-6


def test_keys_keep_their_times_and_interpolation(body):
    keys = [PoseKey(0.0, np.zeros((55, 3)), [0, 1, 0], "ease"), PoseKey(2.0, np.zeros((55, 3)), [1, 1, 0], "hold")]
    scene = Scene(people=[Person()], animation=Animation(tracks=[keys]))
    out = retarget_person(scene, 0, np.full(10, -1.0), body=body)
    assert [(k.time, k.interp) for k in out.animation.tracks[0]] == [(0.0, "ease"), (2.0, "hold")]
