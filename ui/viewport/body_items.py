"""What the viewport draws for each person: the data handed over (:class:`BodyView`) and the
pyqtgraph GL items built from it (lit mesh, bone lines, joint dots).

The mesh item keeps its triangle list on the GPU and rewrites only positions and normals per
re-pose, so an IK drag frame costs a buffer upload, not a mesh rebuild.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph.opengl as gl
from pyqtgraph.opengl.items.GLMeshItem import DirtyFlag
from OpenGL import GL

from .shading import mannequin_shader

if TYPE_CHECKING:
    from .view import Viewport

# GL state for lines and dots drawn over the mesh (bones, joints, gizmo): always visible, blended
OVERLAY_GL = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
              "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}
PALETTE = ((0.85, 0.72, 0.58), (0.55, 0.70, 0.90), (0.65, 0.85, 0.55), (0.90, 0.60, 0.70),
           (0.80, 0.80, 0.45), (0.60, 0.55, 0.85))


def person_color(index: int, color) -> tuple[float, float, float]:
    """The person's own colour, else the palette colour for their index."""
    return tuple(color) if color is not None else PALETTE[index % len(PALETTE)]


@dataclasses.dataclass
class BodyView:
    """What the viewport draws for one person (visible people only)."""

    person: int                  # index in scene.people
    vertices: np.ndarray         # (V, 3)
    faces: np.ndarray            # (F, 3)
    joints: np.ndarray           # (J, 3)
    parents: tuple[int, ...]     # (J,)
    color: tuple[float, float, float]
    shown_joints: np.ndarray     # indices of joints drawn and pickable


class VertexNormals:
    """Smooth vertex normals of a fixed triangle list, for many vertex positions.

    Area-weighted face normals summed onto their corners, as one sparse (V, F) product built
    once per topology: ~0.3 ms for the mannequin, against ~1.5 ms for per-call bincounts and
    ~140 ms for pyqtgraph's own per-vertex Python loop.
    """

    def __init__(self, faces: np.ndarray, n_vertices: int) -> None:
        from scipy.sparse import csr_matrix

        self.faces = np.ascontiguousarray(faces, dtype=np.int64)
        self.n_vertices = int(n_vertices)
        n_faces = len(self.faces)
        ones = np.ones(self.faces.size, dtype=np.float32)
        self._corners = csr_matrix((ones, (self.faces.ravel(), np.repeat(np.arange(n_faces), 3))),
                                   shape=(n_vertices, n_faces))

    def __call__(self, vertices: np.ndarray) -> np.ndarray:
        """(V, 3) positions → (V, 3) float32 unit normals (zero-area corners get length 0)."""
        v = np.asarray(vertices, dtype=np.float32)
        f = self.faces
        a = v[f[:, 0]]
        face_n = np.cross(v[f[:, 1]] - a, v[f[:, 2]] - a)
        normals = self._corners @ face_n
        length = np.sqrt(np.einsum("ij,ij->i", normals, normals))[:, None]
        return (normals / np.maximum(length, 1e-12)).astype(np.float32)


class _BodyMesh(gl.GLMeshItem):
    """One person's mesh: the faces go to the GPU once; each re-pose writes only the vertex
    positions and normals into the item's existing buffers (no MeshData rebuilt per frame)."""

    def __init__(self) -> None:
        super().__init__(smooth=True, shader=mannequin_shader(), glOptions="opaque")
        self._normals: VertexNormals | None = None
        self._pending = DirtyFlag(0)

    def set_body(self, vertices: np.ndarray, faces: np.ndarray, color) -> None:
        """vertices (V, 3) world metres, faces (F, 3) vertex indices, color (r, g, b) 0..1."""
        n = self._normals
        if n is None or n.n_vertices != len(vertices) or n.faces.shape != faces.shape \
                or not np.array_equal(n.faces, faces):          # a new rig: new topology
            self._normals = n = VertexNormals(faces, len(vertices))
            self.faces = n.faces.astype(np.uint32)
            self._pending |= DirtyFlag.FACES
        self.vertexes = np.ascontiguousarray(vertices, dtype=np.float32)
        self.normals = n(self.vertexes)
        self.colors = None
        self._pending |= DirtyFlag.POSITION | DirtyFlag.NORMAL
        self.opts["color"] = (*color, 1.0)
        self.update()

    def parseMeshData(self):  # noqa: N802 (pyqtgraph API)
        pending, self._pending = self._pending, DirtyFlag(0)
        return pending


class PersonItems:
    """The GL items of one person, added to the viewport on creation."""

    def __init__(self, view: "Viewport") -> None:
        self.mesh = _BodyMesh()
        self.bones = gl.GLLinePlotItem(mode="lines", width=2.0, antialias=True,
                                       glOptions=OVERLAY_GL)
        self.dots = gl.GLScatterPlotItem(pxMode=True, glOptions=OVERLAY_GL)
        self.bones.setDepthValue(10)
        self.dots.setDepthValue(11)
        for item in (self.mesh, self.bones, self.dots):
            view.addItem(item)

    def remove(self, view: "Viewport") -> None:
        for item in (self.mesh, self.bones, self.dots):
            view.removeItem(item)
