"""PoseStudio core: the Qt-free half of the app (scene, body models, camera, maps, CLI).

This package must never import Qt (PySide6, pyqtgraph) or ``posestudio.ui``; a test checks it.
Heavy libraries (torch, smplx, pyrender, diffusers) are imported where they are used so that the
CLI starts fast.
"""

__version__ = "0.1.0"
