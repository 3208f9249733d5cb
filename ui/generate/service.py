"""The editor's generation processes, each started on first use, kept warm between runs and
stopped when the application quits: :func:`generation_service` (images from ControlNets,
:class:`posestudio.generate.service.GenerationProcess`) and :func:`job_service` (videos and
re-poses, :class:`posestudio.generate.job_service.JobProcess`)."""

from __future__ import annotations

from typing import Any

from PySide6 import QtWidgets

__all__ = ["generation_service", "job_service"]

_SERVICE: Any = None
_JOBS: Any = None


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


def job_service() -> Any:
    """The app's video / re-pose process handle (a ``JobProcess``; its jobs take a kind)."""
    global _JOBS
    from posestudio.generate.job_service import JobProcess

    if _JOBS is None:
        _JOBS = JobProcess()
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(_JOBS.stop)
    return _JOBS
