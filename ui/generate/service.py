"""The editor's generation processes, each started on first use, kept warm between runs and
stopped when the application quits: :func:`generation_service` (images from ControlNets,
:class:`posestudio.generate.service.GenerationProcess`) and :func:`job_service` (videos and
re-poses, :class:`posestudio.generate.job_service.JobProcess`)."""

from __future__ import annotations

from typing import Any

from PySide6 import QtWidgets

__all__ = ["generation_service", "job_service"]

_PROCESSES: dict[type, Any] = {}


def _app_process(cls: type) -> Any:
    """The one ``cls()`` process handle of the app, made on first use and stopped on quit."""
    if cls not in _PROCESSES:
        _PROCESSES[cls] = cls()
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_PROCESSES[cls].stop)
    return _PROCESSES[cls]


def generation_service() -> Any:
    """The app's generation process handle (a ``GenerationProcess``)."""
    from posestudio.generate.service import GenerationProcess

    return _app_process(GenerationProcess)


def job_service() -> Any:
    """The app's video / re-pose process handle (a ``JobProcess``; its jobs take a kind)."""
    from posestudio.generate.job_service import JobProcess

    return _app_process(JobProcess)
