"""Qt-free posing maths: forward kinematics, joint limits, IK, mirroring and hand shapes.

Pure numpy on purpose (this runs on every mouse move): nothing here imports torch or a body
model. Callers get the rest joints from ``posestudio.body`` (``BodyModel.rest_joints(betas)``) and
pass them in.
"""
