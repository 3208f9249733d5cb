"""Focal length without EXIF: the candidates are scored by a quick fit and the best one kept."""

from __future__ import annotations

import numpy as np

from posestudio.lift.focal import focal_px_of, search_focal
from posestudio.lift.priors import mean_pose
from posestudio.skeletons import SMPLX_JOINT_INDEX as J


def targets_through(focal_35mm: float, distance: float, size=(768, 1024)):
    """Clean targets of a striding, reaching mannequin seen at ``distance`` metres."""
    from posestudio.body import load_body_model
    from posestudio.keypoints import people_keypoints_2d
    from posestudio.lift import _keypoint_model, targets_of
    from posestudio.lift.fit import selection_matrix
    from posestudio.scene.model import Camera, Canvas

    body = load_body_model("mannequin")
    pose = mean_pose()
    pose[J["left_hip"]], pose[J["right_hip"]] = (-0.6, 0, 0), (0.4, 0, 0)
    pose[J["left_shoulder"]] = (0.0, -1.2, -0.2)
    pose[0] = (0.0, 0.6, 0.0)
    posed = body.pose(pose=pose)
    canvas = Canvas(*size)
    fov = np.degrees(2 * np.arctan(canvas.height / 2 / focal_px_of(focal_35mm, size)))
    camera = Camera(yaw_deg=0, pitch_deg=15, distance=distance, target=tuple(posed.joints[0]),
                    fov_y_deg=float(fov))
    kp = people_keypoints_2d([posed], camera, canvas)[0]
    _, model = _keypoint_model("mannequin")
    selection, available = selection_matrix(model.landmark_names, ("body", "hand_left", "hand_right", "face"))
    targets = targets_of(kp)
    targets[~available] = 0.0
    return model, targets, selection


def test_every_candidate_is_fitted_and_the_best_kept():
    """Each candidate gets the body moved to keep its image size and polished there: all of
    them still match the keypoints (2D alone barely tells focal lengths apart, which is why the
    search also weighs the pose prior), and the lowest score wins."""
    import torch

    from posestudio.detect.photo import default_focal_px
    from posestudio.lift.fit import fit_person

    torch.set_num_threads(1)
    size = (768, 1024)
    model, targets, selection = targets_through(24.0, 1.9, size)
    start = default_focal_px(*size)
    fit = fit_person(model, targets, selection, focal=start, size=size)
    focal, refit, scores = search_focal(model, targets, selection, size, fit, start,
                                        candidates_35mm=(24.0, 85.0))
    assert set(scores) == {24.0, 85.0} and all(np.isfinite(list(scores.values())))
    assert focal == focal_px_of(min(scores, key=scores.get), size)
    assert refit.loss < 1e-3
    body = targets[:18][targets[:18, 2] > 0, :2]
    fitted = refit.keypoints2d[:18][targets[:18, 2] > 0]
    assert np.abs(fitted - body).max() < 0.04 * np.ptp(body[:, 1])
