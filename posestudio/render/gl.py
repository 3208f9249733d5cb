"""The one owner of the OpenGL context: a lazily created pyrender offscreen renderer.

Headless machines render through EGL (``PYOPENGL_PLATFORM=egl``, set here when unset, before
pyrender is imported). The renderer is created on the first render, reused for every later
render (of any size: pyrender re-allocates its framebuffer when the size changes) and freed by
:meth:`OffscreenRenderer.delete` or by leaving a ``with`` block. Scenes hold no GL state: each
render receives a fresh ``pyrender.Scene``.

pyrender always renders into a 4× multisampled framebuffer and resolves it by averaging. That
is right for the shaded mannequin but wrong for data maps: depth would come from one arbitrary
sample and colours that encode ids or normals would be mixed at silhouettes. ``samples=0``
renders those single-sampled, so every value belongs to the surface under the pixel centre.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from posestudio.errors import RenderError

__all__ = ["INSTALL_HINT", "OffscreenRenderer", "import_pyrender", "shared_renderer"]

INSTALL_HINT = ("install OpenGL for headless rendering: apt install libegl1 libegl-mesa0 "
                "libgl1-mesa-dri (or run with a display and PYOPENGL_PLATFORM unset)")


def import_pyrender():
    """Import pyrender with EGL as the default platform; RenderError when GL is missing."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    try:
        import pyrender
    except Exception as e:  # ImportError, OSError from ctypes, OpenGL platform errors
        raise RenderError(f"cannot load OpenGL ({e}); {INSTALL_HINT}") from None
    return pyrender


class OffscreenRenderer:
    """Lazily created, reusable pyrender offscreen renderer.

    Use as a context manager or call :meth:`delete` when done. Not thread-safe: one GL context,
    current on the thread that created it.
    """

    def __init__(self) -> None:
        self._renderer: Any = None
        self._samples = 4

    @property
    def alive(self) -> bool:
        return self._renderer is not None

    def _ensure(self, width: int, height: int):
        pyrender = import_pyrender()
        if self._renderer is None:
            try:
                self._renderer = pyrender.OffscreenRenderer(width, height)
            except Exception as e:
                raise RenderError(f"cannot create an OpenGL context ({type(e).__name__}: "
                                  f"{e}); {INSTALL_HINT}") from None
            self._patch_framebuffer(self._renderer._renderer)
        elif (self._renderer.viewport_width, self._renderer.viewport_height) != (width, height):
            self._renderer.viewport_width = width
            self._renderer.viewport_height = height
        return pyrender

    def _patch_framebuffer(self, renderer) -> None:
        """Make pyrender's framebuffer use ``self._samples`` samples (pyrender fixes 4)."""
        from OpenGL import GL

        owner = self
        original_delete = renderer._delete_main_framebuffer

        def configure() -> None:
            size = (renderer.viewport_width, renderer.viewport_height)
            if renderer._main_fb is not None and (
                    renderer._main_fb_dims != size or owner._fb_samples != owner._samples):
                original_delete()
            if renderer._main_fb is not None:
                return
            w, h = size
            renderer._main_cb, renderer._main_db = GL.glGenRenderbuffers(2)
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, renderer._main_cb)
            GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_RGBA, w, h)
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, renderer._main_db)
            GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_DEPTH_COMPONENT24, w, h)
            renderer._main_fb = GL.glGenFramebuffers(1)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, renderer._main_fb)
            GL.glFramebufferRenderbuffer(GL.GL_DRAW_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0,
                                         GL.GL_RENDERBUFFER, renderer._main_cb)
            GL.glFramebufferRenderbuffer(GL.GL_DRAW_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT,
                                         GL.GL_RENDERBUFFER, renderer._main_db)
            renderer._main_cb_ms, renderer._main_db_ms = GL.glGenRenderbuffers(2)
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, renderer._main_cb_ms)
            GL.glRenderbufferStorageMultisample(GL.GL_RENDERBUFFER, owner._samples, GL.GL_RGBA,
                                                w, h)
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, renderer._main_db_ms)
            GL.glRenderbufferStorageMultisample(GL.GL_RENDERBUFFER, owner._samples,
                                                GL.GL_DEPTH_COMPONENT24, w, h)
            renderer._main_fb_ms = GL.glGenFramebuffers(1)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, renderer._main_fb_ms)
            GL.glFramebufferRenderbuffer(GL.GL_DRAW_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0,
                                         GL.GL_RENDERBUFFER, renderer._main_cb_ms)
            GL.glFramebufferRenderbuffer(GL.GL_DRAW_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT,
                                         GL.GL_RENDERBUFFER, renderer._main_db_ms)
            renderer._main_fb_dims = size
            owner._fb_samples = owner._samples

        self._fb_samples = None
        renderer._configure_main_framebuffer = configure

    def render(self, scene, width: int, height: int, flags: int = 0, *, samples: int = 4,
               seg_node_map: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Render a pyrender scene offscreen.

        Parameters
        ----------
        scene : pyrender.Scene
            Must contain the camera to render from.
        width, height : int
            Image size in pixels.
        flags : int
            ``pyrender.RenderFlags``; ``OFFSCREEN`` is implied.
        samples : int
            Multisampling: 4 (antialiased, for shaded images) or 0 (exact per-pixel values).

        Returns
        -------
        color : (H, W, 3) or (H, W, 4) uint8
        depth : (H, W) float32, metres along the view axis, 0 where nothing was drawn.
        """
        pyrender = self._ensure(width, height)
        self._samples = int(samples)
        try:
            color, depth = self._renderer.render(scene, flags=flags | pyrender.RenderFlags.OFFSCREEN,
                                                 seg_node_map=seg_node_map)
        except RenderError:
            raise
        except Exception as e:
            raise RenderError(f"OpenGL rendering failed ({type(e).__name__}: {e}); "
                              f"{INSTALL_HINT}") from None
        return color, depth

    def delete(self) -> None:
        """Free the GL context and its buffers (a later render creates a new one)."""
        if self._renderer is not None:
            try:
                self._renderer.delete()
            finally:
                self._renderer = None

    def __enter__(self) -> "OffscreenRenderer":
        return self

    def __exit__(self, *exc) -> None:
        self.delete()


_SHARED: OffscreenRenderer | None = None


def shared_renderer() -> OffscreenRenderer:
    """The process-wide renderer that map functions use when none is passed."""
    global _SHARED
    if _SHARED is None:
        _SHARED = OffscreenRenderer()
    return _SHARED
