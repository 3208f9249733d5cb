"""Every map of one frame from as few GL passes as possible (sequence export, batch renders).

Passes, each only when a requested map needs it:

* depth only (``depth``/``mask`` alone): a ``DEPTH_ONLY`` draw, no colour read back;
* data pass (:func:`maps.render_geometry`): depth, normal, seg, canny, mask, hidden keypoints;
* surface pass (:func:`iuv.render_surface`): IUV and the Champ look;
* mannequin (:func:`maps.render_mannequin`), antialiased;
* OpenPose needs no GL.

Identity: people are given by their index in the scene, so the ``people`` seg palette and the
OpenPose JSON ``person_id`` follow a person, not their rank among the visible ones. Depth can be
scaled by a fixed (near, far) range instead of each frame's own, so a whole sequence shares one
brightness scale (:func:`depth_map_range`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from posestudio.errors import InputError
from posestudio.keypoints import OpenPosePerson, people_keypoints_2d
from posestudio.render import maps as map_funcs
from posestudio.render.masks import mask_map

if TYPE_CHECKING:  # pragma: no cover
    from posestudio.body import PosedBody
    from posestudio.render.gl import OffscreenRenderer
    from posestudio.scene.model import Camera, Canvas, RenderSettings

__all__ = ["FRAME_MAPS", "FrameMapRenderer", "FrameMaps", "check_frame_maps", "depth_map_range",
           "depth_range_of"]

FRAME_MAPS: tuple[str, ...] = ("openpose", "depth", "normal", "seg", "canny", "champ", "iuv",
                               "mask", "mannequin")
_DATA_MAPS = {"normal", "seg", "canny"}
_SURFACE_MAPS = {"champ", "iuv"}


def depth_map_range(depth: np.ndarray, near: float, far: float) -> np.ndarray:
    """8-bit depth on a fixed scale: (H, W) uint8, 0 background, 1..255 with ``near`` → 255.

    Parameters
    ----------
    depth : (H, W) float metres along the view axis, 0 = background
    near, far : metres mapped to 255 and 1 (depths beyond are clipped)
    """
    mask = depth > 0
    out = np.zeros(depth.shape, dtype=np.uint8)
    span = float(far) - float(near)
    visible = depth[mask].astype(np.float32)
    if span <= 0:
        out[mask] = 255
        return out
    scaled = 1.0 + np.float32(254.0 / span) * (np.float32(far) - visible)
    out[mask] = np.clip(np.rint(scaled), 1, 255).astype(np.uint8)
    return out


def depth_range_of(posed: Sequence["PosedBody"], camera: "Camera", canvas: "Canvas"
                   ) -> tuple[float, float] | None:
    """(near, far) metres of the body vertices that project inside the canvas, or None.

    No rendering: an upper bound of what the depth pass can see (hidden back vertices count),
    cheap enough for a first pass over a whole sequence.
    """
    from posestudio.camera import project

    near, far = np.inf, -np.inf
    for body in posed:
        uv, z = project(np.asarray(body.vertices, dtype=np.float64), camera, canvas)
        inside = ((z > camera.znear) & (uv[:, 0] >= 0) & (uv[:, 0] < canvas.width)
                  & (uv[:, 1] >= 0) & (uv[:, 1] < canvas.height))
        if inside.any():
            near, far = min(near, float(z[inside].min())), max(far, float(z[inside].max()))
    return None if not np.isfinite(near) else (near, far)


@dataclass
class FrameMaps:
    """One frame's maps.

    Attributes
    ----------
    maps : dict name → (H, W) or (H, W, 3|4) uint8, in ``FRAME_MAPS`` order
    people : OpenPose people (pixels) of the visible people, scene order
    person_ids : scene index of each entry of ``people``
    """

    maps: dict[str, np.ndarray]
    people: list[OpenPosePerson]
    person_ids: list[int]


def check_frame_maps(maps) -> tuple[str, ...]:
    """Map names (list or comma-separated text) checked against ``FRAME_MAPS``, in order."""
    if isinstance(maps, str):
        maps = [m.strip() for m in maps.split(",") if m.strip()]
    maps = tuple(dict.fromkeys(maps))
    if not maps:
        raise InputError("--maps: no map named")
    for name in maps:
        if name not in FRAME_MAPS:
            raise InputError(f"--maps: unknown map {name!r}, choose from {', '.join(FRAME_MAPS)}")
    return tuple(m for m in FRAME_MAPS if m in maps)


class FrameMapRenderer:
    """Render a fixed set of maps frame after frame with the fewest passes.

    Parameters
    ----------
    maps : names from ``FRAME_MAPS``
    settings : RenderSettings (OpenPose layout/occlusion/limb order, canny thresholds, seg
        palette, mannequin background)
    pose_style : ``{"hands", "face", "toes", "style"}`` (see ``render.pose_styles``)
    renderer : OffscreenRenderer, optional (default the shared one)
    """

    def __init__(self, maps, settings: "RenderSettings", pose_style: dict | None = None, *,
                 renderer: "OffscreenRenderer | None" = None) -> None:
        self.maps = check_frame_maps(maps)
        self.settings = settings
        style = {"hands": settings.openpose_hands, "face": settings.openpose_face,
                 "toes": False, "style": "openpose"}
        style.update(pose_style or {})
        self.pose_style = style
        self.renderer = renderer
        wanted = set(self.maps)
        self.need_data = bool(_DATA_MAPS & wanted) or ("openpose" in wanted
                                                      and settings.hide_occluded)
        self.need_depth_only = not self.need_data and bool({"depth", "mask"} & wanted)

    def _depth_only(self, posed, camera, canvas) -> np.ndarray:
        from posestudio.render.gl import import_pyrender, shared_renderer

        pyrender = import_pyrender()
        renderer = self.renderer or shared_renderer()
        K, w2c = map_funcs.view_matrices(camera, canvas)
        scene = pyrender.Scene(bg_color=(0.0, 0.0, 0.0, 0.0))
        for body in posed:
            scene.add(pyrender.Mesh([pyrender.Primitive(
                positions=map_funcs._to_camera(body.vertices, w2c).astype(np.float32),
                indices=np.asarray(body.faces, dtype=np.uint32))]))
        scene.add(map_funcs._pyrender_camera(pyrender, K, camera), pose=np.eye(4))
        _, depth = renderer.render(scene, canvas.width, canvas.height,
                                   pyrender.RenderFlags.DEPTH_ONLY, samples=0)
        return depth

    def render(self, posed: Sequence["PosedBody"], camera: "Camera", canvas: "Canvas", *,
               person_ids: Sequence[int] | None = None, rigs: Sequence[str] | None = None,
               colors: Sequence | None = None,
               depth_range: tuple[float, float] | None = None) -> FrameMaps:
        """Render one frame.

        Parameters
        ----------
        posed : the visible people's PosedBody, scene order, world metres
        camera, canvas : scene Camera and Canvas
        person_ids : scene index of each body (default 0, 1, ...)
        rigs : rig id of each body (IUV/Champ charts; default "mannequin")
        colors : mannequin colour per body (RGB 0..1 or None = wood)
        depth_range : (near, far) metres for the 8-bit depth; default this frame's own range

        Returns
        -------
        FrameMaps
        """
        map_funcs._check(posed)
        ids = list(range(len(posed))) if person_ids is None else [int(i) for i in person_ids]
        wanted = set(self.maps)
        out: dict[str, np.ndarray] = {}
        geometry = depth = None
        if self.need_data:
            geometry = map_funcs.render_geometry(posed, camera, canvas, renderer=self.renderer)
            depth = geometry.depth
        elif self.need_depth_only and posed:
            depth = self._depth_only(posed, camera, canvas)
        elif self.need_depth_only:
            depth = np.zeros((canvas.height, canvas.width), np.float32)
        people: list[OpenPosePerson] = []
        if "openpose" in wanted:
            from posestudio.render.pose_styles import draw_pose_style

            style = self.pose_style
            toes = style["toes"] or style["style"] == "wan-animate"
            layout = "body25" if toes else self.settings.openpose_layout
            people = people_keypoints_2d(
                posed, camera, canvas, layout=layout, hands=style["hands"], face=style["face"],
                hide_occluded=self.settings.hide_occluded,
                depth=geometry.depth if geometry is not None else None)
            out["openpose"] = draw_pose_style(
                people, canvas.width, canvas.height, style=style["style"], hands=style["hands"],
                face=style["face"],
                depth_ordered_limbs=self.settings.depth_ordered_limbs)
        if "depth" in wanted:
            if depth_range is None:
                visible = depth[depth > 0]
                depth_range = ((float(visible.min()), float(visible.max())) if visible.size
                               else (0.0, 1.0))
            out["depth"] = depth_map_range(depth, *depth_range)
        if geometry is not None:
            normal = map_funcs.normal_map(geometry) if {"normal", "canny"} & wanted else None
            if "normal" in wanted:
                out["normal"] = normal
            if "seg" in wanted:
                out["seg"] = map_funcs.seg_map(geometry, self.settings.seg_palette,
                                               person_ids=ids)
            if "canny" in wanted:
                out["canny"] = map_funcs.canny_map(normal, self.settings.canny_low,
                                                   self.settings.canny_high, box=geometry.box)
        if _SURFACE_MAPS & wanted:
            from posestudio.render.iuv import champ_map, iuv_map, render_surface

            surface = render_surface(posed, list(rigs) if rigs else ["mannequin"] * len(posed),
                                     camera, canvas, renderer=self.renderer)
            if "champ" in wanted:
                out["champ"] = champ_map(surface)
            if "iuv" in wanted:
                out["iuv"] = iuv_map(surface)
        if "mask" in wanted:
            out["mask"] = mask_map(depth)
        if "mannequin" in wanted:
            out["mannequin"] = map_funcs.render_mannequin(
                posed, camera, canvas, colors=colors,
                transparent=self.settings.background == "transparent", renderer=self.renderer)
        return FrameMaps({name: out[name] for name in self.maps}, people, ids)
