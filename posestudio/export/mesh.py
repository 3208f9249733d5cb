"""Export posed people as a mesh file (OBJ, PLY or glTF binary) through trimesh.

Coordinates are world metres, Y up, as the scene has them (glTF's own convention is also Y up,
metres). OBJ and PLY get one mesh holding every person; GLB gets one node per person, named after
the person, so DCC tools can select them separately.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from posestudio.errors import InputError

MESH_FORMATS: dict[str, str] = {".obj": "obj", ".ply": "ply", ".glb": "glb"}


def mesh_format(path: str | os.PathLike) -> str:
    """File type for ``path`` from its extension (``"obj"``, ``"ply"`` or ``"glb"``).

    Raises
    ------
    InputError
        The extension is not one of ``.obj``, ``.ply``, ``.glb``.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in MESH_FORMATS:
        known = ", ".join(MESH_FORMATS)
        raise InputError(f"--out {path}: unknown mesh format {suffix or '(no extension)'!r}; "
                         f"use one of {known}")
    return MESH_FORMATS[suffix]


def write_mesh(bodies: Sequence, path: str | os.PathLike, *, file_type: str | None = None,
               names: Sequence[str] | None = None) -> tuple[int, int]:
    """Write posed bodies to ``path`` (not atomic by itself: see ``export.atomic``).

    Parameters
    ----------
    bodies : sequence of PosedBody
        Each with ``vertices`` (V, 3) world metres and ``faces`` (F, 3) vertex indices.
    path : path-like
        Destination; its extension picks the format unless ``file_type`` is given.
    file_type : {"obj", "ply", "glb"}, optional
    names : sequence of str, optional
        One per body (GLB node names); defaults to ``person_0``, ``person_1``...

    Returns
    -------
    (vertex_count, face_count) : tuple of int
        Totals over all bodies, as written.
    """
    import trimesh  # heavy: only when a mesh is actually written

    file_type = file_type or mesh_format(path)
    if not bodies:
        raise InputError("nothing to export: the scene has no visible person")
    names = list(names) if names is not None else [f"person_{i}" for i in range(len(bodies))]
    meshes = [
        trimesh.Trimesh(vertices=np.asarray(b.vertices, dtype=np.float64),
                        faces=np.asarray(b.faces, dtype=np.int64), process=False)
        for b in bodies
    ]
    if file_type == "glb":
        scene = trimesh.Scene()
        for name, mesh in zip(names, meshes):
            scene.add_geometry(mesh, node_name=name, geom_name=name)
        data = scene.export(file_type="glb")
    else:
        # One mesh: faces of later people are offset by the vertex count before them.
        merged = trimesh.util.concatenate(meshes) if len(meshes) > 1 else meshes[0]
        data = merged.export(file_type=file_type)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    return sum(len(m.vertices) for m in meshes), sum(len(m.faces) for m in meshes)
