"""Render a scene's control maps and write them as the CLI contract files.

>>> result = render_scene(scene, maps=("openpose", "depth"))
>>> result.maps["openpose"].shape, result.people[0].body.shape
>>> write_maps(result, "out/")       # openpose.png, openpose.json, depth.png, ... camera.json

One GL pass gives depth, normal, seg and canny (and the occlusion test of the keypoints); the
mannequin is a second pass; OpenPose needs no GL. ``docs/cli.md`` states the files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from posestudio.errors import InputError
from posestudio.keypoints import OpenPosePerson, people_keypoints_2d
from posestudio.render import maps as map_funcs
from posestudio.render.openpose_draw import draw_openpose
from posestudio.render.openpose_json import to_openpose_json

if TYPE_CHECKING:  # pragma: no cover
    from posestudio.body import PosedBody
    from posestudio.export.png import PngWriter
    from posestudio.render.gl import OffscreenRenderer
    from posestudio.scene.model import Camera, Canvas, RenderSettings, Scene

__all__ = ["MAP_NAMES", "RenderResult", "render_bodies", "render_scene", "write_maps"]

MAP_NAMES: tuple[str, ...] = ("openpose", "mannequin", "depth", "normal", "canny", "seg")
_GEOMETRY_MAPS = {"depth", "normal", "canny", "seg"}


@dataclass
class RenderResult:
    """Everything one render produced.

    Attributes
    ----------
    maps : dict
        By name: ``openpose`` (H, W, 3) uint8, ``mannequin`` (H, W, 3|4) uint8, ``depth``
        (H, W) uint8, ``depth_metric`` (H, W) float32 metres, ``normal`` (H, W, 3) uint8,
        ``canny`` (H, W) uint8, ``seg`` (H, W, 3) uint8 — only those asked for (depth brings
        depth_metric).
    people : list of OpenPosePerson
        Keypoints of the visible people, pixels (empty unless openpose was asked for).
    K : (3, 3) float64
        OpenCV intrinsics (pixels, (0, 0) = top-left corner).
    world_to_camera : (4, 4) float64
        World → OpenGL camera (looks down −Z, Y up).
    canvas : Canvas
    """

    maps: dict[str, np.ndarray]
    people: list[OpenPosePerson]
    K: np.ndarray
    world_to_camera: np.ndarray
    canvas: "Canvas"

    def camera_json(self) -> dict:
        """camera.json content (see ``docs/cli.md``)."""
        return {"width": self.canvas.width, "height": self.canvas.height,
                "K": self.K.tolist(), "world_to_camera": self.world_to_camera.tolist()}


def _check_maps(maps: Iterable[str] | None) -> tuple[str, ...]:
    if maps is None:
        return MAP_NAMES
    if isinstance(maps, str):
        maps = [m for m in maps.split(",") if m]
    maps = tuple(dict.fromkeys(maps))
    unknown = [m for m in maps if m not in MAP_NAMES]
    if unknown:
        raise InputError(f"unknown map {unknown[0]!r}: choose from {', '.join(MAP_NAMES)}")
    return maps


def render_bodies(posed: Sequence["PosedBody"], camera: "Camera", canvas: "Canvas",
                  settings: "RenderSettings", *, maps: Iterable[str] | None = None,
                  colors: Sequence | None = None,
                  renderer: "OffscreenRenderer | None" = None) -> RenderResult:
    """Render maps of already posed bodies (the UI calls this with its own posed cache).

    Parameters
    ----------
    posed : sequence of PosedBody
        World metres.
    camera, canvas, settings : scene Camera, Canvas and RenderSettings
    maps : names from ``MAP_NAMES`` (default all)
    colors : per-person RGB 0..1 or None, for the mannequin
    """
    maps = _check_maps(maps)
    K, w2c = map_funcs.view_matrices(camera, canvas)
    out: dict[str, np.ndarray] = {}
    need_geometry = bool(_GEOMETRY_MAPS & set(maps)) or (
        "openpose" in maps and settings.hide_occluded)
    geometry = (map_funcs.render_geometry(posed, camera, canvas, renderer=renderer)
                if need_geometry else None)
    people: list[OpenPosePerson] = []
    if "openpose" in maps:
        people = people_keypoints_2d(
            posed, camera, canvas, layout=settings.openpose_layout,
            hands=settings.openpose_hands, face=settings.openpose_face,
            hide_occluded=settings.hide_occluded,
            depth=geometry.depth if geometry is not None else None)
        out["openpose"] = draw_openpose(people, canvas.width, canvas.height,
                                        depth_ordered_limbs=settings.depth_ordered_limbs)
    if "mannequin" in maps:
        out["mannequin"] = map_funcs.render_mannequin(
            posed, camera, canvas, colors=colors,
            transparent=settings.background == "transparent", renderer=renderer)
    if geometry is not None:
        normal = None
        if "depth" in maps:
            out["depth"] = map_funcs.depth_map(geometry)
            out["depth_metric"] = geometry.depth
        if "normal" in maps or "canny" in maps:
            normal = map_funcs.normal_map(geometry)
        if "normal" in maps:
            out["normal"] = normal
        if "canny" in maps:
            out["canny"] = map_funcs.canny_map(normal, settings.canny_low, settings.canny_high,
                                                box=geometry.box)
        if "seg" in maps:
            out["seg"] = map_funcs.seg_map(geometry, settings.seg_palette)
    ordered = {name: out[name] for name in MAP_NAMES + ("depth_metric",) if name in out}
    return RenderResult(ordered, people, K, w2c, canvas)


def render_scene(scene: "Scene", maps: Iterable[str] | None = None,
                 size: tuple[int, int] | None = None, camera: "Camera | None" = None, *,
                 renderer: "OffscreenRenderer | None" = None) -> RenderResult:
    """Render the control maps of a scene.

    Parameters
    ----------
    scene : Scene
        Its visible people are posed with their rigs; its render settings apply.
    maps : iterable of str or comma-separated str, optional
        Any of ``MAP_NAMES``; default all.
    size : (width, height), optional
        Overrides the scene canvas.
    camera : Camera, optional
        Overrides the scene camera (turntables, saved views).

    Returns
    -------
    RenderResult
    """
    from posestudio.body import pose_people
    from posestudio.scene.model import Canvas

    canvas = scene.canvas if size is None else Canvas(int(size[0]), int(size[1]))
    camera = camera or scene.camera
    posed = pose_people(scene)
    colors = [p.color for p in scene.people if p.visible]
    return render_bodies(posed, camera, canvas, scene.render, maps=maps, colors=colors,
                         renderer=renderer)


def _save_png(path: Path, image: np.ndarray) -> None:
    from posestudio.export.png import save_png

    save_png(path, image)


def write_map_files(result: RenderResult, folder: Path, prefix: str = "", *,
                    png: "PngWriter | None" = None) -> list[str]:
    """Write a render's CLI contract files (``docs/cli.md``) into ``folder``, which the caller has
    made and will commit (a staging folder of :func:`~posestudio.export.atomic.atomic_output_dir`).
    ``prefix`` goes before every file name (``shot01_`` → ``shot01_openpose.png``).

    ``png``: a :class:`~posestudio.export.png.PngWriter` that encodes the PNGs on its threads
    while the caller renders on (batch renders); the caller waits for it before committing.
    Without one, PNGs are written here (``"fast"`` compression).

    Returns
    -------
    list of str: the file names written, in writing order.
    """
    names = []
    for name, image in result.maps.items():
        if name == "depth_metric":
            np.save(folder / f"{prefix}depth_metric.npy", image.astype(np.float32))
            names.append(f"{prefix}depth_metric.npy")
            continue
        if png is not None:
            png.save(folder / f"{prefix}{name}.png", image)
        else:
            _save_png(folder / f"{prefix}{name}.png", image)
        names.append(f"{prefix}{name}.png")
    if "openpose" in result.maps:
        data = to_openpose_json(result.people, result.canvas)
        (folder / f"{prefix}openpose.json").write_text(json.dumps(data), encoding="utf-8")
        names.append(f"{prefix}openpose.json")
    (folder / f"{prefix}camera.json").write_text(json.dumps(result.camera_json(), indent=1),
                                                 encoding="utf-8")
    names.append(f"{prefix}camera.json")
    return names


def write_maps(result: RenderResult, out_dir: str | os.PathLike, *, prefix: str = "",
               what: str = "output folder") -> list[Path]:
    """Write a render as the CLI contract files (``docs/cli.md``), all or nothing.

    Files (for the maps present): ``openpose.png`` + ``openpose.json``, ``mannequin.png``,
    ``depth.png`` + ``depth_metric.npy``, ``normal.png``, ``canny.png``, ``seg.png``, and always
    ``camera.json``. They are built in a staging folder beside ``out_dir`` and committed as one
    set (:func:`~posestudio.export.atomic.atomic_output_dir`): an interrupted write leaves the
    previous files whole, and files of ``out_dir`` that this write does not produce are kept.
    ``prefix`` goes before every file name; ``what`` names the folder in error messages.

    Returns
    -------
    list of Path: the files written.
    """
    from posestudio.export.atomic import atomic_output_dir

    with atomic_output_dir(out_dir, what) as staging:
        names = write_map_files(result, staging, prefix)
    return [Path(out_dir) / n for n in names]

