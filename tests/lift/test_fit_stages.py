"""The fit's building blocks: the orientation from a detector's 3D torso (near 180° too), the
hand-written optimisers against torch's own, and a fit that never loads torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from posestudio.lift.fit import orientation_from_points3d
from posestudio.lift.optim import Adam
from posestudio.rotations import axis_angle_to_matrix, rotation_distance
from posestudio.skeletons import COCO18_NAMES

C = {n: i for i, n in enumerate(COCO18_NAMES)}


def _torso(rotation: np.ndarray) -> np.ndarray:
    """COCO-18 points (18, 3) of a torso turned by ``rotation`` (model frame: +X = its left)."""
    points = np.zeros((18, 3))
    for name, p in (("right_shoulder", (-0.2, 0.5, 0)), ("left_shoulder", (0.2, 0.5, 0)),
                    ("right_hip", (-0.1, 0, 0)), ("left_hip", (0.1, 0, 0))):
        points[C[name]] = rotation @ np.array(p)
    return points


@pytest.mark.parametrize("axis, angle", [
    ((0.0, 0.7071, -0.7071), np.pi),             # the case an earlier copy got wrong by 2
    ((0.0, 0.7071, -0.7071), np.pi - 1e-5),
    ((1.0, 0.0, 0.0), np.pi), ((0.0, 0.0, 1.0), np.pi), ((0.3, -0.5, 0.8), 3.1),
    ((0.0, 1.0, 0.0), 0.0), ((0.6, 0.0, 0.8), 1e-7), ((-0.6, 0.48, 0.64), 2.0),
])
def test_orientation_from_3d_torso_round_trips_across_the_sphere(axis, angle):
    axis = np.asarray(axis) / np.linalg.norm(axis)
    truth = axis_angle_to_matrix(axis * angle)
    got = orientation_from_points3d(_torso(truth), np.ones(18))
    assert float(rotation_distance(axis_angle_to_matrix(got), truth)) < 1e-6


def test_orientation_from_random_torsos():
    rng = np.random.default_rng(3)
    for _ in range(200):
        v = rng.normal(size=3)
        truth = axis_angle_to_matrix(v / np.linalg.norm(v) * rng.uniform(0, np.pi))
        got = orientation_from_points3d(_torso(truth), np.ones(18))
        assert float(rotation_distance(axis_angle_to_matrix(got), truth)) < 1e-6


def test_adam_matches_torch_adam_and_its_lr_is_used():
    def objective(x):
        return ((x - 1.0) ** 4 + x.sin()).sum()

    def ours(lr):
        x = torch.randn(4, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64).numpy()
        opt = Adam([x], lr=lr)
        for _ in range(25):
            t = torch.tensor(x, requires_grad=True)
            objective(t).backward()
            opt.step([t.grad.numpy()])
        return x

    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64).requires_grad_(True)
    reference = torch.optim.Adam([x], lr=0.05)
    for _ in range(25):
        reference.zero_grad()
        objective(x).backward()
        reference.step()
    np.testing.assert_allclose(ours(0.05), x.detach().numpy(), atol=1e-9)
    assert not np.allclose(ours(0.01), ours(0.05), atol=1e-3)


def test_adam_keep_rows_carries_the_moments_of_the_rows_kept():
    x = np.arange(12.0).reshape(4, 3)
    opt = Adam([x], lr=0.1)
    for _ in range(3):
        opt.step([2 * x])
    m, v = opt.moments[0]
    rows = np.array([3, 1])
    expected_m, expected_v = m[rows].copy(), v[rows].copy()
    (kept,) = opt.keep_rows(rows)
    assert kept.shape == (2, 3)
    assert np.array_equal(opt.moments[0][0], expected_m) and np.array_equal(opt.moments[0][1], expected_v)
    before = kept.copy()
    opt.step([2 * kept])
    assert opt.steps == 4 and np.all(np.abs(kept) < np.abs(before))


def test_a_lift_never_imports_torch():
    code = textwrap.dedent("""
        import sys
        sys.path.insert(0, "tests/lift")
        from lift_cases import make_case
        from posestudio.lift import lift
        from posestudio.presets import load_pose_preset
        pose = load_pose_preset("standing")[0]
        pose[0] = 0.0
        case = make_case(pose, yaw=30.0, face=False)
        from posestudio.lift.fit import FitSettings
        lift([case.keypoints], (768, 1024), focal_px=case.focal,
             settings=FitSettings(steps_global=5, steps_full=10, polish_iters=5))
        print("torch" if "torch" in sys.modules else "clean")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("clean")


def test_the_keypoint_model_poses_like_the_full_body_model():
    """The fit's level-by-level forward kinematics give the full model's joints and landmarks
    (the mannequin is rigidly skinned, so exactly up to float32)."""
    from posestudio.body import load_body_model
    from posestudio.lift.keypoint_model import KeypointModel

    body = load_body_model("mannequin")
    model = KeypointModel(body)
    rng = np.random.default_rng(3)
    for _ in range(6):
        betas, pose, transl = rng.normal(size=model.num_betas), 0.6 * rng.normal(size=(55, 3)), rng.normal(size=3)
        assert model.check_against(body, betas, pose, transl) < 1e-4
