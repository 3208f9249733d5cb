"""Editor soak: thousands of random actions through the real widgets, menus and mouse.

Drives a :class:`ui.main_window.MainWindow` the way a careless user would: clicks and drags on
joints and effectors in the viewport (real mouse events: rotate, IK move, orbit, pan, wheel),
keyboard shortcuts and menu actions (undo, redo, add / duplicate / delete / rename people, mirror,
reset, views, canvas sizes), save / open through the File menu, export through the export dialog
(some cancelled before they start), new scenes. After every step the scene must survive a round
trip through the file format (it is valid), the undo stack must be in range, and no Python
exception (``sys.excepthook``) or Qt critical message may have been logged. Halfway through, the
preview render process is SIGKILLed: previews must come back by themselves.

Run (≥ 10,000 actions, prints counts and memory figures)::

    PYOPENGL_PLATFORM=egl xvfb-run -a .venv/bin/python bench/soak_editor.py --actions 10000

``tests/ui/test_soak.py`` runs the same driver for a bounded number of actions.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

MAX_PEOPLE = 5


def rss_mib() -> float:
    """Resident memory of this process, MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


class LogWatch:
    """Records Python exceptions (``sys.excepthook``, which PySide calls for exceptions in
    slots) and Qt critical/fatal messages while installed."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings = 0
        self.warning_texts: Counter[str] = Counter()

    def install(self) -> None:
        import traceback

        from PySide6.QtCore import QtMsgType, qInstallMessageHandler

        self._hook = sys.excepthook

        def hook(kind, value, tb):
            self.errors.append("".join(traceback.format_exception(kind, value, tb)))
            self._hook(kind, value, tb)

        def on_message(kind, context, text):
            if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
                self.errors.append(f"Qt: {text}")
            elif kind == QtMsgType.QtWarningMsg:
                self.warnings += 1
                self.warning_texts[text[:120]] += 1

        sys.excepthook = hook
        self._previous = qInstallMessageHandler(on_message)

    def uninstall(self) -> None:
        from PySide6.QtCore import qInstallMessageHandler

        sys.excepthook = self._hook
        qInstallMessageHandler(self._previous)


class Soak:
    """Random actions on ``window``; :meth:`step` does one and checks the editor after it."""

    def __init__(self, window, workdir: Path, seed: int = 0, export_every: int = 150) -> None:
        self.window = window
        self.workdir = Path(workdir)
        self.rng = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.export_every = export_every
        self.previews_seen = 0
        self.reactivations = 0
        self.scene_changes = 0                  # edits that reached the document
        window.doc.changed.connect(self._on_scene_changed)
        self.user_file = self.workdir / "exports" / "notes.txt"   # the user's own work
        self.user_file.parent.mkdir(parents=True, exist_ok=True)
        self.user_file.write_text("not PoseStudio's")
        if window.preview is not None:
            window.preview.ready.connect(self._on_preview)
        self.actions = [
            (14, "select joint", self.select_joint),
            (14, "drag joint", self.drag_joint),
            (6, "orbit", self.orbit),
            (3, "pan", self.pan),
            (4, "wheel", self.wheel),
            (12, "undo", lambda: self.shortcut("Ctrl+Z")),
            (8, "redo", lambda: self.shortcut("Ctrl+Shift+Z")),
            (3, "menu undo", lambda: self.menu("&Edit", "undo")),
            (3, "add person", lambda: self.grow(lambda: self.shortcut("Shift+A"))),
            (2, "duplicate person",
             lambda: self.grow(lambda: self.menu("&People", "duplicate_person"))),
            (3, "delete person", self.delete_person),
            (1, "rename person", lambda: self.menu("&People", "rename_person")),
            (2, "mirror limb", lambda: self.shortcut("M")),
            (2, "mirror pose", lambda: self.menu("&Edit", "mirror_pose")),
            (1, "reset pose", lambda: self.menu("&Edit", "reset_pose")),
            (2, "reset joint", lambda: self.shortcut("Alt+R")),
            (3, "view key", lambda: self.shortcut(self.rng.choice("1370"))),
            (2, "walk joints", lambda: self.shortcut(self.rng.choice("[]"))),
            (1, "frame people", lambda: self.shortcut("Shift+F")),
            (1, "canvas size", self.canvas_size),
            (1, "camera yaw", self.camera_yaw),
            (1, "save as", self.save_as),
            (1, "save", lambda: self.shortcut("Ctrl+S")),
            (1, "open", self.open_scene),
            (0.3, "new", lambda: self.menu("&File", "new")),
            (0.5, "export cancelled", self.export_cancelled),
        ]
        self._weights = [w for w, _, _ in self.actions]

    # --- dialogs (answered like a user would) ---------------------------------------------------
    def dialog_answers(self) -> dict:
        """Title → answer for the modal dialogs the actions open."""
        from PySide6.QtWidgets import QMessageBox

        B = QMessageBox.StandardButton
        return {
            "Save scene as": lambda: (str(self.workdir / f"soak{self.rng.randrange(3)}"), ""),
            "Open scene": lambda: (self._some_saved_scene(), ""),
            "Unsaved changes": lambda: self.rng.choice([B.Discard, B.Discard, B.Cancel]),
            "Rename person": lambda: (self.rng.choice(["Ann", "Bo", "  ", "Émile ✓"]), True),
            "getText": lambda: (self.rng.choice(["Ann", "Bo", "  ", "Émile ✓"]), True),
        }

    def install_dialog_answers(self) -> None:
        """Answer modal dialogs without a person (for the bench script; tests use their
        ``modals`` fixture with :meth:`dialog_answers`)."""
        from PySide6 import QtWidgets

        answers = self.dialog_answers()

        def answer(kind, title, default):
            value = answers.get(title, answers.get(kind, default))
            return value() if callable(value) else value

        B = QtWidgets.QMessageBox.StandardButton
        for kind, default in (("question", B.Cancel), ("warning", B.Ok), ("critical", B.Ok),
                              ("information", B.Ok)):
            setattr(QtWidgets.QMessageBox, kind, staticmethod(
                lambda parent, title, *a, _k=kind, _d=default, **kw: answer(_k, title, _d)))
        QtWidgets.QInputDialog.getText = staticmethod(
            lambda parent, title, *a, **kw: answer("getText", title, ("", False)))
        for kind in ("getOpenFileName", "getSaveFileName"):
            setattr(QtWidgets.QFileDialog, kind, staticmethod(
                lambda parent=None, title="", *a, _k=kind, **kw: answer(_k, title, ("", ""))))

    def _some_saved_scene(self) -> str:
        saved = sorted(self.workdir.glob("soak*.pose.json"))
        return str(self.rng.choice(saved)) if saved else ""

    # --- input ------------------------------------------------------------------------------------
    def process(self, n: int = 2) -> None:
        """Run ``n`` turns of the event loop, as the application's main loop does: with
        ``deleteLater`` honoured (``processEvents`` outside ``exec`` leaves deferred deletions
        pending, so every widget the app replaces that way would pile up in the soak only)."""
        from PySide6.QtCore import QEvent
        from PySide6.QtWidgets import QApplication

        for _ in range(n):
            QApplication.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def shortcut(self, keys: str) -> None:
        from PySide6.QtGui import QKeySequence
        from PySide6.QtTest import QTest

        from PySide6.QtWidgets import QApplication

        if QApplication.activeWindow() is not self.window:   # as a user clicks back into it
            self.window.activateWindow()
            self.process()
            self.reactivations += 1
        combo = QKeySequence(keys)[0]
        QTest.keyClick(self.window.viewport, combo.key(), combo.keyboardModifiers())

    def menu(self, title: str, action: str) -> None:
        """Trigger a menu entry the way a click on it does (only if the menu holds it)."""
        bar = self.window.menuBar()
        menu = next(a.menu() for a in bar.actions() if a.text() == title)
        target = self.window.actions[action]
        assert target in menu.actions(), f"{action} is not in the {title} menu"
        menu.aboutToShow.emit()
        if target.isEnabled():
            target.trigger()

    def _joint_pixels(self) -> list[tuple[int, np.ndarray]]:
        vp = self.window.viewport
        out = []
        for index, posed in self.window.controller.posed.items():
            px, _ = vp.project(np.asarray(posed.joints[:22], float))
            inside = (px[:, 0] > 2) & (px[:, 1] > 2) & (px[:, 0] < vp.width() - 2) & (
                px[:, 1] < vp.height() - 2)
            out += [(index, p) for p in px[inside]]
        return out

    def _drag(self, points, button=None, modifier=None) -> None:
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest

        button = button or Qt.MouseButton.LeftButton
        modifier = modifier or Qt.KeyboardModifier.NoModifier
        vp = self.window.viewport
        pts = [QPoint(int(np.clip(p[0], 1, vp.width() - 2)), int(np.clip(p[1], 1,
                                                                         vp.height() - 2)))
               for p in points]
        QTest.mousePress(vp, button, modifier, pts[0])
        for p in pts[1:]:
            QTest.mouseMove(vp, p)
            self.process(1)
        QTest.mouseRelease(vp, button, modifier, pts[-1])

    def select_joint(self) -> None:
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest

        joints = self._joint_pixels()
        if joints:
            _, p = self.rng.choice(joints)
            QTest.mouseClick(self.window.viewport, Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier, QPoint(int(p[0]), int(p[1])))

    def drag_joint(self) -> None:
        """Press on a joint (or near a selected one's rings) and drag: rotate or IK move."""
        joints = self._joint_pixels()
        if not joints:
            return self.orbit()
        _, p = self.rng.choice(joints)
        start = p + np.array([self.rng.uniform(-12, 12), self.rng.uniform(-12, 12)])
        step = np.array([self.rng.uniform(-15, 15), self.rng.uniform(-15, 15)])
        self._drag([start + step * i for i in range(self.rng.randint(2, 8))])

    def orbit(self) -> None:
        vp = self.window.viewport
        start = np.array([self.rng.uniform(5, 60), self.rng.uniform(5, vp.height() - 5)])
        self._drag([start + [12 * i, self.rng.uniform(-4, 4) * i] for i in range(5)])

    def pan(self) -> None:
        from PySide6.QtCore import Qt

        vp = self.window.viewport
        start = np.array([vp.width() / 2, vp.height() / 2])
        self._drag([start + [8 * i, -5 * i] for i in range(4)], Qt.MouseButton.RightButton)

    def wheel(self) -> None:
        from PySide6.QtCore import QPoint, QPointF, Qt
        from PySide6.QtGui import QWheelEvent
        from PySide6.QtWidgets import QApplication

        vp = self.window.viewport
        pos = QPointF(vp.width() / 2, vp.height() / 2)
        delta = self.rng.choice([120, -120])
        event = QWheelEvent(pos, vp.mapToGlobal(pos), QPoint(0, 0), QPoint(0, delta),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                            Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(vp, event)

    def grow(self, add) -> None:
        """Add a person, or (at ``MAX_PEOPLE``) select one and delete it: a user who keeps
        adding people also removes some, and the scene stays in the renderable range."""
        if len(self.window.doc.scene.people) < MAX_PEOPLE:
            add()
        else:
            self.select_joint()
            self.shortcut("Delete")

    def delete_person(self) -> None:
        if len(self.window.doc.scene.people) > 1 or self.rng.random() < 0.2:
            self.shortcut("Delete")

    def canvas_size(self) -> None:
        cam = next(a.menu() for a in self.window.menuBar().actions() if a.text() == "&Camera")
        sizes = next(a.menu() for a in cam.actions() if a.menu() is not None)
        self.rng.choice(sizes.actions()).trigger()

    def camera_yaw(self) -> None:
        self.window.camera_panel.yaw.setValue(self.rng.uniform(-180, 180))

    def save_as(self) -> None:
        self.menu("&File", "save_as")

    def open_scene(self) -> None:
        if self._some_saved_scene():
            self.menu("&File", "open")

    # --- export -----------------------------------------------------------------------------------
    def _open_export(self):
        from PySide6.QtWidgets import QApplication

        self.menu("&File", "export")
        self.process()
        dialog = self.window._export_dialog
        assert dialog is not None and dialog.isVisible(), "Ctrl+E opened no export dialog"
        dialog.folder.setText(str(self.workdir / "exports"))
        for box in dialog.checks.values():
            box.setChecked(self.rng.random() < 0.5)
        QApplication.processEvents()
        return dialog

    def export(self, timeout: float = 120.0) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QDialogButtonBox

        dialog = self._open_export()
        dialog.checks["openpose"].setChecked(True)
        QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
        deadline = time.monotonic() + timeout
        while dialog.exporting() and time.monotonic() < deadline:
            self.process(1)
            time.sleep(0.005)
        assert not dialog.exporting(), "the export never finished"
        assert not dialog.error, f"export failed: {dialog.error}"
        assert self.user_file.read_text() == "not PoseStudio's", "the export touched a user file"

    def export_cancelled(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QDialogButtonBox

        dialog = self._open_export()
        cancel = dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        QTest.mouseClick(cancel, Qt.MouseButton.LeftButton)
        self.process()
        assert not dialog.isVisible(), (
            f"Cancel left the export dialog open: exporting={dialog.exporting()}, "
            f"button enabled={cancel.isEnabled()} size={cancel.size().toTuple()}, "
            f"message={dialog.message.text()!r}, error={dialog.error!r}")

    # --- the preview worker -----------------------------------------------------------------------
    def _on_scene_changed(self, *args) -> None:
        self.scene_changes += 1

    def _on_preview(self, *args) -> None:
        self.previews_seen += 1

    def kill_preview_worker(self, timeout: float = 90.0) -> float:
        """SIGKILL the preview render process; returns seconds until previews came back."""
        preview = self.window.preview
        assert preview is not None and preview.running(), "no preview worker to kill"
        pid = preview._process.pid
        os.kill(pid, signal.SIGKILL)
        start = time.monotonic()
        seen = self.previews_seen
        self.menu("&People", "add_person")      # the user goes on editing
        while self.previews_seen == seen and time.monotonic() - start < timeout:
            self.process(1)
            time.sleep(0.01)
        assert self.previews_seen > seen, "previews did not come back after the worker died"
        assert preview.running() and preview._process.pid != pid
        return time.monotonic() - start

    # --- checks -----------------------------------------------------------------------------------
    def check(self) -> None:
        from posestudio.scene.file_format import scene_from_dict, scene_to_dict

        doc = self.window.doc
        scene = doc.scene
        assert scene_from_dict(scene_to_dict(scene)) == scene, "the scene does not round-trip"
        for person in scene.people:
            for name in ("pose", "transl", "betas", "expression"):
                assert np.all(np.isfinite(getattr(person, name))), f"{name} not finite"
        stack = doc.undo_stack
        assert 0 <= stack.index() <= stack.count()
        assert set(self.window.controller.posed) <= set(range(len(scene.people)))

    def step(self) -> str:
        name, action = self.rng.choices([(n, a) for _, n, a in self.actions],
                                        weights=self._weights)[0]
        if self.counts.total() and self.counts.total() % self.export_every == 0:
            name, action = "export", self.export
        action()
        self.process()
        self.check()
        self.counts[name] += 1
        return name


def run_soak(window, workdir: Path, actions: int, seed: int = 0, *, kill_at: int | None = None,
             watch: LogWatch | None = None, export_every: int = 150,
             report_every: int = 0) -> dict:
    """Run ``actions`` random actions; returns counts, memory samples and timings."""
    soak = Soak(window, workdir, seed, export_every)
    memory: list[tuple[int, float]] = [(0, rss_mib())]
    recovered_after = None
    start = time.monotonic()
    for i in range(1, actions + 1):
        if kill_at is not None and i == kill_at:
            recovered_after = soak.kill_preview_worker()
            soak.counts["kill preview worker"] += 1
        soak.step()
        if watch is not None and watch.errors:
            raise AssertionError(f"after {i} actions ({soak.counts}):\n{watch.errors[0]}")
        if i % max(1, actions // 20) == 0:
            memory.append((i, rss_mib()))
        if report_every and i % report_every == 0:
            print(f"{i} actions, {time.monotonic() - start:.0f} s, RSS {rss_mib():.0f} MiB",
                  flush=True)
    memory.append((actions, rss_mib()))
    half = min(memory, key=lambda m: abs(m[0] - actions / 2))
    return {"counts": soak.counts, "memory": memory, "seconds": time.monotonic() - start,
            "rss_half": half[1], "rss_end": memory[-1][1],
            "growth_second_half": (memory[-1][1] - half[1]) / half[1],
            "preview_recovery_s": recovered_after, "previews": soak.previews_seen,
            "scene_changes": soak.scene_changes, "undo_index": window.doc.undo_stack.index(),
            "soak": soak}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    os.environ.setdefault("QT_XCB_GL_INTEGRATION", "xcb_egl")
    import tempfile

    from PySide6.QtCore import QCoreApplication, Qt

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    import posestudio.ui  # noqa: F401  (PySide6 refcount guard)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="posestudio-soak-"))
    os.environ.setdefault("POSESTUDIO_DATA_DIR", str(workdir / "appdata"))
    from posestudio.ui.main_window import MainWindow

    watch = LogWatch()
    watch.install()
    window = MainWindow(previews=True, thumbnails=False, extras=False)
    window.resize(800, 560)
    window.show()
    app.processEvents()
    Soak(window, workdir).install_dialog_answers()
    result = run_soak(window, workdir, args.actions, args.seed, kill_at=args.actions // 2,
                      watch=watch, report_every=500)
    window.doc.undo_stack.setClean()           # quit without the "save changes?" question
    window.close()
    watch.uninstall()
    counts = result["counts"]
    print(f"actions: {sum(counts.values())} in {result['seconds']:.0f} s "
          f"({1000 * result['seconds'] / max(1, sum(counts.values())):.1f} ms each)")
    for name, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {name:22s} {n}")
    print(f"scene changes that reached the document: {result['scene_changes']}")
    print(f"exceptions/Qt critical messages: {len(watch.errors)}; Qt warnings: {watch.warnings}")
    for text, n in watch.warning_texts.most_common(5):
        print(f"  {n} × {text}")
    print(f"previews received: {result['previews']}; after the worker was killed they came back "
          f"in {result['preview_recovery_s']:.1f} s")
    print("RSS MiB at action: " + ", ".join(f"{i}:{m:.0f}" for i, m in result["memory"]))
    print(f"RSS growth over the second half: {100 * result['growth_second_half']:+.1f} % "
          f"({result['rss_half']:.0f} → {result['rss_end']:.0f} MiB)")
    return 0 if not watch.errors and result["growth_second_half"] < 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
