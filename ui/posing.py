"""Turns viewport gestures and panel commands into scene edits.

The viewport reports *what the mouse did* (a world rotation since the drag began, an IK target);
this controller knows the scene and the body model, and pushes
:class:`~posestudio.scene.edits.Edit` s through the document — one merge key per drag, so a drag
is one undo step. It also owns the posed bodies the viewport draws (re-posed after each change).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from posestudio.scene.edits import SetJointRotation, SetPose
from posestudio.skeletons import SMPLX_JOINT_INDEX, SMPLX_JOINT_NAMES, SMPLX_PARENTS, mirror_name

from .document import Document
from .viewport.math3d import axis_angle, global_rotations
from .viewport.view import BodyView, Viewport, person_color

#: Joints the user can drag with IK: the chain from the pelvis follows.
IK_EFFECTORS = ("left_wrist", "right_wrist", "left_ankle", "right_ankle", "head", "pelvis")
#: Joints drawn and pickable: the body (0..21, no jaw/eyes) and the fingers.
SHOWN_JOINTS = np.array(list(range(22)) + list(range(25, 55)))


class PosingController(QObject):
    bodiesUpdated = Signal()
    message = Signal(str)

    def __init__(self, document: Document, viewport: Viewport) -> None:
        super().__init__(viewport)
        self.doc = document
        self.view = viewport
        self.symmetric = False
        self.ik_limits = True
        self.pinned: set[tuple[int, int]] = set()
        self.posed: dict[int, object] = {}          # person index → PosedBody
        self._drag: dict | None = None
        viewport.ik_joints = {SMPLX_JOINT_INDEX[n] for n in IK_EFFECTORS}
        viewport.selectionRequested.connect(self._on_pick)
        viewport.rotateStarted.connect(self._on_rotate_started)
        viewport.rotateDragged.connect(self._on_rotate_dragged)
        viewport.ikStarted.connect(self._on_ik_started)
        viewport.ikDragged.connect(self._on_ik_dragged)
        viewport.dragFinished.connect(self._on_drag_finished)
        viewport.sceneCameraEdited.connect(self._on_scene_camera_edited)
        document.changed.connect(self._on_changed)
        document.selectionChanged.connect(self._on_selection)
        self._camera_key = None
        self._floor_dirty = True

    # -- bodies --------------------------------------------------------------------------------
    def repose(self) -> None:
        """Pose every visible person and hand the meshes to the viewport."""
        from posestudio.body import load_body_model

        scene = self.doc.scene
        self.posed = {}
        views = []
        for i, person in enumerate(scene.people):
            if not person.visible:
                continue
            model = load_body_model(person.rig)
            posed = model.pose_person(person)
            self.posed[i] = posed
            views.append(BodyView(i, posed.vertices, posed.faces, np.asarray(posed.joints),
                                  tuple(model.parents), person_color(i, person.color),
                                  SHOWN_JOINTS[SHOWN_JOINTS < len(posed.joints)]))
        self.view.scene_camera = scene.camera
        self.view.canvas = scene.canvas
        if self._floor_dirty and self.posed:
            self._floor_dirty = False
            self.view.set_floor(self.floor_height())
        self.view.set_bodies(views)
        self._update_gizmo()
        self.bodiesUpdated.emit()

    def floor_height(self) -> float:
        """Ground level: the lowest posed vertex of the visible people (metres, world Y).

        The floor stays put while the user edits (a crouch or a jump moves the body, not the
        floor); it settles again when people are added, removed or loaded, or a preset is applied.
        """
        lows = [float(np.asarray(posed.vertices)[:, 1].min()) for posed in self.posed.values()]
        return min(lows) if lows else 0.0

    def settle_floor(self) -> None:
        """Put the floor under the people at the next re-pose."""
        self._floor_dirty = True

    def _on_changed(self, changes) -> None:
        if any(c.kind == "people" for c in changes):
            self._floor_dirty = True
        if any(c.kind in ("person", "people") for c in changes):
            self.repose()
        else:
            self.view.scene_camera = self.doc.scene.camera
            self.view.canvas = self.doc.scene.canvas
            self._update_gizmo()

    def _on_selection(self, person: int, joint: int) -> None:
        self.view.set_selection(person, joint)
        self._update_gizmo()

    def joint_frame(self, person: int, joint: int) -> np.ndarray:
        """World orientation (3, 3) of a joint of a person."""
        return global_rotations(self.doc.scene.people[person].pose, SMPLX_PARENTS)[joint]

    def _update_gizmo(self) -> None:
        p, j = self.doc.person, self.doc.joint
        if p in self.posed and j >= 0 and not self.doc.is_locked(p, j):
            self.view.set_gizmo(np.asarray(self.posed[p].joints[j], float), self.joint_frame(p, j))
        else:
            self.view.set_gizmo(None)

    # -- viewport gestures ---------------------------------------------------------------------
    def _on_pick(self, person: int, joint: int) -> None:
        self.doc.select(person, joint)
        if joint >= 0:
            self.message.emit(f"{self.doc.scene.people[person].name}: {SMPLX_JOINT_NAMES[joint]}"
                              "  — drag a ring to rotate, the dot to move (IK)")

    def _on_rotate_started(self) -> None:
        p, j = self.doc.person, self.doc.joint
        scene = self.doc.scene
        globals_ = global_rotations(scene.people[p].pose, SMPLX_PARENTS)
        parent = SMPLX_PARENTS[j]
        self._drag = {"key": self.doc.new_gesture(), "person": p, "joint": j,
                      "global": globals_[j].copy(),
                      "parent": np.eye(3) if parent < 0 else globals_[parent].copy(),
                      "pose": scene.people[p].pose.copy(), "transl": scene.people[p].transl.copy()}

    def _on_rotate_dragged(self, world_rotation: np.ndarray) -> None:
        d = self._drag
        if d is None or "global" not in d:
            return
        new_global = world_rotation @ d["global"]
        local = axis_angle(d["parent"].T @ new_global)
        self.set_joint_rotation(d["person"], d["joint"], local, merge_key=d["key"],
                                base_pose=d["pose"])

    def set_joint_rotation(self, person: int, joint: int, rotation: np.ndarray,
                           merge_key=None, base_pose: np.ndarray | None = None) -> None:
        """Set one joint's local axis-angle; with symmetric editing, mirror it to the other side."""
        from posestudio.kinematics.mirror import mirror_rotations

        scene = self.doc.scene
        twin = SMPLX_JOINT_INDEX.get(mirror_name(SMPLX_JOINT_NAMES[joint]), joint)
        if self.symmetric and twin != joint:
            pose = (scene.people[person].pose if base_pose is None else base_pose).copy()
            pose[joint] = rotation
            pose[twin] = mirror_rotations(rotation)           # reflected across the mid-plane
            self.doc.push(SetPose.from_scene(scene, person, pose,
                                             text=f"Rotate {SMPLX_JOINT_NAMES[joint]} (symmetric)",
                                             merge_key=merge_key))
        else:
            self.doc.push(SetJointRotation.from_scene(scene, person, joint, rotation,
                                                      merge_key=merge_key))

    def _on_ik_started(self) -> None:
        p, j = self.doc.person, self.doc.joint
        person = self.doc.scene.people[p]
        self._drag = {"key": self.doc.new_gesture(), "person": p, "joint": j,
                      "pose": person.pose.copy(), "transl": person.transl.copy(),
                      "start": np.asarray(self.posed[p].joints[j], float).copy()}

    def _on_ik_dragged(self, target: np.ndarray) -> None:
        d = self._drag
        if d is None or "start" not in d:
            return
        self.move_effector(d["person"], d["joint"], target, merge_key=d["key"])

    def move_effector(self, person: int, joint: int, target: np.ndarray, merge_key=None) -> None:
        """Drag ``joint`` to ``target`` (world metres) and let its chain follow by IK.

        Joint limits apply unless turned off; pinned effectors stay where they are and locked
        joints keep their rotation. The pelvis moves the whole body (with pinned feet, the legs
        bend instead).
        """
        from posestudio.body import load_body_model
        from posestudio.kinematics.ik import solve_ik

        scene = self.doc.scene
        who = scene.people[person]
        model = load_body_model(who.rig)
        name = SMPLX_JOINT_NAMES[joint]
        joints = np.asarray(self.posed[person].joints, float) if person in self.posed else None
        pins = {SMPLX_JOINT_NAMES[j]: joints[j] for (p, j) in sorted(self.pinned)
                if p == person and j != joint and joints is not None}
        locked = [j for (p, j) in self.doc.locked if p == person and j != joint]
        pose, transl = solve_ik(model.rest_joints(who.betas), model.parents, who.pose, who.transl,
                                name, np.asarray(target, float), pinned=pins or None,
                                use_limits=self.ik_limits, locked=locked)
        self.doc.push(SetPose.from_scene(scene, person, pose, transl, text=f"Move {name}",
                                         merge_key=merge_key))

    def _on_drag_finished(self) -> None:
        self._drag = None

    def _on_scene_camera_edited(self, camera, final: bool) -> None:
        from posestudio.scene.edits import SetCamera

        if self._camera_key is None:
            self._camera_key = self.doc.new_gesture()
        self.doc.push(SetCamera.from_scene(self.doc.scene, camera, merge_key=self._camera_key))
        if final:
            self._camera_key = None
