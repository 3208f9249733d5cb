"""A fit (import or refit) running in a ``QThread``, so the editor never freezes.

The work function takes ``progress(fraction, message)`` and ``should_stop()``; the thread turns
them into signals and a flag. Exactly one of ``succeeded`` / ``failed`` / ``cancelled`` is
emitted, in the UI thread (queued), before ``finished``.

Why a thread and not the preview process: detection and lifting are torch / TFLite calls that
release the GIL for their heavy parts, and their inputs and outputs are small; a thread needs no
pickling and starts instantly. The thread object keeps itself alive until it has finished
(``_alive``), so a window closed mid-import never destroys a running ``QThread``.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from PySide6.QtCore import QThread, Signal, Slot

from posestudio.errors import Cancelled, PoseStudioError

log = logging.getLogger(__name__)

Work = Callable[..., object]


class FitJob(QThread):
    progressed = Signal(float, str)   # fraction 0..1, what it is doing
    succeeded = Signal(object)        # the work function's result
    failed = Signal(str)              # one line for the user
    cancelled = Signal()

    _alive: set["FitJob"] = set()

    def __init__(self, work: Work, label: str) -> None:
        super().__init__()
        self.work = work
        self.label = label
        self._stop = threading.Event()
        FitJob._alive.add(self)
        # a bound slot of this (UI-thread) object: runs queued, in the UI thread, after run()
        self.finished.connect(self._forget)

    def cancel(self) -> None:
        """Ask the job to stop at its next check (between optimiser steps)."""
        self._stop.set()

    @property
    def is_cancelled(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        try:
            result = self.work(progress=self._progress, should_stop=self._stop.is_set)
        except Cancelled:
            self.cancelled.emit()
        except PoseStudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug: report it in the UI instead of killing the thread
            log.exception("%s failed", self.label)
            self.failed.emit(f"{self.label} failed: {type(exc).__name__}: {exc}")
        else:
            if self._stop.is_set():          # cancelled after the last check: drop the result
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)

    @Slot()
    def _forget(self) -> None:
        FitJob._alive.discard(self)

    def _progress(self, fraction: float, message: str) -> None:
        self.progressed.emit(float(fraction), str(message))

    @classmethod
    def wait_all(cls, msecs: int = 30000) -> bool:
        """Wait for every running job (tests, application exit). True if all finished."""
        return all(job.wait(msecs) for job in list(cls._alive))
