"""PoseStudio desktop editor (PySide6 + pyqtgraph)."""
