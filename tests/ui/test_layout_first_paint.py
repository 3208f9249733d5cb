"""The first frame the user sees is already laid out: when the main window first paints, no dock
tab title is elided and no panel scrolls sideways (the fit runs at show, not a turn later)."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets
from PySide6.QtCore import QEvent, QObject

pytestmark = pytest.mark.gui


class FirstPaint(QObject):
    """Records the layout at the first paint of ``widget``."""

    def __init__(self, window, widget) -> None:
        super().__init__()
        self.window, self.widget = window, widget
        self.seen: dict | None = None

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self.widget and event.type() == QEvent.Type.Paint and self.seen is None:
            from posestudio.ui.panels.layout import dock_tab_bars, elided_tabs, sideways_scrolling

            self.seen = {"tab bars": len(dock_tab_bars(self.window)),
                         "elided": elided_tabs(self.window),
                         "sideways": sideways_scrolling(self.window),
                         "viewport": self.widget.width()}
        return False


def test_the_first_paint_is_already_laid_out(qtbot, data_dir):
    from posestudio.ui.main_window import MainWindow

    win = MainWindow(previews=False, thumbnails=False, extras=True)
    qtbot.addWidget(win)
    spy = FirstPaint(win, win.viewport)
    QtWidgets.QApplication.instance().installEventFilter(spy)
    try:
        win.show()
        assert win._layout_keeper.settled                 # fitted during show()
        qtbot.waitUntil(lambda: spy.seen is not None, timeout=10000)
    finally:
        QtWidgets.QApplication.instance().removeEventFilter(spy)
    assert spy.seen["tab bars"] >= 1
    assert spy.seen["elided"] == [] and spy.seen["sideways"] == [], spy.seen
    assert spy.seen["viewport"] == win.viewport.width() >= 560   # no later re-layout
    win.doc.undo_stack.setClean()
    win.close()
