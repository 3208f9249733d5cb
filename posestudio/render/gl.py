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
    current on the thread that created it. Keep one per process (:func:`shared_renderer`):
    pyrender's EGL platform terminates the process-wide EGL display when any of its renderers
    is deleted, which kills every other live context; a render that finds its context lost
    that way starts a fresh one (once) instead of failing.
    """

    def __init__(self) -> None:
        self._renderer: Any = None
        self._samples = 4
        self._want_depth = True

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
        """Give pyrender one framebuffer set per sample count (pyrender fixes 4 samples).

        pyrender draws into ``_main_fb_ms`` and blits it into ``_main_fb`` to read it back. We
        keep a (multisample, resolve) pair per ``(width, height, samples)`` and point pyrender's
        attributes at the one the next render needs, so alternating the exact data pass
        (0 samples) and the antialiased mannequin (4) reallocates nothing. Pairs of other sizes
        are freed when the size changes.
        """
        from OpenGL import GL
        from pyrender import RenderFlags

        owner = self
        pairs: dict[tuple[int, int, int], tuple[int, ...]] = {}

        def storage(samples: int, fmt, w: int, h: int) -> int:
            buffer = GL.glGenRenderbuffers(1)
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, buffer)
            if samples is None:
                GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, fmt, w, h)
            else:
                GL.glRenderbufferStorageMultisample(GL.GL_RENDERBUFFER, samples, fmt, w, h)
            return buffer

        def framebuffer(color: int, depth: int) -> int:
            fb = GL.glGenFramebuffers(1)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, fb)
            GL.glFramebufferRenderbuffer(GL.GL_DRAW_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0,
                                         GL.GL_RENDERBUFFER, color)
            GL.glFramebufferRenderbuffer(GL.GL_DRAW_FRAMEBUFFER, GL.GL_DEPTH_ATTACHMENT,
                                         GL.GL_RENDERBUFFER, depth)
            return fb

        def free(key) -> None:
            fb, cb, db, fb_ms, cb_ms, db_ms = pairs.pop(key)
            GL.glDeleteFramebuffers(2, [fb, fb_ms])
            GL.glDeleteRenderbuffers(4, [cb, db, cb_ms, db_ms])

        def configure() -> None:
            w, h = renderer.viewport_width, renderer.viewport_height
            key = (w, h, owner._samples)
            for stale in [k for k in pairs if k[:2] != (w, h)]:
                free(stale)
            if key not in pairs:
                cb, db = storage(None, GL.GL_RGBA, w, h), storage(None, GL.GL_DEPTH_COMPONENT24, w, h)
                cb_ms = storage(owner._samples, GL.GL_RGBA, w, h)
                db_ms = storage(owner._samples, GL.GL_DEPTH_COMPONENT24, w, h)
                pairs[key] = (framebuffer(cb, db), cb, db, framebuffer(cb_ms, db_ms), cb_ms, db_ms)
            (renderer._main_fb, renderer._main_cb, renderer._main_db, renderer._main_fb_ms,
             renderer._main_cb_ms, renderer._main_db_ms) = pairs[key]
            renderer._main_fb_dims = (w, h)

        def delete() -> None:
            for key in list(pairs):
                free(key)
            renderer._main_fb = renderer._main_cb = renderer._main_db = None
            renderer._main_fb_ms = renderer._main_cb_ms = renderer._main_db_ms = None
            renderer._main_fb_dims = (None, None)

        original_read = renderer._read_main_framebuffer

        def read(scene, flags):
            if owner._want_depth or flags & RenderFlags.DEPTH_ONLY:
                return original_read(scene, flags)
            # Colour only: pyrender would also read and linearise the whole depth buffer.
            w, h = renderer._main_fb_dims
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, renderer._main_fb_ms)
            GL.glBindFramebuffer(GL.GL_DRAW_FRAMEBUFFER, renderer._main_fb)
            GL.glBlitFramebuffer(0, 0, w, h, 0, 0, w, h, GL.GL_COLOR_BUFFER_BIT, GL.GL_LINEAR)
            GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, renderer._main_fb)
            channels, fmt = (4, GL.GL_RGBA) if flags & RenderFlags.RGBA else (3, GL.GL_RGB)
            buffer = GL.glReadPixels(0, 0, w, h, fmt, GL.GL_UNSIGNED_BYTE)
            color = np.frombuffer(buffer, dtype=np.uint8).reshape(h, w, channels)
            return np.flip(color, axis=0), None

        renderer._configure_main_framebuffer = configure
        renderer._delete_main_framebuffer = delete
        renderer._read_main_framebuffer = read

    def render(self, scene, width: int, height: int, flags: int = 0, *, samples: int = 4,
               depth: bool = True, seg_node_map: dict | None = None
               ) -> tuple[np.ndarray | None, np.ndarray | None]:
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
        depth : bool
            Read the depth buffer back (False saves a full-frame read for colour-only images).

        Returns
        -------
        color : (H, W, 3) or (H, W, 4) uint8; None with ``RenderFlags.DEPTH_ONLY``
        depth : (H, W) float32, metres along the view axis, 0 where nothing was drawn; None
            when ``depth`` is False.
        """
        self._samples = int(samples)
        self._want_depth = bool(depth)
        for attempt in range(2):
            pyrender = self._ensure(width, height)
            try:
                out = self._renderer.render(scene, flags=flags | pyrender.RenderFlags.OFFSCREEN,
                                            seg_node_map=seg_node_map)
                break
            except RenderError:
                raise
            except Exception as e:
                if attempt == 0 and "eglMakeCurrent" in str(e):
                    # Our context died with its EGL display: some other pyrender renderer in
                    # this process was deleted (pyrender terminates the shared display).
                    # Start a fresh context once.
                    self._renderer = None
                    continue
                raise RenderError(f"OpenGL rendering failed ({type(e).__name__}: {e}); "
                                  f"{INSTALL_HINT}") from None
        color, depth = (None, out) if flags & pyrender.RenderFlags.DEPTH_ONLY else out
        return color, depth

    def delete(self) -> None:
        """Free the GL context and its buffers (a later render creates a new one)."""
        if self._renderer is not None:
            try:
                self._renderer.delete()
            except Exception:  # noqa: BLE001 - a context already lost with its display
                pass
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
