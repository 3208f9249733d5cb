"""Video import in the editor: a video or a keypoint sequence becomes an animated scene.

``install(window)`` adds File ▸ Import Video / Keypoint Sequence… and a "Video Import" dock
(source and its preview, range, rate, who to import, Import/Cancel with progress). The core
importer runs in a worker thread; the animated scene replaces the current one in one undo step
and its keys show on the timeline.

Modules: ``work`` (Qt-free: describing a source, running the core importer), ``panel``
(widgets), ``controller`` (the action, the job, the undo step).
"""

from __future__ import annotations

from .controller import VideoImport

__all__ = ["VideoImport", "install"]


def install(window) -> VideoImport:
    """Give ``window`` (a ``MainWindow`` with ``doc``, menus, docks) video import; idempotent."""
    existing = getattr(window, "video_import", None)
    if isinstance(existing, VideoImport):
        return existing
    window.video_import = VideoImport(window)
    return window.video_import
