"""The motion measures the benches report: foot skating over the truth's planted steps."""

from __future__ import annotations

import math

import numpy as np

from posestudio.lift.metrics import foot_skate_mm
from posestudio.skeletons import FOOT_JOINTS, SMPLX_JOINT_INDEX as J


def _standing(frames: int) -> np.ndarray:
    """(T, 55, 3) a body standing still: pelvis at 1 m, neck above it, feet on the ground."""
    joints = np.zeros((frames, 55, 3))
    joints[:, J["pelvis"]] = (0.0, 1.0, 0.0)
    joints[:, J["neck"]] = (0.0, 1.5, 0.0)
    joints[:, list(FOOT_JOINTS)] = [(0.1, 0.08, 0.0), (-0.1, 0.08, 0.0), (0.1, 0.0, 0.1), (-0.1, 0.0, 0.1)]
    return joints


def test_foot_skate_counts_the_predicted_feet_only_where_the_truth_plants_them():
    truth = _standing(10)
    left_foot = [J["left_ankle"], J["left_foot"]]
    truth[6:, left_foot, 1] += 0.3 * np.arange(1, 5)[:, None]   # the left foot lifts off at frame 6
    assert foot_skate_mm(truth, truth, 30.0) == 0.0
    sliding = truth.copy()
    sliding[:, list(FOOT_JOINTS), 0] += 0.01 * np.arange(10)[:, None]   # every foot slides 1 cm/frame
    assert math.isclose(foot_skate_mm(sliding, truth, 30.0), 10.0, rel_tol=1e-9)
    # the lifting foot's steps (fast, then high) do not count, whatever the prediction does there
    wild = truth.copy()
    wild[6:, left_foot] += 5.0
    assert foot_skate_mm(wild, truth, 30.0) == 0.0
    # nobody planted: no figure
    flying = truth.copy()
    flying[:, :, 0] += 0.5 * np.arange(10)[:, None]
    assert math.isnan(foot_skate_mm(flying, flying, 30.0))
