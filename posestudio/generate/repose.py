"""Re-pose a character with an image-editing model: character image + pose reference rendered from
the scene (at the photo's framing) → the same character in the scene's pose.

:func:`repose` is the one path the CLI and the editor share: it checks the model folder
(milliseconds), renders the reference maps at the scene canvas (the photo's camera and size after
a photo import), builds the instruction from the scene when the prompt is empty
(:mod:`posestudio.generate.describe`), runs the editing pipeline with progress and cancel, and
writes ``OUT.png`` (parameters, the request that makes it again and the scene in PNG text) and
the references used as ``OUT.<map>.png``, all together or not at all.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from posestudio.errors import Cancelled, InputError
from posestudio.generate.job_loading import CancelFn, ModelCache, ProgressFn
from posestudio.generate.params import (DEVICES, PRECISIONS, SavedRequest, check_choices,
                                        check_sampling, random_seed)

REFERENCE_MAPS = ("mannequin", "depth", "openpose", "normal", "canny", "seg")
LAYOUTS = ("side", "stack")
REPOSE_FORMAT = "posestudio-repose"
EDIT_CACHE = ModelCache()


def parse_reference(text: str) -> tuple[str, ...]:
    """``"mannequin"``, ``"depth+openpose"`` (or commas) → the map names, in order."""
    names = tuple(dict.fromkeys(n.strip() for n in text.replace(",", "+").split("+") if n.strip()))
    bad = [n for n in names if n not in REFERENCE_MAPS]
    if bad or not names:
        raise InputError(f"--reference {text!r}: choose from {', '.join(REFERENCE_MAPS)}, or "
                         f"several joined by '+' (e.g. depth+openpose)")
    return names


@dataclass
class ReposeRequest(SavedRequest):
    """Everything one re-pose needs besides the scene.

    Attributes
    ----------
    base : image-editing model folder
    image : the character image (the photo the scene was imported from)
    reference : map(s) rendered as the pose reference, joined by "+": mannequin (default),
        depth, openpose, normal, canny, seg
    prompt : the instruction; empty = made from the scene (the stored request keeps the text used)
    layout : composite families (one input image): "side" (character left, reference right)
        or "stack" (character on top)
    steps, guidance : None takes the model's defaults; seed None draws one
    """

    _kind = "re-pose"

    base: str
    image: str
    reference: str = "mannequin"
    prompt: str = ""
    negative_prompt: str = ""
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None
    layout: str = "side"
    device: str = "auto"
    precision: str = "auto"

    def __post_init__(self) -> None:
        for name in ("base", "image"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise InputError(f"{name} must be a path, got {getattr(self, name)!r}")
        self.reference = "+".join(parse_reference(self.reference))
        for name in ("prompt", "negative_prompt"):
            if not isinstance(getattr(self, name), str):
                raise InputError(f"{name.replace('_', ' ')} must be text")
        self.guidance = check_sampling(self.steps, self.guidance, self.seed)
        check_choices(("layout", self.layout, LAYOUTS), ("device", self.device, DEVICES),
                      ("precision", self.precision, PRECISIONS))

    @property
    def maps(self) -> tuple[str, ...]:
        return parse_reference(self.reference)


@dataclass
class ReposeResult:
    """What :func:`repose` made: the image (PIL RGB, the output size), the request that makes it
    again (concrete seed, steps, guidance, prompt), the references fed in, written files."""

    image: Any
    request: ReposeRequest
    family: str
    references: dict[str, np.ndarray] = field(default_factory=dict)
    model_input: list = field(default_factory=list)      # PIL images as given to the pipeline
    image_path: Path | None = None
    reference_paths: dict[str, Path] = field(default_factory=dict)


def output_size(width: int, height: int, multiple: int, min_side: int) -> tuple[int, int]:
    """The canvas rounded down to ``multiple`` (at least ``min_side``)."""
    def one(v: int) -> int:
        return max(min_side, v // multiple * multiple)

    return one(width), one(height)


def combine(maps: list[np.ndarray]) -> np.ndarray:
    """Several reference maps as one image: the brightest of each pixel (a skeleton drawn over a
    mannequin or depth render keeps both readable). (H, W, 3) uint8 in, (H, W, 3) uint8 out."""
    return np.maximum.reduce([np.asarray(m)[:, :, :3] for m in maps])


def compose(character, reference, layout: str):
    """Character and reference in one image: side by side (character left) or stacked
    (character on top); each keeps its own size."""
    from PIL import Image

    w, h = character.size
    canvas = Image.new("RGB", (2 * w, h) if layout == "side" else (w, 2 * h))
    canvas.paste(character, (0, 0))
    canvas.paste(reference, (w, 0) if layout == "side" else (0, h))
    return canvas


def instruction(pose: str, family_layout: str, maps: tuple[str, ...], layout: str) -> str:
    """The edit instruction around a pose description (see ``describe.describe_scene``)."""
    noun = {"mannequin": "mannequin", "depth": "depth map", "openpose": "skeleton"}
    refs = " and ".join(noun.get(m, f"{m} map") for m in maps)
    if family_layout == "multi":
        where = "image 2" if len(maps) == 1 else f"images 2 to {len(maps) + 1}"
        return (f"{pose}, posed exactly like the {refs} in {where}; keep the face, hair, clothes, "
                f"body shape and style of the person in image 1")
    side = ("on the right", "on the left") if layout == "side" else ("at the bottom", "at the top")
    return (f"{pose}, posed exactly like the {refs} {side[0]}; keep the face, hair, clothes, body "
            f"shape and style of the person {side[1]}; the {refs} is only a pose guide")


def _pil(array):
    from PIL import Image

    array = np.asarray(array)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    return Image.fromarray(np.ascontiguousarray(array[:, :, :3]), "RGB")


def load_character(path: str):
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError) as exc:
        raise InputError(f"character image {path}: cannot read it ({exc})") from None


def load_edit_pipeline(request: ReposeRequest, cache: ModelCache | None = None, dtype=None):
    """(pipeline, EditModelInfo, device) for the request, loaded once and cached."""
    from posestudio.generate.edit_families import inspect_edit_model
    from posestudio.generate.job_loading import (cache_key, load_pipeline, resolve_device,
                                                 resolve_job_dtype)

    info = inspect_edit_model(request.base)
    device = resolve_device(request.device)
    dtype = dtype if dtype is not None else resolve_job_dtype(request.precision, device)
    key = cache_key([info.path], device, dtype, info.family)
    pipe = (cache or EDIT_CACHE).get(key, lambda: load_pipeline(
        info.spec.pipeline, info.path, device, dtype, info.variant))
    return pipe, info, device


def edit_inputs(request: ReposeRequest, info, character, references: dict[str, np.ndarray],
                size: tuple[int, int]) -> tuple[dict, list, tuple[int, int]]:
    """The pipeline's keyword arguments (no prompt/steps), the input images, the generated size."""
    spec = info.spec
    width, height = size
    char = character.resize(size)
    refs = [_pil(references[m]).resize(size) for m in request.maps]
    if spec.layout == "multi":
        if len(refs) > spec.max_references:
            raise InputError(f"{spec.label} takes at most {spec.max_references} reference images "
                             f"beside the character, got {len(refs)} ({request.reference})")
        images = [char, *refs]
        return {"image": images, "width": width, "height": height}, images, size
    joined = _pil(combine([np.asarray(r) for r in refs]))
    composite = compose(char, joined, request.layout)
    cw, ch = composite.size
    kwargs = {"image": composite, "width": cw, "height": ch}
    if info.family == "flux-kontext":
        kwargs.update(max_area=cw * ch, _auto_resize=False)
    return kwargs, [composite], (cw, ch)


def run_edit(pipe, info, device: str, request: ReposeRequest, kwargs: dict, *,
             progress: ProgressFn | None = None, cancelled: CancelFn | None = None):
    """Call the editing pipeline once (request fully resolved); returns the PIL output."""
    from posestudio.generate.job_loading import run_pipeline, step_callback

    steps = request.steps
    callback = step_callback(steps, progress, cancelled, lambda d: f"step {d}/{steps}")
    call = dict(kwargs, prompt=request.prompt, num_inference_steps=steps, output_type="pil")
    call[info.spec.guidance_arg] = request.guidance
    if info.spec.guidance_arg == "true_cfg_scale":
        call["negative_prompt"] = request.negative_prompt or " "   # true CFG runs only with one
    if cancelled is not None and cancelled():
        raise Cancelled("re-pose cancelled")
    out = run_pipeline(pipe, device, request.seed, callback_on_step_end=callback, **call)
    return out.images[0]


def repose(scene, request: ReposeRequest, out: str | os.PathLike | None = None, *,
           progress: ProgressFn | None = None, cancelled: CancelFn | None = None,
           cache: ModelCache | None = None) -> ReposeResult:
    """Redraw the character of ``request.image`` in the pose of ``scene``.

    Parameters
    ----------
    scene : Scene whose camera and canvas frame the character photo (as after a photo import)
    request : ReposeRequest
    out : ``.png`` to write (None: nothing is written, the result is returned)
    progress : callable(fraction 0..1, message), after rendering and after every step
    cancelled : callable() -> bool, polled after every step

    Raises
    ------
    InputError, GenerationError, Cancelled
        Nothing is written in any of these cases.
    """
    from posestudio.generate.describe import describe_scene
    from posestudio.generate.edit_families import inspect_edit_model
    from posestudio.generate.outputs import render_control_maps

    if out is not None:
        from posestudio.export.atomic import check_output_file

        out = check_output_file(Path(out), ".png", "output", "the parameters live in PNG text")
    info = inspect_edit_model(request.base)
    character = load_character(request.image)
    spec = info.spec
    size = output_size(scene.canvas.width, scene.canvas.height, spec.size_multiple, spec.min_side)
    references = render_control_maps(scene, list(request.maps))
    if progress is not None:
        progress(0.05, "loading the model")
    request = replace(
        request, seed=request.seed if request.seed is not None else random_seed(),
        steps=request.steps or info.default_steps,
        guidance=request.guidance if request.guidance is not None else info.default_guidance,
        prompt=request.prompt.strip() or instruction(describe_scene(scene), spec.layout,
                                                     request.maps, request.layout))
    kwargs, model_input, generated = edit_inputs(request, info, character, references, size)
    pipe, info, device = load_edit_pipeline(request, cache)

    def scaled(fraction: float, message: str) -> None:
        if progress is not None:
            progress(0.05 + 0.9 * fraction, message)

    image = run_edit(pipe, info, device, request, kwargs, progress=scaled, cancelled=cancelled)
    if image.size != generated:
        image = image.resize(generated)
    if spec.layout == "composite":
        image = image.crop((0, 0, *size))            # the character's half
    result = ReposeResult(image, request, info.family, references, model_input)
    if out is not None:
        write_repose_outputs(result, out, scene)
    if progress is not None:
        progress(1.0, "done")
    return result


def repose_summary(result: ReposeResult) -> str:
    from posestudio.generate.metadata import summary

    r = result.request
    return summary(r.prompt, r.negative_prompt, {
        "Steps": r.steps, "CFG scale": r.guidance, "Seed": r.seed,
        "Size": f"{result.image.size[0]}x{result.image.size[1]}", "Model": Path(r.base).name,
        "Reference": r.reference, "Pipeline": result.family})


def write_repose_outputs(result: ReposeResult, out: Path, scene) -> None:
    """``OUT.png`` with the chunks and ``OUT.<map>.png`` per reference, via temporary siblings
    renamed into place together."""
    from posestudio.generate.metadata import png_chunks
    from posestudio.scene.file_format import scene_to_dict

    maps = {m: out.with_name(f"{out.stem}.{m}.png") for m in result.request.maps}
    generation = {"format": REPOSE_FORMAT, "version": 1, "family": result.family,
                  "request": result.request.to_dict(),
                  "reference_files": [p.name for p in maps.values()]}
    pending: list[tuple[Path, Path]] = []
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        for path, image, info in [(out, result.image, png_chunks(repose_summary(result), generation,
                                                                  scene_to_dict(scene)))] + [
                (p, _pil(result.references[m]), None) for m, p in maps.items()]:
            tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.partial.png")
            pending.append((tmp, path))
            image.save(tmp, format="PNG", **({"pnginfo": info} if info is not None else {}))
        for tmp, path in pending:
            os.replace(tmp, path)
        pending.clear()
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write ({exc.strerror or exc})") from None
    finally:
        for tmp, _ in pending:
            tmp.unlink(missing_ok=True)
    result.image_path, result.reference_paths = out, maps


def read_repose_parameters(path: str | os.PathLike) -> tuple[ReposeRequest, dict | None]:
    """The request and scene JSON a re-posed PNG stores (for "reuse")."""
    from posestudio.generate.job_metadata import read_job_chunks

    generation, scene = read_job_chunks(path, REPOSE_FORMAT)
    try:
        return ReposeRequest.from_dict(generation["request"]), scene
    except (KeyError, TypeError) as exc:
        raise InputError(f"image {path}: its re-pose parameters are damaged ({exc})") from None


__all__ = ["EDIT_CACHE", "LAYOUTS", "REFERENCE_MAPS", "ReposeRequest", "ReposeResult", "compose",
           "combine", "instruction", "parse_reference", "read_repose_parameters", "repose"]
