"""Everything PoseStudio changes inside pyrender, in one class: the main framebuffers.

pyrender always renders into a 4× multisampled framebuffer and resolves it by averaging. That
is right for the shaded mannequin but wrong for data maps: depth would come from one arbitrary
sample and colours that encode ids or normals would be mixed at silhouettes. pyrender has no
public setting for it, so :class:`PyrenderFramebuffers` replaces three private methods of a
``pyrender.Renderer`` *instance* (never the class) and manages the private framebuffer
attributes those methods share. :meth:`PyrenderFramebuffers.problems` compares pyrender's source
with what the class relies on (the tests run it), and every new renderer checks the methods and
attributes it replaces; either raises :class:`~posestudio.errors.RenderError` naming every member
that changed, so a pyrender upgrade fails loudly instead of rendering wrong maps.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np

from posestudio.errors import RenderError

__all__ = ["PyrenderFramebuffers"]


class PyrenderFramebuffers:
    """One (multisample, resolve) framebuffer pair per ``(width, height, samples)`` for a
    ``pyrender.Renderer``, and a read-back of only what the render needs (the box of the drawn
    pixels, depth only when wanted).

    pyrender draws into ``_main_fb_ms`` and blits it into ``_main_fb`` to read it back. We keep a
    pair per size and sample count and point pyrender's attributes at the one the next render
    needs, so alternating the exact data pass (0 samples) and the antialiased mannequin (4)
    reallocates nothing. Pairs of other sizes are freed when the size changes.

    Parameters
    ----------
    offscreen : pyrender.OffscreenRenderer
        Its GL context must be current; its private ``_renderer`` gets the overrides.
    """

    #: The pyrender release these members were read from.
    PYRENDER_VERSION = "0.1.45"
    #: Private ``pyrender.Renderer`` methods replaced on the instance, with their parameters.
    METHODS: dict[str, tuple[str, ...]] = {
        "_configure_main_framebuffer": ("self",),
        "_delete_main_framebuffer": ("self",),
        "_read_main_framebuffer": ("self", "scene", "flags"),
    }
    #: Private ``pyrender.Renderer`` attributes set by :meth:`_configure` and :meth:`_delete`.
    ATTRIBUTES = ("_main_fb", "_main_cb", "_main_db", "_main_fb_ms", "_main_cb_ms",
                  "_main_db_ms", "_main_fb_dims")
    #: How pyrender must call the replaced methods (through ``self``, so the overrides apply).
    CALLS = {"_configure_forward_pass_viewport": "self._configure_main_framebuffer()",
             "render": "self._read_main_framebuffer(scene, flags)",
             "delete": "self._delete_main_framebuffer()"}

    def __init__(self, offscreen: Any) -> None:
        self.renderer = getattr(offscreen, "_renderer", None)   # OffscreenRenderer's Renderer
        if self.renderer is None:
            raise RenderError("pyrender's OffscreenRenderer no longer keeps its Renderer in "
                              "_renderer; this pyrender version is not supported")
        self.check(self.renderer)
        self.samples = 4
        self.want_depth = True
        self.box: tuple[int, int, int, int] | None = None
        self.clear: tuple | None = None
        self.crop = False
        self._scissored = False
        self._clear_pixels: dict[tuple, np.ndarray] = {}    # clear key → stored colour
        self._pairs: dict[tuple[int, int, int], tuple[int, ...]] = {}
        self.renderer._configure_main_framebuffer = self._configure
        self.renderer._delete_main_framebuffer = self._delete
        self.renderer._read_main_framebuffer = self._read

    def use(self, samples: int, depth: bool, box: tuple[int, int, int, int] | None = None,
            clear: tuple | None = None, crop: bool = False) -> None:
        """Settings of the next render: sample count (0 = exact values, 4 = antialiased),
        whether the depth buffer is read back, and the pixel box ``(x0, y0, x1, y1)`` (top-left
        origin, exclusive ends) outside which nothing is drawn: only that box is cleared
        (scissor), drawn, resolved, read back and converted; outside it the colour is the
        clear colour and depth 0.

        ``clear``: what identifies the clear colour as stored (the scene's ``bg_color`` and
        the read-back format). The first render of a clear colour clears everything and reads
        one pixel outside the box for it; later ones clear the box only.

        ``crop``: return only the box's pixels (``(y1 − y0, x1 − x0[, C])``, the box clipped to
        the image) instead of whole frames, for callers that use nothing outside it.
        """
        self.samples = int(samples)
        self.want_depth = bool(depth)
        self.box = box
        self.clear = clear
        self.crop = bool(crop)

    @staticmethod
    def _member_problems(renderer: Any | None) -> list[str]:
        """Cheap checks (no source read): the replaced methods and their parameters, and, given
        a live ``Renderer``, the attributes it holds."""
        from pyrender import renderer as renderer_module

        found = []
        cls = renderer_module.Renderer
        for name, params in PyrenderFramebuffers.METHODS.items():
            method = getattr(cls, name, None)
            if method is None:
                found.append(f"Renderer.{name} is gone")
            elif (now := tuple(inspect.signature(method).parameters)) != params:
                found.append(f"Renderer.{name} now takes {now}, not {params}")
        if renderer is not None:
            found += [f"Renderer has no {a}" for a in PyrenderFramebuffers.ATTRIBUTES
                      if not hasattr(renderer, a)]
        return found

    @staticmethod
    @functools.cache
    def problems() -> tuple[str, ...]:
        """Everything in the installed pyrender that differs from what this class relies on,
        read from pyrender's source (empty when nothing does). Slow (parses pyrender's
        renderer); the tests run it, a render runs only the cheap part."""
        import pyrender
        from pyrender import offscreen, renderer

        found = PyrenderFramebuffers._member_problems(None)
        cls = renderer.Renderer
        source = inspect.getsource(cls)
        init = inspect.getsource(cls.__init__)
        found += [f"Renderer.__init__ no longer sets {a}" for a in PyrenderFramebuffers.ATTRIBUTES
                  if f"self.{a} =" not in init]
        found += [f"Renderer no longer calls {call} ({where})"
                  for where, call in PyrenderFramebuffers.CALLS.items() if call not in source]
        if "self._renderer = Renderer(" not in inspect.getsource(offscreen.OffscreenRenderer):
            found.append("OffscreenRenderer no longer keeps its Renderer in _renderer")
        if found and pyrender.__version__ != PyrenderFramebuffers.PYRENDER_VERSION:
            found.append(f"pyrender is {pyrender.__version__}, these members were read from "
                         f"{PyrenderFramebuffers.PYRENDER_VERSION}")
        return tuple(found)

    @classmethod
    def check(cls, renderer: Any | None = None) -> None:
        """Raise :class:`RenderError` if pyrender changed a member this class relies on: the
        full check without ``renderer``, the cheap one (methods, and the attributes of the
        live ``renderer``) with it."""
        found = cls._member_problems(renderer) if renderer is not None else cls.problems()
        if found:
            import pyrender

            raise RenderError(f"pyrender {pyrender.__version__} is not supported (its private "
                              "framebuffer code changed): " + "; ".join(found))

    # --- the overrides ------------------------------------------------------------------------

    def _configure(self) -> None:
        """Point pyrender at the framebuffer pair of the current size and sample count."""
        from OpenGL import GL

        r = self.renderer
        w, h = r.viewport_width, r.viewport_height
        key = (w, h, self.samples)
        for stale in [k for k in self._pairs if k[:2] != (w, h)]:
            self._free(stale)
        if key not in self._pairs:
            cb = _storage(None, GL.GL_RGBA, w, h)
            db = _storage(None, GL.GL_DEPTH_COMPONENT24, w, h)
            cb_ms = _storage(self.samples, GL.GL_RGBA, w, h)
            db_ms = _storage(self.samples, GL.GL_DEPTH_COMPONENT24, w, h)
            self._pairs[key] = (_framebuffer(cb, db), cb, db, _framebuffer(cb_ms, db_ms), cb_ms,
                                db_ms)
        (r._main_fb, r._main_cb, r._main_db, r._main_fb_ms, r._main_cb_ms,
         r._main_db_ms) = self._pairs[key]
        r._main_fb_dims = (w, h)
        # pyrender clears right after this: only the box, once its clear colour is known (or
        # at once when only the box is read back).
        box = self.box
        self._scissored = (box is not None and (self.crop or self.clear in self._clear_pixels)
                           and _outside_pixel(box, w, h) is not None)
        if self._scissored:
            x0, y0, x1, y1 = box
            GL.glEnable(GL.GL_SCISSOR_TEST)
            GL.glScissor(x0, h - y1, max(0, x1 - x0), max(0, y1 - y0))
        else:
            GL.glDisable(GL.GL_SCISSOR_TEST)

    def _delete(self) -> None:
        r = self.renderer
        for key in list(self._pairs):
            self._free(key)
        r._main_fb = r._main_cb = r._main_db = None
        r._main_fb_ms = r._main_cb_ms = r._main_db_ms = None
        r._main_fb_dims = (None, None)

    def _free(self, key: tuple[int, int, int]) -> None:
        from OpenGL import GL

        fb, cb, db, fb_ms, cb_ms, db_ms = self._pairs.pop(key)
        GL.glDeleteFramebuffers(2, [fb, fb_ms])
        GL.glDeleteRenderbuffers(4, [cb, db, cb_ms, db_ms])

    def _read(self, scene, flags):
        """pyrender's read-back, limited to what the render needs.

        pyrender resolves and reads the whole colour and depth buffers and linearises every
        depth value. Here a single-sampled pass is read straight from the buffer it was drawn
        in (no resolve), only the box of the drawn pixels (:meth:`use`) is resolved, read and
        converted, and depth only when it is wanted. The values are pyrender's, bit for bit:
        the same blits, read formats and depth formula on fewer pixels.
        """
        from OpenGL import GL
        from pyrender import RenderFlags

        r = self.renderer
        w, h = r._main_fb_dims
        x0, y0, x1, y1 = self.box or (0, 0, w, h)
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        bw, bh, gl_y = max(0, x1 - x0), max(0, y1 - y0), h - max(y1, y0)
        depth_only = bool(flags & RenderFlags.DEPTH_ONLY)
        want_depth = self.want_depth or depth_only
        outside = (None if self._scissored or self.crop
                   else _outside_pixel((x0, y0, x1, y1), w, h))
        if self.samples > 0:                           # resolve only what is read
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, r._main_fb_ms)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, r._main_fb)
            regions = [(x0, gl_y, bw, bh)] + ([] if outside is None else
                                               [(outside[0], h - 1 - outside[1], 1, 1)])
            for x, y, rw, rh in regions:
                if not depth_only:
                    GL.glBlitFramebuffer(x, y, x + rw, y + rh, x, y, x + rw, y + rh,
                                         GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)
                if want_depth:
                    GL.glBlitFramebuffer(x, y, x + rw, y + rh, x, y, x + rw, y + rh,
                                         GL.GL_DEPTH_BUFFER_BIT, GL.GL_NEAREST)
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, r._main_fb)
        else:                                          # drawn single-sampled: read it as is
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, r._main_fb_ms)
        depth = None
        if want_depth:
            depth = np.zeros((bh, bw) if self.crop else (h, w), dtype=np.float32)
            if bw and bh:
                raw = GL.glReadPixels(x0, gl_y, bw, bh, GL.GL_DEPTH_COMPONENT, GL.GL_FLOAT)
                box_depth = _linear_depth(
                    np.flip(np.frombuffer(raw, dtype=np.float32).reshape(bh, bw), axis=0),
                    scene.main_camera_node.camera)
                if self.crop:
                    depth = box_depth
                else:
                    depth[y0:y1, x0:x1] = box_depth
            if depth_only:
                GL.glDisable(GL.GL_SCISSOR_TEST)
                return depth
        channels, fmt = (4, GL.GL_RGBA) if flags & RenderFlags.RGBA else (3, GL.GL_RGB)
        if self.crop:
            color = np.empty((bh, bw, channels), dtype=np.uint8)
            if bw and bh:
                color[...] = _read_color(x0, gl_y, bw, bh, fmt, channels)
            GL.glDisable(GL.GL_SCISSOR_TEST)
            return color, depth
        color = np.zeros((h, w, channels), dtype=np.uint8)
        if self._scissored:
            color[...] = self._clear_pixels[self.clear][:channels]
        elif outside is not None:
            pixel = GL.glReadPixels(outside[0], h - 1 - outside[1], 1, 1, fmt,
                                    GL.GL_UNSIGNED_BYTE)
            color[...] = stored = np.frombuffer(pixel, dtype=np.uint8)[:channels]
            if self.clear is not None and not flags & RenderFlags.SEG:
                self._clear_pixels[self.clear] = stored.copy()
        if bw and bh:
            color[y0:y1, x0:x1] = _read_color(x0, gl_y, bw, bh, fmt, channels)
        GL.glDisable(GL.GL_SCISSOR_TEST)
        return color, depth


def _read_color(x: int, gl_y: int, w: int, h: int, fmt, channels: int) -> np.ndarray:
    """(h, w, channels) uint8 view of the read framebuffer's pixels from GL's (x, gl_y) corner
    (bottom-left origin), rows top first."""
    from OpenGL import GL

    raw = GL.glReadPixels(x, gl_y, w, h, fmt, GL.GL_UNSIGNED_BYTE)
    return np.flip(np.frombuffer(raw, dtype=np.uint8).reshape(h, w, channels), axis=0)


def _outside_pixel(box: tuple[int, int, int, int], w: int, h: int) -> tuple[int, int] | None:
    """A pixel (x, y), top-left origin, outside ``box``; None when the box covers the image."""
    x0, y0, x1, y1 = box
    if x0 >= x1 or y0 >= y1:
        return (0, 0)
    if x0 > 0:
        return (0, 0)
    if x1 < w:
        return (w - 1, 0)
    if y0 > 0:
        return (0, 0)
    if y1 < h:
        return (0, h - 1)
    return None


def _linear_depth(window_z: np.ndarray, camera) -> np.ndarray:
    """pyrender's conversion of depth-buffer values to metres along the view axis (0 where
    nothing was drawn), (h, w) float32, the same operations in the same precision."""
    depth = 2.0 * window_z - 1.0
    drawn = window_z != 1.0
    z_near, z_far = camera.znear, camera.zfar
    if z_far is None:
        depth[drawn] = 2 * z_near / (1.0 - depth[drawn])
    else:
        depth[drawn] = ((2.0 * z_near * z_far) /
                        (z_far + z_near - depth[drawn] * (z_far - z_near)))
    depth[~drawn] = 0.0
    return depth


def _storage(samples: int | None, fmt, w: int, h: int) -> int:
    """A new renderbuffer of ``fmt``, ``w``×``h``, multisampled unless ``samples`` is None."""
    from OpenGL import GL

    buffer = GL.glGenRenderbuffers(1)
    GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, buffer)
    if samples is None:
        GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, fmt, w, h)
    else:
        GL.glRenderbufferStorageMultisample(GL.GL_RENDERBUFFER, samples, fmt, w, h)
    return buffer


def _framebuffer(color: int, depth: int) -> int:
    """A new draw framebuffer with ``color`` and ``depth`` renderbuffers attached."""
    from OpenGL import GL

    fb = GL.glGenFramebuffers(1)
    GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, fb)
    GL.glFramebufferRenderbuffer(GL.GL_DRAW_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0,
                                 GL.GL_RENDERBUFFER, color)
    GL.glFramebufferRenderbuffer(GL.GL_DRAW_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT,
                                 GL.GL_RENDERBUFFER, depth)
    return fb
