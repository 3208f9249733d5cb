"""Build the bundled wooden mannequin (``rigs/mannequin.npz``) from nothing but numpy.

Run ``python rigs/build_mannequin.py`` (or ``python -m posestudio.rigs.build_mannequin``); the
output is deterministic, and ``tests/body/test_mannequin_rig.py`` rebuilds it and compares.

What it is
----------
An artist's wooden mannequin in the SMPL-X joint layout (55 joints, ``skeletons.SMPLX_JOINT_NAMES``
and ``SMPLX_PARENTS``): every body part is a separate rigid piece (pelvis, abdomen, chest, neck,
egg head, upper/lower arms, palms, three phalanges per finger, thighs, shins, feet, toes) with
visible ball joints at the waist, shoulders, elbows, wrists, hips, knees and ankles.

Rest pose and frame (as SMPL-X): T-pose, arms horizontal along ±X, flat hands palm down, the
person faces +Z, Y up, the person's left is +X, metres. The pelvis joint is at the origin; at
betas = 0 the soles are at y = -0.975 m and the top of the head at y = +0.775 m (1.75 m tall), so
put ``transl = (0, 0.975, 0)`` to stand the figure on the floor y = 0.

Skinning is rigid: each vertex belongs to exactly one joint with weight 1. That is how a wooden
mannequin bends (pieces turn about their ball joints), so there is no candy-wrapper twist and no
pose correctives: ``posedirs`` are zero. There is no face either, so expression directions are
zero. Joints follow the shape: ``J_regressor`` expresses every joint as a fixed affine combination
of the vertices of one "anchor" piece that is built around it (a ball's vertex mean is its centre;
a bone piece's ends sit at fixed fractions of its axis), so ``J = J_regressor @ v_shaped`` is exact
for every beta.

Shape space (``BETA_TABLE``)
----------------------------
Each beta is a linear displacement field (SMPL ``shapedirs``): field k = build(one unit of that
proportion) - build(base). One unit is the step given in the table; ±3 stays plausible.

Landmarks (``landmark_targets``)
--------------------------------
Every name of ``skeletons.LANDMARK_NAMES`` is a point on the surface, stored as (face index,
barycentric coordinates): nose/eyes/ears on the egg head, big/small toe and heel on the feet, the
fingertips at the end of each distal phalanx, and the OpenPose face-70 (jaw contour, brows, nose,
eyes, mouth, pupils) laid out like a face on the front of the egg (``FACE70_ANGLES``).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Part order is the loader's: vertex_parts written here index posestudio.body.PART_NAMES.
from posestudio.body import PART_NAMES

try:  # run as a script from a checkout, or as posestudio.rigs.build_mannequin
    from posestudio.skeletons import (
        BODY_LANDMARK_NAMES, FACE_LANDMARK_NAMES, FINGERS, SMPLX_JOINT_INDEX, SMPLX_JOINT_NAMES,
        SMPLX_PARENTS,
    )
except ImportError:  # pragma: no cover - a checkout without an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from posestudio.skeletons import (
        BODY_LANDMARK_NAMES, FACE_LANDMARK_NAMES, FINGERS, SMPLX_JOINT_INDEX, SMPLX_JOINT_NAMES,
        SMPLX_PARENTS,
    )

RIG_FORMAT = "posestudio-rig"
RIG_VERSION = 1
OUTPUT = Path(__file__).with_name("mannequin.npz")

# --- Shape space: the one table of what each beta means ----------------------------------------
# (name, what +1 does, proportion steps). Proportions are multiplicative factors, 1.0 at rest:
# height (everything, about the pelvis), girth (limb/trunk thickness), leg, torso, arm (lengths),
# shoulder, hip, waist (widths), head (head size), chest (rib-cage size).
BETA_TABLE: tuple[tuple[str, str, dict[str, float]], ...] = (
    ("height", "+1: 4 % taller overall (about +7 cm), scaled about the pelvis",
     {"height": 0.04}),
    ("weight", "+1: limbs and trunk 12 % thicker (build/weight)", {"girth": 0.12}),
    ("leg_length", "+1: thighs and shins 7 % longer (feet go down)", {"leg": 0.07}),
    ("torso_length", "+1: spine and neck 8 % longer (head and arms go up)", {"torso": 0.08}),
    ("arm_length", "+1: upper arms, forearms and hands 7 % longer", {"arm": 0.07}),
    ("shoulder_width", "+1: shoulders 15 % wider", {"shoulder": 0.15}),
    ("hip_width", "+1: hips and pelvis 15 % wider", {"hip": 0.15}),
    ("head_size", "+1: head 8 % larger", {"head": 0.08}),
    ("chest", "+1: rib cage 12 % deeper and wider (muscular chest)", {"chest": 0.12}),
    ("masculine", "+1: male tendency (broader shoulders and waist, narrower hips, bigger chest);"
     " -1: female tendency",
     {"shoulder": 0.10, "hip": -0.10, "waist": 0.08, "chest": 0.06, "girth": 0.03,
      "height": 0.015}),
)
BETA_NAMES: tuple[str, ...] = tuple(row[0] for row in BETA_TABLE)
BASE = {"height": 1.0, "girth": 1.0, "leg": 1.0, "torso": 1.0, "arm": 1.0, "shoulder": 1.0,
        "hip": 1.0, "waist": 1.0, "head": 1.0, "chest": 1.0}

# Head egg in its own frame: axis 0 = up, 1 = forward (+Z), 2 = person's left (+X); radii in m.
HEAD_RADII = (0.115, 0.098, 0.075)
HEAD_CENTRE = (0.0, 0.075, 0.015)  # from the head joint (x, y, z world)
HEAD_TAPER = 0.12                  # wider at the crown, narrow at the chin

# OpenPose face-70 on the egg: (azimuth towards the person's left, elevation) in radians from the
# egg centre; index = OpenPose face index. "Right" is the subject's right (-X, negative azimuth).
_EYE = (0.44, 0.04)
FACE70_ANGLES: tuple[tuple[float, float], ...] = tuple(
    [(-1.1 * math.cos(math.pi * k / 16), -0.08 - 0.84 * math.sin(math.pi * k / 16) ** 1.4)
     for k in range(17)]                                                   # 0-16 jaw contour
    + [(-0.72 + 0.13 * i, 0.23 + 0.05 * math.sin(math.pi * i / 4)) for i in range(5)]   # 17-21
    + [(0.20 + 0.13 * i, 0.23 + 0.05 * math.sin(math.pi * i / 4)) for i in range(5)]    # 22-26
    + [(0.0, 0.10), (0.0, -0.02), (0.0, -0.14), (0.0, -0.25)]             # 27-30 nose bridge
    + [(-0.17, -0.30), (-0.09, -0.33), (0.0, -0.34), (0.09, -0.33), (0.17, -0.30)]  # 31-35
    + [(-_EYE[0] + dx, _EYE[1] + dy) for dx, dy in                         # 36-41 right eye
       ((-0.17, 0.0), (-0.07, 0.05), (0.07, 0.05), (0.17, 0.0), (0.07, -0.04), (-0.07, -0.04))]
    + [(_EYE[0] + dx, _EYE[1] + dy) for dx, dy in                          # 42-47 left eye
       ((-0.17, 0.0), (-0.07, 0.05), (0.07, 0.05), (0.17, 0.0), (0.07, -0.04), (-0.07, -0.04))]
    + [(x, -0.52 + y) for x, y in (                                        # 48-59 outer lips
        (-0.32, 0.0), (-0.20, 0.06), (-0.08, 0.08), (0.0, 0.07), (0.08, 0.08), (0.20, 0.06),
        (0.32, 0.0), (0.20, -0.07), (0.08, -0.10), (0.0, -0.11), (-0.08, -0.10), (-0.20, -0.07))]
    + [(x, -0.52 + y) for x, y in (                                        # 60-67 inner lips
        (-0.25, 0.0), (-0.08, 0.02), (0.0, 0.02), (0.08, 0.02), (0.25, 0.0), (0.08, -0.02),
        (0.0, -0.02), (-0.08, -0.02))]
    + [(-_EYE[0], _EYE[1]), (_EYE[0], _EYE[1])]                            # 68-69 pupils
)
EAR_ANGLES = (1.62, -0.04)  # azimuth (mirrored for the right ear), elevation

# Finger layout of the LEFT hand (+X); the right hand mirrors x. Offsets from the wrist to the
# first joint (MCP; CMC for the thumb), unit direction, phalanx lengths and radii (m).
FINGER_LAYOUT: dict[str, tuple[tuple, tuple, tuple, tuple]] = {
    "index":  ((0.094, 0.000, 0.027), (1.0, -0.02, 0.09), (0.041, 0.025, 0.021),
               (0.0092, 0.0085, 0.0077)),
    "middle": ((0.097, 0.000, 0.006), (1.0, -0.02, 0.0), (0.045, 0.028, 0.022),
               (0.0095, 0.0088, 0.0079)),
    "ring":   ((0.092, -0.002, -0.014), (1.0, -0.02, -0.07), (0.042, 0.026, 0.021),
               (0.0088, 0.0082, 0.0074)),
    "pinky":  ((0.083, -0.004, -0.033), (1.0, -0.02, -0.16), (0.033, 0.020, 0.019),
               (0.0078, 0.0072, 0.0066)),
    "thumb":  ((0.022, -0.012, 0.024), (0.70, -0.16, 0.70), (0.042, 0.033, 0.026),
               (0.0135, 0.0105, 0.0092)),
}


# --- Geometry helpers ---------------------------------------------------------------------------

def _spow(x: np.ndarray, e: float) -> np.ndarray:
    return np.sign(x) * np.abs(x) ** e


def unit_superellipsoid(nu: int, nv: int, e_axial: float = 1.0, e_round: float = 1.0,
                        taper: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Closed superellipsoid of unit radii in its local frame (axis 0 = the long axis).

    Returns ``points (2 + nu*nv, 3)`` ordered (distal pole, rings from distal to proximal,
    proximal pole) and outward-facing ``faces (2*nu*nv, 3)``. ``taper`` scales the cross-section
    by ``1 + taper * axial`` (> 0: wider at the distal end). Rings are symmetric about the equator,
    so each ring's radial mean is 0.
    """
    eta = np.pi * np.arange(1, nv + 1) / (nv + 1)
    phi = 2.0 * np.pi * np.arange(nu) / nu
    axial = _spow(np.cos(eta), e_axial)
    radial = _spow(np.sin(eta), e_axial) * (1.0 + taper * axial)
    ring = np.stack([_spow(np.cos(phi), e_round), _spow(np.sin(phi), e_round)], axis=1)
    body = np.concatenate([
        np.repeat(axial, nu)[:, None], (radial[:, None, None] * ring[None]).reshape(-1, 2)], axis=1)
    points = np.concatenate([[[1.0, 0.0, 0.0]], body, [[-1.0, 0.0, 0.0]]])
    faces = []
    last = 1 + nu * nv
    for j in range(nu):
        k = (j + 1) % nu
        faces.append((0, 1 + k, 1 + j))
        faces.append((last, 1 + (nv - 1) * nu + j, 1 + (nv - 1) * nu + k))
        for i in range(nv - 1):
            a, b = 1 + i * nu + j, 1 + i * nu + k
            c, d = a + nu, b + nu
            faces += [(a, b, d), (a, d, c)]
    faces = np.asarray(faces, dtype=np.int64)
    tri = points[faces]
    volume = np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum()
    if volume < 0:  # keep the winding outward whatever the parametrisation's handedness
        faces = faces[:, ::-1].copy()
    return points, faces


def _frame(axis: np.ndarray, hint: np.ndarray) -> np.ndarray:
    """Rotation whose columns are (axis, hint made orthogonal, axis x hint)."""
    a = axis / np.linalg.norm(axis)
    b = hint - a * (hint @ a)
    b /= np.linalg.norm(b)
    return np.stack([a, b, np.cross(a, b)], axis=1)


@dataclass
class Piece:
    """One rigid part: a superellipsoid in the frame ``centre + R @ (radii * local)``."""

    name: str
    joint: int                      # the joint whose bone carries it (rigid skinning)
    part: str
    centre: np.ndarray
    rotation: np.ndarray            # (3, 3), columns = local axes in world
    radii: np.ndarray               # (3,) semi-axes along the local axes, metres
    nu: int = 16
    nv: int = 11
    e_axial: float = 1.0
    e_round: float = 1.0
    taper: float = 0.0
    anchors: dict[int, np.ndarray] = field(default_factory=dict)  # joint -> local (unit) coords

    def local_points(self) -> tuple[np.ndarray, np.ndarray]:
        return unit_superellipsoid(self.nu, self.nv, self.e_axial, self.e_round, self.taper)

    def to_world(self, local: np.ndarray) -> np.ndarray:
        return self.centre + (local * self.radii) @ self.rotation.T

    def to_local(self, world: np.ndarray) -> np.ndarray:
        return ((world - self.centre) @ self.rotation) / self.radii


def segment(name: str, joint: int, part: str, a: np.ndarray, b: np.ndarray, r_hint: float,
            r_side: float, hint, *, ext0: float = 0.0, ext1: float = 0.0,
            anchor_a: int | None = None, anchor_b: int | None = None, **shape) -> Piece:
    """A bone piece along a -> b, extended by ``ext0``/``ext1`` times the bone length."""
    d = b - a
    start, end = a - ext0 * d, b + ext1 * d
    piece = Piece(name, joint, part, (start + end) / 2.0, _frame(end - start, np.asarray(hint, float)),
                  np.array([np.linalg.norm(end - start) / 2.0, r_hint, r_side]), **shape)
    for j, p in ((anchor_a, a), (anchor_b, b)):
        if j is not None:
            piece.anchors[j] = piece.to_local(p)
    return piece


def ball(name: str, joint: int, part: str, centre: np.ndarray, radius: float,
         anchor: bool = True, **shape) -> Piece:
    shape.setdefault("nu", 14)
    shape.setdefault("nv", 9)
    piece = Piece(name, joint, part, centre.copy(), np.eye(3), np.full(3, radius), **shape)
    if anchor:
        piece.anchors[joint] = np.zeros(3)
    return piece


# --- The figure ---------------------------------------------------------------------------------

J = SMPLX_JOINT_INDEX
UP, FWD = np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0])


def skeleton(p: dict[str, float]) -> np.ndarray:
    """Rest joint positions (55, 3) in metres for proportions ``p`` (see ``BETA_TABLE``)."""
    out = np.zeros((len(SMPLX_JOINT_NAMES), 3))
    v = np.array
    out[J["spine1"]] = p["torso"] * v([0, 0.11, -0.015])
    out[J["spine2"]] = out[J["spine1"]] + p["torso"] * v([0, 0.13, 0.015])
    out[J["spine3"]] = out[J["spine2"]] + p["torso"] * v([0, 0.06, 0.01])
    out[J["neck"]] = out[J["spine3"]] + p["torso"] * v([0, 0.20, -0.03])
    out[J["head"]] = out[J["neck"]] + p["torso"] * v([0, 0.085, 0.02])
    head_centre = out[J["head"]] + p["head"] * v(HEAD_CENTRE)
    out[J["jaw"]] = head_centre + p["head"] * v([0, -0.075, 0.02])
    for side, s in (("left", 1.0), ("right", -1.0)):
        out[J[f"{side}_hip"]] = v([s * 0.085 * p["hip"], -0.085, -0.005])
        out[J[f"{side}_knee"]] = out[J[f"{side}_hip"]] + p["leg"] * v([s * 0.015, -0.415, 0.005])
        out[J[f"{side}_ankle"]] = out[J[f"{side}_knee"]] + p["leg"] * v([0, -0.392, -0.035])
        out[J[f"{side}_foot"]] = out[J[f"{side}_ankle"]] + v([s * 0.01, -0.055, 0.125])
        out[J[f"{side}_collar"]] = out[J["spine3"]] + v(
            [s * 0.075 * p["shoulder"], 0.12 * p["torso"], -0.02])
        out[J[f"{side}_shoulder"]] = out[J[f"{side}_collar"]] + v(
            [s * 0.105 * p["shoulder"], 0.02, -0.01])
        out[J[f"{side}_elbow"]] = out[J[f"{side}_shoulder"]] + p["arm"] * v([s * 0.26, 0, -0.01])
        wrist = out[J[f"{side}_elbow"]] + p["arm"] * v([s * 0.255, 0, 0])
        out[J[f"{side}_wrist"]] = wrist
        az, el = _EYE
        eye_dir = v([math.cos(el) * math.sin(s * az), math.sin(el), math.cos(el) * math.cos(az)])
        out[J[f"{side}_eye_smplhf"]] = head_centre + p["head"] * 0.75 * eye_dir * v(
            [HEAD_RADII[2], HEAD_RADII[0], HEAD_RADII[1]])
        for finger, (base, direction, lengths, _) in FINGER_LAYOUT.items():
            mirror = v([s, 1.0, 1.0])
            d = v(direction) * mirror
            d /= np.linalg.norm(d)
            point = wrist + p["arm"] * v(base) * mirror
            for k in range(3):
                out[J[f"{side}_{finger}{k + 1}"]] = point
                point = point + p["arm"] * lengths[k] * d
    return out * p["height"]


def fingertip(p: dict[str, float], joints: np.ndarray, side: str, finger: str) -> np.ndarray:
    s = 1.0 if side == "left" else -1.0
    direction, lengths = FINGER_LAYOUT[finger][1], FINGER_LAYOUT[finger][2]
    d = np.array(direction) * np.array([s, 1.0, 1.0])
    d /= np.linalg.norm(d)
    return joints[J[f"{side}_{finger}3"]] + p["height"] * p["arm"] * lengths[2] * d


def pieces(p: dict[str, float], jt: np.ndarray) -> list[Piece]:
    """All rigid pieces of the figure for proportions ``p`` and rest joints ``jt``."""
    H, g = p["height"], p["girth"]
    out: list[Piece] = []
    torso = dict(nu=24, nv=15, e_axial=0.75, e_round=0.85)
    limb = dict(nu=20, nv=13, e_axial=0.8)
    # Trunk: pelvis block (centred on the pelvis joint), waist ball, abdomen, lower chest, chest.
    pelvis = Piece("pelvis", J["pelvis"], "pelvis", jt[J["pelvis"]].copy(), _frame(UP, FWD),
                   H * np.array([0.105, 0.092 * g, 0.138 * g * p["hip"]]), taper=-0.2, **torso)
    pelvis.anchors[J["pelvis"]] = np.zeros(3)
    out.append(pelvis)
    out.append(ball("waist", J["spine1"], "abdomen", jt[J["spine1"]], H * 0.08 * g * p["waist"],
                    nu=20, nv=13))
    out.append(segment("abdomen", J["spine1"], "abdomen", jt[J["spine1"]], jt[J["spine2"]],
                       H * 0.085 * g, H * 0.105 * g * p["waist"], FWD, ext0=-0.15, ext1=0.15,
                       taper=0.12, **torso))
    out.append(segment("lower_chest", J["spine2"], "chest", jt[J["spine2"]], jt[J["spine3"]],
                       H * 0.085 * g * p["chest"], H * 0.11 * g * p["chest"], FWD,
                       ext0=0.0, ext1=1.0, anchor_a=J["spine2"], **torso))
    out.append(segment("chest", J["spine3"], "chest", jt[J["spine3"]], jt[J["neck"]],
                       H * 0.105 * g * p["chest"],
                       H * 0.150 * g * (p["chest"] + p["shoulder"]) / 2.0, FWD,
                       ext0=0.42, ext1=-0.02, anchor_a=J["spine3"], taper=0.16, **torso))
    out.append(segment("neck", J["neck"], "neck", jt[J["neck"]], jt[J["head"]], H * 0.045 * g,
                       H * 0.043 * g, FWD, ext0=0.6, ext1=0.35, anchor_a=J["neck"],
                       anchor_b=J["head"], nu=18, nv=9, e_axial=0.7))
    head = Piece("head", J["head"], "head", jt[J["head"]] + H * p["head"] * np.array(HEAD_CENTRE),
                 _frame(UP, FWD), H * p["head"] * np.array(HEAD_RADII), nu=36, nv=25,
                 taper=HEAD_TAPER)
    for j in ("jaw", "left_eye_smplhf", "right_eye_smplhf"):
        head.anchors[J[j]] = head.to_local(jt[J[j]])
    out.append(head)
    for side, s in (("left", 1.0), ("right", -1.0)):
        def jj(name: str) -> np.ndarray:
            return jt[J[f"{side}_{name}"]]
        out.append(segment(f"{side}_collar", J[f"{side}_collar"], "chest", jj("collar"),
                           jj("shoulder"), H * 0.05 * g, H * 0.04 * g, UP, ext0=0.1, ext1=-0.15,
                           anchor_a=J[f"{side}_collar"], nu=16, nv=9, taper=-0.15))
        # Arm
        out.append(ball(f"{side}_shoulder", J[f"{side}_shoulder"], f"{side}_upper_arm",
                        jj("shoulder"), H * 0.053 * g, nu=18, nv=11))
        out.append(segment(f"{side}_upper_arm", J[f"{side}_shoulder"], f"{side}_upper_arm",
                           jj("shoulder"), jj("elbow"), H * 0.044 * g, H * 0.046 * g, UP,
                           ext0=-0.12, ext1=-0.1, taper=-0.18, **limb))
        out.append(ball(f"{side}_elbow", J[f"{side}_elbow"], f"{side}_lower_arm", jj("elbow"),
                        H * 0.036 * g))
        out.append(segment(f"{side}_forearm", J[f"{side}_elbow"], f"{side}_lower_arm",
                           jj("elbow"), jj("wrist"), H * 0.034 * g, H * 0.039 * g, UP,
                           ext0=-0.1, ext1=-0.07, taper=-0.2, **limb))
        out.append(ball(f"{side}_wrist", J[f"{side}_wrist"], f"{side}_hand", jj("wrist"),
                        H * 0.025 * g))
        palm_len = H * p["arm"] * 0.100
        palm = Piece(f"{side}_palm", J[f"{side}_wrist"], f"{side}_hand",
                     jj("wrist") + np.array([s * 0.052, -0.003, 0.0]) * H * p["arm"],
                     _frame(np.array([s, 0.0, 0.0]), UP),
                     np.array([palm_len / 2.0, H * p["arm"] * 0.016, H * p["arm"] * 0.044]),
                     nu=20, nv=11, e_axial=0.55, e_round=0.7, taper=0.08)
        out.append(palm)
        for finger, (_, _, _, radii) in FINGER_LAYOUT.items():
            names = [f"{side}_{finger}{k}" for k in (1, 2, 3)]
            ends = [jt[J[n]] for n in names] + [fingertip(p, jt, side, finger)]
            for k in range(3):
                r = H * p["arm"] * radii[k]
                out.append(segment(f"{names[k]}_bone", J[names[k]], f"{side}_hand", ends[k],
                                   ends[k + 1], r * 0.9, r, UP,
                                   ext0=0.12 if k else (0.25 if finger == "thumb" else 0.1),
                                   ext1=0.12 if k < 2 else 0.0, anchor_a=J[names[k]],
                                   nu=8, nv=7, e_axial=0.6, taper=-0.06))
        # Leg
        out.append(ball(f"{side}_hip", J[f"{side}_hip"], f"{side}_thigh", jj("hip"),
                        H * 0.066 * g, nu=18, nv=11))
        out.append(segment(f"{side}_thigh", J[f"{side}_hip"], f"{side}_thigh", jj("hip"),
                           jj("knee"), H * 0.072 * g, H * 0.068 * g, FWD, ext0=-0.06,
                           ext1=-0.09, taper=-0.22, **limb))
        out.append(ball(f"{side}_knee", J[f"{side}_knee"], f"{side}_shin", jj("knee"),
                        H * 0.047 * g))
        out.append(segment(f"{side}_shin", J[f"{side}_knee"], f"{side}_shin", jj("knee"),
                           jj("ankle"), H * 0.05 * g, H * 0.045 * g, FWD, ext0=-0.09, ext1=-0.07,
                           taper=-0.25, **limb))
        out.append(ball(f"{side}_ankle", J[f"{side}_ankle"], f"{side}_foot", jj("ankle"),
                        H * 0.034 * g))
        heel = jj("ankle") + H * np.array([0.0, -0.045, -0.035])
        out.append(segment(f"{side}_foot", J[f"{side}_ankle"], f"{side}_foot", heel, jj("foot"),
                           H * 0.033, H * 0.041, UP, ext0=0.12, ext1=0.1, nu=20, nv=11,
                           e_axial=0.6, e_round=0.75, taper=-0.12))
        toe_tip = jj("foot") + H * np.array([0.0, -0.01, 0.065])
        out.append(segment(f"{side}_toes", J[f"{side}_foot"], f"{side}_foot", jj("foot"), toe_tip,
                           H * 0.019, H * 0.039, UP, ext0=0.25, ext1=0.0, anchor_a=J[f"{side}_foot"],
                           nu=16, nv=9, e_axial=0.6, e_round=0.7, taper=-0.1))
    return out


@dataclass
class Mesh:
    vertices: np.ndarray      # (V, 3) float64
    faces: np.ndarray         # (F, 3) int64
    skin: np.ndarray          # (V,) joint index
    parts: np.ndarray         # (V,) index into PART_NAMES
    piece_ranges: dict[str, tuple[int, int]]      # name -> (first vertex, end)
    face_ranges: dict[str, tuple[int, int]]
    pieces: list[Piece]
    joints: np.ndarray        # (55, 3)


def build_mesh(p: dict[str, float]) -> Mesh:
    """Build the whole figure (float64) for proportions ``p``."""
    jt = skeleton(p)
    parts = pieces(p, jt)
    verts, faces, skin, part_ids = [], [], [], []
    vranges, franges = {}, {}
    nv = nf = 0
    for piece in parts:
        local, tri = piece.local_points()
        verts.append(piece.to_world(local))
        faces.append(tri + nv)
        skin.append(np.full(len(local), piece.joint))
        part_ids.append(np.full(len(local), PART_NAMES.index(piece.part)))
        vranges[piece.name] = (nv, nv + len(local))
        franges[piece.name] = (nf, nf + len(tri))
        nv += len(local)
        nf += len(tri)
    return Mesh(np.concatenate(verts), np.concatenate(faces), np.concatenate(skin),
                np.concatenate(part_ids), vranges, franges, parts, jt)


def joint_regressor(mesh: Mesh) -> np.ndarray:
    """Dense (55, V) regressor: each joint = affine combination of its anchor piece's vertices.

    The weights are the minimum-norm solution of ``sum w = 1, sum w * local_i = anchor`` over the
    anchor piece's unit-frame points; for a ball that is the plain vertex mean.
    """
    reg = np.zeros((len(SMPLX_JOINT_NAMES), len(mesh.vertices)))
    for piece in mesh.pieces:
        local, _ = piece.local_points()
        a = np.concatenate([local.T, np.ones((1, len(local)))])        # (4, n)
        start, _ = mesh.piece_ranges[piece.name]
        for joint, q in piece.anchors.items():
            if reg[joint].any():
                raise AssertionError(f"joint {SMPLX_JOINT_NAMES[joint]} anchored twice")
            w = a.T @ np.linalg.solve(a @ a.T, np.append(q, 1.0))
            reg[joint, start:start + len(local)] = w
    missing = [SMPLX_JOINT_NAMES[j] for j in range(len(reg)) if not reg[j].any()]
    if missing:
        raise AssertionError(f"joints without an anchor piece: {missing}")
    return reg


def _egg_point(head: Piece, azimuth: float, elevation: float) -> np.ndarray:
    """World point on the egg's continuous surface at (azimuth to the left, elevation)."""
    up = math.sin(elevation)
    fwd, left = math.cos(elevation) * math.cos(azimuth), math.cos(elevation) * math.sin(azimuth)
    local = np.array([up, fwd, left])
    local[1:] *= 1.0 + head.taper * up
    return head.to_world(local)


def landmark_targets(p: dict[str, float], mesh: Mesh) -> dict[str, tuple[str, np.ndarray]]:
    """Where each landmark sits: name -> (piece it lies on, rest world point to snap from)."""
    by_name = {piece.name: piece for piece in mesh.pieces}
    head = by_name["head"]
    out: dict[str, tuple[str, np.ndarray]] = {}
    for i, (az, el) in enumerate(FACE70_ANGLES):
        out[FACE_LANDMARK_NAMES[i]] = ("head", _egg_point(head, az, el))
    out["nose"] = out["face_30"]
    out["right_eye"], out["left_eye"] = out["face_68"], out["face_69"]
    out["left_ear"] = ("head", _egg_point(head, EAR_ANGLES[0], EAR_ANGLES[1]))
    out["right_ear"] = ("head", _egg_point(head, -EAR_ANGLES[0], EAR_ANGLES[1]))
    H = p["height"]
    for side, s in (("left", 1.0), ("right", -1.0)):
        toes, foot = by_name[f"{side}_toes"], by_name[f"{side}_foot"]
        tip = toes.to_world(np.array([1.0, 0.0, 0.0]))
        # Big toe on the inner side (towards the midline), small toe on the outer side.
        out[f"{side}_big_toe"] = (f"{side}_toes", tip + H * np.array([-s * 0.022, 0.0, -0.006]))
        out[f"{side}_small_toe"] = (f"{side}_toes", tip + H * np.array([s * 0.03, 0.0, -0.02]))
        out[f"{side}_heel"] = (f"{side}_foot", foot.to_world(np.array([-1.0, -0.5, 0.0])))
        for finger in FINGERS:
            out[f"{side}_{finger}_tip"] = (f"{side}_{finger}3_bone",
                                           fingertip(p, mesh.joints, side, finger))
    return out


def snap_to_surface(mesh: Mesh, piece: str, point: np.ndarray) -> tuple[int, np.ndarray]:
    """Closest point of ``piece``'s triangles to ``point`` as (face index, barycentric (3,))."""
    from trimesh.triangles import closest_point, points_to_barycentric

    f0, f1 = mesh.face_ranges[piece]
    tri = mesh.vertices[mesh.faces[f0:f1]]                           # (n, 3, 3)
    near = closest_point(tri, np.repeat(point[None], len(tri), axis=0))
    best = int(np.argmin(((near - point) ** 2).sum(1)))              # first of equals: stable
    bary = points_to_barycentric(tri[best:best + 1], near[best:best + 1])[0]
    bary = np.clip(bary, 0.0, 1.0)
    return f0 + best, bary / bary.sum()


def build() -> dict[str, np.ndarray]:
    """Every array of ``mannequin.npz`` (see ``posestudio.body.rig`` for the format)."""
    base = build_mesh(BASE)
    reg = joint_regressor(base)
    dirs = []
    for name, _, steps in BETA_TABLE:
        p = dict(BASE)
        for key, step in steps.items():
            p[key] += step
        shaped = build_mesh(p)
        # The regressor is built once at rest; it must stay exact for every shape.
        err = np.abs(reg @ shaped.vertices - shaped.joints).max()
        if err > 1e-9:
            raise AssertionError(f"beta {name}: regressed joints off by {err:.2e} m")
        dirs.append(shaped.vertices - base.vertices)
    shapedirs = np.stack(dirs, axis=-1)                                  # (V, 3, 10)
    if np.abs(reg @ base.vertices - base.joints).max() > 1e-9:
        raise AssertionError("rest joints are not reproduced by the regressor")

    targets = landmark_targets(BASE, base)
    names = BODY_LANDMARK_NAMES + FACE_LANDMARK_NAMES
    lmk_faces = np.zeros(len(names), dtype=np.int32)
    lmk_bary = np.zeros((len(names), 3))
    for i, name in enumerate(names):
        piece, point = targets[name]
        lmk_faces[i], lmk_bary[i] = snap_to_surface(base, piece, point)

    rows, cols = np.nonzero(reg)
    return {
        "format": np.array(RIG_FORMAT),
        "version": np.array(RIG_VERSION, dtype=np.int32),
        "v_template": base.vertices.astype(np.float32),
        "faces": base.faces.astype(np.int32),
        "shapedirs": shapedirs.astype(np.float32),
        "skin_joint": base.skin.astype(np.uint8),
        "vertex_parts": base.parts.astype(np.uint8),
        "part_names": np.array(PART_NAMES),
        "joint_names": np.array(SMPLX_JOINT_NAMES),
        "parents": np.array(SMPLX_PARENTS, dtype=np.int32),
        "beta_names": np.array(BETA_NAMES),
        "j_regressor_rows": rows.astype(np.uint8),
        "j_regressor_cols": cols.astype(np.int32),
        "j_regressor_vals": reg[rows, cols].astype(np.float32),
        "landmark_names": np.array(names),
        "landmark_faces": lmk_faces,
        "landmark_bary": lmk_bary.astype(np.float32),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUTPUT, help="output .npz (default: %(default)s)")
    args = parser.parse_args(argv)
    arrays = build()
    tmp = args.out.with_name(args.out.name + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(args.out)
    v, f = arrays["v_template"], arrays["faces"]
    print(f"{args.out}: {len(v)} vertices, {len(f)} faces, "
          f"height {v[:, 1].max() - v[:, 1].min():.3f} m, {args.out.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
