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


def _figure_scene(mannequin, rng, canvas, bg):
    """A randomly posed, framed mannequin as a pyrender scene in its camera frame, with the
    pixel box of its vertices."""
    import pyrender
    from render_helpers import random_camera, random_pose

    from posestudio.render import maps as map_funcs
    from posestudio.scene.model import Person

    posed = mannequin.pose_person(Person(pose=random_pose(rng)))
    camera = random_camera(rng, posed.vertices, canvas)
    K, w2c = map_funcs.view_matrices(camera, canvas)
    points = map_funcs._to_camera(posed.vertices, w2c)
    scene = pyrender.Scene(bg_color=bg)
    scene.add(pyrender.Mesh([pyrender.Primitive(
        positions=points.astype(np.float32), indices=np.asarray(posed.faces, np.uint32),
        color_0=np.column_stack([(points - points.min(0)) / np.ptp(points, 0),
                                 np.ones(len(points))]).astype(np.float32))]))
    scene.add(map_funcs._pyrender_camera(pyrender, K, camera), pose=np.eye(4))
    return scene, map_funcs.pixel_box([points], K, canvas, camera.znear)


@pytest.mark.parametrize("samples", [0, 4])
def test_reading_back_only_the_pixel_box_gives_the_full_read_bit_for_bit(renderer, mannequin,
                                                                         samples):
    """Colour and metric depth read inside the box (cleared by scissor from the second render
    of a clear colour on) equal pyrender's whole-frame read, for opaque and transparent
    backgrounds, RGB and RGBA; a cropped read (the box only, cleared by scissor at once) equals
    the box of the whole-frame read."""
    import pyrender

    from posestudio.render import maps as map_funcs
    from posestudio.scene.model import Canvas

    rng = np.random.default_rng(samples)
    canvas = Canvas(96, 128)
    flags = pyrender.RenderFlags.FLAT
    partial = 0
    for bg, rgba in (((0.9, 0.9, 0.89, 1.0), False), ((0.0, 0.0, 0.0, 0.0), True),
                     ((0.3, 0.6, 0.1, 1.0), True)):
        for _ in range(3):
            scene, box = _figure_scene(mannequin, rng, canvas, bg)
            f = flags | (pyrender.RenderFlags.RGBA if rgba else 0)
            full = renderer.render(scene, canvas.width, canvas.height, f, samples=samples)
            boxed = renderer.render(scene, canvas.width, canvas.height, f, samples=samples,
                                    box=box)
            partial += box is not None and (box[2] - box[0]) * (box[3] - box[1]) < 96 * 128
            np.testing.assert_array_equal(boxed[0], full[0])
            np.testing.assert_array_equal(boxed[1], full[1])
            cropped = renderer.render(scene, canvas.width, canvas.height, f, samples=samples,
                                      box=box, crop=True)
            rows, cols = map_funcs._box_slices(box)
            np.testing.assert_array_equal(cropped[0], full[0][rows, cols])
            np.testing.assert_array_equal(cropped[1], full[1][rows, cols])
            assert (full[1] > 0).sum() > 100
    assert partial >= 4


def test_pixel_box_bounds_the_drawn_pixels_and_gives_up_behind_the_camera(renderer, mannequin):
    from posestudio.render import maps as map_funcs
    from posestudio.scene.model import Canvas

    rng = np.random.default_rng(7)
    canvas = Canvas(80, 64)
    for _ in range(4):
        scene, box = _figure_scene(mannequin, rng, canvas, (0.0, 0.0, 0.0, 0.0))
        _, depth = renderer.render(scene, canvas.width, canvas.height, samples=0)
        rows, cols = map_funcs._box_slices(box)
        inside = np.zeros(depth.shape, bool)
        inside[rows, cols] = True
        assert (depth[~inside] == 0).all() and (depth[inside] > 0).any()
    K = np.array([[50.0, 0, 40], [0, 50, 32], [0, 0, 1]])
    behind = np.array([[0.0, 0.0, -1.0], [0.0, 0.0, 0.5]])
    assert map_funcs.pixel_box([behind], K, canvas, 0.05) is None
    assert map_funcs.pixel_box([np.array([[0.0, 0.0, -1.0]])], K, canvas, 0.05) == (
        36, 28, 45, 37)


def test_canny_inside_the_box_equals_canny_of_the_whole_map(renderer, mannequin):
    from posestudio.render import maps as map_funcs
    from posestudio.scene.model import Camera, Canvas, Person

    posed = mannequin.pose_person(Person())
    for canvas, camera in ((Canvas(160, 120), Camera()),
                           (Canvas(64, 64), Camera(distance=1.2))):   # box reaches the edges
        geometry = map_funcs.render_geometry([posed], camera, canvas, renderer=renderer)
        normal = map_funcs.normal_map(geometry)
        whole = map_funcs.canny_map(normal)
        np.testing.assert_array_equal(map_funcs.canny_map(normal, box=geometry.box), whole)
        assert whole.any()
