"""Reading back the text chunks of the PNGs the video and re-pose jobs write.

They are written with :func:`posestudio.generate.metadata.png_chunks`, with the same three keys
as generated images: ``parameters`` (the A1111-style summary other tools show),
``posestudio-generation`` (JSON with a ``format`` naming the job,
``"posestudio-video-generation"`` or ``"posestudio-repose"``, and the request that makes the
output again) and ``posestudio-scene`` (the scene). PIL only; no torch.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from posestudio.errors import InputError
from posestudio.generate.metadata import KEY_GENERATION, KEY_SCENE, png_text


def read_job_chunks(path: str | os.PathLike, fmt: str) -> tuple[dict, dict | None]:
    """The ``posestudio-generation`` JSON (checked to be of format ``fmt``) and the scene JSON
    (None if absent) of a PNG a job wrote.

    Raises
    ------
    InputError
        Not a readable PNG, no PoseStudio chunks, another job's output, or damaged JSON.
    """
    path = Path(path)
    text = png_text(path)
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
