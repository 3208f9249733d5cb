"""The one owner of the OpenGL context: a lazily created pyrender offscreen renderer.

Headless machines render through EGL (``PYOPENGL_PLATFORM=egl``, set here when unset, before
pyrender is imported). The renderer is created on the first render, reused for every later
render (of any size: pyrender re-allocates its framebuffer when the size changes) and freed by
:meth:`OffscreenRenderer.delete` or by leaving a ``with`` block. Scenes hold no GL state: each
render receives a fresh ``pyrender.Scene``.

Data maps render single-sampled (``samples=0``) and the shaded mannequin antialiased (4): pyrender
fixes 4 samples, so the framebuffers are managed by
:class:`~posestudio.render.pyrender_fb.PyrenderFramebuffers`, the one place that touches
pyrender's private members.
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
        self._framebuffers: Any = None      # PyrenderFramebuffers of the live renderer

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
            from posestudio.render.pyrender_fb import PyrenderFramebuffers

            try:
                self._framebuffers = PyrenderFramebuffers(self._renderer)
            except RenderError:
                self.delete()                   # an unsupported pyrender: no half-set renderer
                raise
        elif (self._renderer.viewport_width, self._renderer.viewport_height) != (width, height):
            self._renderer.viewport_width = width
            self._renderer.viewport_height = height
        return pyrender

    def render(self, scene, width: int, height: int, flags: int = 0, *, samples: int = 4,
               depth: bool = True, box: tuple[int, int, int, int] | None = None,
               crop: bool = False, seg_node_map: dict | None = None) -> tuple[np.ndarray | None, np.ndarray | None]:
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
        box : (x0, y0, x1, y1), optional
            Pixels (top-left origin, exclusive ends) outside which the scene draws nothing
            (:func:`~posestudio.render.maps.pixel_box`): only this box is resolved and read
            back; outside it the colour is the clear colour and the depth 0, as a full read
            would give.
        crop : bool
            Return only the box's pixels: ``(y1 − y0, x1 − x0)`` arrays of the box clipped to
            the image (the whole image without a box), for callers that use nothing outside it.

        Returns
        -------
        color : (H, W, 3) or (H, W, 4) uint8; None with ``RenderFlags.DEPTH_ONLY``
        depth : (H, W) float32, metres along the view axis, 0 where nothing was drawn; None
            when ``depth`` is False.
        """
        for attempt in range(2):
            pyrender = self._ensure(width, height)
            plain = not flags & (pyrender.RenderFlags.DEPTH_ONLY | pyrender.RenderFlags.SEG)
            clear = ((tuple(np.asarray(scene.bg_color, dtype=float).tolist()),
                      bool(flags & pyrender.RenderFlags.RGBA), samples) if plain else None)
            self._framebuffers.use(samples, depth, box, clear, crop)
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
                self._renderer = self._framebuffers = None

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
