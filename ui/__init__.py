"""PoseStudio desktop editor (PySide6 + pyqtgraph)."""

from ._pyside_refcount import protect_singletons

protect_singletons()
