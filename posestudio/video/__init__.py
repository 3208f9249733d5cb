"""Video and keypoint-sequence import: frames → tracked people → a smooth 3D motion.

``decode`` (OpenCV: frames, range, rate), ``tracking`` (identities across frames: motion
prediction + Hungarian matching), ``keypoint_files`` (OpenPose folders, ComfyUI frame lists),
``importer`` (``import_video``, ``import_keypoint_sequence``: the functions the CLI and the
editor call). The temporal fit itself is ``posestudio.lift.temporal``. Importing this package
is cheap: OpenCV, MediaPipe and torch load on first use.
"""

from __future__ import annotations

__all__ = ["import_keypoint_sequence", "import_video"]


def __getattr__(name: str):
    if name in __all__:
        from posestudio.video import importer

        return getattr(importer, name)
    raise AttributeError(f"module 'posestudio.video' has no attribute {name!r}")
