"""Onion skin: faded ghosts of neighbouring frames (bones and a translucent mesh) in the viewport.

The timeline computes the ghosts' posed joints and vertices; this module only owns the GL items
that draw them, earlier frames tinted blue and later ones tinted green, fading with distance.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph.opengl as gl

from .body_items import OVERLAY_GL, _BodyMesh

if TYPE_CHECKING:
    from .view import Viewport

BEFORE = (0.35, 0.6, 1.0)
AFTER = (0.4, 1.0, 0.5)


@dataclasses.dataclass
class Ghost:
    """One person at one neighbouring frame.

    Attributes
    ----------
    offset : int
        Frames from the current one (negative = earlier).
    joints : (J, 3) float, world metres
    parents : tuple of int, (J,)
    shown : (K,) int
        Joints whose bones to their parent are drawn.
    vertices : (V, 3) float or None
        World metres; None draws bones only.
    faces : (F, 3) int or None
    """

    offset: int
    joints: np.ndarray
    parents: tuple[int, ...]
    shown: np.ndarray
    vertices: np.ndarray | None = None
    faces: np.ndarray | None = None


def ghost_alpha(offset: int, reach: int) -> float:
    """Opacity of a ghost ``offset`` frames away when ghosts reach ``reach`` frames: 0.55 next to
    the current frame, fading linearly to 0.15 at the farthest."""
    if reach <= 1:
        return 0.55
    return 0.55 - 0.4 * (abs(offset) - 1) / (reach - 1)


class OnionSkin:
    """The ghost items of a viewport; :meth:`show` replaces what they show.

    Items are kept and reused from call to call (a scrub rewrites their vertex buffers, as the
    people's own meshes do), and hidden when fewer ghosts are wanted.
    """

    def __init__(self, view: "Viewport") -> None:
        self.view = view
        self._bones: list[gl.GLLinePlotItem] = []
        self._meshes: list[_BodyMesh] = []

    def show(self, ghosts: list[Ghost], reach: int) -> None:
        """Draw ``ghosts`` (an empty list removes them); ``reach`` = the largest |offset|."""
        while len(self._bones) < len(ghosts):
            bones = gl.GLLinePlotItem(mode="lines", width=2.0, antialias=True,
                                      glOptions=OVERLAY_GL)
            bones.setDepthValue(5)
            mesh = _BodyMesh()
            mesh.setGLOptions("translucent")
            mesh.setDepthValue(4)
            for item in (bones, mesh):
                self.view.addItem(item)
            self._bones.append(bones)
            self._meshes.append(mesh)
        for k, (bones, mesh) in enumerate(zip(self._bones, self._meshes)):
            g = ghosts[k] if k < len(ghosts) else None
            bones.setVisible(g is not None)
            mesh.setVisible(g is not None and g.vertices is not None and g.faces is not None)
            if g is None:
                continue
            tint = BEFORE if g.offset < 0 else AFTER
            alpha = ghost_alpha(g.offset, max(reach, 1))
            pairs = [(j, g.parents[j]) for j in g.shown if g.parents[j] >= 0]
            seg = (np.asarray(g.joints, float)[np.array(pairs).ravel()] if pairs
                   else np.zeros((0, 3)))
            bones.setData(pos=seg, color=(*tint, alpha))
            if mesh.visible():
                mesh.set_body(g.vertices, g.faces, tint)
                mesh.opts["color"] = (*tint, alpha * 0.5)
        self.view.update()

    def clear(self) -> None:
        """Hide every ghost (the items stay for the next :meth:`show`)."""
        self.show([], 1)

    def count(self) -> int:
        """Number of GL items showing ghosts now (bones and meshes)."""
        return sum(item.visible() for item in self._bones + self._meshes)
