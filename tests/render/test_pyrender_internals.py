"""The pyrender internals PoseStudio overrides are still where it expects them.

If this fails after a pyrender upgrade, read ``posestudio/render/pyrender_fb.py`` against the new
``pyrender/renderer.py`` before changing anything else: the data maps depend on it.
"""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.errors import RenderError
from posestudio.render.pyrender_fb import PyrenderFramebuffers


def test_pyrender_private_members_are_as_expected():
    assert PyrenderFramebuffers.problems() == ()


def test_a_changed_member_is_reported_by_name(monkeypatch):
    from pyrender import renderer

    def moved(self, scene, flags, extra):  # a future signature
        return None

    PyrenderFramebuffers.problems.cache_clear()
    monkeypatch.setattr(renderer.Renderer, "_read_main_framebuffer", moved)
    try:
        with pytest.raises(RenderError, match="_read_main_framebuffer now takes"):
            PyrenderFramebuffers.check()
        live = renderer.Renderer(8, 8)      # what a new render checks: methods and attributes
        with pytest.raises(RenderError, match="_read_main_framebuffer now takes"):
            PyrenderFramebuffers.check(live)
        del live._main_fb_ms
        with pytest.raises(RenderError, match="no _main_fb_ms"):
            PyrenderFramebuffers.check(live)
    finally:
        monkeypatch.undo()
        PyrenderFramebuffers.problems.cache_clear()
    PyrenderFramebuffers.check()


def test_overrides_are_in_effect(renderer):
    """Exact (0 samples) and antialiased (4) passes alternate on their own framebuffers, and a
    colour-only read returns no depth."""
    import pyrender
    import trimesh

    scene = pyrender.Scene(bg_color=(0, 0, 0, 0))
    scene.add(pyrender.Mesh.from_trimesh(trimesh.creation.icosphere(radius=0.5)))
    cam = np.eye(4)
    cam[2, 3] = 2.0
    scene.add(pyrender.PerspectiveCamera(yfov=0.8), pose=cam)
    _, depth = renderer.render(scene, 40, 30, samples=0)
    exact_fb = renderer._renderer._renderer._main_fb
    color, no_depth = renderer.render(scene, 40, 30, samples=4, depth=False)
    assert no_depth is None and color.shape == (30, 40, 3)
    assert renderer._renderer._renderer._main_fb != exact_fb
    _, again = renderer.render(scene, 40, 30, samples=0)
    assert renderer._renderer._renderer._main_fb == exact_fb     # reused, not reallocated
    np.testing.assert_array_equal(again, depth)
    assert 1.4 < depth[depth > 0].min() < 1.6                    # sphere front at 2 - 0.5 m
