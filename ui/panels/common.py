"""Helpers shared by the panels."""

from __future__ import annotations

from contextlib import contextmanager

from PySide6 import QtWidgets


@contextmanager
def blocked(*widgets: QtWidgets.QWidget):
    """Silence widgets' signals while the panel writes scene values into them (no echo)."""
    old = [w.blockSignals(True) for w in widgets]
    try:
        yield
    finally:
        for w, was in zip(widgets, old):
            w.blockSignals(was)


def spin(minimum: float, maximum: float, step: float, decimals: int = 1,
         suffix: str = "", tooltip: str = "") -> QtWidgets.QDoubleSpinBox:
    box = QtWidgets.QDoubleSpinBox()
    box.setRange(minimum, maximum)
    box.setSingleStep(step)
    box.setDecimals(decimals)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)
    box.setToolTip(tooltip)
    return box
