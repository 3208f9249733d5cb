"""Body models: the bundled wooden mannequin and real SMPL / SMPL+H / SMPL-X files.

>>> from posestudio.body import load_body_model
>>> body = load_body_model("mannequin").pose(betas=None, pose=pose55, transl=(0, 0.975, 0))
>>> body.vertices, body.joints, body.landmark("nose")

See ``docs/architecture.md``. Light to import, and posing is numpy only: torch and smplx load for
the differentiable ``torch_forward`` (lifting) and the ``smplx_model`` reference, nowhere else.
"""

from __future__ import annotations

from posestudio.body.loading import load_body_model, pose_people
from posestudio.body.model import BodyModel, PosedBody

# The mannequin's shape coefficients, in order (the table with what +1 means is BETA_TABLE in
# rigs/build_mannequin.py; tests check the rig file agrees). Real SMPL files' betas are PCA
# components without names.
BETA_NAMES: tuple[str, ...] = (
    "height", "weight", "leg_length", "torso_length", "arm_length", "shoulder_width",
    "hip_width", "head_size", "chest", "masculine",
)

# Body parts of the mannequin (vertex_parts indexes this); real files use the same names.
PART_NAMES: tuple[str, ...] = (
    "head", "neck", "chest", "abdomen", "pelvis",
    "left_upper_arm", "left_lower_arm", "left_hand",
    "right_upper_arm", "right_lower_arm", "right_hand",
    "left_thigh", "left_shin", "left_foot",
    "right_thigh", "right_shin", "right_foot",
)

# Where the mannequin's soles are at betas = 0 (pelvis at the origin): transl = (0, -FEET_Y, 0)
# stands it on the floor y = 0.
MANNEQUIN_FEET_Y = -0.975

__all__ = ["BETA_NAMES", "PART_NAMES", "MANNEQUIN_FEET_Y", "BodyModel", "PosedBody",
           "load_body_model", "pose_people"]
