"""The window at its default size fits its panels: no dock tab title is elided, no panel scrolls
sideways; the user's dock arrangement comes back after a restart (per screen size)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import close_window, open_window, save_screenshot
from PySide6 import QtWidgets
from PySide6.QtCore import Qt

pytestmark = pytest.mark.gui
ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"


def _settle(qtbot, win) -> None:
    # the first layout is fitted once the event loop has placed the docks (a busy machine
    # can take a moment), then the tab bars are rebuilt
    qtbot.waitUntil(lambda: win._layout_keeper.settled, timeout=10000)
    qtbot.wait(50)
    QtWidgets.QApplication.processEvents()


@pytest.mark.parametrize("size", [None, (1400, 900)], ids=["own default", "1400x900"])
def test_default_size_shows_every_tab_title_and_no_sideways_scroll(qtbot, data_dir, modals,
                                                                   size):
    from posestudio.ui.main_window import MainWindow
    from posestudio.ui.panels.layout import dock_tab_bars, elided_tabs, sideways_scrolling

    if size is None:             # the size the window gives itself
        win = MainWindow(previews=False, thumbnails=False, extras=True)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        assert (win.width(), win.height()) == (1500, 950)
    else:
        win = open_window(qtbot, modals, extras=True)
    try:
        _settle(qtbot, win)
        if size is not None:
            assert (win.width(), win.height()) == size          # the panels fit, not force it
        assert win.minimumSizeHint().height() <= 740             # a 1366×768 laptop screen too
        save_screenshot(win, ARTIFACTS / f"layout_{win.width()}x{win.height()}.png")
        assert len(dock_tab_bars(win)) >= 1
        titles = [bar.tabText(i) for bar in dock_tab_bars(win) for i in range(bar.count())]
        assert {"Person", "Scene Camera", "Pose Library"} <= set(titles)
        assert elided_tabs(win) == []
        assert sideways_scrolling(win) == []
        # every tabbed panel, raised in turn, has no horizontal scroll bar showing
        for dock in win.findChildren(QtWidgets.QDockWidget):
            if isinstance(dock.widget(), QtWidgets.QScrollArea) and not dock.isHidden():
                dock.raise_()
                _settle(qtbot, win)
                assert not dock.widget().horizontalScrollBar().isVisible(), dock.windowTitle()
        assert win.viewport.width() >= 560                  # the viewport keeps the middle
    finally:
        close_window(win)


def test_the_dock_layout_comes_back_after_a_restart(qtbot, data_dir, modals):
    win = open_window(qtbot, modals, extras=True)
    _settle(qtbot, win)
    win.docks["previews"].hide()                             # the user closes a panel
    win.resizeDocks([win.docks["joint"]], [470], Qt.Orientation.Horizontal)
    _settle(qtbot, win)
    width = win.docks["joint"].width()
    close_window(win)

    again = open_window(qtbot, modals, extras=True)
    try:
        _settle(qtbot, again)
        assert again.docks["previews"].isHidden()
        assert abs(again.docks["joint"].width() - width) <= 8
    finally:
        close_window(again)
