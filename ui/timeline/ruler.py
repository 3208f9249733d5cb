"""The timeline strip: frame ruler, play range, key marks and the playhead.

Press and drag on the strip scrubs; press on a key mark and drag moves that key (the move is
requested on release, so the whole drag is one undo step). The strip only shows state and reports
gestures; :mod:`.controller` turns them into scene changes.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

KEY_PIXELS = 6.0          # half width of a key mark's grab area
MARGIN = 10               # pixels left and right of the first and last frame


class TimelineRuler(QtWidgets.QWidget):
    """Frames ``0..frame_count-1`` laid out left to right.

    Signals
    -------
    frameRequested(int)
        Scrubbing: show this frame.
    keyMoveRequested(int, int)
        A key mark was dragged from one frame to another (emitted on release).
    """

    frameRequested = Signal(int)
    keyMoveRequested = Signal(int, int)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame_count = 1
        self.current = 0
        self.keys: list[int] = []             # frames with a key (the selected person's)
        self.range = (0, 0)                   # play range, inclusive
        self._drag: dict | None = None
        self.setMinimumHeight(48)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                           QtWidgets.QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setToolTip("Click or drag to scrub · drag a key mark (◆) to move that key")

    def sizeHint(self) -> QtCore.QSize:  # noqa: N802 (Qt API)
        return QtCore.QSize(400, 48)

    # -- state -----------------------------------------------------------------------------
    def set_state(self, frame_count: int, current: int, keys: list[int],
                  play_range: tuple[int, int]) -> None:
        self.frame_count = max(int(frame_count), 1)
        self.current = int(current)
        self.keys = sorted(set(int(k) for k in keys))
        self.range = (int(play_range[0]), int(play_range[1]))
        self.update()

    # -- geometry --------------------------------------------------------------------------
    def x_of(self, frame: float) -> float:
        """Widget x (pixels) of a frame."""
        span = max(self.frame_count - 1, 1)
        return MARGIN + (self.width() - 2 * MARGIN) * frame / span

    def frame_of(self, x: float) -> int:
        """Nearest frame to a widget x, clamped to the frames."""
        span = max(self.frame_count - 1, 1)
        f = round((x - MARGIN) / max(self.width() - 2 * MARGIN, 1) * span)
        return int(min(max(f, 0), self.frame_count - 1))

    def key_at(self, x: float) -> int | None:
        near = [k for k in self.keys if abs(self.x_of(k) - x) <= KEY_PIXELS]
        return min(near, key=lambda k: abs(self.x_of(k) - x)) if near else None

    # -- painting --------------------------------------------------------------------------
    def paintEvent(self, ev) -> None:  # noqa: N802 (Qt API)
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        h = self.height()
        p.fillRect(self.rect(), pal.color(QtGui.QPalette.ColorRole.Base))
        lo, hi = self.range
        band = QtCore.QRectF(self.x_of(lo), 0, self.x_of(hi) - self.x_of(lo), h)
        p.fillRect(band, QtGui.QColor(80, 140, 220, 45))
        text = pal.color(QtGui.QPalette.ColorRole.Text)
        step = self._label_step()
        font = p.font()
        font.setPointSizeF(max(font.pointSizeF() * 0.8, 6.0))
        p.setFont(font)
        for f in range(0, self.frame_count):
            x = self.x_of(f)
            major = f % step == 0
            if not major and (self.width() - 2 * MARGIN) / max(self.frame_count, 1) < 4:
                continue
            p.setPen(QtGui.QPen(text, 1.0))
            p.drawLine(QtCore.QPointF(x, 0), QtCore.QPointF(x, 9 if major else 4))
            if major:
                p.drawText(QtCore.QPointF(x + 2, 19), str(f))
        moving = self._drag.get("key") if self._drag else None
        for k in self.keys:
            shown = self._drag["to"] if moving == k else k
            self._diamond(p, self.x_of(shown), h - 13,
                          QtGui.QColor(255, 120, 40) if k == self.current
                          else QtGui.QColor(240, 185, 40))
        x = self.x_of(self.current)
        p.setPen(QtGui.QPen(QtGui.QColor(230, 80, 60), 2.0))
        p.drawLine(QtCore.QPointF(x, 0), QtCore.QPointF(x, h))
        p.end()

    def _label_step(self) -> int:
        width = max(self.width() - 2 * MARGIN, 1)
        for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
            if width * step / max(self.frame_count, 1) >= 34:
                return step
        return 5000

    @staticmethod
    def _diamond(p: QtGui.QPainter, x: float, y: float, color: QtGui.QColor) -> None:
        r = 6.5
        poly = QtGui.QPolygonF([QtCore.QPointF(x, y - r), QtCore.QPointF(x + r, y),
                                QtCore.QPointF(x, y + r), QtCore.QPointF(x - r, y)])
        p.setPen(QtGui.QPen(QtGui.QColor(40, 30, 10), 1.2))
        p.setBrush(color)
        p.drawPolygon(poly)

    # -- mouse -----------------------------------------------------------------------------
    def mousePressEvent(self, ev) -> None:  # noqa: N802 (Qt API)
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        x = ev.position().x()
        key = self.key_at(x) if ev.position().y() > self.height() / 2 else None
        if key is not None:
            self._drag = {"key": key, "to": key}
            self.frameRequested.emit(key)
        else:
            self._drag = {"scrub": True}
            self.frameRequested.emit(self.frame_of(x))
        ev.accept()

    def mouseMoveEvent(self, ev) -> None:  # noqa: N802 (Qt API)
        d = self._drag
        if d is None:
            return
        frame = self.frame_of(ev.position().x())
        if "key" in d:
            d["to"] = frame
            self.update()
        else:
            self.frameRequested.emit(frame)

    def mouseReleaseEvent(self, ev) -> None:  # noqa: N802 (Qt API)
        d, self._drag = self._drag, None
        if d and "key" in d and d["to"] != d["key"]:
            self.keyMoveRequested.emit(d["key"], d["to"])
            self.frameRequested.emit(d["to"])
        self.update()
