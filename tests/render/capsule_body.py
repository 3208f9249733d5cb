"""A PosedBody-shaped figure made of capsules, for render tests that must not depend on a rig.

Joints sit on the capsule axes (inside the surface) and landmarks on the surface, as on a real
body; parts are one per capsule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from posestudio.skeletons import BODY_LANDMARK_NAMES, SMPLX_JOINT_NAMES


@dataclass(frozen=True)
class CapsuleBody:
    vertices: np.ndarray
    faces: np.ndarray
    joints: np.ndarray
    joint_names: tuple
    landmarks: np.ndarray
    landmark_names: tuple
    vertex_parts: np.ndarray
    part_names: tuple


# Rest skeleton (metres, Y up, facing +Z), pelvis at the origin.
REST = {
    "pelvis": (0, 0, 0), "left_hip": (0.09, -0.08, 0), "right_hip": (-0.09, -0.08, 0),
    "left_knee": (0.10, -0.50, 0.01), "right_knee": (-0.10, -0.50, 0.01),
    "left_ankle": (0.10, -0.90, -0.02), "right_ankle": (-0.10, -0.90, -0.02),
    "spine3": (0, 0.30, 0), "neck": (0, 0.50, 0), "head": (0, 0.62, 0.02),
    "left_shoulder": (0.18, 0.45, 0), "right_shoulder": (-0.18, 0.45, 0),
    "left_elbow": (0.45, 0.45, 0), "right_elbow": (-0.45, 0.45, 0),
    "left_wrist": (0.70, 0.45, 0), "right_wrist": (-0.70, 0.45, 0),
}
BONES = (  # (from, to, radius, part name)
    ("left_hip", "left_knee", 0.07, "left_thigh"), ("right_hip", "right_knee", 0.07, "right_thigh"),
    ("left_knee", "left_ankle", 0.05, "left_calf"), ("right_knee", "right_ankle", 0.05, "right_calf"),
    ("pelvis", "spine3", 0.14, "torso"), ("spine3", "neck", 0.12, "chest"),
    ("left_shoulder", "left_elbow", 0.045, "left_upper_arm"),
    ("right_shoulder", "right_elbow", 0.045, "right_upper_arm"),
    ("left_elbow", "left_wrist", 0.04, "left_forearm"),
    ("right_elbow", "right_wrist", 0.04, "right_forearm"),
    ("left_shoulder", "right_shoulder", 0.06, "shoulders"), ("left_hip", "right_hip", 0.10, "hips"),
)


def _capsule(a, b, radius):
    a, b = np.asarray(a, float), np.asarray(b, float)
    length = np.linalg.norm(b - a)
    mesh = trimesh.creation.capsule(height=length, radius=radius, count=(12, 12))
    # trimesh's capsule runs along +Z from 0 to height
    z = (b - a) / length
    x = np.cross(z, [0, 1, 0]) if abs(z[1]) < 0.9 else np.cross(z, [1, 0, 0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    T = np.eye(4)
    T[:3, :3] = np.stack([x, y, z], axis=1)
    T[:3, 3] = (a + b) / 2  # trimesh centres the capsule on the origin
    mesh.apply_transform(T)
    return mesh


def capsule_body(rotation=np.eye(3), translation=(0, 0, 0), bend=0.0) -> CapsuleBody:
    """Posed capsule figure: ``bend`` (radians) folds both forearms forward about the elbows."""
    joints = {k: np.array(v, float) for k, v in REST.items()}
    for side in ("left", "right"):
        elbow, wrist = joints[f"{side}_elbow"], joints[f"{side}_wrist"]
        arm = wrist - elbow
        c, s = np.cos(bend), np.sin(bend)
        # rotate about the Y axis towards +Z
        sign = 1 if side == "left" else -1
        rot = np.array([[c, 0, -sign * s], [0, 1, 0], [sign * s, 0, c]])
        joints[f"{side}_wrist"] = elbow + rot @ arm
    meshes, parts = [], []
    for i, (a, b, r, _) in enumerate(BONES):
        m = _capsule(joints[a], joints[b], r)
        meshes.append(m)
        parts.append(np.full(len(m.vertices), i, np.int16))
    head = trimesh.creation.icosphere(subdivisions=2, radius=0.11)
    head.apply_translation(joints["head"])
    meshes.append(head)
    parts.append(np.full(len(head.vertices), len(BONES), np.int16))
    mesh = trimesh.util.concatenate(meshes)
    vertex_parts = np.concatenate(parts)
    R, t = np.asarray(rotation, float), np.asarray(translation, float)
    world = lambda p: np.asarray(p, float) @ R.T + t
    joint_names = tuple(n for n in SMPLX_JOINT_NAMES if n in joints)
    hc = joints["head"]
    lm = {"nose": hc + [0, 0, 0.11], "right_eye": hc + [-0.04, 0.03, 0.1],
          "left_eye": hc + [0.04, 0.03, 0.1], "right_ear": hc + [-0.11, 0, 0],
          "left_ear": hc + [0.11, 0, 0]}
    landmark_names = tuple(n for n in BODY_LANDMARK_NAMES if n in lm)
    return CapsuleBody(
        vertices=world(mesh.vertices).astype(np.float32),
        faces=np.asarray(mesh.faces, np.int32),
        joints=world([joints[n] for n in joint_names]).astype(np.float32),
        joint_names=joint_names,
        landmarks=world([lm[n] for n in landmark_names]).astype(np.float32),
        landmark_names=landmark_names,
        vertex_parts=vertex_parts,
        part_names=tuple(b[3] for b in BONES) + ("head",),
    )
