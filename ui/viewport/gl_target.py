"""An offscreen GL render target: a context, a surface and a framebuffer, read back as a QImage.

Why the viewport does not use QOpenGLWidget: a QOpenGLWidget switches its whole top-level window
to GL composition, so every frame (and every repaint of any dock) makes Qt draw the entire window
as textures and swap it. With software GL (llvmpipe under Xvfb, VMs, remote desktops) that costs
~25 ms a frame at 1400×900, more than the viewport's own drawing. Rendering into an offscreen
framebuffer and painting the image with QPainter keeps the window on the raster backing store:
a frame costs the GL draw, one read back (~1 ms) and a blit of the viewport's rectangle.
"""

from __future__ import annotations

import numpy as np
from OpenGL import GL
from PySide6 import QtGui
from PySide6.QtCore import QObject
from PySide6.QtOpenGL import QOpenGLFramebufferObject, QOpenGLFramebufferObjectFormat


class OffscreenTarget:
    """Owns one GL context (in the application's shared context group, so pyqtgraph's shaders
    and buffers are valid in it), an offscreen surface and a framebuffer of a given size.

    Use ``begin(width, height)`` … draw … ``read()`` … ``end()``; :meth:`delete` frees the GL
    objects (the context itself goes with its parent ``QObject``).
    """

    def __init__(self, parent: QObject) -> None:
        self._parent = parent
        self.context: QtGui.QOpenGLContext | None = None
        self._surface: QtGui.QOffscreenSurface | None = None
        self._fbo: QOpenGLFramebufferObject | None = None
        self._raw: np.ndarray | None = None          # glReadPixels' rows (bottom-up)
        self._pixels: np.ndarray | None = None       # the same, top-down: the image's memory
        self.created_now = False          # True after the begin() that created the context

    @property
    def valid(self) -> bool:
        return self.context is not None and self.context.isValid()

    def _create(self) -> bool:
        fmt = QtGui.QSurfaceFormat.defaultFormat()
        context = QtGui.QOpenGLContext(self._parent)
        context.setFormat(fmt)
        share = QtGui.QOpenGLContext.globalShareContext()
        if share is not None:
            context.setShareContext(share)
        if not context.create():
            return False
        surface = QtGui.QOffscreenSurface(None, self._parent)
        surface.setFormat(context.format())
        surface.create()
        self.context, self._surface = context, surface
        self.created_now = True
        return True

    def make_current(self) -> bool:
        """Make the context current with the framebuffer (if any) bound."""
        if self.context is None and not self._create():
            return False
        if not self.context.makeCurrent(self._surface):
            return False
        if self._fbo is not None:
            self._fbo.bind()
        return True

    def begin(self, width: int, height: int) -> bool:
        """Make current and bind a ``width`` × ``height`` framebuffer (device pixels), with a
        depth/stencil buffer; False when no GL context can be had."""
        self.created_now = False
        if not self.make_current():
            return False
        width, height = max(int(width), 1), max(int(height), 1)
        if self._fbo is None or (self._fbo.width(), self._fbo.height()) != (width, height):
            fmt = QOpenGLFramebufferObjectFormat()
            fmt.setAttachment(QOpenGLFramebufferObject.Attachment.CombinedDepthStencil)
            self._fbo = QOpenGLFramebufferObject(width, height, fmt)
        self._fbo.bind()
        GL.glViewport(0, 0, width, height)
        return True

    def read(self) -> QtGui.QImage:
        """The framebuffer as an opaque top-down image (QImage.Format_RGBX8888).

        The image borrows a buffer this target reuses: the next ``read`` overwrites it, so
        ``copy()`` an image that must outlive the frame. RGBA is the framebuffer's own layout,
        so glReadPixels is a plain copy (BGRA would make llvmpipe swizzle every pixel, ~10×
        slower); the bottom-up rows are flipped by one numpy copy.
        """
        w, h = self._fbo.width(), self._fbo.height()
        if self._pixels is None or self._pixels.shape != (h, w, 4):
            self._raw = np.empty((h, w, 4), np.uint8)
            self._pixels = np.empty((h, w, 4), np.uint8)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 4)
        GL.glReadPixels(0, 0, w, h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, self._raw)
        np.copyto(self._pixels, self._raw[::-1])
        return QtGui.QImage(self._pixels.data, w, h, w * 4, QtGui.QImage.Format.Format_RGBX8888)

    def end(self) -> None:
        if self._fbo is not None:
            self._fbo.release()
        if self.context is not None:
            self.context.doneCurrent()

    def delete(self) -> None:
        """Free the framebuffer (made current first, so the driver really releases it)."""
        if self._fbo is not None and self.make_current():
            self._fbo.release()
            self._fbo = None
            self.context.doneCurrent()
        self._fbo = None
