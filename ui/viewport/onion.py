"""Onion skin: faded ghosts of neighbouring frames (bones and a translucent mesh) in the viewport.

The timeline computes the ghosts' posed joints and vertices; this module only owns the GL items
that draw them, earlier frames tinted blue and later ones tinted green, fading with distance.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph.opengl as gl

from .body_items import OVERLAY_GL

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
    """The ghost items of a viewport; :meth:`show` replaces them all."""

    def __init__(self, view: "Viewport") -> None:
        self.view = view
        self._items: list[gl.GLGraphicsItem.GLGraphicsItem] = []

    def show(self, ghosts: list[Ghost], reach: int) -> None:
        """Draw ``ghosts`` (an empty list removes them); ``reach`` = the largest |offset|."""
        self.clear()
        for g in ghosts:
            tint = BEFORE if g.offset < 0 else AFTER
            alpha = ghost_alpha(g.offset, max(reach, 1))
            pairs = [(j, g.parents[j]) for j in g.shown if g.parents[j] >= 0]
            seg = (np.asarray(g.joints, float)[np.array(pairs).ravel()] if pairs
                   else np.zeros((0, 3)))
            bones = gl.GLLinePlotItem(pos=seg, mode="lines", width=2.0, antialias=True,
                                      color=(*tint, alpha), glOptions=OVERLAY_GL)
            bones.setDepthValue(5)
            self._add(bones)
            if g.vertices is not None and g.faces is not None:
                mesh = gl.GLMeshItem(vertexes=np.asarray(g.vertices, np.float32),
                                     faces=np.asarray(g.faces, np.uint32), smooth=False,
                                     color=(*tint, alpha * 0.35), glOptions="translucent",
                                     drawEdges=False)
                mesh.setDepthValue(4)
                self._add(mesh)
        self.view.update()

    def clear(self) -> None:
        while self._items:
            self.view.removeItem(self._items.pop())

    def count(self) -> int:
        """Number of GL items drawn for ghosts (bones and meshes)."""
        return len(self._items)

    def _add(self, item) -> None:
        self.view.addItem(item)
        self._items.append(item)
