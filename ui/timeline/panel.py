"""The Timeline dock's widgets: transport, key buttons, frame/fps/range fields, onion skin, ruler.

Only widgets and their signals; :class:`~.controller.TimelineController` connects them to the
document and refreshes them (with their signals blocked, so a refresh is never taken for a user
edit).
"""

from __future__ import annotations

from PySide6 import QtWidgets
from PySide6.QtCore import Signal

from .ruler import TimelineRuler

#: What "Key" and "Paste" write: the whole body, the selected joint, or it and every joint below.
KEY_SCOPES = (("Whole body", "body"), ("Selected joint", "joint"), ("Selected limb", "limb"))
#: The key's way to the next key (``posestudio.anim.INTERPOLATIONS``), as the menu shows it.
INTERP_LABELS = (("Hold", "hold"), ("Linear", "linear"), ("Ease in/out", "ease"),
                 ("Smooth", "smooth"))


def _button(text: str, tip: str, checkable: bool = False,
            icon: QtWidgets.QStyle.StandardPixmap | None = None) -> QtWidgets.QToolButton:
    b = QtWidgets.QToolButton()
    b.setText(text)
    if icon is not None:         # the style's own media icons: no font needs the glyphs
        b.setIcon(b.style().standardIcon(icon))
    b.setToolTip(tip)
    b.setCheckable(checkable)
    b.setAutoRaise(True)
    return b


class TimelinePanel(QtWidgets.QWidget):
    """Two rows over the ruler: transport and frame fields; keys, clipboard and onion skin."""

    fpsEdited = Signal(float)
    rangeEdited = Signal(int, int)
    interpEdited = Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        SP = QtWidgets.QStyle.StandardPixmap
        self.first = _button("First", "First frame of the play range", icon=SP.SP_MediaSkipBackward)
        self.prev_key = _button("◆◀", "Previous key (Alt+Down)")
        self.prev = _button("Back", "Previous frame (Alt+Left)", icon=SP.SP_MediaSeekBackward)
        self.play = _button("Play", "Play / pause at the scene's frame rate (Space)", True,
                            icon=SP.SP_MediaPlay)
        self.next = _button("Next", "Next frame (Alt+Right)", icon=SP.SP_MediaSeekForward)
        self.next_key = _button("▶◆", "Next key (Alt+Up)")
        self.last = _button("Last", "Last frame of the play range", icon=SP.SP_MediaSkipForward)
        self.loop = _button("Loop", "Loop the play range", True, icon=SP.SP_BrowserReload)
        self.loop.setChecked(True)
        self.frame = QtWidgets.QSpinBox()
        self.frame.setRange(0, 100000)
        self.frame.setToolTip("Current frame")
        self.frame.setPrefix("frame ")
        self.frame.setMaximumWidth(110)
        self.time_label = QtWidgets.QLabel("0.00 s")
        self.fps = QtWidgets.QDoubleSpinBox()
        self.fps.setRange(1.0, 240.0)
        self.fps.setDecimals(2)
        self.fps.setSuffix(" fps")
        self.fps.setToolTip("Frame rate of the timeline")
        self.fps.setKeyboardTracking(False)
        self.range_start = QtWidgets.QSpinBox()
        self.range_end = QtWidgets.QSpinBox()
        for box, tip in ((self.range_start, "First frame played and exported"),
                         (self.range_end, "Last frame played and exported")):
            box.setRange(0, 100000)
            box.setToolTip(tip)
            box.setKeyboardTracking(False)
        self.set_key = _button("◆ Key", "Key the pose shown at this frame (K)")
        self.delete_key = _button("✕ Key", "Delete the key at this frame (Alt+K)")
        self.key_camera = _button("◆ Camera", "Key the scene camera at this frame (a keyed "
                                  "camera moves between its keys)")
        self.scope = QtWidgets.QComboBox()
        for label, value in KEY_SCOPES:
            self.scope.addItem(label, value)
        self.scope.setToolTip("What Key and Paste write: the whole body, the selected joint, or "
                              "the selected joint and the joints below it")
        self.interp = QtWidgets.QComboBox()
        for label, value in INTERP_LABELS:
            self.interp.addItem(label, value)
        self.interp.setToolTip("How the key at this frame goes to the next one: hold the pose, "
                               "linear, ease in/out, or a smooth curve through the keys")
        self.copy = _button("Copy", "Copy the selected person's pose at this frame (Ctrl+Alt+C)")
        self.paste = _button("Paste", "Paste the copied pose here as a key (Ctrl+Alt+K)")
        self.onion = QtWidgets.QCheckBox("Onion")
        self.onion.setToolTip("Show ghosts of the neighbouring frames in the viewport")
        self.onion_frames = QtWidgets.QSpinBox()
        self.onion_frames.setRange(1, 10)
        self.onion_frames.setValue(2)
        self.onion_frames.setPrefix("±")
        self.onion_frames.setToolTip("How many frames before and after the current one show as "
                                     "ghosts (every few frames, fading with distance)")
        self.ruler = TimelineRuler()

        top = QtWidgets.QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        for w in (self.first, self.prev_key, self.prev, self.play, self.next, self.next_key,
                  self.last, self.loop, self.frame, self.time_label):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(QtWidgets.QLabel("Range"))
        top.addWidget(self.range_start)
        top.addWidget(self.range_end)
        top.addWidget(self.fps)
        keys = QtWidgets.QHBoxLayout()
        keys.setContentsMargins(0, 0, 0, 0)
        for w in (self.set_key, self.delete_key, self.scope, self.interp, self.copy, self.paste,
                  self.key_camera):
            keys.addWidget(w)
        keys.addStretch(1)
        keys.addWidget(self.onion)
        keys.addWidget(self.onion_frames)
        box = QtWidgets.QVBoxLayout(self)
        box.setContentsMargins(4, 2, 4, 2)
        box.setSpacing(2)
        box.addLayout(top)
        box.addLayout(keys)
        box.addWidget(self.ruler)
        self.fps.valueChanged.connect(self.fpsEdited)
        self.interp.activated.connect(lambda _i: self.interpEdited.emit(self.interp.currentData()))
        self.range_start.valueChanged.connect(
            lambda v: self.rangeEdited.emit(v, self.range_end.value()))
        self.range_end.valueChanged.connect(
            lambda v: self.rangeEdited.emit(self.range_start.value(), v))

    def show_playing(self, playing: bool) -> None:
        """The play button as a pause button while playing."""
        SP = QtWidgets.QStyle.StandardPixmap
        self.play.setChecked(playing)
        self.play.setIcon(self.style().standardIcon(SP.SP_MediaPause if playing
                                                    else SP.SP_MediaPlay))
        self.play.setText("Pause" if playing else "Play")

    def key_scope(self) -> str:
        """``"body"``, ``"joint"`` or ``"limb"``."""
        return self.scope.currentData()
