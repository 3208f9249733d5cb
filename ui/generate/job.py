"""Jobs of a service process, followed off the UI thread: one :class:`JobRunner` per panel.

A *service* is a long-lived worker process with a front-end handle that has
``submit(...) -> job_id``, ``cancel()`` and ``next_event(timeout)`` returning event tuples
``(job_id, kind, *payload)`` (or None), as :class:`posestudio.generate.service.GenerationProcess`
does. The kinds are ``"stage"`` (text), ``"progress"`` (done, total) and the terminal
``"done"`` (payload), ``"failed"`` (message) and ``"cancelled"``; job id 0 addresses every job
(the process died).

:class:`ServiceJob` is the thread that waits on those events for one job and turns them into
signals; :class:`JobRunner` runs one job at a time for a panel (start, cancel, shut down with
the window) and says when it ended. The work itself never runs in the editor's process, so no
module is imported off the main thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6 import QtCore
from PySide6.QtCore import Signal

__all__ = ["JobRunner", "ServiceJob"]


class ServiceJob(QtCore.QThread):
    """Follows one job of a service and turns its events into Qt signals.

    Signals
    -------
    stage(str)            what the worker is doing ("Rendering control maps"...)
    progress(int, int)    steps done, total
    succeeded(object)     the ``done`` payload
    failed(str)           one-line message
    cancelled()
    """

    stage = Signal(str)
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, service: Any, job_id: int, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.service, self.job_id = service, job_id
        self._quit = False

    def stop_following(self) -> None:
        self._quit = True

    def run(self) -> None:  # QThread entry point, on the worker thread
        while not self._quit:
            event = self.service.next_event(0.1)
            if event is None or event[0] not in (self.job_id, 0):
                continue                     # nothing yet, or a stale event of an earlier job
            kind = event[1]
            if kind == "progress":
                self.progress.emit(event[2], event[3])
            elif kind == "stage":
                self.stage.emit(event[2])
            elif kind == "done":
                self.succeeded.emit(event[2])
                return
            elif kind == "failed":
                self.failed.emit(event[2])
                return
            elif kind == "cancelled":
                self.cancelled.emit()
                return


class JobRunner(QtCore.QObject):
    """Runs one job at a time of a service for a panel.

    Parameters
    ----------
    service : callable returning the service handle (called when a job starts, is cancelled
        or shut down, so the process starts on first use)

    Signals
    -------
    stage(str), progress(int, int)   from the running job
    succeeded(object), failed(str), cancelled()
        the job's outcome, in the UI thread; then
    ended(str)                       "done", "failed" or "cancelled"; :attr:`running` is
        already False, so a handler may start the next job at once
    """

    stage = Signal(str)
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    ended = Signal(str)

    def __init__(self, service: Callable[[], Any], parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.thread: ServiceJob | None = None    # follows the current (or last) job
        self._active = False

    @property
    def running(self) -> bool:
        """A job is under way: from :meth:`start` until its outcome is reported. (Its thread
        may take a moment longer to end; the next job does not wait for that.)"""
        return self._active

    def start(self, submit: Callable[[Any], int]) -> bool:
        """Submit a job with ``submit(service) -> job_id`` and follow it; False if one runs."""
        if self._active:
            return False
        service = self._service()
        thread = self.thread = ServiceJob(service, submit(service), self)
        thread.stage.connect(self.stage)
        thread.progress.connect(self.progress)
        thread.succeeded.connect(self._on_succeeded)
        thread.failed.connect(self._on_failed)
        thread.cancelled.connect(self._on_cancelled)
        thread.finished.connect(self._on_thread_finished)
        self._active = True
        thread.start()
        return True

    def cancel(self) -> bool:
        """Ask the service to cancel the running job (effective within one step)."""
        if not self._active:
            return False
        self._service().cancel()
        return True

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Cancel a running job and wait until its thread stopped (the window is closing)."""
        thread = self.thread
        if thread is not None and thread.isRunning():
            self._service().cancel()
            if not thread.wait(timeout_ms):
                thread.stop_following()
                thread.wait(1000)

    def _on_succeeded(self, payload: object) -> None:
        self.succeeded.emit(payload)
        self._end("done")

    def _on_failed(self, message: str) -> None:
        self.failed.emit(message)
        self._end("failed")

    def _on_cancelled(self) -> None:
        self.cancelled.emit()
        self._end("cancelled")

    def _end(self, how: str) -> None:
        self._active = False
        self.ended.emit(how)

    def _on_thread_finished(self) -> None:
        # Queued to the UI thread, so the next job may have started by now: release only the
        # thread that ended. QThread emits finished() just before it really stops; deleting it
        # in between aborts the app ("QThread: Destroyed while thread is still running").
        thread = self.sender()
        if thread is self.thread:
            self.thread = None
        if isinstance(thread, ServiceJob):
            thread.wait()
            thread.deleteLater()
