"""Autosave with one locked slot per editor: two editors run, one is SIGKILLed, a third
recovers its work through the recovery dialog; clean exits delete only their own slot."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from posestudio.scene.file_format import load_scene
from posestudio.skeletons import SMPLX_JOINT_INDEX as J

pytestmark = pytest.mark.gui

# One editor in its own process: bend the left knee by ARGV[1] radians through the posing
# controller, autosave with the real timer (made quick), say "saved", run until ARGV[2] exists.
EDITOR = r'''
import os, sys
from pathlib import Path
import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, QTimer
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
from PySide6.QtWidgets import QApplication, QMessageBox
app = QApplication(sys.argv[:1])
# the user answers "Discard" to "save changes?" on quitting: a clean exit without saving
QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard)
import posestudio.ui
from posestudio.skeletons import SMPLX_JOINT_INDEX as J
from posestudio.ui.main_window import MainWindow
window = MainWindow(previews=False, thumbnails=False, extras=False)
window.show()
window.controller.set_joint_rotation(0, J["left_knee"], np.array([float(sys.argv[1]), 0, 0]))
window._autosave.setInterval(20)
quit_file = Path(sys.argv[2])
def poll():
    if window.autosave_slot.scene_path.exists() and not getattr(poll, "said", False):
        poll.said = True
        print("saved", window.autosave_slot.folder, flush=True)
    if quit_file.exists():
        window.close()
        app.quit()
timer = QTimer(interval=20)
timer.timeout.connect(poll)
timer.start()
app.exec()
print("closed", flush=True)
'''


def _start_editor(bend: float, quit_file, env) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", EDITOR, str(bend), str(quit_file)],
                            stdout=subprocess.PIPE, text=True, env=env)
    return proc


def _line(proc: subprocess.Popen, timeout: float = 60.0) -> str:
    """The editor's next line of output; fails instead of hanging."""
    import selectors

    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        assert sel.select(timeout), "the editor process did not answer"
    return proc.stdout.readline()


def _wait_saved(proc: subprocess.Popen) -> str:
    line = _line(proc).split()
    assert line and line[0] == "saved", f"the editor did not autosave: {line}"
    return line[1]


def _slots(data_dir) -> list[str]:
    root = data_dir / "autosave"
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_two_editors_one_killed_a_third_recovers_its_work(qtbot, data_dir, modals, tmp_path):
    from gui_helpers import close_window, open_window

    from posestudio.ui.recovery import RecoveryDialog

    env = {**os.environ, "POSESTUDIO_DATA_DIR": str(data_dir)}
    quit_b = tmp_path / "quit_b"
    first = _start_editor(1.1, tmp_path / "never", env)
    second = _start_editor(0.4, quit_b, env)
    try:
        slot_a, slot_b = _wait_saved(first), _wait_saved(second)
        assert slot_a != slot_b, "each editor has its own slot"
        os.kill(first.pid, signal.SIGKILL)          # editor A dies with unsaved work
        first.wait(timeout=10)
        # a third editor lists what crashed editors left: A's work, not B's (B is running)
        third = open_window(qtbot, modals)
        dialog = third.offer_recovery()
        assert isinstance(dialog, RecoveryDialog) and dialog.isVisible()
        assert dialog.list.count() == 1 and "Untitled scene · 1 person" in \
            dialog.list.item(0).text()
        assert [str(s.folder) for s in dialog.recovery.slots] == [slot_a]
        QTest.mouseClick(dialog.recover_button, Qt.MouseButton.LeftButton)
        assert third.doc.scene.people[0].pose[J["left_knee"], 0] == pytest.approx(1.1)
        assert third.doc.dirty, "recovered work is unsaved work"
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
        # A's slot is gone; the work now lives in the third editor's own slot
        assert not os.path.exists(slot_a)
        own = load_scene(third.autosave_slot.scene_path)
        assert own.people[0].pose[J["left_knee"], 0] == pytest.approx(1.1)
        assert load_scene(os.path.join(slot_b, "scene.pose.json")).people[0].pose[
            J["left_knee"], 0] == pytest.approx(0.4), "B's autosave was not touched"
        # B exits cleanly: only its own slot goes
        quit_b.write_text("")
        assert _line(second).strip() == "closed"
        assert second.wait(timeout=10) == 0
        assert _slots(data_dir) == [third.autosave_slot.instance_id]
        close_window(third)
        assert _slots(data_dir) == []
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_windows_of_one_process_keep_separate_slots_and_discard_works(qtbot, data_dir, modals):
    from gui_helpers import close_window, open_window

    from posestudio.ui.autosave import AutosaveSlot, crashed_slots

    one, two = open_window(qtbot, modals), open_window(qtbot, modals)
    one.controller.set_joint_rotation(0, J["head"], np.array([0.3, 0.0, 0.0]))
    two.controller.set_joint_rotation(0, J["head"], np.array([-0.2, 0.0, 0.0]))
    one.autosave()
    two.autosave()
    assert one.autosave_slot.folder != two.autosave_slot.folder
    assert load_scene(one.autosave_slot.scene_path).people[0].pose[J["head"], 0] == 0.3
    assert crashed_slots() == [], "running editors' slots are not offered"
    # saving the scene forgets its autosave; undoing back to clean too
    two.actions["undo"].trigger()
    two.autosave()
    assert not two.autosave_slot.scene_path.exists()
    close_window(two)
    assert one.autosave_slot.folder.exists() and not two.autosave_slot.folder.exists()
    # a slot left by an editor that is gone: its lock is free (simulated by releasing the lock
    # object only, keeping the files), the dialog offers it, Discard deletes it
    ghost = AutosaveSlot()
    from posestudio.scene.model import Person, Scene

    ghost.write(Scene(people=[Person(), Person(name="B")]), None)
    ghost._lock.unlock()
    dialog = one.offer_recovery()
    assert dialog.list.count() == 1 and "2 people" in dialog.list.item(0).text()
    QTest.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    assert not ghost.folder.exists() and not dialog.isVisible()
    assert one.doc.scene.people[0].pose[J["head"], 0] == 0.3, "discard leaves the window alone"
    close_window(one)
    assert not (data_dir / "autosave").exists() or not any((data_dir / "autosave").iterdir())
