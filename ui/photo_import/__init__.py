"""Photo import in the editor: a photo or an OpenPose JSON becomes a posed scene.

``install(window)`` adds File ▸ Import Photo… / Import OpenPose JSON…, accepts dropped photos
and OpenPose JSON files (scene files still open as before), and a "Photo" dock (opacity, keypoints,
refit). The coordinator calls it once from ``MainWindow.__init__`` (after the menus exist)::

    from .photo_import import install as install_photo_import
    self.photo_import = install_photo_import(self)

With several people in the photo each becomes a mannequin; the dock's "People in the photo"
list (numbered largest first, the numbers drawn on the photo) chooses who, one undo step.

Modules: ``fitting`` (Qt-free work: detect + lift, refit), ``job`` (the worker thread), ``edits``
(the undo steps: import / refit, choosing people), ``keypoint_drag`` (moving 2D keypoints in the
viewport), ``labels`` (the people's numbers over the viewport), ``panel`` (widgets),
``controller`` (ties them to the window).
"""

from __future__ import annotations

from .controller import PhotoImport
from .fitting import FitOutcome, PhotoState

__all__ = ["FitOutcome", "PhotoImport", "PhotoState", "install"]


def install(window) -> PhotoImport:
    """Give ``window`` (a :class:`ui.main_window.MainWindow`) photo import; returns the controller.

    Needs ``window.doc`` (Document), ``window.viewport`` (Viewport), its menu bar and status bar.
    Idempotent: a second call returns the controller already installed.
    """
    existing = getattr(window, "_photo_import", None)
    if isinstance(existing, PhotoImport):
        return existing
    controller = PhotoImport(window)
    window._photo_import = controller
    return controller
