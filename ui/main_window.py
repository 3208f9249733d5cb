"""The main window: viewport in the centre, docks around it, menus, shortcuts, file handling."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt

from posestudio.errors import PoseStudioError
from posestudio.scene.edits import (AddPerson, CompositeEdit, RemovePerson, SetCamera,
                                    SetJointRotation, SetPose)
from posestudio.skeletons import SMPLX_JOINT_NAMES, SMPLX_PARENTS

from . import files
from .autosave import AUTOSAVE_SECONDS, AutosaveSlot
from .document import Document, default_scene
from .panels.camera_panel import CameraPanel
from .panels.joint_panel import JointPanel
from .panels.outliner import Outliner
from .panels.person_panel import PersonPanel
from .panels.preview_dock import PreviewDock
from .posing import PosingController
from .viewport.view import Viewport
from .workers import PREVIEW_MAPS, PreviewWorker

FILE_FILTER = "PoseStudio scenes (*.pose.json *.json);;All files (*)"
KEYPAD = Qt.KeyboardModifier.KeypadModifier
PREVIEW_DRAG_INTERVAL_MS = 60     # previews during a drag: ~16 a second, the last on release


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, document: Document | None = None, *, previews: bool = True,
                 thumbnails: bool = True, extras: bool = True) -> None:
        """``previews``/``thumbnails``: start the render worker processes; ``extras``: install
        photo import and the Generate panel (tests of those install them themselves)."""
        super().__init__()
        self.doc = document or Document()
        self._thumbnails = thumbnails
        self.setWindowTitle("PoseStudio")
        self.resize(1500, 950)
        self.setAcceptDrops(True)
        self.viewport = Viewport(self)
        self.setCentralWidget(self.viewport)
        self.controller = PosingController(self.doc, self.viewport)
        self.controller.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.actions: dict[str, QtGui.QAction] = {}
        self._make_actions()
        self._make_docks()
        self._make_menus()
        if extras:
            self._install_extras()
        self.statusBar().showMessage(
            "Drag a hand/foot/head/pelvis dot to move it (IK) · drag any other joint to turn it"
            " · drag empty space to orbit · wheel to zoom · 1/3/7 views · 0 scene camera")
        self.preview = PreviewWorker(PREVIEW_MAPS, self) if previews else None
        self._export_worker: PreviewWorker | None = None
        self._export_dialog = None
        if self.preview is not None:
            self.preview.ready.connect(self.previews.show_maps)
            self.preview.failed.connect(self.previews.show_error)
        self._preview_timer = QtCore.QTimer(self, singleShot=True, interval=0)
        self._preview_timer.timeout.connect(self._request_preview)
        self.viewport.dragFinished.connect(lambda: self._preview_timer.start(0))
        self.autosave_slot = AutosaveSlot()     # this editor's own; others' are never touched
        self._autosave = QtCore.QTimer(self, interval=AUTOSAVE_SECONDS * 1000)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()
        self.doc.changed.connect(self._on_changed)
        self.doc.pathChanged.connect(lambda path: self._update_title())
        self.doc.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.doc.selectionChanged.connect(self._on_selection)
        self.controller.repose()
        self._frame_all()
        self._update_title()
        self._request_preview()
        from .panels.layout import install as install_layout
        from .panels.toolbar import install as install_toolbar

        install_toolbar(self)
        install_layout(self)        # fits the docks on first show, or restores the user's layout

    # ------------------------------------------------------------------ actions
    def _action(self, name: str, text: str, slot, shortcuts=(), tip: str = "",
                checkable: bool = False, checked: bool = False) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        keys = [QtGui.QKeySequence(s) if isinstance(s, (str, QtGui.QKeySequence.StandardKey))
                else QtGui.QKeySequence(s) for s in shortcuts]
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        key_text = keys[0].toString(QtGui.QKeySequence.SequenceFormat.NativeText) if keys else ""
        action.setToolTip(f"{tip or text.replace('&', '')}" + (f" ({key_text})" if key_text else ""))
        action.setStatusTip(tip or text.replace("&", ""))
        if checkable:
            action.setCheckable(True)
            action.setChecked(checked)
            action.toggled.connect(slot)
        else:
            action.triggered.connect(slot)
        self.addAction(action)
        self.actions[name] = action
        return action

    def _make_actions(self) -> None:
        a, K = self._action, QtGui.QKeySequence
        a("new", "&New", self.new_file, [K.StandardKey.New], "Start a new scene")
        a("open", "&Open…", self.open_dialog, [K.StandardKey.Open], "Open a .pose.json scene")
        a("save", "&Save", self.save, [K.StandardKey.Save], "Save the scene")
        a("save_as", "Save &As…", self.save_as, ["Ctrl+Shift+S"], "Save under a new name")
        a("export", "&Export Maps…", self.export_dialog, ["Ctrl+E"],
          "Render the control maps at canvas size and write them to a folder")
        a("copy_map", "&Copy OpenPose Map", lambda: self.copy_map("openpose"), ["Ctrl+Shift+C"],
          "Copy the OpenPose preview to the clipboard")
        a("quit", "&Quit", self.close, [K.StandardKey.Quit])
        undo = self.doc.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcuts([K(K.StandardKey.Undo)])
        limit = self.doc.undo_stack.undoLimit()
        undo.setStatusTip("Undo the last change (" + (
            f"the last {limit} steps are kept" if limit else "every step is kept")
            + "; editor/undo_limit in settings.ini)")
        redo = self.doc.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([K("Ctrl+Shift+Z"), K("Ctrl+Y")])
        for name, action in (("undo", undo), ("redo", redo)):
            self.addAction(action)
            self.actions[name] = action
        a("reset_joint", "Reset &Joint", self.reset_joint, ["Alt+R"],
          "Set the selected joint back to its rest rotation")
        a("reset_pose", "Reset &Pose", self.reset_pose, ["Ctrl+Alt+R"],
          "Put the selected person back in the rest pose")
        a("mirror_limb", "&Mirror Limb", self.mirror_limb, ["M"],
          "Copy the selected limb's pose to the other side")
        a("mirror_pose", "Mirror &Whole Pose", self.mirror_pose, ["Shift+M"],
          "Swap and mirror the whole pose left↔right")
        a("symmetric", "&Symmetric Editing", self._set_symmetric, ["X"],
          "Rotating a joint also rotates its mirror twin", checkable=True)
        a("ik_limits", "IK Joint &Limits", self._set_ik_limits, [],
          "IK respects anatomical joint limits", checkable=True, checked=True)
        a("lock", "&Lock Joint", self.toggle_lock, ["L"], "Lock/unlock the selected joint")
        a("pin", "&Pin Effector", self.toggle_pin, ["P"],
          "Pinned hands/feet stay put while you drag another effector")
        a("parent", "Select &Parent Joint", lambda: self._walk(-1), ["["])
        a("child", "Select &Child Joint", lambda: self._walk(1), ["]"])
        a("deselect", "&Deselect", lambda: self.doc.select(self.doc.person, -1), ["Escape"])
        v = self.viewport
        a("view_front", "&Front", lambda: v.set_view_direction(0, 0),
          ["1", K(KEYPAD | Qt.Key.Key_1)], "Front view (numpad 1)")
        a("view_back", "&Back", lambda: v.set_view_direction(180, 0),
          ["Ctrl+1", K(KEYPAD | Qt.KeyboardModifier.ControlModifier | Qt.Key.Key_1)])
        a("view_right", "&Right Side", lambda: v.set_view_direction(-90, 0),
          ["3", K(KEYPAD | Qt.Key.Key_3)], "Side view (numpad 3)")
        a("view_left", "&Left Side", lambda: v.set_view_direction(90, 0),
          ["Ctrl+3", K(KEYPAD | Qt.KeyboardModifier.ControlModifier | Qt.Key.Key_3)])
        a("view_top", "&Top", lambda: v.set_view_direction(0, 89),
          ["7", K(KEYPAD | Qt.Key.Key_7)], "Top view (numpad 7)")
        a("frame_selected", "Frame &Selected", self.frame_selected,
          [".", K(KEYPAD | Qt.Key.Key_Period), "F"], "Zoom to the selected joint/person")
        a("frame_all", "Frame &All", self._frame_all, ["Home"])
        a("look_through", "Look Through &Scene Camera", v.set_look_through,
          ["0", K(KEYPAD | Qt.Key.Key_0)], "See the scene camera's canvas (numpad 0)",
          checkable=True)
        a("show_mesh", "Show &Mesh", self._set_show_mesh, ["Alt+M"], checkable=True, checked=True)
        a("show_bones", "Show &Bones", self._set_show_bones, ["Alt+B"], checkable=True,
          checked=True)
        a("add_person", "&Add Person", self.add_person, ["Shift+A"])
        a("duplicate_person", "&Duplicate Person", self.duplicate_person, ["Shift+D"])
        a("delete_person", "D&elete Person", self.delete_person, ["Delete"])
        a("rename_person", "&Rename Person…", self.rename_person, ["F2"])
        a("frame_people", "&Frame the People", self.frame_people, ["Shift+F"],
          "Aim the scene camera so every visible person fits the canvas")
        a("camera_from_view", "Scene Camera from &View", self.camera_from_view, ["Ctrl+Alt+0"],
          "Copy the viewport's view into the scene camera")
        a("save_view", "Save Camera &View…", lambda: self.camera_panel.save_view(),
          ["Ctrl+Alt+V"])
        a("shortcuts", "&Keyboard Shortcuts", self.show_shortcuts, ["F1"])

    def _make_docks(self) -> None:
        def dock(title: str, widget: QtWidgets.QWidget, area, name: str):
            d = QtWidgets.QDockWidget(title, self)
            d.setObjectName(name)
            scroll = QtWidgets.QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(widget)
            d.setWidget(scroll if not isinstance(widget, (QtWidgets.QTreeWidget, PreviewDock))
                         else widget)
            self.addDockWidget(area, d)
            return d

        L, R = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.outliner = Outliner(self.doc)
        self.joint_panel = JointPanel(self.doc, self.controller, self.actions)
        self.person_panel = PersonPanel(self.doc)
        self.camera_panel = CameraPanel(self.doc, self.frame_people)
        self.previews = PreviewDock(PREVIEW_MAPS)
        self.docks = {
            "outliner": dock("Outliner", self.outliner, L, "outliner"),
            "joint": dock("Joint", self.joint_panel, R, "joint"),
            "person": dock("Person", self.person_panel, R, "person"),
            "camera": dock("Scene Camera", self.camera_panel, R, "camera"),
            "previews": dock("Control Maps", self.previews, L, "previews"),
        }
        self.tabifyDockWidget(self.docks["person"], self.docks["camera"])
        self.docks["person"].raise_()
        self.resizeDocks([self.docks["outliner"], self.docks["joint"]], [300, 300],
                         Qt.Orientation.Horizontal)
        self._extra_docks()

    def _extra_docks(self) -> None:
        """Hands and pose presets, when the core offers them."""
        from .panels.hands_panel import HandsPanel
        from .panels.presets_panel import PresetsPanel

        R = Qt.DockWidgetArea.RightDockWidgetArea
        self.hands_panel = HandsPanel(self.doc, self.controller)
        self.presets_panel = PresetsPanel(self.doc, self.controller, thumbnails=self._thumbnails)
        for name, title, widget in (("hands", "Hands", self.hands_panel),
                                    ("presets", "Pose Library", self.presets_panel)):
            d = QtWidgets.QDockWidget(title, self)
            d.setObjectName(name)
            d.setWidget(widget)
            self.addDockWidget(R, d)
            self.docks[name] = d
        self.tabifyDockWidget(self.docks["camera"], self.docks["hands"])
        self.tabifyDockWidget(self.docks["hands"], self.docks["presets"])
        self.docks["person"].raise_()

    def _install_extras(self) -> None:
        """Photo import (File ▸ Import…, dropped photos, Photo dock) and local generation."""
        from .generate import install as install_generate
        from .photo_import import install as install_photo_import

        self.photo_import = install_photo_import(self)
        self.generate_panel = install_generate(self)
        from .timeline import install as install_timeline

        self.timeline = install_timeline(self)      # under the viewport; frames, keys, playback
        from .video_import import install as install_video_import

        install_video_import(self)                  # File ▸ Import Video…, the Video Import dock
        # the Photo dock shares the outliner's place (it shows itself when a photo comes in)
        self.tabifyDockWidget(self.docks["outliner"], self.photo_import.dock)
        self.docks["outliner"].raise_()
        self.docks["person"].raise_()
        bar = self.menuBar()                 # Help stays the last menu
        bar.removeAction(self.help_menu.menuAction())
        bar.addMenu(self.help_menu)

    def _make_menus(self) -> None:
        bar = self.menuBar()
        act = self.actions

        def menu(title: str, names):
            m = bar.addMenu(title)
            for name in names:
                if name is None:
                    m.addSeparator()
                elif isinstance(name, QtWidgets.QMenu):
                    m.addMenu(name)
                else:
                    m.addAction(act[name])
            return m

        self.recent_menu = QtWidgets.QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        menu("&File", ["new", "open", self.recent_menu, None, "save", "save_as", None, "export",
                       "copy_map", None, "quit"])
        menu("&Edit", ["undo", "redo", None, "reset_joint", "reset_pose", None, "mirror_limb",
                       "mirror_pose", "symmetric", None, "lock", "pin", "ik_limits", None,
                       "parent", "child", "deselect"])
        view = menu("&View", ["view_front", "view_back", "view_right", "view_left", "view_top",
                              None, "frame_selected", "frame_all", "look_through", None,
                              "show_mesh", "show_bones"])
        view.addSeparator()
        panels = view.addMenu("&Panels")
        for d in self.docks.values():
            panels.addAction(d.toggleViewAction())
        menu("&People", ["add_person", "duplicate_person", "delete_person", "rename_person"])
        cam = menu("&Camera", ["frame_people", "camera_from_view", "save_view"])
        sizes = cam.addMenu("Canvas &Size")
        from .panels.camera_panel import CANVAS_PRESETS

        for label, w, h in CANVAS_PRESETS:
            sizes.addAction(label, lambda w=w, h=h: self.camera_panel.set_canvas(w, h))
        self.help_menu = menu("&Help", ["shortcuts"])

    # ------------------------------------------------------------------ state → views
    def _on_changed(self, changes) -> None:
        # during a drag, previews follow at a steady rate instead of every mouse move: on a
        # 2-core machine each preview's read-out and dock repaint otherwise eat a frame's time
        if self.viewport.dragging():
            if not self._preview_timer.isActive():
                self._preview_timer.start(PREVIEW_DRAG_INTERVAL_MS)
        else:
            self._preview_timer.start(0)

    def _on_selection(self, person: int, joint: int) -> None:
        if joint >= 0 and 0 <= person < len(self.doc.scene.people):
            name = SMPLX_JOINT_NAMES[joint]
            locked = " (locked)" if self.doc.is_locked(person, joint) else ""
            self.statusBar().showMessage(f"{self.doc.scene.people[person].name} · {name}{locked}"
                                         " — drag rings to rotate, [ ] walk the chain", 5000)

    def _request_preview(self) -> None:
        if self.preview is not None:
            self.preview.request(self.doc.scene)

    def _on_clean_changed(self, clean: bool) -> None:
        self._update_title(not clean)

    def _update_title(self, dirty: bool | None = None) -> None:
        # the clean state arrives with the signal: during teardown the stack may be gone
        dirty = self.doc.dirty if dirty is None else dirty
        name = self.doc.path.name if self.doc.path else "Untitled"
        self.setWindowTitle(f"{name}{' *' if dirty else ''} — PoseStudio")

    # ------------------------------------------------------------------ posing commands
    def _selected(self) -> tuple[int, int] | None:
        p, j = self.doc.person, self.doc.joint
        return (p, j) if self.doc.current_person() is not None and j >= 0 else None

    def reset_joint(self) -> None:
        sel = self._selected()
        if sel:
            self.doc.push(SetJointRotation.from_scene(self.doc.scene, *sel, np.zeros(3)))

    def reset_pose(self) -> None:
        person = self.doc.current_person()
        if person is not None:
            self.doc.push(SetPose.from_scene(self.doc.scene, self.doc.person,
                                             np.zeros_like(person.pose), text="Reset pose"))

    def mirror_pose(self) -> None:
        from posestudio.kinematics import mirror_pose

        person = self.doc.current_person()
        if person is not None:
            self.doc.push(SetPose.from_scene(self.doc.scene, self.doc.person,
                                             mirror_pose(person.pose), text="Mirror pose"))

    def mirror_limb(self) -> None:
        from posestudio.kinematics import mirror_limb

        sel = self._selected()
        if sel is None:
            self.statusBar().showMessage("Select a joint of the limb to mirror first", 4000)
            return
        person = self.doc.scene.people[sel[0]]
        name = SMPLX_JOINT_NAMES[sel[1]]
        self.doc.push(SetPose.from_scene(self.doc.scene, sel[0], mirror_limb(person.pose, name),
                                         text=f"Mirror limb of {name}"))

    def _set_symmetric(self, on: bool) -> None:
        self.controller.symmetric = on

    def _set_ik_limits(self, on: bool) -> None:
        self.controller.ik_limits = on

    def toggle_lock(self) -> None:
        sel = self._selected()
        if sel:
            self.doc.set_locked(*sel, not self.doc.is_locked(*sel))
            self.controller._update_gizmo()

    def toggle_pin(self) -> None:
        sel = self._selected()
        if sel:
            pins = self.controller.pinned
            (pins.discard if sel in pins else pins.add)(sel)
            self.statusBar().showMessage(
                f"{SMPLX_JOINT_NAMES[sel[1]]} {'pinned' if sel in pins else 'unpinned'}", 3000)

    def _walk(self, step: int) -> None:
        sel = self._selected()
        if sel is None:
            return
        p, j = sel
        if step < 0:
            target = SMPLX_PARENTS[j]
        else:
            children = [c for c, par in enumerate(SMPLX_PARENTS) if par == j]
            target = children[0] if children else -1
        if target >= 0:
            self.doc.select(p, target)

    # ------------------------------------------------------------------ people
    def add_person(self) -> None:
        from posestudio.scene.model import Person

        from posestudio.body import load_body_model

        from .panels.placement import place_new_person

        n = len(self.doc.scene.people)
        rest = np.asarray(load_body_model("mannequin").rest_vertices(np.zeros(10)))
        # on the floor beside the others, inside the camera's frame (re-aimed if need be)
        transl, camera = place_new_person(self.doc.scene, self._visible_points(), rest,
                                          self.viewport.floor_y)
        person = Person(name=f"Person {n + 1}", transl=transl)
        edits = [AddPerson(n, person)]
        if camera is not None:
            edits.append(SetCamera.from_scene(self.doc.scene, camera))
        self.doc.push(CompositeEdit("Add person", edits) if len(edits) > 1 else edits[0])
        self.doc.select(n, -1)

    def duplicate_person(self) -> None:
        person = self.doc.current_person()
        if person is None:
            return
        copy = person.copy()
        copy.name = f"{person.name} copy"
        copy.color = None
        copy.transl = person.transl + np.array([0.8, 0.0, 0.0])
        n = len(self.doc.scene.people)
        self.doc.push(AddPerson(n, copy, text="Duplicate person"))
        self.doc.select(n, -1)

    def delete_person(self) -> None:
        if self.doc.current_person() is not None:
            self.doc.push(RemovePerson.from_scene(self.doc.scene, self.doc.person))

    def rename_person(self) -> None:
        person = self.doc.current_person()
        if person is None:
            return
        name, ok = QtWidgets.QInputDialog.getText(self, "Rename person", "Name:", text=person.name)
        if ok and name.strip():
            from posestudio.scene.edits import SetPersonField

            self.doc.push(SetPersonField.from_scene(self.doc.scene, self.doc.person, "name",
                                                    name.strip()))

    # ------------------------------------------------------------------ camera
    def _visible_points(self) -> np.ndarray:
        pts = [np.asarray(b.vertices) for b in self.controller.posed.values()]
        return np.concatenate(pts) if pts else np.zeros((0, 3))

    def frame_people(self) -> None:
        from posestudio.camera import frame_points

        pts = self._visible_points()
        if len(pts):
            cam = frame_points(self.doc.scene.camera, self.doc.scene.canvas, pts)
            self.doc.push(SetCamera.from_scene(self.doc.scene, cam))

    def camera_from_view(self) -> None:
        self.doc.push(SetCamera.from_scene(self.doc.scene,
                                           dataclasses.replace(self.viewport.view_camera)))

    def frame_selected(self) -> None:
        p, j = self.doc.person, self.doc.joint
        posed = self.controller.posed.get(p)
        if posed is None:
            self._frame_all()
        elif j >= 0:
            joints = np.asarray(posed.joints, float)
            chain = joints[[k for k in range(len(joints)) if k == j or SMPLX_PARENTS[k] == j]]
            # centred on the joint, wide enough for the bones to its children
            self.viewport.frame_points(np.concatenate([chain, 2 * joints[j] - chain]), margin=3.0)
        else:
            self.viewport.frame_points(posed.vertices)
        self.actions["look_through"].setChecked(False)

    def _frame_all(self) -> None:
        pts = self._visible_points()
        if len(pts):
            self.viewport.frame_points(pts)
        self.actions["look_through"].setChecked(False)

    def _set_show_mesh(self, on: bool) -> None:
        self.viewport.show_mesh = on
        self.controller.repose()

    def _set_show_bones(self, on: bool) -> None:
        self.viewport.show_bones = on
        self.controller.repose()

    # ------------------------------------------------------------------ files
    def ask_save_changes(self) -> QtWidgets.QMessageBox.StandardButton:
        """Ask what to do with unsaved changes: Save, Discard or Cancel."""
        B = QtWidgets.QMessageBox.StandardButton
        return QtWidgets.QMessageBox.question(
            self, "Unsaved changes", "The scene has unsaved changes. Save them first?",
            B.Save | B.Discard | B.Cancel, B.Save)

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current scene."""
        if not self.doc.dirty:
            return True
        B = QtWidgets.QMessageBox.StandardButton
        answer = self.ask_save_changes()
        if answer == B.Save:
            return self.save()
        return answer == B.Discard

    def new_file(self) -> None:
        if self.maybe_save():
            self.doc.replace_scene(default_scene(), None)
            self._frame_all()

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open scene", "", FILE_FILTER)
        if path:
            self.open_file(Path(path))

    def open_file(self, path: Path, *, ask: bool = False) -> bool:
        from posestudio.scene.file_format import load_scene

        if ask and not self.maybe_save():
            return False
        try:
            scene = load_scene(path)
        except PoseStudioError as exc:
            self.show_error("Cannot open scene", str(exc))
            return False
        self.doc.replace_scene(scene, Path(path))
        files.add_recent(Path(path))
        self._frame_all()
        self.statusBar().showMessage(f"Opened {path}", 4000)
        return True

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self.save_to(self.doc.path)

    def save_as(self) -> bool:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save scene as", "scene.pose.json",
                                                        FILE_FILTER)
        return bool(path) and self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        from posestudio.scene.file_format import save_scene

        path = Path(path)
        if not path.name.endswith(".json"):
            path = path.with_name(path.name + ".pose.json")
        try:
            save_scene(self.doc.scene, path)
        except PoseStudioError as exc:
            self.show_error("Cannot save scene", str(exc))
            return False
        self.doc.undo_stack.setClean()
        self.doc.set_path(path)
        files.add_recent(path)
        self.autosave_slot.clear()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in files.recent_files():
            self.recent_menu.addAction(path, lambda p=path: self.open_file(Path(p), ask=True))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def autosave(self) -> None:
        """Write unsaved changes into this editor's autosave slot (forget it when clean)."""
        try:
            if self.doc.dirty:
                self.autosave_slot.write(self.doc.scene, self.doc.path)
            else:
                self.autosave_slot.clear()
        except (PoseStudioError, OSError) as exc:
            self.statusBar().showMessage(f"Autosave failed: {exc}", 6000)

    def offer_recovery(self):
        """List what editors that did not exit cleanly left, to recover or discard (a
        window-modal :class:`ui.recovery.RecoveryDialog`, returned; None when nothing)."""
        from .recovery import offer_recovery

        return offer_recovery(self)

    def export_dialog(self):
        """Open the export dialog (window-modal, without a nested event loop) and return it."""
        from .export_dialog import ExportDialog

        # the last dialog is kept until the next one opens: a running export reports to it
        if self._export_dialog is not None and not self._export_dialog.exporting():
            self._export_dialog.deleteLater()
        elif self._export_dialog is not None:
            self._export_dialog.show()
            return self._export_dialog
        dialog = self._export_dialog = ExportDialog(self.doc, self, worker=self.export_worker())
        dialog.open()
        return dialog

    def export_worker(self) -> PreviewWorker:
        """Where exports render: the previews' worker process, else one started for exports
        (both stop with the window)."""
        if self.preview is not None:
            return self.preview
        if self._export_worker is None:
            self._export_worker = PreviewWorker((), self)
        return self._export_worker

    def copy_map(self, name: str) -> None:
        if self.previews.copy_map(name):
            self.statusBar().showMessage(f"{name} map copied to the clipboard", 3000)
        else:
            self.statusBar().showMessage(f"No {name} preview yet", 3000)

    def show_error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(message, 8000)
        QtWidgets.QMessageBox.warning(self, title, message)

    def show_shortcuts(self) -> None:
        rows = []
        for action in self.actions.values():
            keys = ", ".join(k.toString(QtGui.QKeySequence.SequenceFormat.NativeText)
                             for k in action.shortcuts())
            if keys:
                rows.append(f"<tr><td>{action.text().replace('&', '')}</td><td><b>{keys}</b>"
                            "</td></tr>")
        mouse = ("<p>Mouse: drag a hand/foot/head/pelvis dot = IK move (no need to select it "
                 "first) · drag any other joint = turn it · click = select joint/bone · drag "
                 "ring = rotate about that axis · drag empty / middle = orbit · Shift+middle or "
                 "right drag = pan · wheel = zoom</p>")
        QtWidgets.QMessageBox.information(self, "Keyboard shortcuts",
                                          mouse + "<table>" + "".join(rows) + "</table>")

    # ------------------------------------------------------------------ Qt events
    def dragEnterEvent(self, ev):  # noqa: N802
        if any(u.toLocalFile().endswith(".json") for u in ev.mimeData().urls()):
            ev.acceptProposedAction()

    def dropEvent(self, ev):  # noqa: N802
        for url in ev.mimeData().urls():
            if url.toLocalFile().endswith(".json"):
                self.open_file(Path(url.toLocalFile()), ask=True)
                break

    def closeEvent(self, ev):  # noqa: N802
        if not self.maybe_save():
            ev.ignore()
            return
        self._autosave.stop()
        self.autosave_slot.release()
        for worker in (self.preview, self._export_worker):
            if worker is not None:
                worker.stop()
        if self.presets_panel.worker is not None:
            self.presets_panel.worker.stop()
        ev.accept()
