"""Export a scene's control maps into a folder: the one export path of the editor and the CLI.

Names follow what ComfyUI / A1111 ControlNet users expect: one PNG per map named after the map
(``openpose.png``, ``depth.png`` …), optionally after a prefix (``shot01_openpose.png``) so that
several shots can share a folder; OpenPose also writes the keypoints as ``openpose.json``
(OpenPose format + ``canvas_width``/``canvas_height``), depth its metric ``depth_metric.npy``,
and every export writes ``camera.json``. The files are written by
:func:`posestudio.render.pipeline.write_maps`: all of them appear together or none does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from posestudio.errors import InputError
from posestudio.render.pipeline import MAP_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from posestudio.scene.model import Scene

EXPORT_MAPS: tuple[str, ...] = MAP_NAMES


def check_export(maps: Iterable[str], prefix: str = "") -> tuple[list[str], str]:
    """The known maps among ``maps`` and the file-name stem for ``prefix``.

    Returns
    -------
    (maps, stem): the maps in the order given, unknown names dropped; ``stem`` is ``prefix``
    with ``_`` appended unless it already ends in ``_``, ``-`` or ``.`` ("" for no prefix).

    Raises
    ------
    InputError
        No known map, or a prefix that is not a plain file-name part.
    """
    maps = [m for m in maps if m in EXPORT_MAPS]
    if not maps:
        raise InputError("export needs at least one map")
    if prefix and not re.fullmatch(r"[\w.\- ]+", prefix):
        raise InputError(f"file name prefix may hold letters, digits, '.', '-', '_' and spaces, "
                         f"got {prefix!r}")
    stem = f"{prefix}_" if prefix and not prefix.endswith(("_", "-", ".")) else prefix
    return maps, stem


def export_maps(scene: "Scene", folder: str | os.PathLike, maps: Iterable[str],
                prefix: str = "") -> list[Path]:
    """Render ``maps`` of ``scene`` through its camera at canvas size and write them into
    ``folder`` (see the module docstring for the file names).

    Returns
    -------
    list of Path: the files written.

    Raises
    ------
    InputError
        A bad prefix, no maps or an unwritable folder; nothing is written then.
    """
    from posestudio.export.atomic import check_writable_dir
    from posestudio.render.pipeline import render_scene, write_maps

    maps, stem = check_export(maps, prefix)
    check_writable_dir(folder, "export folder")      # before the render, not after it
    return write_maps(render_scene(scene, maps=maps), folder, prefix=stem, what="export folder")
