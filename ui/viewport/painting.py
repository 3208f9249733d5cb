"""How the viewport turns into pixels: pyqtgraph's GL scene drawn offscreen (see
:mod:`.gl_target` for why not a QOpenGLWidget), painted as an image, with a 2D QPainter layer
on top (canvas frame and dimming, photo keypoints, view label).

:class:`OffscreenPainting` is a mixin for :class:`ui.viewport.view.Viewport`; it sits before
pyqtgraph's ``GLViewMixin`` in the bases so its ``paint``/``update`` wrap pyqtgraph's. It reads
the viewport's state (cameras, canvas, background photo, overlay points) and never changes it.
"""

from __future__ import annotations

from OpenGL import GL
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt
from PySide6.QtOpenGL import QOpenGLPaintDevice

DIM_OUTSIDE_FRAME = QtGui.QColor(0, 0, 0, 140)     # darkens what the scene camera does not see
FRAME_PEN_COLOR = QtGui.QColor(255, 200, 60)
KEYPOINT_FILL = QtGui.QColor(255, 60, 200)
KEYPOINT_RADIUS_PX = 4.0


class OffscreenPainting:
    """Painting for the viewport. Expects from the widget: ``_target`` (an
    :class:`~.gl_target.OffscreenTarget`), ``_image``, ``frame_times``, ``look_through``,
    ``canvas``, ``view_camera``, ``_background``, ``_background_opacity``, ``_overlay_points``,
    ``canvas_frame_rect()`` and ``canvas_to_widget()``."""

    _gl_dirty = True          # the GL image is stale (class default: update() runs in __init__)

    # ------------------------------------------------------------------ repaint scheduling
    def update(self, *args) -> None:
        """Schedule a repaint with a fresh GL frame (pyqtgraph's items call this on change)."""
        self._gl_dirty = True
        super().update(*args)

    def _update_overlay(self) -> None:
        """Schedule a repaint of the 2D overlay only: the GL frame is reused."""
        QtWidgets.QWidget.update(self)

    # ------------------------------------------------------------------ QOpenGLWidget API
    def isValid(self) -> bool:  # noqa: N802 (QOpenGLWidget API)
        return self._target.valid

    def context(self) -> QtGui.QOpenGLContext | None:
        return self._target.context

    def makeCurrent(self) -> bool:  # noqa: N802
        return self._target.make_current()

    def doneCurrent(self) -> None:  # noqa: N802
        self._target.end()

    def showEvent(self, ev):  # noqa: N802
        self._gl_dirty = True
        super().showEvent(ev)

    def hideEvent(self, ev):  # noqa: N802
        self._target.delete()           # a hidden viewport keeps no framebuffer
        self._image = None
        super().hideEvent(ev)

    def resizeEvent(self, ev):  # noqa: N802
        self._gl_dirty = True
        super().resizeEvent(ev)

    # ------------------------------------------------------------------ the GL frame
    def _render_gl(self) -> None:
        """Draw the 3D scene offscreen into :attr:`_image` (device pixels)."""
        timer = QtCore.QElapsedTimer()
        timer.start()
        dpr = self.devicePixelRatioF()
        if not self._target.begin(self.deviceWidth(), self.deviceHeight()):
            self._image = None
            return
        try:
            if self._target.created_now:
                self.initializeGL()
            self.paintGL()
            image = self._target.read()
        finally:
            self._target.end()
        image.setDevicePixelRatio(dpr)
        self._image = image
        self._gl_dirty = False
        self.frame_times.append(timer.nsecsElapsed() / 1e9)
        del self.frame_times[:-500]

    def _current_image(self) -> QtGui.QImage | None:
        if self._gl_dirty or self._image is None or (
                self._image.width(), self._image.height()) != (self.deviceWidth(),
                                                               self.deviceHeight()):
            self._render_gl()
        return self._image

    def paint(self, *, region, viewport, useItemNames=False):  # noqa: N803 (pyqtgraph API)
        """pyqtgraph's paint, with the background photo drawn between the clear and the items."""
        if self._background is None or not self.look_through:
            super().paint(region=region, viewport=viewport, useItemNames=useItemNames)
            return
        self.setProjection(region, viewport)
        self.setModelview()
        GL.glClearColor(*self.opts["bgcolor"])
        GL.glClear(GL.GL_DEPTH_BUFFER_BIT | GL.GL_COLOR_BUFFER_BIT)
        device = QOpenGLPaintDevice(self.deviceWidth(), self.deviceHeight())
        device.setDevicePixelRatio(self.devicePixelRatioF())
        painter = QtGui.QPainter(device)
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform)
        painter.setOpacity(self._background_opacity)
        painter.drawImage(self.canvas_frame_rect(), self._background)
        painter.end()
        GL.glClear(GL.GL_DEPTH_BUFFER_BIT)
        self.drawItemTree(useItemNames=useItemNames)

    # ------------------------------------------------------------------ on screen / as image
    def paintEvent(self, ev):  # noqa: N802
        image = self._current_image()
        painter = QtGui.QPainter(self)
        if image is not None:
            painter.drawImage(0, 0, image)
        else:
            painter.fillRect(self.rect(), QtGui.QColor.fromRgbF(*self.opts["bgcolor"]))
        self._paint_overlay(painter)
        painter.end()

    def grabFramebuffer(self) -> QtGui.QImage:  # noqa: N802 (QOpenGLWidget API)
        """What the viewport shows (3D scene and its 2D overlay, not child widgets), as an image
        in device pixels."""
        image = self._current_image()
        if image is None:
            image = QtGui.QImage(self.deviceWidth(), self.deviceHeight(),
                                 QtGui.QImage.Format.Format_RGB32)
            image.setDevicePixelRatio(self.devicePixelRatioF())
            image.fill(QtGui.QColor.fromRgbF(*self.opts["bgcolor"]))
        else:
            image = image.copy()
        painter = QtGui.QPainter(image)
        self._paint_overlay(painter)
        painter.end()
        return image

    def _paint_overlay(self, painter: QtGui.QPainter) -> None:
        """The 2D layer over the 3D scene: keypoints, canvas frame and dimming, view label."""
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        if self.look_through and self._overlay_points is not None:
            present = self._overlay_points[self._overlay_points[:, 2] > 0]
            painter.setPen(QtGui.QPen(QtGui.QColor(20, 20, 20), 1.0))
            painter.setBrush(KEYPOINT_FILL)
            for x, y in self.canvas_to_widget(present[:, :2]):
                painter.drawEllipse(QtCore.QPointF(x, y), KEYPOINT_RADIUS_PX, KEYPOINT_RADIUS_PX)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.look_through:
            frame = self.canvas_frame_rect()
            outside = QtGui.QPainterPath()
            outside.addRect(QtCore.QRectF(self.rect()))
            inner = QtGui.QPainterPath()
            inner.addRect(frame)
            painter.fillPath(outside.subtracted(inner), DIM_OUTSIDE_FRAME)
            painter.setPen(QtGui.QPen(FRAME_PEN_COLOR, 1.5))
            painter.drawRect(frame)
            painter.drawText(frame.adjusted(6, 4, 0, 0), Qt.AlignmentFlag.AlignLeft,
                             f"Scene camera  {self.canvas.width}×{self.canvas.height}")
        else:
            painter.setPen(QtGui.QColor(200, 200, 200))
            cam = self.view_camera
            painter.drawText(QtCore.QPointF(10, 18),
                             f"User view  yaw {cam.yaw_deg:.0f}°  pitch {cam.pitch_deg:.0f}°")
        painter.restore()
