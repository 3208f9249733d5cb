"""Animation: keyframes per person and for the camera, their evaluation, BVH in and out,
retargeting. Qt-free and numpy only (torch is never imported here).

Public names: :data:`INTERPOLATIONS`, :class:`PoseKey`, :class:`CameraKey`, :class:`Animation`,
:func:`scene_at`, :func:`frame_times`, :func:`animation_from_samples`.
"""

from posestudio.anim.build import animation_from_samples
from posestudio.anim.evaluate import frame_times, scene_at
from posestudio.anim.model import INTERPOLATIONS, Animation, CameraKey, PoseKey

__all__ = ["INTERPOLATIONS", "Animation", "CameraKey", "PoseKey", "animation_from_samples",
           "frame_times", "scene_at"]
