"""The main window's dock layout: a default that fits the panels (no tab title elided, no panel
scrolling sideways) and the user's own arrangement kept per screen size.

``install(window)`` — once every dock exists — fits the side areas to what their panels and tab
titles need on first show, unless a layout was saved for this screen size, which is restored
instead; closing the window saves it (``QMainWindow.saveState``, in the editor's settings).
"""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import QEvent, QObject, Qt

from .. import files

#: Bump when the set of docks changes: a layout saved for other docks is not restored.
LAYOUT_VERSION = 3
#: A side area never takes more than this share of the window's width.
MAX_SIDE_SHARE = 0.34
SIDES = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)


def dock_width_needed(dock: QtWidgets.QDockWidget) -> int:
    """Width (pixels) at which a dock's panel shows without a horizontal scroll bar."""
    widget = dock.widget()
    if widget is None:
        return 0
    if isinstance(widget, QtWidgets.QScrollArea) and widget.widget() is not None:
        inner = widget.widget().minimumSizeHint().width()
        bar = widget.verticalScrollBar().sizeHint().width()
        return inner + bar + 2 * widget.frameWidth()
    return widget.minimumSizeHint().width()


def dock_tab_bars(window: QtWidgets.QMainWindow) -> list[QtWidgets.QTabBar]:
    """The tab bars of tabbed docks (children of the main window itself), visible ones."""
    return [bar for bar in window.findChildren(QtWidgets.QTabBar)
            if bar.parent() is window and bar.isVisible() and bar.count() > 1]


def elided_tabs(window: QtWidgets.QMainWindow) -> list[str]:
    """Titles of dock tabs drawn narrower than their text needs (i.e. elided)."""
    return [bar.tabText(i) for bar in dock_tab_bars(window) for i in range(bar.count())
            if bar.tabRect(i).width() < bar.tabSizeHint(i).width()]


def sideways_scrolling(window: QtWidgets.QMainWindow) -> list[str]:
    """Titles of docks (shown or behind a tab) whose panel would scroll sideways: it needs more
    width than its dock area gives the panels in it."""
    docks = [d for d in window.findChildren(QtWidgets.QDockWidget)
             if not d.isHidden() and not d.isFloating() and d.widget() is not None]
    room: dict = {}
    for dock in docks:          # a dock behind a tab keeps a stale size: use the area's widest
        area = window.dockWidgetArea(dock)
        room[area] = max(room.get(area, 0), dock.widget().width())
    return [d.windowTitle() for d in docks if isinstance(d.widget(), QtWidgets.QScrollArea)
            and dock_width_needed(d) > room[window.dockWidgetArea(d)]]


def _tab_bar_area(window, bar: QtWidgets.QTabBar):
    titles = {bar.tabText(i) for i in range(bar.count())}
    for dock in window.findChildren(QtWidgets.QDockWidget):
        if dock.windowTitle() in titles:
            return window.dockWidgetArea(dock)
    return None


def split_crowded_tabs(window: QtWidgets.QMainWindow) -> bool:
    """Move the trailing tabs of a side tab group whose titles cannot all show within
    :data:`MAX_SIDE_SHARE` of the window: onto another dock of that area where they fit beside
    its title (tabbed with it), else into a new group below. True if anything moved (the tab
    bars are rebuilt on the next layout pass)."""
    cap = int(window.width() * MAX_SIDE_SHARE)
    docks = {d.windowTitle(): d for d in window.findChildren(QtWidgets.QDockWidget)}
    moved = False
    for bar in dock_tab_bars(window):
        area = _tab_bar_area(window, bar)
        if area not in SIDES:
            continue
        widths = [bar.tabSizeHint(i).width() for i in range(bar.count())]
        if sum(widths) + 4 <= cap:
            continue
        group = [docks[bar.tabText(i)] for i in range(bar.count()) if bar.tabText(i) in docks]
        keep, total = 0, 4
        while keep < len(group) and total + widths[keep] <= cap:
            total += widths[keep]
            keep += 1
        keep = max(keep, 1)
        overflow = group[keep:]
        padding = widths[0] - bar.fontMetrics().horizontalAdvance(bar.tabText(0))
        needed = sum(widths[keep:])
        hosts = [d for d in docks.values() if d not in group and window.dockWidgetArea(d) == area
                 and not d.isHidden() and not d.isFloating()
                 and not window.tabifiedDockWidgets(d)]
        host = next((d for d in hosts if needed + padding + 4 + bar.fontMetrics()
                     .horizontalAdvance(d.windowTitle()) <= cap), None)
        if host is None:
            window.splitDockWidget(group[keep - 1], overflow[0], Qt.Orientation.Vertical)
            host, overflow = overflow[0], overflow[1:]
        for dock in overflow:
            window.tabifyDockWidget(host, dock)
        host.raise_()
        group[0].raise_()
        moved = True
    return moved


def fit_layout(window: QtWidgets.QMainWindow) -> dict:
    """Place the docks now (the layout pass that makes the tab bars), split crowded tab groups
    (another pass rebuilds their tab bars), then fit the side widths; returns them, by area.
    Runs before the window's first paint, so that paint is already laid out."""
    layout = window.layout()
    layout.activate()
    if split_crowded_tabs(window):
        layout.activate()
    return fit_side_areas(window)


def fit_side_areas(window: QtWidgets.QMainWindow) -> dict:
    """Widen the left and right dock areas to what their panels and tab titles need (at most
    :data:`MAX_SIDE_SHARE` of the window each). Returns the widths set, by area."""
    need: dict = {}
    first: dict = {}
    for dock in window.findChildren(QtWidgets.QDockWidget):
        area = window.dockWidgetArea(dock)
        if area in SIDES and not dock.isFloating() and not dock.isHidden():
            need[area] = max(need.get(area, 0), dock_width_needed(dock))
            first.setdefault(area, dock)
    for bar in dock_tab_bars(window):
        area = _tab_bar_area(window, bar)
        if area in SIDES:
            width = sum(bar.tabSizeHint(i).width() for i in range(bar.count())) + 4
            need[area] = max(need.get(area, 0), width)
    cap = int(window.width() * MAX_SIDE_SHARE)
    widths = {area: min(w, cap) for area, w in need.items()}
    if widths:
        docks = [first[a] for a in widths]
        window.resizeDocks(docks, [widths[a] for a in widths], Qt.Orientation.Horizontal)
    return widths


def _screen_key(window: QtWidgets.QWidget) -> str:
    screen = window.screen() or QtWidgets.QApplication.primaryScreen()
    size = screen.availableGeometry().size() if screen is not None else QtCore.QSize(0, 0)
    return f"layout/{size.width()}x{size.height()}"


def save_layout(window: QtWidgets.QMainWindow) -> None:
    """Keep the docks' arrangement and the window's geometry for this screen size."""
    s = files.settings()
    key = _screen_key(window)
    s.setValue(f"{key}/state", window.saveState(LAYOUT_VERSION))
    s.setValue(f"{key}/geometry", window.saveGeometry())
    s.sync()


def restore_layout(window: QtWidgets.QMainWindow) -> bool:
    """Restore what :func:`save_layout` kept for this screen size; False if nothing was."""
    s = files.settings()
    key = _screen_key(window)
    state, geometry = s.value(f"{key}/state"), s.value(f"{key}/geometry")
    if state is None:
        return False
    if geometry is not None:
        window.restoreGeometry(geometry)
    return bool(window.restoreState(state, LAYOUT_VERSION))


class _LayoutKeeper(QObject):
    """On the first show: restore or fit, before the first paint; on close: save.
    ``settled``: the first layout is final (true from the first show on)."""

    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.shown = False
        self.settled = False
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self.window:
            if event.type() == QEvent.Type.Show and not self.shown:
                self.shown = True
                if not restore_layout(self.window):
                    fit_layout(self.window)
                self.settled = True
            elif event.type() == QEvent.Type.Close:
                save_layout(self.window)
        return False


def install(window: QtWidgets.QMainWindow) -> None:
    """Fit or restore the layout when ``window`` is first shown; save it when it closes."""
    window._layout_keeper = _LayoutKeeper(window)
