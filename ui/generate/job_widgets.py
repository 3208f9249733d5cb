"""Widgets the video and re-pose panels share: an image file field with its thumbnail, the seed
field, and a player that loops a clip's frames in the panel.

Plain widgets with signals; they know nothing of the document or the job process.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from posestudio.generate.params import parse_seed

from .widgets import PathField

__all__ = ["FramePlayer", "ImageField", "SeedField", "thumbnail"]

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp)"


def thumbnail(path: str | Path, side: int) -> QtGui.QPixmap:
    """The image at ``path`` scaled to fit ``side``×``side`` (a null pixmap if unreadable)."""
    pixmap = QtGui.QPixmap(str(path))
    if pixmap.isNull():
        return pixmap
    return pixmap.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)


class ImageField(PathField):
    """An image path with a "…" file picker and a small thumbnail of the image.

    ``placeholder`` says what an empty field means. Signals: ``changed(str)`` when the path is
    edited or picked.
    """

    def __init__(self, placeholder: str, parent=None, *, side: int = 48) -> None:
        super().__init__(placeholder, parent)
        self.side = side
        row = self.row
        self.preview = QtWidgets.QLabel()
        self.preview.setFixedSize(side, side)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("border: 1px solid #555;")
        self.edit.editingFinished.connect(self._edited)
        button = QtWidgets.QToolButton()
        button.setText("…")
        button.setToolTip("Choose an image")
        button.clicked.connect(self._pick)
        row.addWidget(self.preview)
        row.addWidget(self.edit, 1)
        row.addWidget(button)

    def set_text(self, text: str) -> None:
        super().set_text(text)
        self.show_image(text)

    def show_image(self, path: str) -> None:
        """Show ``path``'s thumbnail (an empty field may show another image: its default)."""
        pixmap = thumbnail(path, self.side) if path else QtGui.QPixmap()
        self.preview.setPixmap(pixmap)
        self.preview.setToolTip(path)

    def _edited(self) -> None:
        self.show_image(self.text())
        self.changed.emit(self.text())

    def _pick(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Image", self.text(), IMAGE_FILTER)
        self._picked(path)


class SeedField(QtWidgets.QWidget):
    """A seed: a whole number, or "random" (ticked: a new one each run, recorded in the output)."""

    changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.edit = QtWidgets.QLineEdit("0")
        self.edit.setValidator(QtGui.QRegularExpressionValidator(
            QtCore.QRegularExpression(r"\d{0,10}")))
        self.random = QtWidgets.QCheckBox("random")
        self.random.toggled.connect(lambda on: self.edit.setEnabled(not on))
        self.random.setChecked(True)
        row.addWidget(self.edit, 1)
        row.addWidget(self.random)
        self.random.toggled.connect(lambda *_: self.changed.emit())
        self.edit.editingFinished.connect(self.changed)

    def value(self) -> int | None:
        """The seed, None for random; InputError for a number out of range."""
        return None if self.random.isChecked() else parse_seed(self.edit.text() or "0")

    def set_value(self, seed: int | None) -> None:
        self.random.setChecked(seed is None)
        self.edit.setText(str(seed if seed is not None else 0))

    def state(self) -> dict:
        return {"seed": self.edit.text(), "random_seed": self.random.isChecked()}

    def restore(self, state: dict) -> None:
        self.edit.setText(str(state.get("seed", "0")))
        self.random.setChecked(bool(state.get("random_seed", True)))


class FramePlayer(QtWidgets.QLabel):
    """Loops a clip's frames (PNG files) at its frame rate; a click pauses and resumes."""

    def __init__(self, side: int = 192, parent=None) -> None:
        super().__init__(parent)
        self.side = side
        self.setFixedHeight(side)
        self.setMinimumWidth(side)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setToolTip("Click to pause or play")
        self.frames: list[QtGui.QPixmap] = []
        self.index = 0
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self._next)

    def play(self, paths: list[Path], fps: float) -> None:
        """Load ``paths`` (in order) and loop them at ``fps`` frames a second."""
        self.timer.stop()
        self.frames = [p for p in (thumbnail(path, self.side) for path in paths) if not p.isNull()]
        self.index = 0
        if not self.frames:
            self.clear()
            return
        self.setPixmap(self.frames[0])
        if len(self.frames) > 1:
            self.timer.start(max(10, int(round(1000.0 / max(fps, 1.0)))))

    def stop(self) -> None:
        self.timer.stop()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.timer.isActive():
            self.timer.stop()
        elif len(self.frames) > 1:
            self.timer.start()
        super().mousePressEvent(event)

    def _next(self) -> None:
        self.index = (self.index + 1) % len(self.frames)
        self.setPixmap(self.frames[self.index])
