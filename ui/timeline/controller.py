"""The timeline's logic: the current frame, playback, key edits, pose clipboard, onion skin.

The current frame is view state, like the selection: showing a frame writes the animation's
evaluated pose (and keyed camera) into the scene's people, outside the undo history, and tells
every view (viewport, previews, export) through :meth:`Document.notify` — so they all follow the
current frame. Key edits (set, delete, move, paste) are :mod:`posestudio.scene.edits` edits
pushed through the document, one undo step each.

A pose changed at a frame (gizmo, IK, panels) stays as it is until the frame changes or keys
change; "Key" stores it. Keying the selected joint or limb keeps every other joint as the
animation has it at that frame.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QObject, Signal

from posestudio.skeletons import SMPLX_PARENTS

from ..document import Document
from ..viewport.onion import Ghost, OnionSkin
from . import keying
from .clock import PlaybackClock
from .panel import TimelinePanel

#: Frames shown after the last key (room to key further on); at least this many seconds in all.
MIN_SECONDS = 2.0
#: Onion ghosts are this many frames apart at most (so ±N ghosts span visible motion).
ONION_STEP_SECONDS = 0.1


def limb_joints(joint: int) -> list[int]:
    """``joint`` and every joint below it in the SMPL-X tree (its limb), in index order."""
    out = [joint]
    for j in range(joint + 1, len(SMPLX_PARENTS)):
        if SMPLX_PARENTS[j] in out:
            out.append(j)
    return out


class TimelineController(QObject):
    """Connects a :class:`~.panel.TimelinePanel` to a document and its viewport.

    Signals
    -------
    frameShown(int)
        After the scene shows a new current frame.
    message(str)
        A line for the status bar.
    """

    frameShown = Signal(int)
    message = Signal(str)

    def __init__(self, document: Document, panel: TimelinePanel, posing=None,
                 viewport=None) -> None:
        super().__init__(panel)
        self.doc = document
        self.panel = panel
        self.posing = posing                 # ui.posing.PosingController (joint positions)
        self.frame = 0
        self.clipboard: tuple[np.ndarray, np.ndarray] | None = None
        self.clock = PlaybackClock(self)
        self.onion = OnionSkin(viewport) if viewport is not None else None
        self._showing = False
        self._connect()
        document.changed.connect(self._on_changed)
        document.selectionChanged.connect(lambda *_: self.refresh())
        document.pathChanged.connect(self._on_path_changed)
        self.refresh()

    # -- time ------------------------------------------------------------------------------
    @property
    def animation(self):
        return self.doc.scene.animation

    @property
    def fps(self) -> float:
        anim = self.animation
        return anim.fps if anim is not None else keying.DEFAULT_FPS

    @property
    def time(self) -> float:
        """Seconds of the current frame."""
        return self.frame / self.fps

    def frame_of(self, seconds: float) -> int:
        return int(round(seconds * self.fps))

    def play_range(self) -> tuple[int, int]:
        """First and last frame played and exported (inclusive)."""
        anim = self.animation
        if anim is None:
            return 0, 0
        first = self.frame_of(anim.start)
        return first, max(self.frame_of(anim.duration()), first)

    def frame_count(self) -> int:
        """Frames the ruler shows: the play range and every key, plus a second of room."""
        last = max(self.play_range()[1], max(self.key_frames(), default=0), self.frame)
        return max(last + int(math.ceil(self.fps)), int(math.ceil(MIN_SECONDS * self.fps))) + 1

    def key_frames(self, person: int | None = None) -> list[int]:
        """Frames of the keys of ``person`` (default: the selected one)."""
        anim = self.animation
        p = self.doc.person if person is None else person
        if anim is None or not 0 <= p < len(anim.tracks):
            return []
        return [self.frame_of(k.time) for k in anim.tracks[p]]

    def go_to(self, frame: int) -> None:
        """Make ``frame`` current: the scene shows the animation there."""
        self.frame = max(int(frame), 0)
        self.show_frame()

    def show_frame(self) -> None:
        """Write the animation at the current frame into the scene's people and camera (not an
        edit: the current frame is view state) and let every view redraw."""
        changes = keying.write_frame(self.doc.scene, self.time)
        self._showing = True
        try:
            if changes:
                self.doc.notify(changes)
        finally:
            self._showing = False
        self.refresh()
        self.frameShown.emit(self.frame)

    def step(self, frames: int) -> None:
        self.go_to(self.frame + frames)

    def step_key(self, direction: int) -> None:
        """Go to the previous (``-1``) or next (``+1``) key of the selected person."""
        keys = self.key_frames()
        later = [k for k in keys if (k - self.frame) * direction > 0]
        if later:
            self.go_to(min(later, key=lambda k: abs(k - self.frame)))

    # -- playback --------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.clock.playing():
            self.clock.pause()
            return
        first, last = self.play_range()
        if last <= first:
            self.message.emit("Nothing to play: key at least two frames first")
            self.panel.play.setChecked(False)
            return
        self.clock.fps, self.clock.first, self.clock.last = self.fps, first, last
        self.clock.loop = self.panel.loop.isChecked()
        self.clock.play(self.frame)

    # -- key edits -------------------------------------------------------------------------
    def _joints_in_scope(self) -> list[int] | None:
        scope = self.panel.key_scope()
        joint = self.doc.joint
        if scope == "body" or joint < 0:
            return None
        return [joint] if scope == "joint" else limb_joints(joint)

    def set_key(self) -> None:
        """Key the selected person's shown pose at the current frame (one undo step)."""
        person = self.doc.current_person()
        if person is None:
            self.message.emit("Select a person to key")
            return
        self._push_key(person.pose, person.transl, "Key")

    def paste_pose(self) -> None:
        """Key the copied pose at the current frame (one undo step)."""
        if self.clipboard is None:
            self.message.emit("Copy a pose first")
            return
        if self.doc.current_person() is None:
            self.message.emit("Select a person to paste onto")
            return
        self._push_key(*self.clipboard, "Paste pose")

    def _push_key(self, pose: np.ndarray, transl: np.ndarray, text: str) -> None:
        p = self.doc.person
        edit = keying.key_edit(self.doc.scene, p, self.time, pose, transl,
                               self._joints_in_scope(), text=f"{text} at frame {self.frame}")
        self.doc.push(edit)

    def key_camera(self) -> None:
        """Key the scene camera at the current frame (one undo step)."""
        self.doc.push(keying.camera_key_edit(self.doc.scene, self.time,
                                             text=f"Key camera at frame {self.frame}"))

    def delete_key(self) -> None:
        p = self.doc.person
        if self.frame not in self.key_frames():
            self.message.emit(f"No key at frame {self.frame}")
            return
        self.doc.push(keying.delete_key_edit(self.doc.scene, p, self.time,
                                             text=f"Delete key at frame {self.frame}"))

    def move_key(self, from_frame: int, to_frame: int) -> None:
        p = self.doc.person
        if to_frame in self.key_frames() or to_frame < 0:
            self.message.emit(f"Frame {to_frame} already has a key")
            self.refresh()
            return
        self.doc.push(keying.move_key_edit(self.doc.scene, p, from_frame / self.fps,
                                           to_frame / self.fps,
                                           text=f"Move key {from_frame} → {to_frame}"))

    def set_interp(self, interp: str) -> None:
        """How the selected person's key at this frame goes to the next (one undo step)."""
        key = self._key_here()
        if key is None:
            self.message.emit(f"No key at frame {self.frame}: key the pose first")
            self.refresh()
            return
        if key.interp != interp:
            self.doc.push(keying.interp_edit(self.doc.person, key, interp,
                                             text=f"Interpolation {interp} at frame {self.frame}"))

    def _key_here(self):
        """The selected person's key at the current frame, or None."""
        anim, p = self.animation, self.doc.person
        if anim is None or not 0 <= p < len(anim.tracks):
            return None
        return next((k for k in anim.tracks[p] if self.frame_of(k.time) == self.frame), None)

    def copy_pose(self) -> None:
        person = self.doc.current_person()
        if person is None:
            return
        self.clipboard = (person.pose.copy(), person.transl.copy())
        self.message.emit(f"Copied {person.name}'s pose at frame {self.frame}")

    def set_fps(self, fps: float) -> None:
        if self.animation is None or abs(fps - self.fps) < 1e-9:
            return
        self.doc.push(keying.animation_settings_edit(self.doc.scene, fps=fps))

    def set_range(self, first: int, last: int) -> None:
        if self.animation is None:
            return
        first, last = max(first, 0), max(last, first)
        if (first, last) == self.play_range():
            return
        self.doc.push(keying.animation_settings_edit(self.doc.scene, start=first / self.fps,
                                                     end=last / self.fps))

    # -- onion skin ------------------------------------------------------------------------
    def onion_ghosts(self) -> list[Ghost]:
        """Ghosts of the keyed people at ±1..±N steps from the current frame."""
        from posestudio.body import load_body_model

        anim = self.animation
        if anim is None or not self.panel.onion.isChecked():
            return []
        reach = self.panel.onion_frames.value()
        step = max(1, int(round(ONION_STEP_SECONDS * self.fps)))
        shown = np.array(list(range(22)))
        ghosts = []
        for p, track in enumerate(anim.tracks[:len(self.doc.scene.people)]):
            person = self.doc.scene.people[p]
            if not track or not person.visible:
                continue
            model = load_body_model(person.rig)
            for k in [*range(-reach, 0), *range(1, reach + 1)]:
                f = self.frame + k * step
                if f < 0:
                    continue
                pose, transl = keying.pose_at(track, f / self.fps)
                posed = model.pose(betas=person.betas, pose=pose, transl=transl)
                ghosts.append(Ghost(k, np.asarray(posed.joints), tuple(model.parents), shown,
                                    np.asarray(posed.vertices), np.asarray(posed.faces)))
        return ghosts

    def update_onion(self) -> None:
        if self.onion is None:
            return
        if self.clock.playing() or not self.panel.onion.isChecked():
            self.onion.clear()
            return
        self.onion.show(self.onion_ghosts(), self.panel.onion_frames.value())

    # -- wiring ----------------------------------------------------------------------------
    def _connect(self) -> None:
        pn = self.panel
        pn.ruler.frameRequested.connect(self.go_to)
        pn.ruler.keyMoveRequested.connect(self.move_key)
        pn.frame.valueChanged.connect(self.go_to)
        pn.first.clicked.connect(lambda: self.go_to(self.play_range()[0]))
        pn.last.clicked.connect(lambda: self.go_to(self.play_range()[1]))
        pn.prev.clicked.connect(lambda: self.step(-1))
        pn.next.clicked.connect(lambda: self.step(1))
        pn.prev_key.clicked.connect(lambda: self.step_key(-1))
        pn.next_key.clicked.connect(lambda: self.step_key(1))
        pn.play.clicked.connect(lambda _checked: self.toggle_play())
        pn.loop.toggled.connect(lambda on: setattr(self.clock, "loop", on))
        pn.set_key.clicked.connect(self.set_key)
        pn.delete_key.clicked.connect(self.delete_key)
        pn.key_camera.clicked.connect(self.key_camera)
        pn.copy.clicked.connect(self.copy_pose)
        pn.paste.clicked.connect(self.paste_pose)
        pn.fpsEdited.connect(self.set_fps)
        pn.interpEdited.connect(self.set_interp)
        pn.rangeEdited.connect(self.set_range)
        pn.onion.toggled.connect(lambda _on: self.update_onion())
        pn.onion_frames.valueChanged.connect(lambda _n: self.update_onion())
        self.clock.frameDue.connect(self.go_to)
        self.clock.playingChanged.connect(self._on_playing)

    def _on_path_changed(self, _path) -> None:
        # a scene opened, started or recovered (no history yet): start at its first frame
        if self.doc.undo_stack.count() == 0:
            self.clock.pause()
            self.frame = self.play_range()[0]

    def _on_playing(self, playing: bool) -> None:
        self.panel.show_playing(playing)
        self.update_onion()

    def _on_changed(self, changes) -> None:
        if self._showing:
            return
        kinds = {c.kind for c in changes}
        if kinds & {"animation", "scene", "people"}:
            # keys changed (or a new scene): the shown frame follows the keys
            self.show_frame()
            return
        if "person" in kinds:
            anim = self.animation
            keyed = [c.index for c in changes if c.kind == "person" and anim is not None
                     and c.index is not None and c.index < len(anim.tracks) and anim.tracks[c.index]
                     and {"pose", "transl"} & set(c.fields)]
            if keyed and self.frame not in self.key_frames(keyed[0]):
                self.message.emit(f"Pose changed at frame {self.frame}: press K to key it "
                                  "(an unkeyed change goes when the frame changes)")
            self.update_onion()

    def refresh(self) -> None:
        """Bring the panel in line with the document (signals blocked: no echo)."""
        pn = self.panel
        first, last = self.play_range()
        widgets = (pn.frame, pn.fps, pn.range_start, pn.range_end, pn.interp)
        for w in widgets:
            w.blockSignals(True)
        try:
            pn.frame.setValue(self.frame)
            pn.fps.setValue(self.fps)
            pn.range_start.setValue(first)
            pn.range_end.setValue(last)
            key = self._key_here()
            pn.interp.setEnabled(key is not None)
            if key is not None:
                pn.interp.setCurrentIndex(max(pn.interp.findData(key.interp), 0))
        finally:
            for w in widgets:
                w.blockSignals(False)
        animated = self.animation is not None
        for w in (pn.fps, pn.range_start, pn.range_end):
            w.setEnabled(animated)
        pn.time_label.setText(f"{self.time:5.2f} s")
        pn.ruler.set_state(self.frame_count(), self.frame, self.key_frames(), (first, last))
        if not self.clock.playing():
            self.update_onion()

