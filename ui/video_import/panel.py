"""The Video Import panel's widgets: the source with its preview, the range/rate/person options,
Import/Cancel with a progress bar and a one-line status. Plain widgets with signals; the
controller (:mod:`ui.video_import.controller`) does the work."""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from ..generate.widgets import ActionRow, VerticalScroll
from .work import ImportOptions

__all__ = ["PREVIEW_SIDE", "VideoImportPanel"]

PREVIEW_SIDE = 200
VIDEO_FILTER = "Videos (*.mp4 *.mov *.mkv *.avi *.webm *.m4v);;All files (*)"
MAX_PEOPLE = 4


def rgb_pixmap(rgb: np.ndarray, side: int) -> QtGui.QPixmap:
    """An (H, W, 3) uint8 RGB frame as a pixmap that fits ``side``×``side``."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    image = QtGui.QImage(rgb.data, w, h, 3 * w, QtGui.QImage.Format.Format_RGB888).copy()
    return QtGui.QPixmap.fromImage(image).scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation)


class VideoImportPanel(QtWidgets.QWidget):
    """Source, preview, options and the run row.

    Signals
    -------
    sourceChosen(str)      a path was typed or picked
    importRequested()      the Import button
    cancelRequested()      the Cancel button
    """

    sourceChosen = Signal(str)
    importRequested = Signal()
    cancelRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        body = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(body)
        source = QtWidgets.QGroupBox("Source")
        column = QtWidgets.QVBoxLayout(source)
        row = QtWidgets.QHBoxLayout()
        self.path = QtWidgets.QLineEdit()
        self.path.setPlaceholderText("video, keypoint folder or JSON list of frames")
        self.path.editingFinished.connect(lambda: self.sourceChosen.emit(self.path.text().strip()))
        pick = QtWidgets.QToolButton()
        pick.setText("…")
        pick.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QtWidgets.QMenu(pick)
        menu.addAction("Video file…", self._pick_video)
        menu.addAction("Keypoint JSON (list of frames)…", self._pick_json)
        menu.addAction("OpenPose keypoint folder…", self._pick_folder)
        pick.setMenu(menu)
        row.addWidget(self.path, 1)
        row.addWidget(pick)
        column.addLayout(row)
        self.preview = QtWidgets.QLabel("No source")
        self.preview.setFixedHeight(PREVIEW_SIDE * 3 // 4)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("border: 1px solid #555; color: #999;")
        self.preview.hide()                              # shown with a video's first frame
        self.info = QtWidgets.QLabel("")
        self.info.setWordWrap(True)
        column.addWidget(self.preview)
        column.addWidget(self.info)
        layout.addWidget(source)

        options = QtWidgets.QGroupBox("Options")
        form = QtWidgets.QFormLayout(options)
        self.start = QtWidgets.QSpinBox()
        self.start.setRange(0, 10**6)
        self.start.setToolTip("First source frame (0-based)")
        self.end = QtWidgets.QSpinBox()
        self.end.setRange(0, 10**6)
        self.end.setSpecialValueText("the end")
        self.end.setToolTip("Source frame after the last one (0: to the end)")
        self.fps = QtWidgets.QSpinBox()
        self.fps.setRange(0, 240)
        self.fps.setSpecialValueText("the source's")
        self.fps.setToolTip("Frame rate of the animation (0: the video's; keypoints: 30)")
        self.person = QtWidgets.QComboBox()
        self.person.addItem("everyone in view", None)
        for i in range(MAX_PEOPLE):
            self.person.addItem(f"person {i + 1} (largest first)" if i == 0 else f"person {i + 1}",
                                i)
        self.smoothing = QtWidgets.QDoubleSpinBox()
        self.smoothing.setRange(0.1, 20.0)
        self.smoothing.setSingleStep(0.25)
        self.smoothing.setValue(1.0)
        self.smoothing.setSuffix(" ×")
        self.smoothing.setToolTip("Motion smoothing, × the default: lower follows the keypoints "
                                  "more closely (fast moves kept), higher is steadier")
        form.addRow("Start frame", self.start)
        form.addRow("End frame", self.end)
        form.addRow("Frame rate", self.fps)
        form.addRow("People", self.person)
        form.addRow("Smoothing", self.smoothing)
        self.camera_motion = QtWidgets.QCheckBox("Follow the camera's turns")
        self.camera_motion.setChecked(True)
        self.camera_motion.setToolTip("Video: measure how the camera panned or tilted and turn "
                                      "the scene camera with it, so the turn does not go into "
                                      "the people's motion (off: the camera is taken as fixed)")
        form.addRow("Camera", self.camera_motion)
        layout.addWidget(options)
        layout.addStretch(1)
        outer.addWidget(VerticalScroll(body), 1)       # the fields scroll in a short dock,

        actions = ActionRow("Import", saved_row=False)  # Import/Cancel and progress stay in view
        self.import_button, self.cancel_button = actions.run_button, actions.cancel_button
        self.import_button.setToolTip("Track and lift the motion into an animated scene (one "
                                      "undo step)")
        self.import_button.clicked.connect(self.importRequested)
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.progress, self.status = actions.progress, actions.status
        self.progress.setRange(0, 1000)
        outer.addWidget(actions)

    # -- values ----------------------------------------------------------------------------------
    def options(self) -> ImportOptions:
        return ImportOptions(start=self.start.value(), end=self.end.value() or None,
                             fps=float(self.fps.value()) if self.fps.value() else None,
                             person=self.person.currentData(),
                             smoothing=self.smoothing.value(),
                             camera_motion=self.camera_motion.isChecked())

    def show_source(self, text: str, preview: np.ndarray | None) -> None:
        self.info.setText(text)
        self.preview.setVisible(preview is not None)
        if preview is not None:
            self.preview.setPixmap(rgb_pixmap(preview, PREVIEW_SIDE))
        else:
            self.preview.clear()

    def set_running(self, running: bool) -> None:
        self.import_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        if running:
            self.progress.setValue(0)

    def set_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(round(1000 * min(max(fraction, 0.0), 1.0))))
        self.status.setStyleSheet("")
        self.status.setText(message[:1].upper() + message[1:])

    def message(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet("color: #e05050;" if error else "")

    # -- pickers -------------------------------------------------------------------------------
    def _chosen(self, path: str) -> None:
        if path:
            self.path.setText(path)
            self.sourceChosen.emit(path)

    def _pick_video(self) -> None:
        self._chosen(QtWidgets.QFileDialog.getOpenFileName(self, "Import video", "",
                                                           VIDEO_FILTER)[0])

    def _pick_json(self) -> None:
        self._chosen(QtWidgets.QFileDialog.getOpenFileName(
            self, "Import keypoint sequence", "", "JSON (*.json);;All files (*)")[0])

    def _pick_folder(self) -> None:
        self._chosen(QtWidgets.QFileDialog.getExistingDirectory(self, "OpenPose keypoint folder"))
