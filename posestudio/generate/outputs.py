"""Scene → control maps → images → files: the one generation path the CLI and the editor share.

:func:`generate_scene` checks the model files (milliseconds), renders the control maps the
ControlNets ask for at the scene canvas size, runs :func:`~posestudio.generate.engine.generate`
and writes ``OUT.png`` (``OUT-1.png``... for a batch) with the parameters and the scene in PNG text
chunks, plus the control maps used as ``OUT.<map>.png`` next to them. All files appear together
at the end or not at all (a cancelled or failed run leaves nothing behind).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posestudio.errors import InputError
from posestudio.generate.params import GenerationRequest


@dataclass
class SceneGeneration:
    """What one :func:`generate_scene` produced."""

    results: list                    # GeneratedImage, one per batch item
    image_paths: list[Path]          # written PNGs, in batch order
    map_paths: dict[str, Path]       # control map name → written PNG
    control: dict[str, Any] = field(default_factory=dict)  # map name → (H, W[, 3]) uint8


def check_models(request: GenerationRequest):
    """Family detection, completeness and pairing of the request's model files (no loading).

    Returns the base's :class:`~posestudio.generate.families.ModelInfo`; raises
    :class:`~posestudio.errors.GenerationError` naming the missing or mismatched file.
    """
    from posestudio.generate.families import check_pairing, inspect_base, inspect_controlnet

    base = inspect_base(request.base)
    check_pairing(base, [inspect_controlnet(c.path) for c in request.controlnets])
    return base


def maps_of(request: GenerationRequest) -> list[str]:
    """The distinct control maps the request's ControlNets take, in first-use order."""
    return list(dict.fromkeys(c.map for c in request.controlnets))


def render_control_maps(scene, maps: list[str]) -> dict:
    """``{map name: (H, W[, 3]) uint8}`` of the scene at its canvas size."""
    from posestudio.render.pipeline import render_scene

    result = render_scene(scene, maps=tuple(maps))
    found = getattr(result, "maps", result)
    return {m: found[m] for m in maps}


def output_names(out: Path, count: int, maps: list[str]) -> tuple[list[Path], dict[str, Path]]:
    """``out.png``, ``out-1.png``... and ``out.<map>.png`` for each control map used."""
    images = [out if i == 0 else out.with_name(f"{out.stem}-{i}{out.suffix}") for i in range(count)]
    controls = {m: out.with_name(f"{out.stem}.{m}.png") for m in maps}
    return images, controls


def write_outputs(results, image_paths: list[Path], control: dict, map_paths: dict[str, Path],
                  scene, request: GenerationRequest) -> None:
    """Write images and control maps to temporary siblings, then rename them all into place."""
    from posestudio.export.atomic import atomic_output_file
    from posestudio.generate.engine import to_control_image
    from posestudio.generate.metadata import png_info
    from posestudio.scene.file_format import scene_to_dict

    scene_dict = scene_to_dict(scene)
    control_files = [map_paths[c.map].name for c in request.controlnets]
    # Each file through the one atomic writer; the stack commits them only once all are written.
    with contextlib.ExitStack() as stack:
        for result, path in zip(results, image_paths):
            tmp = stack.enter_context(atomic_output_file(path))
            result.image.save(tmp, format="PNG", pnginfo=png_info(
                result.request, result.family, scene=scene_dict, control_files=control_files))
        for name, path in map_paths.items():
            tmp = stack.enter_context(atomic_output_file(path))
            to_control_image(control[name], name).save(tmp, format="PNG")


def generate_scene(scene, request: GenerationRequest, out: str | os.PathLike, *,
                   progress: Callable[[int, int], None] | None = None,
                   cancel: Callable[[], bool] | None = None, cache=None,
                   control: dict | None = None) -> SceneGeneration:
    """Generate from ``scene`` and write the outputs next to ``out`` (a ``.png`` path).

    Parameters
    ----------
    scene : Scene
        Its canvas must match ``request.width`` x ``request.height`` (the maps are rendered at it).
    request : GenerationRequest
    out : path of the first image; the batch and the control maps are named after it.
    progress, cancel, cache
        As :func:`posestudio.generate.engine.generate`.
    control : dict, optional
        Control maps already rendered (``{map: uint8 array}``); rendered here when left out.

    Raises
    ------
    InputError, GenerationError, Cancelled
        Nothing is written in any of these cases.
    """
    from posestudio.export.atomic import check_output_file
    from posestudio.generate.engine import generate

    out = check_output_file(Path(out), ".png", "output", "the parameters live in PNG text")
    if (scene.canvas.width, scene.canvas.height) != (request.width, request.height):
        raise InputError(f"scene canvas {scene.canvas.width}x{scene.canvas.height} differs from the "
                         f"requested size {request.width}x{request.height}")
    check_models(request)
    maps = maps_of(request)
    if control is None:
        control = render_control_maps(scene, maps)
    results = generate(request, [control[c.map] for c in request.controlnets], progress=progress,
                       cancel=cancel, cache=cache)
    image_paths, map_paths = output_names(out, len(results), maps)
    write_outputs(results, image_paths, control, map_paths, scene, request)
    return SceneGeneration(results, image_paths, map_paths, control)
