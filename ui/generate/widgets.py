"""Widgets of the Generate panel: model path pickers, ControlNet rows, the result strip, the
scroll area of its fields and the action row below them (run, cancel, progress, status, output
folder).

Plain widgets with signals; they know nothing of the document or the generation process
(:mod:`ui.generate.panel` wires them up).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from posestudio.generate.params import CONTROL_MAPS, ControlSpec, GenerationRequest

MAP_LABELS = {"openpose": "OpenPose", "depth": "Depth", "normal": "Normal", "canny": "Canny",
              "seg": "Segmentation", "mannequin": "Mannequin"}
THUMB = 96


@dataclass
class GalleryEntry:
    """One generated image in the gallery: its file, the request that remakes it, its maps."""

    path: Path
    request: GenerationRequest
    family: str
    map_paths: dict


def dim_label(text: str = "") -> QtWidgets.QLabel:
    """A grey, word-wrapped label for a hint under a field (e.g. which model family a folder is)."""
    label = QtWidgets.QLabel(text)
    label.setStyleSheet("color: #999;")
    label.setWordWrap(True)
    return label


class PathField(QtWidgets.QWidget):
    """A path in a line edit (``edit``) beside a "…" button, in a row (``row``).

    Signals: ``changed(str)`` when the path is edited or picked.
    """

    changed = Signal(str)

    def __init__(self, placeholder: str, parent=None) -> None:
        super().__init__(parent)
        self.row = QtWidgets.QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.edit = QtWidgets.QLineEdit()
        self.edit.setPlaceholderText(placeholder)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)

    def _picked(self, path: str) -> None:
        """A file dialog's answer: take ``path`` (an empty one: the dialog was cancelled)."""
        if path:
            self.set_text(path)
            self.changed.emit(path)


class PathPicker(PathField):
    """A path field with a "…" menu: pick a diffusers folder or a single .safetensors file."""

    def __init__(self, placeholder: str, parent=None, *, files: bool = True) -> None:
        """``files``: the menu also offers a single .safetensors file (else folders only)."""
        super().__init__(placeholder, parent)
        row = self.row
        self.edit.editingFinished.connect(lambda: self.changed.emit(self.text()))
        button = QtWidgets.QToolButton()
        button.setText("…")
        button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QtWidgets.QMenu(button)
        menu.addAction("Model folder…", self._pick_folder)
        if files:
            menu.addAction(".safetensors file…", self._pick_file)
        button.setMenu(menu)
        row.addWidget(self.edit, 1)
        row.addWidget(button)

    def _pick_folder(self) -> None:
        self._picked(QtWidgets.QFileDialog.getExistingDirectory(self, "Model folder", self.text()))

    def _pick_file(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Model file", self.text(),
                                                        "safetensors (*.safetensors)")
        self._picked(path)


class ControlRow(QtWidgets.QWidget):
    """One ControlNet: on/off, which control map, model path, weight and guidance window."""

    changed = Signal()
    removed = Signal(object)

    def __init__(self, map_name: str = "openpose", scale: float = 1.0, enabled: bool = True,
                 path: str = "", start: float = 0.0, end: float = 1.0, parent=None) -> None:
        super().__init__(parent)
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(0, 2, 0, 2)
        self.enabled = QtWidgets.QCheckBox()
        self.enabled.setToolTip("Use this ControlNet")
        self.map = QtWidgets.QComboBox()
        for name in CONTROL_MAPS:
            self.map.addItem(MAP_LABELS[name], name)
        self.map.setToolTip("Control map of the scene this ControlNet takes")
        self.map.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.map.setMinimumContentsLength(8)   # keeps the dock narrow
        self.scale = self._spin(0.0, 2.0, 0.05, "Weight (conditioning scale)")
        self.start = self._spin(0.0, 1.0, 0.05, "Guidance start: fraction of steps before it acts")
        self.end = self._spin(0.0, 1.0, 0.05, "Guidance end: fraction of steps after which it stops")
        self.path = PathPicker("ControlNet folder or .safetensors")
        remove = QtWidgets.QToolButton()
        remove.setText("✕")
        remove.setToolTip("Remove this ControlNet")
        remove.clicked.connect(lambda: self.removed.emit(self))
        self.scale.setPrefix("× ")
        grid.addWidget(self.enabled, 0, 0)
        grid.addWidget(self.map, 0, 1)
        grid.addWidget(self.scale, 0, 2)
        grid.addWidget(remove, 0, 3)
        grid.addWidget(self.path, 1, 1, 1, 3)
        window = QtWidgets.QHBoxLayout()
        window.addWidget(QtWidgets.QLabel("from"))
        window.addWidget(self.start)
        window.addWidget(QtWidgets.QLabel("to"))
        window.addWidget(self.end)
        window.addStretch(1)
        grid.addLayout(window, 2, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        self.set_values(map_name, scale, enabled, path, start, end)
        for signal in (self.enabled.toggled, self.map.currentIndexChanged, self.scale.valueChanged,
                       self.start.valueChanged, self.end.valueChanged, self.path.changed):
            signal.connect(lambda *_: self.changed.emit())

    @staticmethod
    def _spin(lo: float, hi: float, step: float, tip: str) -> QtWidgets.QDoubleSpinBox:
        box = QtWidgets.QDoubleSpinBox()
        box.setRange(lo, hi)
        box.setSingleStep(step)
        box.setDecimals(2)
        box.setToolTip(tip)
        return box

    def set_values(self, map_name: str, scale: float, enabled: bool, path: str,
                   start: float = 0.0, end: float = 1.0) -> None:
        self.enabled.setChecked(bool(enabled))
        index = self.map.findData(map_name)
        self.map.setCurrentIndex(max(index, 0))
        self.scale.setValue(float(scale))
        self.start.setValue(float(start))
        self.end.setValue(float(end))
        self.path.set_text(path)

    def spec(self) -> ControlSpec | None:
        """The ControlSpec of a ticked row (None when unticked); InputError names a bad field."""
        if not self.enabled.isChecked():
            return None
        return ControlSpec(self.path.text(), self.map.currentData(), self.scale.value(),
                           self.start.value(), self.end.value())

    def state(self) -> dict:
        return {"map": self.map.currentData(), "scale": self.scale.value(),
                "enabled": self.enabled.isChecked(), "path": self.path.text(),
                "start": self.start.value(), "end": self.end.value()}


class ElidedLabel(QtWidgets.QLabel):
    """A one-line label that shortens its text in the middle when narrow (a long path keeps its
    start and its folder name); the full text is its tooltip. It never widens the dock."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                           QtWidgets.QSizePolicy.Policy.Preferred)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle,
                                                    max(self.width(), 40)))


class StatusLabel(QtWidgets.QLabel):
    """A word-wrapped line of status whose height follows its text at the width it has, without
    making the layouts around it height-for-width (a scroll area sizes such a panel by its
    preferred height, and shows scroll bars it does not need)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self._height = 0

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt API)
        return False

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt API)
        self._height = self.heightForWidth(max(self.width(), 1)) if self.text() else 0
        return QtCore.QSize(0, self._height)

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt API)
        return self.minimumSizeHint()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if self.text() and self.heightForWidth(self.width()) != self._height:
            self.updateGeometry()           # wraps to another number of lines at this width


class ActionRow(QtWidgets.QWidget):
    """Run and Cancel, a progress bar, a status line and (``saved_row``) where the results are
    saved, with an "Open folder" button: the row a panel keeps in view below its scrolling fields.
    A panel whose runs write no files (an import into the scene) leaves the saved row out."""

    def __init__(self, run_text: str, parent=None, *, saved_row: bool = True) -> None:
        super().__init__(parent)
        column = QtWidgets.QVBoxLayout(self)
        column.setContentsMargins(9, 4, 9, 6)
        run = QtWidgets.QHBoxLayout()
        self.run_button = QtWidgets.QPushButton(run_text)
        self.run_button.setDefault(True)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        run.addWidget(self.run_button, 1)
        run.addWidget(self.cancel_button)
        column.addLayout(run)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        column.addWidget(self.progress)
        self.status = StatusLabel()
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.status)
        if not saved_row:
            return
        saved = QtWidgets.QHBoxLayout()
        self.saved_in = ElidedLabel()
        self.saved_in.setStyleSheet("color: #999;")
        self.open_folder_button = QtWidgets.QPushButton("Open folder")
        self.open_folder_button.setToolTip("Show the folder the results are saved in")
        saved.addWidget(self.saved_in, 1)
        saved.addWidget(self.open_folder_button)
        column.addLayout(saved)


class VerticalScroll(QtWidgets.QScrollArea):
    """A frameless scroll area that scrolls up and down only: its minimum width is what its
    content needs (so the dock that holds it is made wide enough), its minimum height small."""

    def __init__(self, content: QtWidgets.QWidget, parent=None) -> None:
        super().__init__(parent)
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt API)
        bar = self.verticalScrollBar().sizeHint().width()
        width = self.widget().minimumSizeHint().width() + bar
        return QtCore.QSize(width, 2 * THUMB)


class ResultStrip(QtWidgets.QScrollArea):
    """The selected image next to the control maps that made it; scrolls sideways so the dock
    can stay narrow."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        content = QtWidgets.QWidget()
        self._row = QtWidgets.QHBoxLayout(content)
        self._row.setContentsMargins(0, 0, 0, 0)
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFixedHeight(2 * THUMB + 24)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def count(self) -> int:
        """How many pictures are shown (the image and each control map)."""
        return sum(1 for i in range(self._row.count()) if self._row.itemAt(i).widget())

    def show_entry(self, entry: GalleryEntry | None) -> None:
        while self._row.count():
            widget = self._row.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        if entry is None:
            return
        for label, path in [("image", entry.path)] + list(entry.map_paths.items()):
            side = THUMB * 2 if label == "image" else THUMB
            view = QtWidgets.QLabel()
            pixmap = QtGui.QPixmap(str(path))
            if not pixmap.isNull():
                view.setPixmap(pixmap.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
            view.setToolTip(f"{label}: {path}")
            self._row.addWidget(view)
        self._row.addStretch(1)
