"""The editor's one generation process (:class:`posestudio.generate.service.GenerationProcess`),
started on first use, kept warm between runs and stopped when the application quits."""

from __future__ import annotations

from typing import Any

from PySide6 import QtWidgets

__all__ = ["generation_service"]

_SERVICE: Any = None


def generation_service() -> Any:
    """The app's generation process handle (a ``GenerationProcess``)."""
    global _SERVICE
    from posestudio.generate.service import GenerationProcess

    if _SERVICE is None:
        _SERVICE = GenerationProcess()
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_SERVICE.stop)
    return _SERVICE
