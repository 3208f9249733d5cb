"""Playback at real speed: which frame is due is computed from the elapsed wall-clock time, so a
slow frame makes the next tick skip ahead (frames are dropped) instead of slowing the clip down."""

from __future__ import annotations

import math

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer, Signal


class PlaybackClock(QObject):
    """Emits the frame due now while playing, over ``first..last`` (inclusive), looping or not.

    Attributes
    ----------
    fps : float
        Frames per second of the timeline (frame ``i`` is at ``i / fps`` seconds).
    first, last : int
        Play range, frame indices, inclusive.
    loop : bool
        At the end, start again at ``first`` (else stop on ``last``).
    shown, dropped : int
        Frames emitted and frames skipped since :meth:`play` (the skipped ones were due while an
        earlier frame was still being drawn).

    Signals
    -------
    frameDue(int)
        The frame to show now; emitted only when it differs from the last one.
    playingChanged(bool)
    """

    frameDue = Signal(int)
    playingChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fps = 30.0
        self.first, self.last = 0, 0
        self.loop = True
        self.shown = self.dropped = 0
        self._elapsed = QElapsedTimer()
        self._origin = 0                   # frame shown when the clock started
        self._frame = 0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self, from_frame: int) -> None:
        """Start at ``from_frame`` (clamped into the range; at the end, from ``first``)."""
        frame = min(max(int(from_frame), self.first), self.last)
        if frame >= self.last:
            frame = self.first
        self._origin = self._frame = frame
        self.shown = self.dropped = 0
        self._elapsed.start()
        # tick at twice the frame rate so a frame is never shown more than half a frame late
        self._timer.start(max(1, int(500.0 / max(self.fps, 1e-3))))
        self.playingChanged.emit(True)
        self.frameDue.emit(frame)

    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playingChanged.emit(False)

    def frame_at(self, elapsed_s: float) -> tuple[int, bool]:
        """Frame due ``elapsed_s`` seconds after the start, and whether playback goes on."""
        n = self.last - self.first + 1
        offset = self._origin - self.first + int(math.floor(elapsed_s * self.fps + 1e-9))
        if offset < n:
            return self.first + offset, True
        if self.loop and n > 0:
            return self.first + offset % n, True
        return self.last, False

    def _tick(self) -> None:
        frame, going = self.frame_at(self._elapsed.nsecsElapsed() * 1e-9)
        if frame != self._frame:
            step = (frame - self._frame) % max(self.last - self.first + 1, 1)
            self.dropped += max(step - 1, 0)
            self.shown += 1
            self._frame = frame
            self.frameDue.emit(frame)
        if not going:
            self.pause()
