"""Qt-free posing maths: forward kinematics, joint limits, IK, mirroring and hand shapes.

Pure numpy on purpose (this runs on every mouse move): nothing here imports torch or a body
model. Callers get the rest joints from ``posestudio.body`` (``BodyModel.rest_joints(betas)``) and
pass them in.

======================  ===========================================================================
module                  what it holds
======================  ===========================================================================
``fk``                  forward kinematics (the joint part of SMPL LBS), rodrigues / axis-angle
``limits``              anatomical per-joint ranges (``DEFAULT_LIMITS``), clamping
``ik``                  ``solve_ik``: two-bone analytic and damped least squares, pins, locks
``mirror``              left↔right mirroring of whole poses and single limbs
``hands``               finger curl / spread for the hand sliders
======================  ===========================================================================
"""

from posestudio.kinematics.hands import apply_hand_shape, hand_shape
from posestudio.kinematics.mirror import mirror_limb, mirror_pose, mirror_translation

__all__ = ["apply_hand_shape", "hand_shape", "mirror_limb", "mirror_pose", "mirror_translation"]
