"""Widgets of the photo import: the "Photo" dock and the progress box in the status bar.

They only show state and emit what the user asked for; :class:`~.controller.PhotoImport` acts.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets
from PySide6.QtCore import Qt, Signal

from .fitting import PhotoState

DEFAULT_OPACITY = 0.6


class ProgressBox(QtWidgets.QWidget):
    """``[label][progress bar][Cancel]``, a permanent status-bar widget, hidden when idle."""

    cancelRequested = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QtWidgets.QLabel()
        self.bar = QtWidgets.QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(True)
        self.cancel = QtWidgets.QPushButton("Cancel")
        self.cancel.setToolTip("Stop the import; the scene stays as it is")
        self.cancel.clicked.connect(self.cancelRequested)
        for widget in (self.label, self.bar, self.cancel):
            layout.addWidget(widget)
        self.hide()

    def start(self, text: str) -> None:
        self.label.setText(text)
        self.bar.setValue(0)
        self.cancel.setEnabled(True)
        self.show()

    def set_progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(round(100 * min(max(fraction, 0.0), 1.0))))
        self.bar.setFormat(f"{message} %p%")

    def stop(self) -> None:
        self.hide()


class PhotoPanel(QtWidgets.QWidget):
    """The photo behind the scene: which file, opacity, keypoints overlay, refit.

    Signals
    -------
    opacityChanged(float 0..1), photoToggled(bool), keypointsToggled(bool),
    refitRequested(), resetKeypointsRequested(), removeRequested(), importRequested()
    """

    opacityChanged = Signal(float)
    photoToggled = Signal(bool)
    keypointsToggled = Signal(bool)
    refitRequested = Signal()
    resetKeypointsRequested = Signal()
    removeRequested = Signal()
    importRequested = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        form = QtWidgets.QFormLayout(self)
        self.source = QtWidgets.QLabel("No photo. File ▸ Import Photo… or drop one on the window.")
        self.source.setWordWrap(True)
        self.import_button = QtWidgets.QPushButton("Import Photo…")
        self.import_button.clicked.connect(self.importRequested)
        self.show_photo = QtWidgets.QCheckBox("Show photo behind the scene")
        self.show_photo.setChecked(True)
        self.show_photo.toggled.connect(self.photoToggled)
        self.opacity = QtWidgets.QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(int(DEFAULT_OPACITY * 100))
        self.opacity.setToolTip("Photo opacity")
        self.opacity.valueChanged.connect(lambda v: self.opacityChanged.emit(v / 100.0))
        self.show_keypoints = QtWidgets.QCheckBox("Show detected 2D keypoints")
        self.show_keypoints.setChecked(True)
        self.show_keypoints.setToolTip("Drag a keypoint (in scene-camera view) to correct it")
        self.show_keypoints.toggled.connect(self.keypointsToggled)
        self.auto_refit = QtWidgets.QCheckBox("Refit when a keypoint is dropped")
        self.auto_refit.setChecked(True)
        self.refit = QtWidgets.QPushButton("Refit")
        self.refit.setToolTip("Fit the mannequin again to the (possibly moved) 2D keypoints")
        self.refit.clicked.connect(self.refitRequested)
        self.reset = QtWidgets.QPushButton("Reset Keypoints")
        self.reset.setToolTip("Put moved keypoints back where the detector found them")
        self.reset.clicked.connect(self.resetKeypointsRequested)
        self.remove = QtWidgets.QPushButton("Remove Photo")
        self.remove.clicked.connect(self.removeRequested)
        self.fit_info = QtWidgets.QLabel()
        self.fit_info.setWordWrap(True)
        buttons = QtWidgets.QHBoxLayout()
        for button in (self.refit, self.reset, self.remove):
            buttons.addWidget(button)
        form.addRow(self.source)
        form.addRow(self.import_button)
        form.addRow(self.show_photo)
        form.addRow("Opacity", self.opacity)
        form.addRow(self.show_keypoints)
        form.addRow(self.auto_refit)
        form.addRow(buttons)
        form.addRow(self.fit_info)
        self.set_state(None, busy=False)

    def set_state(self, state: PhotoState | None, *, busy: bool) -> None:
        """Show ``state`` (None = no photo); while ``busy`` the fit buttons are disabled."""
        has = state is not None
        if has:
            kind = "photo" if state.image is not None else "keypoints"
            self.source.setText(f"{Path(state.source).name} — {kind}, "
                                f"{state.canvas.width}×{state.canvas.height}")
            errors = ", ".join(f"{e:.1f}" for e in state.reprojection_px)
            self.fit_info.setText(f"{len(state.keypoints)} people · focal {state.focal_px:.0f} px"
                                  + (f" · reprojection {errors} px" if errors else ""))
        else:
            self.source.setText("No photo. File ▸ Import Photo… or drop one on the window.")
            self.fit_info.setText("")
        has_image = has and state.image is not None
        for widget in (self.show_photo, self.opacity):
            widget.setEnabled(has_image)
        for widget in (self.show_keypoints, self.auto_refit, self.remove):
            widget.setEnabled(has)
        for widget in (self.refit, self.reset):
            widget.setEnabled(has and not busy)
        self.import_button.setEnabled(not busy)
