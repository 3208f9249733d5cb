"""Surface maps of posed bodies from one flat GL pass: a DensePose-style IUV map and the Champ
semantic look (each pixel coloured by the joint that dominates the skinning of its surface).

IUV (``iuv``)
    (H, W, 3) uint8: channel 0 = I, the DensePose part index 1..24 (0 = background), in
    DensePose's order (1/2 torso back/front, 3 right hand, 4 left hand, 5 left foot,
    6 right foot, 7/9 right upper leg back/front, 8/10 left upper leg back/front, 11/13 right
    lower leg, 12/14 left lower leg, 15/17 left upper arm front/back, 16/18 right upper arm,
    19/21 left lower arm, 20/22 right lower arm, 23/24 head right/left); channels 1, 2 = U, V
    × 255. U/V are a per-part chart of *this* rig (not DensePose's atlas): each part is
    projected in the rest pose onto its front plane (torso, limbs: split front/back by the rest
    normal), its side plane (head: split right/left) or its two longest axes (hands, feet), and
    scaled to 0..1 over the part, V along the part's longest extent. Constant per rig, so a
    surface point keeps its U/V in every frame.
Champ (``champ``)
    (H, W, 3) uint8: the SMPL-24 joint with the largest skinning weight at each surface point
    (SMPL-X fingers count as the hand joint, jaw and eyes as the head), coloured with
    ``maps.PART_PALETTE[joint]``; background black.

Both come from one single-sampled pass: U, V interpolate in red and green, the Champ joint is
blue and the IUV part alpha (both constant per triangle on unwelded triangles).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

import numpy as np

from posestudio.render.maps import PART_PALETTE, _check, _pyrender_camera, _to_camera, view_matrices
from posestudio.skeletons import SMPL_JOINT_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from posestudio.body import PosedBody
    from posestudio.render.gl import OffscreenRenderer
    from posestudio.scene.model import Camera, Canvas

__all__ = ["SurfaceBuffers", "SurfaceCharts", "champ_map", "iuv_map", "render_surface", "smpl24_joint",
           "surface_charts"]

_FINGERS = ("thumb", "index", "middle", "ring", "pinky", "hand")
# DensePose part ids per body segment: (back, front) or (right, left) pairs, single ids.
_SPLIT_FRONT = {"torso": (1, 2), "right_upper_leg": (7, 9), "left_upper_leg": (8, 10),
                "right_lower_leg": (11, 13), "left_lower_leg": (12, 14),
                "left_upper_arm": (17, 15), "right_upper_arm": (18, 16),
                "left_lower_arm": (21, 19), "right_lower_arm": (22, 20)}
_SINGLE = {"right_hand": 3, "left_hand": 4, "left_foot": 5, "right_foot": 6}
_SEGMENT_OF_SMPL = {
    "pelvis": "torso", "spine1": "torso", "spine2": "torso", "spine3": "torso",
    "left_collar": "torso", "right_collar": "torso", "neck": "head", "head": "head",
    "left_hip": "left_upper_leg", "right_hip": "right_upper_leg",
    "left_knee": "left_lower_leg", "right_knee": "right_lower_leg",
    "left_ankle": "left_foot", "right_ankle": "right_foot", "left_foot": "left_foot",
    "right_foot": "right_foot", "left_shoulder": "left_upper_arm",
    "right_shoulder": "right_upper_arm", "left_elbow": "left_lower_arm",
    "right_elbow": "right_lower_arm", "left_wrist": "left_hand", "right_wrist": "right_hand",
    "left_hand": "left_hand", "right_hand": "right_hand",
}


def smpl24_joint(name: str) -> int:
    """SMPL-24 index of a rig joint: itself, or the hand joint for fingers, head for jaw/eyes."""
    if name in SMPL_JOINT_NAMES:
        return SMPL_JOINT_NAMES.index(name)
    side = "left" if name.startswith("left") else "right" if name.startswith("right") else ""
    if side and any(f in name for f in _FINGERS):
        return SMPL_JOINT_NAMES.index(f"{side}_hand")
    return SMPL_JOINT_NAMES.index("head")      # jaw, eyes


@dataclass(frozen=True)
class SurfaceCharts:
    """Per-rig constants of the surface pass, per face corner (F, 3).

    Attributes
    ----------
    corner_colors : (F, 3, 4) float32 RGBA fed to GL: U, V, Champ joint / 255, IUV part / 255
    face_part : (F,) int64 IUV part 1..24
    face_joint : (F,) int64 SMPL-24 joint
    """

    corner_colors: np.ndarray
    face_part: np.ndarray
    face_joint: np.ndarray


def _majority(values: np.ndarray) -> np.ndarray:
    """Per row of (F, 3): the value two corners share, else the first corner's."""
    return np.where(values[:, 1] == values[:, 2], values[:, 1], values[:, 0])


def _normalise(coords: np.ndarray) -> np.ndarray:
    low, high = coords.min(axis=0), coords.max(axis=0)
    return (coords - low) / np.maximum(high - low, 1e-9)


@lru_cache(maxsize=8)
def surface_charts(rig: str) -> SurfaceCharts:
    """IUV part, U/V chart and Champ joint of every face corner of a rig (cached per rig).

    Computed on the rig's rest pose with zero shape (person +Z forward, Y up, left = +X).
    """
    from posestudio.body import load_body_model
    from posestudio.render.maps import _vertex_normals

    model = load_body_model(rig)
    weights = np.asarray(model._arrays.weights)               # (V, J) skinning weights
    joint_of_vertex = np.array([smpl24_joint(model.joint_names[j])
                                for j in weights.argmax(axis=1)], dtype=np.int64)
    faces = np.asarray(model.faces, dtype=np.int64)
    rest = np.asarray(model.rest_vertices(), dtype=np.float64)
    normals = _vertex_normals(rest, faces)
    face_joint = _majority(joint_of_vertex[faces])
    segment = np.array([_SEGMENT_OF_SMPL[SMPL_JOINT_NAMES[j]] for j in face_joint])
    face_normal = normals[faces].mean(axis=1)
    face_part = np.zeros(len(faces), dtype=np.int64)
    for name, (first, second) in _SPLIT_FRONT.items():
        sel = segment == name
        face_part[sel] = np.where(face_normal[sel, 2] >= 0.0, second, first)
    head = segment == "head"
    face_part[head] = np.where(face_normal[head, 0] < 0.0, 23, 24)
    for name, part in _SINGLE.items():
        face_part[segment == name] = part

    corner_uv = np.zeros(faces.shape + (2,), dtype=np.float64)
    for part in range(1, 25):
        sel = np.flatnonzero(face_part == part)
        if not len(sel):
            continue
        points = rest[faces[sel]].reshape(-1, 3)
        if part in (23, 24):
            plane = points[:, [2, 1]]                           # side view: z, y
        elif part in (3, 4, 5, 6):
            centred = points - points.mean(axis=0)
            _, _, axes = np.linalg.svd(centred, full_matrices=False)
            plane = centred @ axes[:2].T                        # the two longest extents
        else:
            plane = points[:, [0, 1]]                           # front view: x, y
        uv = _normalise(plane)
        if np.ptp(plane[:, 0]) > np.ptp(plane[:, 1]):
            uv = uv[:, ::-1]                                    # V along the longest extent
        corner_uv[sel] = uv.reshape(-1, 3, 2)
    colors = np.empty(faces.shape + (4,), dtype=np.float32)
    colors[..., :2] = corner_uv
    colors[..., 2] = (face_joint / 255.0)[:, None]
    colors[..., 3] = (face_part / 255.0)[:, None]
    return SurfaceCharts(colors, face_part, face_joint)


@dataclass
class SurfaceBuffers:
    """What the surface pass sees at each pixel centre (all (H, W), background part 0).

    Attributes
    ----------
    part : uint8 IUV part 1..24, 0 = background
    u, v : uint8 chart coordinates × 255
    joint : uint8 SMPL-24 joint (valid where part > 0)
    """

    part: np.ndarray
    u: np.ndarray
    v: np.ndarray
    joint: np.ndarray


def render_surface(posed_list: Sequence["PosedBody"], rigs: Sequence[str], camera: "Camera",
                   canvas: "Canvas", *, renderer: "OffscreenRenderer | None" = None
                   ) -> SurfaceBuffers:
    """Render the IUV/Champ surface pass of posed bodies.

    Parameters
    ----------
    posed_list : sequence of PosedBody, world metres
    rigs : the rig id of each body (``Person.rig``), for its surface charts
    camera, canvas : scene Camera and Canvas

    Returns
    -------
    SurfaceBuffers
    """
    from posestudio.render.gl import import_pyrender, shared_renderer

    _check(posed_list)
    height, width = canvas.height, canvas.width
    if not posed_list:
        zero = np.zeros((height, width), np.uint8)
        return SurfaceBuffers(zero, zero.copy(), zero.copy(), zero.copy())
    pyrender = import_pyrender()
    renderer = renderer or shared_renderer()
    K, w2c = view_matrices(camera, canvas)
    scene = pyrender.Scene(bg_color=(0.0, 0.0, 0.0, 0.0), ambient_light=(0.0, 0.0, 0.0))
    for posed, rig in zip(posed_list, rigs):
        charts = surface_charts(rig)
        faces = np.asarray(posed.faces, dtype=np.int64)
        vertices = _to_camera(posed.vertices, w2c).astype(np.float32)
        scene.add(pyrender.Mesh([pyrender.Primitive(
            positions=vertices[faces].reshape(-1, 3), color_0=charts.corner_colors.reshape(-1, 4),
            material=pyrender.MetallicRoughnessMaterial(baseColorFactor=(1.0, 1.0, 1.0, 1.0)))]))
    scene.add(_pyrender_camera(pyrender, K, camera), pose=np.eye(4))
    flags = pyrender.RenderFlags.FLAT | pyrender.RenderFlags.RGBA
    color, _ = renderer.render(scene, width, height, flags, samples=0, depth=False)
    return SurfaceBuffers(np.ascontiguousarray(color[..., 3]), np.ascontiguousarray(color[..., 0]),
                          np.ascontiguousarray(color[..., 1]), np.ascontiguousarray(color[..., 2]))


def iuv_map(surface: SurfaceBuffers) -> np.ndarray:
    """DensePose-style IUV image (see module notes): (H, W, 3) uint8 (I, U, V)."""
    # The pass clears to 0 in every channel, so the background is already (0, 0, 0).
    return np.stack([surface.part, surface.u, surface.v], axis=-1)


def champ_map(surface: SurfaceBuffers) -> np.ndarray:
    """Champ semantic look: (H, W, 3) uint8, PART_PALETTE colour of the dominant SMPL-24 joint."""
    table = np.array(PART_PALETTE, dtype=np.uint8)
    out = np.zeros(surface.part.shape + (3,), dtype=np.uint8)
    mask = surface.part > 0
    out[mask] = table[surface.joint[mask] % len(table)]
    return out
