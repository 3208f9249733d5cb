"""Live control-map previews (OpenPose, mannequin, depth, normal, canny, seg) of the scene
camera; they fill by themselves once the render worker is up, then follow every change."""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt

from ..images import to_qimage

COLUMNS = 3          # six maps in two rows: the dock stays short enough for a laptop screen


class _MapView(QtWidgets.QLabel):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.image: QtGui.QImage | None = None
        self.setMinimumSize(80, 80)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: #202020; color: #888;")
        self.setText(f"{name}\n(rendering…)")
        self.setToolTip(f"{name} map of the scene camera — right-click to copy")
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        copy = QtGui.QAction("Copy map to clipboard", self)
        copy.triggered.connect(self.copy)
        self.addAction(copy)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                           QtWidgets.QSizePolicy.Policy.Ignored)

    def set_image(self, image: QtGui.QImage) -> None:
        self.image = image
        self._rescale()

    def resizeEvent(self, ev):  # noqa: N802
        super().resizeEvent(ev)
        self._rescale()

    def _rescale(self) -> None:
        if self.image is not None:
            self.setPixmap(QtGui.QPixmap.fromImage(self.image).scaled(
                self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))

    def copy(self) -> None:
        if self.image is not None:
            QtWidgets.QApplication.clipboard().setImage(self.image)


class PreviewDock(QtWidgets.QWidget):
    def __init__(self, names, parent=None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        grid = QtWidgets.QGridLayout()
        self.views = {name: _MapView(name) for name in names}
        columns = COLUMNS if len(self.views) > 4 else 2
        for i, view in enumerate(self.views.values()):
            caption = QtWidgets.QLabel(view.name)
            caption.setStyleSheet("color: #aaa; font-size: 9pt;")
            row, column = divmod(i, columns)
            grid.addWidget(caption, 2 * row, column)
            grid.addWidget(view, 2 * row + 1, column)
            grid.setRowStretch(2 * row + 1, 1)
        layout.addLayout(grid, 1)
        self.status = QtWidgets.QLabel("Rendering the previews…")
        self.status.setStyleSheet("color: #999;")
        layout.addWidget(self.status)
        self.images: dict[str, np.ndarray] = {}

    def show_maps(self, images: dict, seconds: float, latency: float) -> None:
        self.images = dict(images)
        for name, array in images.items():
            if name in self.views:
                self.views[name].set_image(to_qimage(array))
        self.status.setText(f"render {seconds * 1000:.0f} ms · latency {latency * 1000:.0f} ms")

    def show_error(self, message: str) -> None:
        self.status.setText(f"Preview failed: {message}")

    def copy_map(self, name: str) -> bool:
        view = self.views.get(name)
        if view is None or view.image is None:
            return False
        view.copy()
        return True

