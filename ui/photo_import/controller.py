"""Photo import in the editor: menu actions, drag-and-drop, the worker, the photo behind the scene.

Flow: a path (menu, drop, or :meth:`PhotoImport.import_file`) → over a scene worth keeping, the
user chooses: replace it (the result is untitled until saved), add to it, or a new window →
:class:`~.job.FitJob` runs
detection + lifting in a thread, with a progress bar and Cancel in the status bar → on success
ONE undo step (:class:`~.edits.PhotoEdit`) replaces the people, canvas and camera and shows the
photo (background) and the detected keypoints (overlay) through the scene camera. A failure or a
cancel leaves the scene exactly as it was and says so in the status bar.

The user can drag a keypoint (scene-camera view) and refit: a warm-started fit moves the chosen
people from where they stand onto the edited 2D keypoints, also one undo step, which brings the previous fit and keypoints back on undo.

With several people in the photo, everyone becomes a mannequin; the Photo dock lists them
(numbered largest first, the same numbers drawn on the photo) and "Apply" makes only the ticked
ones mannequins, one undo step, from the fits already made (no new lift).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import QEvent, QObject, Qt, Signal

from posestudio.errors import PoseStudioError
from posestudio.scene.edits import SetAnimation

from .. import files
from ..document import default_scene
from ..viewport.view import person_color
from .alternatives import Alternatives
from .ask import ask_import_target
from .edits import PhotoEdit, choose_people_edits, replace_people_edits, scene_frame_edits
from .fitting import (PhotoState, classify, fit_openpose, fit_photo, photo_suffixes,
                      reference_of, refit_in_place, state_from_reference)
from .job import FitJob
from .keypoint_drag import KeypointDragger
from .labels import LEFT_OUT_COLOR, PeopleLabels, PersonMark
from .panel import DEFAULT_OPACITY, PhotoPanel, ProgressBox

MESSAGE_MS = 10000
SHAPE_FROM_BONES_KEY = "photo_import/shape_from_bones"   # the settings key of that checkbox
_OTHER_WINDOWS: set = set()        # windows opened for an import (kept alive until closed)


class PhotoImport(QObject):
    """Owns the import actions, the Photo dock, the progress box and the photo state.

    Attributes
    ----------
    state : PhotoState or None
        The photo (and keypoints) behind the current scene; follows undo/redo.
    detector : str
        Detector name for :func:`posestudio.detect.detect`.

    Signals
    -------
    jobFinished(outcome: str)
        ``"imported"``, ``"refitted"``, ``"failed"`` or ``"cancelled"``, after the scene (or
        nothing) changed and the status bar says what happened.
    """

    jobFinished = Signal(str)

    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.doc = window.doc
        self.viewport = window.viewport
        self.state: PhotoState | None = None
        self._committed: PhotoState | None = None
        self.detector = "mediapipe"
        self.opacity = DEFAULT_OPACITY
        self.show_photo = True
        self.show_keypoints = True
        self.job: FitJob | None = None
        self._job_kind = ""
        self._import_target = "replace"
        self._reference = None     # the scene.photo this controller last wrote or read
        self._make_actions()
        self._make_dock()
        self.alternatives = Alternatives(self)      # N / Shift+N and the picker in the dock
        self.panel.layout().addRow(self.alternatives.picker)
        self.progress = ProgressBox()
        self.progress.cancelRequested.connect(self.cancel)
        window.statusBar().addPermanentWidget(self.progress)
        self.labels = PeopleLabels(self.viewport)
        look_through = getattr(window, "actions", {}).get("look_through")
        if look_through is not None:      # the badges show in the scene-camera view only
            look_through.toggled.connect(lambda _on: self.labels.update())
        self.dragger = KeypointDragger(self.viewport, self._draggable_points)
        self.dragger.moved.connect(self.move_keypoint)
        self.dragger.dropped.connect(self._on_keypoint_dropped)
        self.doc.changed.connect(self._on_scene_changed)
        if self.doc.scene.photo is not None:      # a window opened on a scene with a photo
            self._restore_from_scene()
        window.installEventFilter(self)
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._on_quit)

    # ------------------------------------------------------------------ setup
    def _make_actions(self) -> None:
        w = self.window
        self.import_photo_action = self._action(
            "import_photo", "Import &Photo…", self.import_photo_dialog, "Ctrl+I",
            "Detect the pose in a photo and lift it into the mannequin")
        self.import_json_action = self._action(
            "import_openpose", "Import &OpenPose JSON…", self.import_openpose_dialog,
            "Ctrl+Shift+I", "Lift the people of an OpenPose / DWPose keypoints JSON")
        file_menu = _menu(w.menuBar(), "&File")
        if file_menu is not None:
            anchor = w.actions.get("save") if hasattr(w, "actions") else None
            if anchor is not None and anchor in file_menu.actions():
                file_menu.insertAction(anchor, self.import_photo_action)
                file_menu.insertAction(anchor, self.import_json_action)
                file_menu.insertSeparator(anchor)
            else:
                file_menu.addActions([self.import_photo_action, self.import_json_action])

    def _action(self, name: str, text: str, slot, shortcut: str, tip: str) -> QtGui.QAction:
        action = QtGui.QAction(text, self.window)
        action.setShortcut(QtGui.QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(f"{tip} ({shortcut})")
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.window.addAction(action)
        if isinstance(getattr(self.window, "actions", None), dict):
            self.window.actions[name] = action   # listed in Help ▸ Keyboard Shortcuts
        return action

    def _make_dock(self) -> None:
        self.panel = PhotoPanel()
        self.panel.importRequested.connect(self.import_photo_dialog)
        self.panel.opacityChanged.connect(self.set_opacity)
        self.panel.photoToggled.connect(self.set_show_photo)
        self.panel.keypointsToggled.connect(self.set_show_keypoints)
        self.panel.refitRequested.connect(self.refit)
        self.panel.resetKeypointsRequested.connect(self.reset_keypoints)
        self.panel.removeRequested.connect(self.remove_photo)
        self.panel.peopleChosen.connect(self.choose_people)
        self.panel.shape_from_bones.setChecked(
            files.settings().value(SHAPE_FROM_BONES_KEY, False, type=bool))
        self.panel.shape_from_bones.toggled.connect(_remember_shape_from_bones)
        self.dock = QtWidgets.QDockWidget("Photo", self.window)
        self.dock.setObjectName("photo")
        self.dock.setWidget(self.panel)
        self.window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        docks = getattr(self.window, "docks", None)
        if isinstance(docks, dict):
            docks["photo"] = self.dock
        view_menu = _menu(self.window.menuBar(), "&View")
        panels = _menu(view_menu, "&Panels") if view_menu is not None else None
        if panels is not None:
            panels.addAction(self.dock.toggleViewAction())

    # ------------------------------------------------------------------ entry points
    @property
    def busy(self) -> bool:
        return self.job is not None

    def import_photo_dialog(self) -> None:
        patterns = " ".join(f"*{s}" for s in photo_suffixes())
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.window, "Import photo", "", f"Photos ({patterns});;All files (*)")
        if path:
            self.import_photo(path)

    def import_openpose_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self.window, "Import OpenPose JSON", "", "OpenPose JSON (*.json);;All files (*)")
        if path:
            self.import_openpose_json(path)

    def import_file(self, path: str | Path) -> bool:
        """Import a photo or an OpenPose JSON, by its kind; False (and a message) otherwise."""
        kind = classify(path)
        if kind == "photo":
            return self.import_photo(path)
        if kind == "openpose":
            return self.import_openpose_json(path)
        self._message(f"{Path(path).name}: not a photo or an OpenPose JSON")
        return False

    def import_photo(self, path: str | Path) -> bool:
        """Start detecting + lifting ``path`` in the background; False if a job already runs or
        the user cancelled (see :meth:`_ask_target`)."""
        work = functools.partial(fit_photo, str(path), detector=self.detector,
                                 shape_from_bones=self.panel.shape_from_bones.isChecked())
        return self._start_import(path, work)

    def import_openpose_json(self, path: str | Path) -> bool:
        work = functools.partial(fit_openpose, str(path),
                                 shape_from_bones=self.panel.shape_from_bones.isChecked())
        return self._start_import(path, work)

    def _start_import(self, path: str | Path, work) -> bool:
        if self.busy:
            return self._start(work, "import", "")       # says that one is running
        target = self._ask_target(path)
        if target is None:
            self._message("Import cancelled: the scene is unchanged")
            return False
        if target == "new window":
            return self._import_in_new_window(path)
        self._import_target = target
        return self._start(work, "import", f"Importing {Path(path).name}")

    def _ask_target(self, path: str | Path) -> str | None:
        """Where the import goes: ``"replace"`` straight away on a fresh scene; when the open
        scene has unsaved changes, a file or other content, the user chooses ``"replace"``,
        ``"add"`` or ``"new window"`` (None = cancel)."""
        doc = self.doc
        if not doc.dirty and doc.path is None and doc.scene == default_scene():
            return "replace"
        return ask_import_target(self.window, Path(path).name, doc.dirty)

    def _import_in_new_window(self, path: str | Path) -> bool:
        """Open another editor window on a fresh scene and import there."""
        window = type(self.window)()
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        _OTHER_WINDOWS.add(window)
        window.destroyed.connect(lambda *_: _OTHER_WINDOWS.discard(window))
        window.show()
        other = getattr(window, "_photo_import", None) or PhotoImport(window)
        return other.import_file(path)

    def refit(self) -> bool:
        """Fit the chosen people to the current (possibly dragged) 2D keypoints, from where they stand."""
        if self.state is None:
            self._message("Nothing to refit: import a photo first")
            return False
        if len(self.doc.scene.people) < len(self.state.chosen_indices):
            self._message("Cannot refit: people the photo placed were deleted; import it again",
                          error=True)
            return False
        # Warm start from the people as they stand now (the user's edits kept), through the
        # camera the photo was matched with; a full lift from scratch is an import.
        people = [p.copy() for p in self.doc.scene.people[:len(self.state.chosen_indices)]]
        work = functools.partial(refit_in_place, self.state.copy(), people,
                                 self.doc.scene.camera)
        return self._start(work, "refit", "Refitting")

    def cancel(self) -> None:
        """Stop the running job now; the scene is not touched (a late result is dropped)."""
        job = self._end_job()
        if job is None:
            return
        job.cancel()
        self._message("Import cancelled: the scene is unchanged" if self._job_kind == "import"
                      else "Refit cancelled: the scene is unchanged")
        self.jobFinished.emit("cancelled")

    def choose_people(self, chosen) -> bool:
        """Make the photo's ``chosen`` people (bools, photo order) the mannequins: one undo step.

        Who stays keeps their mannequin as it is; who comes back gets the fit made at import (or
        the mannequin as it was when left out). False (and a message) if nothing changed.
        """
        chosen = [bool(c) for c in chosen]
        state = self.state
        if state is None or self.busy or len(chosen) != len(state.chosen):
            return False
        if not any(chosen) or chosen == state.chosen:
            self._message("Tick at least one person" if not any(chosen) else
                          "Those people are already the mannequins")
            return False
        try:
            edits, fits = choose_people_edits(self.doc.scene, state, chosen)
        except PoseStudioError as exc:
            self._message(str(exc), error=True)
            return False
        new_state = state.copy()
        new_state.fits, new_state.chosen = fits, chosen
        chosen_now = new_state.chosen_indices
        numbers = ", ".join(str(i + 1) for i in chosen_now)
        self.doc.push(PhotoEdit(f"Choose people {numbers}", edits, self._committed, new_state,
                                self._set_state))
        self._message(f"Mannequins for {'person' if len(chosen_now) == 1 else 'people'} "
                      f"{numbers} of the photo")
        return True

    # ------------------------------------------------------------------ photo state
    def set_opacity(self, opacity: float) -> None:
        self.opacity = float(np.clip(opacity, 0.0, 1.0))
        self._show_background()

    def set_show_photo(self, on: bool) -> None:
        self.show_photo = bool(on)
        self._show_background()

    def set_show_keypoints(self, on: bool) -> None:
        self.show_keypoints = bool(on)
        self._show_overlay()
        self._show_labels()

    def reset_keypoints(self) -> None:
        if self.state is None:
            return
        self.state.keypoints = [k.copy() for k in self.state.detected]
        self._show_overlay()
        self._show_labels()
        if self.panel.auto_refit.isChecked():
            self.refit()

    def remove_photo(self) -> None:
        """Take the photo away (one undo step; the people and camera stay)."""
        if self.state is not None:
            self.doc.push(PhotoEdit("Remove photo", [], self.state, None, self._set_state))

    def _set_state(self, state: PhotoState | None) -> None:
        """The photo behind the scene changed (import, refit, undo, redo); the scene keeps a
        reference to it (saved with the scene file)."""
        self.state = state
        self._keep_reference()
        # as the undo stack knows it: keypoint drags change ``state`` only, so undoing the refit
        # that followed a drag puts the keypoint back where the previous fit saw it
        self._committed = None if state is None else state.copy()
        self.panel.set_state(state, busy=self.busy)
        self.alternatives.refresh()
        self._show_background()
        self._show_overlay()
        self._show_labels()

    def _keep_reference(self) -> None:
        """Write the photo state into ``scene.photo`` (what a save keeps: path, keypoints)."""
        scene = self.doc.scene
        scene.photo = None if self.state is None else reference_of(self.state)
        self._reference = scene.photo

    def _restore_from_scene(self) -> None:
        """A scene was opened, recovered or started: show its photo (or none)."""
        ref = self._reference = self.doc.scene.photo
        self.state = self._committed = None
        notice = ""
        if ref is not None:
            self.state, notice = state_from_reference(ref, self.doc.scene.people)
            self._committed = self.state.copy()
        self.panel.set_state(self.state, busy=self.busy)
        self._show_background()
        self._show_overlay()
        self._show_labels()
        if notice:
            self._message(notice)

    def _show_background(self) -> None:
        state = self.state
        image = state.image if state is not None and self.show_photo else None
        self.viewport.set_background_image(image, self.opacity)

    def _to_scene_canvas(self) -> np.ndarray:
        """Scale from the photo's pixels to the scene canvas' (1, 1 unless the user resized it;
        the viewport stretches the photo over the canvas frame, so the keypoints follow)."""
        canvas, photo = self.doc.scene.canvas, self.state.canvas
        return np.array([canvas.width / photo.width, canvas.height / photo.height])

    def keypoints_on_canvas(self) -> list[np.ndarray]:
        """Per person (K, 3): the keypoints in scene-canvas pixels + confidence (0 = absent)."""
        if self.state is None:
            return []
        scale = np.append(self._to_scene_canvas(), 1.0)
        return [k * scale for k in self.state.keypoints]

    def _chosen_keypoints_on_canvas(self) -> list[np.ndarray]:
        """As :meth:`keypoints_on_canvas`, with the left-out people's points absent."""
        people = self.keypoints_on_canvas()
        for keypoints, on in zip(people, self.state.chosen):
            if not on:
                keypoints[:, 2] = 0.0
        return people

    def overlay_points(self) -> np.ndarray | None:
        """(N, 3) scene-canvas pixels + confidence of the chosen people's keypoints, or None
        (overlay off)."""
        if self.state is None or not self.show_keypoints:
            return None
        people = self._chosen_keypoints_on_canvas()
        return np.concatenate(people) if people else np.zeros((0, 3))   # a photo with nobody

    def _show_overlay(self) -> None:
        self.viewport.set_overlay_points(self.overlay_points())

    def people_marks(self) -> list[PersonMark]:
        """The numbered people drawn on the photo (mannequin colour when chosen)."""
        if self.state is None or not self.show_keypoints:
            return []
        people, marks, slot = self.doc.scene.people, [], 0
        for i, (keypoints, on) in enumerate(zip(self.keypoints_on_canvas(), self.state.chosen)):
            color = LEFT_OUT_COLOR
            if on:
                color = person_color(slot, people[slot].color if slot < len(people) else None)
                slot += 1
            marks.append(PersonMark(i + 1, keypoints, tuple(color), on))
        return marks

    def _show_labels(self) -> None:
        self.labels.set_marks(self.people_marks())

    def _on_scene_changed(self, changes) -> None:
        if self.doc.scene.photo is not self._reference:
            self._restore_from_scene()
        if self.state is None:
            return
        if any(c.kind == "canvas" for c in changes):
            self._show_overlay()     # keypoints follow the canvas size
        self._show_labels()          # and the badges the canvas and the mannequins' colours

    # ------------------------------------------------------------------ keypoint dragging
    def _draggable_points(self) -> list | None:
        if self.state is None or not self.show_keypoints or self.busy:
            return None
        return self._chosen_keypoints_on_canvas()

    def move_keypoint(self, person: int, index: int, xy_canvas) -> None:
        """Put keypoint ``index`` of ``person`` at ``xy_canvas`` (scene-canvas pixels)."""
        photo = self.state.canvas
        xy = np.asarray(xy_canvas, dtype=np.float64) / self._to_scene_canvas()
        keypoint = self.state.keypoints[person][index]
        keypoint[:2] = np.clip(xy, 0.0, [photo.width, photo.height])
        keypoint[2] = 1.0          # placed by the user: certain, whatever the detector thought
        self._keep_reference()
        self._show_overlay()
        self._show_labels()

    def _on_keypoint_dropped(self, person: int, index: int) -> None:
        if self.panel.auto_refit.isChecked():
            self.refit()
        else:
            self._message("Keypoint moved: press Refit to fit the mannequin to it")

    # ------------------------------------------------------------------ the worker
    def _start(self, work, kind: str, label: str) -> bool:
        if self.job is not None:
            self._message("An import is already running: wait for it or cancel it")
            return False
        job = FitJob(work, label)
        job.progressed.connect(self._on_progress)
        job.succeeded.connect(self._on_succeeded)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        self.job, self._job_kind = job, kind
        self.progress.start(label)
        self.panel.set_state(self.state, busy=True)
        job.start()
        return True

    def _end_job(self) -> FitJob | None:
        job, self.job = self.job, None
        self.progress.stop()
        self.panel.set_state(self.state, busy=False)
        return job

    def _current(self) -> bool:
        """The signal comes from the running job (not one cancelled earlier)."""
        return self.job is not None and self.sender() is self.job

    def _on_progress(self, fraction: float, message: str) -> None:
        if self._current():
            self.progress.set_progress(fraction, message)

    def _on_failed(self, message: str) -> None:
        if not self._current():
            return
        self._end_job()
        what = "Import" if self._job_kind == "import" else "Refit"
        self._message(f"{what} failed: {message}", error=True)
        self.jobFinished.emit("failed")

    def _on_cancelled(self) -> None:
        if self._current():
            self.cancel()

    def _on_succeeded(self, outcome) -> None:
        if not self._current():
            return
        self._end_job()
        scene, state = self.doc.scene, outcome.state
        adding = self._job_kind == "import" and self._import_target == "add"
        if self._job_kind == "import":
            # added people take the first slots: the photo's people are the scene's first ones
            edits = replace_people_edits(scene, outcome.people, count=0 if adding else None)
            if not adding and scene.animation is not None:
                # a new scene: the old keys (and a keyed camera) go with the old people
                edits.insert(0, SetAnimation.from_scene(scene, None))
            text = f"{'Add' if adding else 'Import'} {Path(state.source).name}"
        else:
            edits = replace_people_edits(scene, outcome.people, count=len(outcome.people),
                                         keep_identity=True)
            text = "Refit to keypoints"
        edits += scene_frame_edits(scene, state.canvas, outcome.camera)
        try:
            self.doc.push(PhotoEdit(text, edits, self._committed, state, self._set_state))
        except Exception as exc:  # an edit that cannot apply has reverted itself: scene intact
            self._message(f"{text} failed: {exc}", error=True)
            self.jobFinished.emit("failed")
            return
        if self._job_kind == "import":
            if not adding:
                self.doc.set_path(None)      # a new scene: saving must not overwrite the old file
            self.doc.select(0, -1)
            self.dock.show()
            self.dock.raise_()
        self._look_through()
        errors = ", ".join(f"{e:.1f}" for e in state.reprojection_px)
        who = f"{len(outcome.people)} {'person' if len(outcome.people) == 1 else 'people'}"
        self._message(f"{text}: {who} fitted in {outcome.seconds:.1f} s "
                      f"(keypoint error {errors} px)")
        self.jobFinished.emit("imported" if self._job_kind == "import" else "refitted")

    def _look_through(self) -> None:
        action = getattr(self.window, "actions", {}).get("look_through")
        if action is not None and action.isCheckable():
            action.setChecked(True)
        if not self.viewport.look_through:
            self.viewport.set_look_through(True)
        self.labels.update()

    def _on_quit(self) -> None:
        if self.job is not None:
            self.job.cancel()
        FitJob.wait_all(5000)

    # ------------------------------------------------------------------ drag and drop
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        kind = event.type()
        if obj is self.window and kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove,
                                           QEvent.Type.Drop):
            paths = _importable(event.mimeData())
            if not paths:
                return False          # e.g. a scene file: the window opens it
            event.acceptProposedAction()
            if kind == QEvent.Type.Drop:
                self.import_file(paths[0])
            return True
        return False

    def _message(self, text: str, *, error: bool = False) -> None:
        """One line in the status bar (non-modal); an error also stays in the Photo dock."""
        self.window.statusBar().showMessage(text, MESSAGE_MS * (2 if error else 1))
        if error:
            self.panel.fit_info.setText(text)


def _importable(mime) -> list[str]:
    """Local files in a drag that we import (photos, OpenPose JSON), in drag order."""
    if not mime.hasUrls():
        return []
    paths = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
    return [p for p in paths if classify(p) is not None]


def _menu(parent, title: str) -> QtWidgets.QMenu | None:
    """The sub-menu of a menu bar / menu whose title is ``title``."""
    for action in parent.actions():
        menu = action.menu()
        if menu is not None and action.text() == title:
            return menu
    return None


def _remember_shape_from_bones(on: bool) -> None:
    """Keep "Body proportions from the photo" for the next imports and editor sessions."""
    settings = files.settings()
    settings.setValue(SHAPE_FROM_BONES_KEY, bool(on))
    settings.sync()
