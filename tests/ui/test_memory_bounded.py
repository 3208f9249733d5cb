"""The editor's memory stays flat under repeated actions: merged drags leave no undo commands
behind, the outliner's selection lookups allocate nothing that lives on, and the undo history
keeps a bounded number of steps (``editor/undo_limit``)."""

from __future__ import annotations

import gc
from collections import Counter

import numpy as np
import pytest

from posestudio.scene.edits import SetJointRotation, SetPersonField
from posestudio.skeletons import SMPLX_JOINT_INDEX as J

pytestmark = pytest.mark.gui


def live_objects() -> Counter[str]:
    """Objects the garbage collector tracks, by type name."""
    gc.collect()
    return Counter(type(o).__name__ for o in gc.get_objects())


def live_commands(doc) -> int:
    from posestudio.ui.undo import EditCommand

    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, EditCommand) and o.document is doc)


def drag_elbow(doc, gesture_moves: int, angle: float) -> None:
    key = doc.new_gesture()
    for k in range(1, gesture_moves + 1):
        doc.push(SetJointRotation.from_scene(doc.scene, 0, J["left_elbow"],
                                             [0.0, angle * k / gesture_moves, 0.0],
                                             merge_key=key))


def test_merged_drags_keep_one_command_each_and_nothing_else(qapp, data_dir):
    from posestudio.ui.document import Document

    doc = Document()
    start = doc.scene.copy()
    for g in range(30):
        drag_elbow(doc, 6, 0.01 * (g + 1))
    stack = doc.undo_stack
    assert stack.count() == 30, "one undo step per drag"
    assert live_commands(doc) == 30, "merged moves left their commands alive"
    assert doc.scene.people[0].pose[J["left_elbow"], 1] == pytest.approx(0.30)
    end = doc.scene.copy()
    for _ in range(5):
        stack.undo()
    assert doc.scene.people[0].pose[J["left_elbow"], 1] == pytest.approx(0.25)
    drag_elbow(doc, 6, -0.5)                 # a drag after undo drops what could be redone
    assert stack.count() == 26 and not stack.canRedo()
    assert live_commands(doc) == 26
    stack.undo()
    assert doc.scene.people[0].pose[J["left_elbow"], 1] == pytest.approx(0.25)
    while stack.canUndo():
        stack.undo()
    assert doc.scene == start
    for _ in range(25):
        stack.redo()
    assert doc.scene != end and doc.scene.people[0].pose[J["left_elbow"], 1] == pytest.approx(
        0.25)


def test_a_drag_does_not_merge_into_the_saved_state(qapp, data_dir):
    """As ``QUndoStack`` merges: the step the file was saved at stays as it was saved, so undo
    goes back to the saved scene."""
    from posestudio.ui.document import Document

    doc = Document()
    key = doc.new_gesture()
    doc.push(SetJointRotation.from_scene(doc.scene, 0, J["neck"], [0.1, 0, 0], merge_key=key))
    doc.undo_stack.setClean()
    saved = doc.scene.copy()
    doc.push(SetJointRotation.from_scene(doc.scene, 0, J["neck"], [0.2, 0, 0], merge_key=key))
    assert doc.undo_stack.count() == 2 and doc.dirty
    doc.undo_stack.undo()
    assert doc.scene == saved and not doc.dirty


def test_the_undo_history_keeps_a_bounded_number_of_steps(qapp, data_dir):
    from posestudio.ui import files
    from posestudio.ui.document import UNDO_LIMIT_KEY, Document
    from posestudio.ui.undo import DEFAULT_UNDO_LIMIT

    assert Document().undo_stack.undoLimit() == DEFAULT_UNDO_LIMIT > 0
    doc = Document(undo_steps=5)
    for i in range(8):
        doc.push(SetPersonField.from_scene(doc.scene, 0, "name", f"P{i}"))
    assert doc.undo_stack.count() == 5 and live_commands(doc) == 5
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert doc.scene.people[0].name == "P2", "the oldest three steps were dropped"
    settings = files.settings()
    for value, limit in (("7", 7), ("0", 0), ("many", DEFAULT_UNDO_LIMIT),
                         ("-3", DEFAULT_UNDO_LIMIT)):
        settings.setValue(UNDO_LIMIT_KEY, value)
        settings.sync()
        assert Document().undo_stack.undoLimit() == limit, value


def test_repeated_real_drags_and_selections_leave_no_objects_behind(window, qtbot):
    """Mouse drags that turn one elbow then the other (each drag a merged gesture and a new
    selection, which the outliner shows) and view orbits (no undo step): after a warm-up, 24
    more drags leave fewer live objects of any type than there were drags."""
    from gui_helpers import drag, joint_px

    from posestudio.ui.undo import DEFAULT_UNDO_LIMIT

    doc, vp = window.doc, window.viewport
    assert f"last {DEFAULT_UNDO_LIMIT} steps" in window.actions["undo"].statusTip()

    def one_drag(i: int) -> None:
        if i % 3 == 2:                                             # orbit from a corner
            corner = np.array([30.0, vp.height() - 40.0])
            drag(qtbot, vp, [corner + [12 * k, 0] for k in range(6)])
            return
        joint = J["right_elbow"] if i % 3 else J["left_elbow"]
        start = joint_px(window, 0, joint)
        offset = np.array([30.0, -25.0]) * (1 if i % 2 else -1)
        drag(qtbot, vp, [start + offset * k / 6 for k in range(7)])

    for i in range(6):
        one_drag(i)
    qtbot.wait(20)
    before = live_objects()
    steps = doc.undo_stack.count()
    for i in range(24):
        one_drag(i)
    qtbot.wait(20)
    grown = {name: n for name, n in (live_objects() - before).items() if n >= 24}
    assert doc.undo_stack.count() - steps == 16, "each elbow drag is one undo step"
    assert live_commands(doc) == doc.undo_stack.count()
    assert grown == {}, f"live objects grew with every drag: {grown}"
