"""Text chunks of the PNGs the video and re-pose jobs write, and reading them back.

The same three keys as generated images (:mod:`posestudio.generate.metadata`): ``parameters``
(the A1111-style summary other tools show), ``posestudio-generation`` (JSON with a ``format``
naming the job, ``"posestudio-video-generation"`` or ``"posestudio-repose"``, and the request that
makes the output again) and ``posestudio-scene`` (the scene). PIL only; no torch.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from posestudio.errors import InputError
from posestudio.generate.metadata import KEY_GENERATION, KEY_PARAMETERS, KEY_SCENE


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


def read_job_chunks(path: str | os.PathLike, fmt: str) -> tuple[dict, dict | None]:
    """The ``posestudio-generation`` JSON (checked to be of format ``fmt``) and the scene JSON
    (None if absent) of a PNG a job wrote.

    Raises
    ------
    InputError
        Not a readable PNG, no PoseStudio chunks, another job's output, or damaged JSON.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as image:
            text = dict(getattr(image, "text", {}) or {})
    except (OSError, UnidentifiedImageError) as exc:
        raise InputError(f"cannot read image {path}: {exc}") from None
    if KEY_GENERATION not in text:
        raise InputError(f"image {path} has no PoseStudio parameters (no '{KEY_GENERATION}' "
                         f"text chunk)")
    try:
        generation = json.loads(text[KEY_GENERATION])
        scene = json.loads(text[KEY_SCENE]) if KEY_SCENE in text else None
    except json.JSONDecodeError as exc:
        raise InputError(f"image {path}: its parameters are damaged (not JSON: {exc})") from None
    if not isinstance(generation, dict) or generation.get("format") != fmt:
        found = generation.get("format") if isinstance(generation, dict) else None
        raise InputError(f"image {path} was made by {found or 'another tool'}, not by "
                         f"{fmt.removeprefix('posestudio-')}")
    return generation, scene
