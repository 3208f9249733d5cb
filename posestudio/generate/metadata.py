"""Generated PNGs that remember how they were made, and "reuse parameters" from them.

An output PNG carries three text chunks:

``parameters``
    The A1111/Forge style summary (prompt, ``Negative prompt:``, ``Steps: …, Seed: …``) that other
    tools and image viewers show.
``posestudio-generation``
    JSON of the :class:`GenerationRequest` that regenerates exactly this image (its own seed,
    batch count 1), plus the pipeline family and the control map files used.
``posestudio-scene``
    JSON of the scene (``posestudio-scene`` file format) the control maps came from, if known.

PIL only; no torch.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from posestudio.errors import InputError
from posestudio.generate.params import GenerationRequest

KEY_PARAMETERS = "parameters"
KEY_GENERATION = "posestudio-generation"
KEY_SCENE = "posestudio-scene"


def summary(prompt: str, negative_prompt: str, fields: dict) -> str:
    """``prompt``, ``Negative prompt: ...``, then ``Key: value, ...`` as A1111 tools read them."""
    lines = [prompt]
    if negative_prompt:
        lines.append(f"Negative prompt: {negative_prompt}")
    lines.append(", ".join(f"{k}: {v}" for k, v in fields.items()))
    return "\n".join(lines)


def png_chunks(parameters: str, generation: dict, scene: dict | None = None):
    """A ``PngInfo`` with the three UTF-8 ``iTXt`` chunks."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt(KEY_PARAMETERS, parameters)
    info.add_itxt(KEY_GENERATION, json.dumps(generation))
    if scene is not None:
        info.add_itxt(KEY_SCENE, json.dumps(scene))
    return info


def png_text(path: Path) -> dict[str, str]:
    """The text chunks of the PNG at ``path`` (``{key: text}``).

    Raises
    ------
    InputError
        Not a readable image.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return dict(getattr(image, "text", {}) or {})
    except (OSError, UnidentifiedImageError) as exc:
        raise InputError(f"cannot read image {path}: {exc}") from None


def a1111_parameters(request: GenerationRequest, family: str = "") -> str:
    """The one-paragraph summary A1111-compatible tools read from the ``parameters`` chunk."""
    fields = {"Steps": request.steps, "Sampler": request.scheduler, "CFG scale": request.guidance,
              "Seed": request.seed, "Size": f"{request.width}x{request.height}",
              "Model": Path(request.base).name}
    for i, c in enumerate(request.controlnets):
        fields[f"ControlNet {i}"] = (
            f"\"Module: {c.map}, Model: {Path(c.path).name}, Weight: {c.scale:g}, "
            f"Guidance Start: {c.start:g}, Guidance End: {c.end:g}\"")
    if family:
        fields["Pipeline"] = family
    return summary(request.prompt, request.negative_prompt, fields)


def png_info(request: GenerationRequest, family: str, *, scene: dict | None = None,
             control_files: list[str] | None = None):
    """The ``PngInfo`` holding the three chunks (UTF-8 ``iTXt``)."""
    generation = {"format": "posestudio-generation", "version": 1, "family": family,
                  "request": request.to_dict(), "control_files": list(control_files or [])}
    return png_chunks(a1111_parameters(request, family), generation, scene)


def save_result(result, path: str | os.PathLike, *, scene: dict | None = None,
                control_files: list[str] | None = None) -> Path:
    """Write a :class:`~posestudio.generate.engine.GeneratedImage` as PNG with its parameters.

    The file appears whole or not at all (written to a temporary sibling, then renamed).

    Parameters
    ----------
    result : GeneratedImage
    path : path of the ``.png`` to write
    scene : dict, optional
        ``scene_to_dict(scene)`` of the scene the control maps were rendered from.
    control_files : list of str, optional
        Names of the control map files written next to the image, in ControlNet order.
    """
    from posestudio.export.atomic import atomic_output_file

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise InputError(f"output {path}: must be a .png file (the parameters live in PNG text)")
    info = png_info(result.request, result.family, scene=scene, control_files=control_files)
    with atomic_output_file(path) as tmp:
        result.image.save(tmp, format="PNG", pnginfo=info)
    return path


@dataclass(frozen=True)
class SavedOutput:
    """What a PoseStudio PNG remembers: the request that remakes it and the scene it came from."""

    path: Path
    request: GenerationRequest        # regenerates the image (same models, seed, size...)
    family: str                       # pipeline family it was made with ("sd", "sdxl"...)
    control_files: tuple[str, ...]    # control map files written next to it, in ControlNet order
    scene_text: str | None            # the ``posestudio-scene`` chunk as stored, None if absent

    @property
    def has_scene(self) -> bool:
        return self.scene_text is not None

    def scene_dict(self) -> dict:
        """The embedded scene as parsed JSON; InputError if it is absent or not JSON."""
        if self.scene_text is None:
            raise InputError(f"image {self.path} has no embedded scene "
                             f"(no '{KEY_SCENE}' text chunk)")
        try:
            return json.loads(self.scene_text)
        except json.JSONDecodeError as exc:
            raise InputError(f"image {self.path}: its embedded scene is damaged "
                             f"(not JSON: {exc})") from None

    def scene(self):
        """The embedded scene as a validated :class:`~posestudio.scene.model.Scene`.

        Raises
        ------
        InputError
            No scene chunk, or one that is not a valid scene (the message names the image and
            the bad field).
        """
        from posestudio.errors import SceneFormatError
        from posestudio.scene.file_format import scene_from_dict

        try:
            return scene_from_dict(self.scene_dict())
        except SceneFormatError as exc:
            raise InputError(f"image {self.path}: its embedded scene is damaged ({exc})") from None


def read_output(path: str | os.PathLike) -> SavedOutput:
    """"Reuse parameters": what a PoseStudio PNG holds. The scene is parsed only on demand
    (:meth:`SavedOutput.scene`), so a damaged scene chunk does not stop reusing the parameters.

    Raises
    ------
    InputError
        Not a readable PNG, a PNG without PoseStudio parameters, or damaged parameters.
    """
    path = Path(path)
    text = png_text(path)
    raw = text.get(KEY_GENERATION)
    if raw is None:
        raise InputError(f"image {path} has no PoseStudio generation parameters "
                         f"(no '{KEY_GENERATION}' text chunk)")
    try:
        data = json.loads(raw)
        request = GenerationRequest.from_dict(data["request"])
        family = str(data.get("family", ""))
        control_files = tuple(str(name) for name in data.get("control_files", ()))
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"image {path}: its generation parameters are damaged ({exc})") from None
    except InputError as exc:
        raise InputError(f"image {path}: its generation parameters are damaged ({exc})") from None
    return SavedOutput(path, request, family, control_files, text.get(KEY_SCENE))


def read_parameters(path: str | os.PathLike) -> tuple[GenerationRequest, dict | None]:
    """The request and the scene (parsed JSON, not validated) saved in a PoseStudio PNG."""
    saved = read_output(path)
    return saved.request, (saved.scene_dict() if saved.has_scene else None)
