"""The temporal fit: smoother than per-frame fits (acceleration error), as accurate, missed
frames filled from their neighbours, one body shape for the clip."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "video"))

from motion_cases import keypoint_frames, to_cam, walk_motion  # noqa: E402

from posestudio import camera as cam  # noqa: E402
from posestudio.body import load_body_model  # noqa: E402
from posestudio.errors import Cancelled, LiftError  # noqa: E402
from posestudio.lift import _keypoint_model, lift, targets_of  # noqa: E402
from posestudio.lift.metrics import accel_error_mm, pa_mpjpe_mm  # noqa: E402
from posestudio.lift.fit import selection_matrix  # noqa: E402
from posestudio.lift.temporal import fit_sequence  # noqa: E402
from posestudio.scene.model import Camera, Canvas  # noqa: E402

CANVAS = Canvas(960, 540)
CAMERA = Camera(yaw_deg=30.0, pitch_deg=5.0, distance=5.0, target=(0.4, 0.9, 0.0), fov_y_deg=45.0)
FPS = 30.0


@pytest.fixture(scope="module")
def walk():
    body = load_body_model("mannequin")
    poses, transl = walk_motion(10, FPS)
    kps, joints = keypoint_frames(body, poses, transl, np.zeros(10), CAMERA, CANVAS, noise=3.0)
    _, model = _keypoint_model("mannequin")
    selection, available = selection_matrix(model.landmark_names, ("body", "hand_left", "hand_right", "face"))
    targets = np.stack([targets_of(k) for k in kps])
    targets[:, ~available] = 0.0
    focal = float(cam.intrinsics(CAMERA, CANVAS)[0, 0])
    return body, model, selection, targets, kps, joints, focal


def _fit(walk, targets, **kwargs):
    body, model, selection, _, _, _, focal = walk
    fit = fit_sequence(model, targets, selection, focal=focal, size=(CANVAS.width, CANVAS.height),
                       fps=FPS, **kwargs)
    joints = np.stack([body.pose(betas=fit.betas, pose=p, transl=t).joints
                       for p, t in zip(fit.poses, fit.transl)])
    return fit, joints


def test_temporal_fit_is_smoother_than_per_frame_lifting_and_as_accurate(walk):
    body, _, _, targets, kps, truth, focal = walk
    fit, joints = _fit(walk, targets)
    per_frame = []
    for kp in kps:
        result = lift([kp], (CANVAS.width, CANVAS.height), focal_px=focal)
        p = result.people[0]
        per_frame.append(to_cam(body.pose(betas=p.betas, pose=p.pose, transl=p.transl).joints,
                                result.camera))
    per_frame = np.stack(per_frame)
    temporal_acc, photo_acc = accel_error_mm(joints, truth), accel_error_mm(per_frame, truth)
    assert temporal_acc < photo_acc / 5, (temporal_acc, photo_acc)
    pa_temporal = np.mean([pa_mpjpe_mm(j, g) for j, g in zip(joints, truth)])
    pa_photo = np.mean([pa_mpjpe_mm(j, g) for j, g in zip(per_frame, truth)])
    assert pa_temporal < max(pa_photo, 45.0), (pa_temporal, pa_photo)
    assert fit.observed.all() and fit.betas.shape == (10,)


def test_missed_frames_are_filled_not_fitted_to_garbage(walk):
    _, _, _, targets, _, truth, _ = walk
    broken = targets.copy()
    broken[5:8] = 0.0                         # three frames nobody was found
    broken[3, :18, :2] += 400.0 * (broken[3, :18, 2:] > 0)   # ... and one of garbage: still "seen"
    broken[3, :18, 2] *= 0.05                                  # ... with a low confidence
    fit, joints = _fit(walk, broken)
    assert not fit.observed[5:8].any() and fit.observed[[4, 8]].all()
    for t in (3, 5, 6, 7):
        assert pa_mpjpe_mm(joints[t], truth[t]) < 60.0, t
    step = np.linalg.norm(np.diff(joints[2:10, :22], axis=0), axis=-1).max()
    true_step = np.linalg.norm(np.diff(truth[2:10, :22], axis=0), axis=-1).max()
    assert step < 1.5 * true_step               # no jump into or out of the gap


def test_no_usable_frame_and_cancel(walk):
    _, _, _, targets, _, _, _ = walk
    with pytest.raises(LiftError, match="too few body keypoints"):
        _fit(walk, np.zeros_like(targets))
    with pytest.raises(Cancelled):
        _fit(walk, targets, should_stop=lambda: True)
