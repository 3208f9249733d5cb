"""Widgets of the photo import: the "Photo" dock and the progress box in the status bar.

They only show state and emit what the user asked for; :class:`~.controller.PhotoImport` acts.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets
from PySide6.QtCore import Qt, Signal

from .fitting import PhotoState, person_size

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
    """The photo behind the scene: which file, opacity, keypoints overlay, refit; the import's
    "Body proportions from the photo" option.

    Signals
    -------
    opacityChanged(float 0..1), photoToggled(bool), keypointsToggled(bool),
    refitRequested(), resetKeypointsRequested(), removeRequested(), importRequested(),
    peopleChosen(list of bool): "Apply" pressed with these people ticked (photo order)
    """

    opacityChanged = Signal(float)
    photoToggled = Signal(bool)
    keypointsToggled = Signal(bool)
    refitRequested = Signal()
    resetKeypointsRequested = Signal()
    removeRequested = Signal()
    importRequested = Signal()
    peopleChosen = Signal(list)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        form = QtWidgets.QFormLayout(self)
        self.source = QtWidgets.QLabel("No photo. File ▸ Import Photo… or drop one on the window.")
        self.source.setWordWrap(True)
        self.import_button = QtWidgets.QPushButton("Import Photo…")
        self.import_button.clicked.connect(self.importRequested)
        self.shape_from_bones = QtWidgets.QCheckBox("Body proportions from the photo")
        self.shape_from_bones.setToolTip(
            "On import, give each mannequin the proportions (legs, arms, torso, shoulders, hips) "
            "its bone lengths in the photo show, when the keypoints are confident")
        self.show_photo = QtWidgets.QCheckBox("Show photo")
        self.show_photo.setToolTip("Show the photo behind the scene; the slider sets its opacity")
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
        self.people = PeoplePicker()
        self.people.applyRequested.connect(self.peopleChosen)
        buttons = QtWidgets.QHBoxLayout()
        for button in (self.refit, self.reset, self.remove):
            buttons.addWidget(button)
        form.addRow(self.source)
        form.addRow(self.import_button)
        form.addRow(self.shape_from_bones)
        photo_row = QtWidgets.QHBoxLayout()     # one row: the dock must fit a 768-px screen
        photo_row.addWidget(self.show_photo)
        photo_row.addWidget(self.opacity, 1)
        form.addRow(photo_row)
        form.addRow(self.show_keypoints)
        form.addRow(self.auto_refit)
        form.addRow(self.people)
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
            people = len(state.keypoints)
            who = f"{people} {'person' if people == 1 else 'people'}"
            if len(state.chosen_indices) < people:
                n = len(state.chosen_indices)
                who += f" ({n} as {'a mannequin' if n == 1 else 'mannequins'})"
            self.fit_info.setText(f"{who} · focal {state.focal_px:.0f} px"
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
        self.people.set_state(state, busy=busy)
        self.import_button.setEnabled(not busy)


class PeoplePicker(QtWidgets.QGroupBox):
    """Which of the photo's people are mannequins: one checkbox each (numbered as on the photo,
    largest first) and "Apply". Hidden unless the photo holds more than one person.

    ``applyRequested(list of bool)``: the ticks, in photo order, when they differ from the scene.
    """

    applyRequested = Signal(list)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__("People in the photo", parent)
        self.list = QtWidgets.QListWidget()
        self.list.setToolTip("Tick who becomes a mannequin; the numbers are drawn on the photo")
        self.list.itemChanged.connect(self._update_apply)
        self.apply = QtWidgets.QPushButton("Apply")
        self.apply.setToolTip("Make the ticked people the mannequins (one undo step)")
        self.apply.clicked.connect(self._on_apply)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.apply)
        self._scene_ticks: list[bool] = []
        self._busy = False
        self.hide()

    def set_state(self, state: PhotoState | None, *, busy: bool) -> None:
        """List ``state``'s people with the scene's choice ticked (any unapplied ticks are lost)."""
        self._busy = busy
        people = [] if state is None else state.keypoints
        self._scene_ticks = [] if state is None else list(state.chosen)
        self.list.blockSignals(True)
        self.list.clear()
        for number, (keypoints, on) in enumerate(zip(people, self._scene_ticks), 1):
            body = keypoints[:18]
            item = QtWidgets.QListWidgetItem(
                f"{number}  ·  {int((body[:, 2] > 0).sum())} body points  ·  "
                f"{person_size(keypoints):.0f} px")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        rows = max(self.list.count(), 2)       # as tall as its rows: the dock is crowded
        self.list.setFixedHeight(rows * max(self.list.sizeHintForRow(0), 16)
                                 + 2 * self.list.frameWidth() + 4)
        self.setVisible(len(people) > 1)
        self._update_apply()

    def ticks(self) -> list[bool]:
        return [self.list.item(i).checkState() == Qt.CheckState.Checked
                for i in range(self.list.count())]

    def set_ticked(self, number: int, on: bool) -> None:
        """Tick / untick person ``number`` (1-based, as shown)."""
        self.list.item(number - 1).setCheckState(Qt.CheckState.Checked if on
                                                 else Qt.CheckState.Unchecked)

    def _update_apply(self, *_) -> None:
        ticks = self.ticks()
        self.apply.setEnabled(not self._busy and any(ticks) and ticks != self._scene_ticks)
        self.apply.setText("Apply" if any(ticks) or not ticks else "Apply (tick someone)")

    def _on_apply(self) -> None:
        if self.apply.isEnabled():
            self.applyRequested.emit(self.ticks())
