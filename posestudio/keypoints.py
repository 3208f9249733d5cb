"""OpenPose keypoints of posed bodies: 3D points on the body, then 2D pixels on a canvas.

Where each OpenPose point comes from (a kinematic joint, a surface landmark or the midpoint of
two other points) is fixed in :mod:`posestudio.skeletons`; this module only evaluates those
tables on a :class:`~posestudio.body.PosedBody` and projects the result with
:mod:`posestudio.camera`. No GL here: occlusion uses a depth map the caller rendered.

Rules (details in :func:`people_keypoints_2d`; proven in ``tests/render/test_maps.py``)
-------------------------------------------------------------------------------------
* Out of the canvas: a point whose projection falls outside ``[0, W) × [0, H)``, or that lies
  behind the camera, is absent — confidence 0 and x = y = 0 in the JSON, and not drawn. The
  image never shows a limb running off the edge towards a point OpenPose could not have seen.
* Hidden (only with ``hide_occluded``, off by default as ControlNet's annotator has no such
  test): a point is absent when the rendered depth at its pixel is more than 3 cm nearer than
  the point's own surface (for joints inside the body: where its camera ray enters the limb
  around it). Background never hides a point.
* Limb order: classic controlnet_aux order by default; ``RenderSettings.depth_ordered_limbs``
  draws all limbs and points far to near instead (``render.openpose_draw``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from posestudio.errors import InputError
from posestudio.skeletons import (
    BODY25_NAMES, BODY25_SOURCES, COCO18_NAMES, COCO18_SOURCES, FACE70_SOURCES, FINGERS,
    HAND21_NAMES, hand21_sources,
)

if TYPE_CHECKING:  # pragma: no cover
    from posestudio.body import PosedBody
    from posestudio.scene.model import Camera, Canvas

__all__ = [
    "LAYOUTS", "OCCLUSION_TOLERANCE_M", "OpenPosePerson", "openpose_points_3d",
    "people_keypoints_2d",
]

LAYOUTS = {"coco18": (COCO18_NAMES, COCO18_SOURCES), "body25": (BODY25_NAMES, BODY25_SOURCES)}
PARTS = ("body", "hand_left", "hand_right", "face")

# Slack of the occlusion test: the depth buffer is sampled at the pixel centre, not on the
# point's exact ray.
OCCLUSION_TOLERANCE_M = 0.03
# A joint's "own" surface: mesh triangles within this distance (the limb or torso around it);
# finger joints sit in thin fingers. Surface landmarks are their own surface.
LOCAL_RADIUS_M = 0.15
FINGER_RADIUS_M = 0.03


@dataclass
class OpenPosePerson:
    """One person's OpenPose keypoints in pixels.

    Each array is ``(N, 3)`` float64: ``x, y`` continuous pixels ((0, 0) = top-left corner of the
    canvas, pixel centres at +0.5) and a confidence in 0..1, where 0 means absent (then x = y = 0).

    Attributes
    ----------
    body : (18, 3) or (25, 3)
        COCO-18 (``skeletons.COCO18_NAMES``) or BODY_25 (``skeletons.BODY25_NAMES``) order.
    hand_left, hand_right : (21, 3) or None
        The subject's own left/right hand, ``skeletons.HAND21_NAMES`` order; None = not tracked.
    face : (70, 3) or None
        OpenPose face-70; None = not tracked.
    depth : (18,) or (25,) or None
        Depth of each body point (metres along the view axis), when it came from a 3D body;
        used to draw limbs far to near. Not part of the OpenPose format.
    """

    body: np.ndarray
    hand_left: np.ndarray | None = None
    hand_right: np.ndarray | None = None
    face: np.ndarray | None = None
    depth: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name, sizes in (("body", (18, 25)), ("hand_left", (21,)), ("hand_right", (21,)),
                            ("face", (70,))):
            value = getattr(self, name)
            if value is None:
                if name == "body":
                    raise InputError("OpenPose person needs body keypoints")
                continue
            array = np.array(value, dtype=np.float64)
            if array.ndim != 2 or array.shape[1] != 3 or array.shape[0] not in sizes:
                raise InputError(f"OpenPose {name} keypoints must have shape "
                                 f"({' or '.join(map(str, sizes))}, 3), got {array.shape}")
            if not np.all(np.isfinite(array)):
                raise InputError(f"OpenPose {name} keypoints must be finite numbers")
            setattr(self, name, array)
        if self.depth is not None:
            self.depth = np.asarray(self.depth, dtype=np.float64).reshape(len(self.body))

    @property
    def layout(self) -> str:
        """``"coco18"`` or ``"body25"``."""
        return "coco18" if len(self.body) == 18 else "body25"

    def parts(self) -> dict[str, np.ndarray]:
        """The parts present, by name (``body``, ``hand_left``, ``hand_right``, ``face``)."""
        return {name: getattr(self, name) for name in PARTS if getattr(self, name) is not None}

    def coco18_body(self) -> np.ndarray:
        """Body keypoints in COCO-18 order (BODY_25 points picked by name), (18, 3)."""
        if len(self.body) == 18:
            return self.body
        index = [BODY25_NAMES.index(name) for name in COCO18_NAMES]
        return self.body[index]


def _evaluate_sources(posed: "PosedBody", sources: Sequence[tuple], names: Sequence[str]
                      ) -> tuple[np.ndarray, np.ndarray]:
    joint_index = {n: i for i, n in enumerate(posed.joint_names)}
    landmark_index = {n: i for i, n in enumerate(posed.landmark_names)}
    points = np.zeros((len(sources), 3))
    present = np.zeros(len(sources), dtype=bool)
    mids = []
    for i, source in enumerate(sources):
        kind = source[0]
        if kind == "joint" and source[1] in joint_index:
            points[i] = posed.joints[joint_index[source[1]]]
            present[i] = True
        elif kind == "landmark" and source[1] in landmark_index:
            points[i] = posed.landmarks[landmark_index[source[1]]]
            present[i] = True
        elif kind == "mid":
            mids.append(i)
        elif kind not in ("joint", "landmark"):
            raise ValueError(f"unknown keypoint source {source!r}")
    name_index = {n: i for i, n in enumerate(names)}
    for i in mids:  # midpoints refer to points of the same set, evaluated above
        a, b = name_index[sources[i][1]], name_index[sources[i][2]]
        if present[a] and present[b]:
            points[i] = 0.5 * (points[a] + points[b])
            present[i] = True
    return points, present


def openpose_points_3d(posed: "PosedBody", layout: str = "coco18", *, hands: bool = True,
                       face: bool = True) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """OpenPose keypoints of one posed body in world space.

    Parameters
    ----------
    posed : PosedBody
    layout : {"coco18", "body25"}
    hands, face : bool
        Whether to include the hand-21 pairs and face-70.

    Returns
    -------
    dict
        ``{"body": (points, present), "hand_left": ..., "hand_right": ..., "face": ...}`` (hands
        and face only when asked for), ``points`` ``(N, 3)`` float64 world metres and ``present``
        ``(N,)`` bool. A source the rig lacks (SMPL has no fingers, a rig without face points)
        is absent (``present`` False, point 0), never guessed.
    """
    if layout not in LAYOUTS:
        raise InputError(f"OpenPose layout must be coco18 or body25, got {layout!r}")
    names, sources = LAYOUTS[layout]
    result = {"body": _evaluate_sources(posed, sources, names)}
    if hands:
        result["hand_left"] = _evaluate_sources(posed, hand21_sources("left"), HAND21_NAMES)
        result["hand_right"] = _evaluate_sources(posed, hand21_sources("right"), HAND21_NAMES)
    if face:
        result["face"] = _evaluate_sources(posed, FACE70_SOURCES, [s[1] for s in FACE70_SOURCES])
    return result


def _own_radii(sources: Sequence[tuple]) -> np.ndarray:
    """Per point: how far its own surface reaches (see ``_local_surface_depth``)."""
    radii = []
    for source in sources:
        if source[0] == "landmark":
            radii.append(0.0)
        elif any(finger in source[1] for finger in FINGERS):
            radii.append(FINGER_RADIUS_M)
        else:
            radii.append(LOCAL_RADIUS_M)
    return np.array(radii)


def _to_camera(points: np.ndarray, w2c: np.ndarray) -> np.ndarray:
    return np.asarray(points, dtype=np.float64) @ w2c[:3, :3].T + w2c[:3, 3]


class _Surface:
    """A body's triangles in the camera frame, with what the local ray tests need."""

    def __init__(self, vertices_cam: np.ndarray, faces: np.ndarray) -> None:
        self.v0, self.v1, self.v2 = (vertices_cam[faces[:, k]] for k in range(3))
        self.centre = (self.v0 + self.v1 + self.v2) / 3.0
        # A triangle has a corner within r of a point only if its centre is within r + reach.
        self.reach = np.sqrt(np.max([np.sum((v - self.centre) ** 2, axis=1)
                                     for v in (self.v0, self.v1, self.v2)], axis=0))


def _local_surface_depth(points: np.ndarray, radii: np.ndarray, surface: _Surface) -> np.ndarray:
    """Depth of the body's own surface in front of each point, along its camera ray.

    Parameters
    ----------
    points : (N, 3) OpenGL camera frame, in front of the camera (z < 0)
    radii : (N,) metres: how far around each point its own surface reaches (0 = surface point)
    surface : the same body's triangles, camera frame

    Returns
    -------
    (N,) metres along the view axis: where the ray from the eye to each point first enters the
    mesh triangles with a corner within its radius (the limb around a joint), or the point's
    own depth when no such triangle lies in front of it (a surface point).
    """
    out = -points[:, 2].astype(np.float64)
    for i, (p, radius) in enumerate(zip(points, radii)):
        if radius <= 0:
            continue
        offset = surface.centre - p
        reach = surface.reach + radius
        local = np.flatnonzero(np.einsum("ij,ij->i", offset, offset) < reach * reach)
        if not len(local):
            continue
        distance = float(np.linalg.norm(p))
        direction = p / distance
        # Möller-Trumbore against the local triangles, all at once.
        v0, v1, v2 = surface.v0[local], surface.v1[local], surface.v2[local]
        e1, e2 = v1 - v0, v2 - v0
        h = np.cross(direction, e2)
        a = np.einsum("ij,ij->i", e1, h)
        ok = np.abs(a) > 1e-12
        f = np.zeros_like(a)
        f[ok] = 1.0 / a[ok]
        u = f * np.einsum("ij,ij->i", -v0, h)
        q = np.cross(-v0, e1)
        v = f * (q @ direction)
        t = f * np.einsum("ij,ij->i", e2, q)
        hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 0) & (t < distance)
        if hit.any():
            out[i] = t[hit].min() * -direction[2]
    return out


def _show_midpoints_of_visible_ends(ok: np.ndarray, on_canvas: np.ndarray, layout) -> None:
    """A midpoint (neck, mid-hip) is not a place on the body: it shows when either end does.

    Seen from the side, the neck lies behind the near shoulder; OpenPose still reports it
    (the skeleton hangs on it), so occlusion of the midpoint itself is not what decides.
    """
    names, sources = layout
    index = {n: i for i, n in enumerate(names)}
    for i, source in enumerate(sources):
        if source[0] == "mid" and on_canvas[i]:
            ok[i] = ok[index[source[1]]] or ok[index[source[2]]]


def people_keypoints_2d(posed_list: Sequence["PosedBody"], camera: "Camera", canvas: "Canvas", *,
                        layout: str = "coco18", hands: bool = True, face: bool = True,
                        hide_occluded: bool = False, depth: np.ndarray | None = None
                        ) -> list[OpenPosePerson]:
    """OpenPose keypoints of posed people as seen by ``camera`` on ``canvas``.

    Parameters
    ----------
    posed_list : sequence of PosedBody
        World metres; one :class:`OpenPosePerson` is returned per body, same order.
    camera, canvas : scene Camera and Canvas
    layout : {"coco18", "body25"}
    hands, face : bool
        Include hand-21 and face-70 (otherwise those attributes are None).
    hide_occluded : bool
        Drop points hidden behind a body surface (see rules).
    depth : (H, W) float32 or None
        Metric depth (metres along the view axis, 0 = background) of *all* people, as
        :func:`posestudio.render.maps.render_depth_metric` renders it. Rendered here when
        ``hide_occluded`` and not given.

    Returns
    -------
    list of OpenPosePerson, pixels.

    Notes
    -----
    Confidence is 1 for a point that is shown and 0 (with x = y = 0) for an absent one. A point
    is absent when

    * the rig lacks its source (no finger joints, no face landmarks...);
    * it lies behind the camera or on its near plane (depth ≤ znear);
    * it projects outside the canvas (x ∉ [0, W) or y ∉ [0, H)): OpenPose never reports points
      off the image;
    * with ``hide_occluded``: the rendered surface at its pixel is nearer, by more than
      ``OCCLUSION_TOLERANCE_M`` (3 cm), than the point's own surface. For a surface landmark
      (nose, eyes, ears, face, fingertips, toes) that is the point itself; for a joint inside
      the body it is where the camera ray enters the body triangles within ``LOCAL_RADIUS_M``
      (15 cm; 3 cm for finger joints) of it, i.e. the skin of the limb or torso around it. So a
      hip seen from the front stays visible, while a far shoulder behind the chest, an ear on
      the far side of the head, or a point behind another person is hidden. A midpoint (neck,
      BODY_25 mid-hip) shows when either of its two ends shows.
    """
    from posestudio import camera as camera_math

    if layout not in LAYOUTS:
        raise InputError(f"OpenPose layout must be coco18 or body25, got {layout!r}")
    if hide_occluded and depth is None:
        from posestudio.render.maps import render_depth_metric

        depth = render_depth_metric(posed_list, camera, canvas)
    if depth is not None:
        depth = np.asarray(depth)
        if depth.shape != (canvas.height, canvas.width):
            raise InputError(f"depth map shape {depth.shape} does not match the canvas "
                             f"{canvas.width}x{canvas.height}")
    w2c = camera_math.world_to_camera(camera)
    people = []
    for posed in posed_list:
        surface = None
        points3d = openpose_points_3d(posed, layout, hands=hands, face=face)
        parts = {}
        body_depth = None
        for name, (points, present) in points3d.items():
            uv, z = camera_math.project(points, camera, canvas)
            uv = np.asarray(uv, dtype=np.float64)
            z = np.asarray(z, dtype=np.float64)
            ok = present & np.isfinite(uv).all(axis=1) & (z > camera.znear)
            ok &= (uv[:, 0] >= 0) & (uv[:, 0] < canvas.width)
            ok &= (uv[:, 1] >= 0) & (uv[:, 1] < canvas.height)
            on_canvas = ok.copy()
            if hide_occluded and ok.any():
                idx = np.flatnonzero(ok)
                px = uv[idx].astype(np.int64)  # floor: both are ≥ 0 here
                rendered = depth[px[:, 1], px[:, 0]].astype(np.float64)
                # A point's own surface is never behind the point, so only a rendered surface
                # nearer than the point itself (by the tolerance) can hide it.
                maybe = (rendered > 0) & (rendered < z[idx] - OCCLUSION_TOLERANCE_M)
                idx, rendered = idx[maybe], rendered[maybe]
                if len(idx):
                    if surface is None:
                        surface = _Surface(_to_camera(posed.vertices, w2c),
                                           np.asarray(posed.faces, dtype=np.int64))
                    radii = _own_radii(LAYOUTS[layout][1] if name == "body" else
                                       hand21_sources("left") if name.startswith("hand") else
                                       FACE70_SOURCES)[idx]
                    own = _local_surface_depth(_to_camera(points[idx], w2c), radii, surface)
                    ok[idx[rendered < own - OCCLUSION_TOLERANCE_M]] = False
                if name == "body":
                    _show_midpoints_of_visible_ends(ok, on_canvas, LAYOUTS[layout])
            keypoints = np.zeros((len(points), 3))
            keypoints[ok, :2] = uv[ok]
            keypoints[ok, 2] = 1.0
            parts[name] = keypoints
            if name == "body":
                body_depth = np.where(np.isfinite(z), z, 0.0)
        people.append(OpenPosePerson(**parts, depth=body_depth))
    return people
