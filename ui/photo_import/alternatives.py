"""Cycling through a lifted person's depth alternatives: a key and a small picker with thumbnails.

A photo leaves each limb segment two depth solutions; the lift ranks them
(``posestudio.lift.ambiguity``) and the photo state keeps the ranked list per person
(``PhotoState.alternatives``). Here the user takes another one:

* **N** / **Shift+N** (Edit ▸ Next / Previous Pose Alternative): the selected person becomes their
  next / previous distinct solution;
* the picker in the Photo dock: a thumbnail per alternative — the
  skeleton seen through the photo's camera and from the side, where the depth differences show —
  and a limb filter: with a limb chosen, only that limb of the person changes.

Every choice is one undo step (a :class:`~posestudio.scene.edits.CompositeEdit` of the pose,
translation and shape).
"""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from posestudio.scene.edits import CompositeEdit, SetPersonField, SetPose
from posestudio.scene.model import Person
from posestudio.skeletons import SMPLX_JOINT_INDEX as J

# limb filter: (label, joints whose rotations the limb's choice takes over)
LIMB_JOINTS = {
    "whole person": None,
    "left arm": ("left_shoulder", "left_elbow"),
    "right arm": ("right_shoulder", "right_elbow"),
    "left leg": ("left_hip", "left_knee"),
    "right leg": ("right_hip", "right_knee"),
    "torso": ("pelvis", "left_hip", "right_hip"),
}
# bones drawn in a thumbnail (SMPL-X joint names)
BONES = (("pelvis", "spine3"), ("spine3", "neck"), ("neck", "head"),
         ("neck", "left_shoulder"), ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
         ("neck", "right_shoulder"), ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
         ("pelvis", "left_hip"), ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
         ("pelvis", "right_hip"), ("right_hip", "right_knee"), ("right_knee", "right_ankle"))
LEFT, RIGHT = QtGui.QColor(80, 170, 255), QtGui.QColor(255, 120, 80)
THUMB = QtCore.QSize(128, 92)


def candidates(current: Person, alternatives: list[Person], limb: str = "whole person") -> list[Person]:
    """The people the user can cycle through: ``alternatives`` as they are (whole person), or
    ``current`` with only ``limb``'s rotations taken from each alternative (duplicates of
    ``current`` dropped)."""
    joints = LIMB_JOINTS[limb]
    if joints is None:
        return [p.copy() for p in alternatives]
    ids = [J[n] for n in joints]
    out: list[Person] = []
    for alt in alternatives:
        person = current.copy()
        pose = np.array(person.pose, dtype=np.float64)
        pose[ids] = np.asarray(alt.pose, dtype=np.float64)[ids]
        person.pose = pose
        if any(_same(person, p) for p in out):
            continue
        out.append(person)
    return out


def _same(a: Person, b: Person, tol: float = 1e-3) -> bool:
    return bool(np.allclose(np.asarray(a.pose)[:22], np.asarray(b.pose)[:22], atol=tol)
                and np.allclose(a.transl, b.transl, atol=tol))


def nearest(person: Person, options: list[Person]) -> int:
    """Index of the option closest to ``person``'s pose (−1 when there are none)."""
    if not options:
        return -1
    pose = np.asarray(person.pose)[:22]
    return int(np.argmin([np.abs(np.asarray(o.pose)[:22] - pose).sum()
                          + np.abs(np.asarray(o.transl) - np.asarray(person.transl)).sum()
                          for o in options]))


def choose_edit(scene, slot: int, person: Person, text: str) -> CompositeEdit:
    """One undo step putting ``person``'s pose, translation and shape on ``scene.people[slot]``."""
    return CompositeEdit(text, [
        SetPose.from_scene(scene, slot, np.asarray(person.pose), np.asarray(person.transl)),
        SetPersonField.from_scene(scene, slot, "betas", np.asarray(person.betas)),
    ])


def thumbnail(person: Person, camera, canvas, size: QtCore.QSize = THUMB) -> QtGui.QPixmap:
    """The person's skeleton through ``camera`` (left half) and from the camera's side (right
    half: depth runs left → right), drawn on a dark tile."""
    from posestudio import camera as cam
    from posestudio.body import load_body_model

    joints = load_body_model(person.rig).pose_person(person).joints.astype(np.float64)
    m = cam.world_to_camera(camera)
    local = joints @ m[:3, :3].T + m[:3, 3]
    views = (local[:, [0, 1]], np.stack([-local[:, 2], local[:, 1]], 1))
    pixmap = QtGui.QPixmap(size)
    pixmap.fill(QtGui.QColor(30, 30, 34))
    painter = QtGui.QPainter(pixmap)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    half = size.width() / 2
    for k, pts in enumerate(views):
        if k == 0:  # perspective: divide by depth for the camera view
            z = np.maximum(-local[:, 2], 1e-3)[:, None]
            pts = local[:, :2] / z
        lo, hi = pts[:22].min(0), pts[:22].max(0)
        scale = 0.85 * min(half / max(hi[0] - lo[0], 1e-6), size.height() / max(hi[1] - lo[1], 1e-6))
        centre = (lo + hi) / 2

        def at(p, k=k, scale=scale, centre=centre):
            return QtCore.QPointF(k * half + half / 2 + (p[0] - centre[0]) * scale,
                                  size.height() / 2 - (p[1] - centre[1]) * scale)

        for a, b in BONES:
            colour = LEFT if "left" in b else RIGHT if "right" in b else QtGui.QColor(220, 220, 220)
            painter.setPen(QtGui.QPen(colour, 2.0))
            painter.drawLine(at(pts[J[a]]), at(pts[J[b]]))
    painter.setPen(QtGui.QPen(QtGui.QColor(70, 70, 80), 1.0))
    painter.drawLine(QtCore.QPointF(half, 4), QtCore.QPointF(half, size.height() - 4))
    painter.end()
    return pixmap


class AlternativesPicker(QtWidgets.QWidget):
    """Thumbnails of one person's alternatives and a limb filter; a click (or Enter) picks one.

    Signals
    -------
    picked(int) : the row of the chosen candidate (``candidates`` order)
    limbChanged(str) : the limb filter (a ``LIMB_JOINTS`` key)
    """

    picked = QtCore.Signal(int)
    limbChanged = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pose_alternatives")
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Alternatives for"))
        self.limb = QtWidgets.QComboBox()
        self.limb.addItems(list(LIMB_JOINTS))
        self.limb.setToolTip("Change the whole person, or only this limb")
        row.addWidget(self.limb, 1)
        layout.addLayout(row)
        self.list = QtWidgets.QListWidget()
        self.list.setViewMode(QtWidgets.QListView.ViewMode.IconMode)
        self.list.setIconSize(THUMB)
        self.list.setResizeMode(QtWidgets.QListView.ResizeMode.Adjust)
        self.list.setMovement(QtWidgets.QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setGridSize(QtCore.QSize(THUMB.width() + 10, THUMB.height() + 40))
        self.list.setMinimumHeight(int(1.5 * (THUMB.height() + 40)))
        layout.addWidget(self.list)
        self.list.itemClicked.connect(lambda item: self.picked.emit(self.list.row(item)))
        self.list.itemActivated.connect(lambda item: self.picked.emit(self.list.row(item)))
        self.limb.currentTextChanged.connect(self.limbChanged)

    def show_options(self, options: list[tuple[QtGui.QPixmap, str]], current: int) -> None:
        """Fill the list with (thumbnail, label) items, ``current`` highlighted."""
        self.list.clear()
        for pixmap, label in options:
            self.list.addItem(QtWidgets.QListWidgetItem(QtGui.QIcon(pixmap), label))
        if 0 <= current < self.list.count():
            self.list.setCurrentRow(current)


class Alternatives(QtCore.QObject):
    """Ties the picker, the N / Shift+N keys and the undo stack to a photo import controller."""

    def __init__(self, controller) -> None:
        super().__init__(controller)
        self.controller = controller
        self.window = controller.window
        self.doc = controller.doc
        self.picker = AlternativesPicker()
        self.picker.picked.connect(self.choose)
        self.picker.limbChanged.connect(lambda _: self.refresh())
        self.next_action = self._action("next_alternative", "Next Pose &Alternative", "N",
                                        lambda: self.cycle(+1))
        self.previous_action = self._action("previous_alternative", "Previous Pose Alternative",
                                            "Shift+N", lambda: self.cycle(-1))
        self.doc.selectionChanged.connect(lambda *_: self.refresh())
        self.doc.changed.connect(lambda *_: self._highlight())
        self.picker.setVisible(False)

    def _action(self, name: str, text: str, key: str, slot) -> QtGui.QAction:
        action = QtGui.QAction(text, self.window)
        action.setShortcut(QtGui.QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"The selected person's next depth solution from the photo ({key})")
        action.triggered.connect(slot)
        self.window.addAction(action)
        if isinstance(getattr(self.window, "actions", None), dict):
            self.window.actions[name] = action
        menu = _edit_menu(self.window)
        if menu is not None:
            menu.addAction(action)
        return action

    # ------------------------------------------------------------------ model
    def _slot_and_alternatives(self) -> tuple[int, list[Person], list[str]]:
        """(scene slot of the selected person, their alternatives, labels); ([], []) if none."""
        state = self.controller.state
        slot = self.doc.person
        if state is None or not state.alternatives or slot < 0:
            return slot, [], []
        chosen = state.chosen_indices
        if slot >= len(chosen) or slot >= len(self.doc.scene.people):
            return slot, [], []
        i = chosen[slot]
        if i >= len(state.alternatives):
            return slot, [], []
        return slot, state.alternatives[i], state.alternative_labels[i]

    def options(self) -> tuple[int, list[Person], list[str]]:
        """(slot, candidates for the current limb filter, their labels)."""
        slot, alts, labels = self._slot_and_alternatives()
        if not alts:
            return slot, [], []
        limb = self.picker.limb.currentText()
        current = self.doc.scene.people[slot]
        people = candidates(current, alts, limb)
        if LIMB_JOINTS[limb] is not None:
            labels = [f"{limb} option {k + 1}" for k in range(len(people))]
        return slot, people, list(labels[: len(people)])

    def cycle(self, step: int) -> bool:
        """Put the selected person's next (``step`` +1) or previous (−1) alternative in place."""
        slot, people, _ = self.options()
        if len(people) < 2:
            self.controller._message("No other pose alternatives for this person "
                                     "(import a photo, then select a person)")
            return False
        current = nearest(self.doc.scene.people[slot], people)
        return self.choose((current + step) % len(people))

    def choose(self, row: int) -> bool:
        """Make the selected person candidate ``row`` (one undo step)."""
        slot, people, labels = self.options()
        if not 0 <= row < len(people):
            return False
        if _same(people[row], self.doc.scene.people[slot]):
            return False
        self.doc.push(choose_edit(self.doc.scene, slot, people[row],
                                  f"Pose alternative: {labels[row]}"))
        self.controller._message(f"Pose alternative {row + 1}/{len(people)}: {labels[row]}")
        self.refresh()
        return True

    def _highlight(self) -> None:
        """Mark the candidate the selected person now is (after an undo, say)."""
        slot, people, _ = self.options()
        if people and self.picker.list.count() == len(people):
            self.picker.list.setCurrentRow(nearest(self.doc.scene.people[slot], people))

    def refresh(self) -> None:
        """Rebuild the picker's thumbnails for the selected person."""
        slot, people, labels = self.options()
        state = self.controller.state
        self.picker.setVisible(bool(people) or self.picker.limb.currentIndex() > 0)
        if not people or state is None:
            self.picker.show_options([], -1)
            return
        camera = state.camera or self.doc.scene.camera
        self.picker.show_options([(thumbnail(p, camera, state.canvas), label)
                                  for p, label in zip(people, labels)],
                                 nearest(self.doc.scene.people[slot], people))


def _edit_menu(window) -> QtWidgets.QMenu | None:
    bar = window.menuBar() if hasattr(window, "menuBar") else None
    if bar is None:
        return None
    for action in bar.actions():
        menu = action.menu()
        if menu is not None and menu.title().replace("&", "") == "Edit":
            return menu
    return None
