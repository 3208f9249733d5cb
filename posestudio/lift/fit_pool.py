"""Several people's temporal fits at once, one per CPU core.

The temporal fit (``lift.temporal.fit_sequence``) is single-threaded numpy on small arrays —
the interpreter, not BLAS, is its cost — so a clip with two people took twice as long as one
while the machine's other cores idled. :func:`fit_jobs` fits the people in this process and in
worker processes, as many as there are spare cores:

* a worker is a fresh interpreter running this module's ``_worker_main`` with this process's
  module path, its job and results pickled over its stdin / stdout: not a fork (the
  detector's and Qt's threads make one unsafe), and not ``multiprocessing``'s spawn
  (``worker_process``, right for the editor's long-lived services), which runs the caller's
  main script again in the child (a library caller's script without a ``__main__`` guard
  would run twice); each loads the rig itself (~0.3 s, small beside a person's fit);
* this process fits too: the first person, then any person no worker has started yet;
* the workers' progress comes back through a queue and is reported from the calling thread,
  the people's fractions averaged;
* a stop (``should_stop``), an error or Ctrl+C sends every worker SIGTERM, which it polls
  between windows, so each ends after the window it is solving and none is left running;
  workers ignore SIGINT (the terminal sends it to the whole process group) and leave it to
  this one.

The result of a person does not depend on where it was fitted.
"""

from __future__ import annotations

import os
import pickle
import queue as queue_module
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from posestudio.errors import Cancelled, LiftError

ProgressFn = Callable[[float, str], None]
StopFn = Callable[[], bool]


@dataclass
class FitJob:
    """One person's temporal fit: the arguments of ``fit_sequence`` that are not the model.

    targets : (T, K, 3); points3d : (T, 18, 3) or None; focal : pixels; size : (width,
    height); fps; settings : ``TemporalSettings`` or None
    """

    targets: np.ndarray
    points3d: np.ndarray | None
    focal: float
    size: tuple[int, int]
    fps: float
    settings: object = None


def spare_cores() -> int:
    """Cores this process may run on, less the one it runs on."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:                     # not on Linux
        cores = os.cpu_count() or 1
    return max(0, cores - 1)


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished worker processes (all threads)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def fit_jobs(jobs: list[FitJob], rig: str, *, progress: ProgressFn | None = None,
             should_stop: StopFn | None = None, workers: int | None = None) -> list:
    """The ``SequenceFit`` of every job, in order.

    Parameters
    ----------
    jobs : one per person
    rig : the body rig's name (``body.load_body_model``)
    progress : ``progress(fraction, message)``, from the calling thread
    should_stop : polled between windows (→ ``Cancelled``)
    workers : worker processes (default: one per spare core, at most one per job but the first;
        0 = everything in this process)

    Raises
    ------
    LiftError : "person I: ..." for the first job that cannot be lifted; Cancelled
    """
    count = min(len(jobs) - 1, spare_cores() if workers is None else workers)
    if count <= 0:
        return [_fit_here(jobs, i, rig, progress, should_stop) for i in range(len(jobs))]
    return _Pool(jobs, rig, count, progress, should_stop).run()


def _fit(job: FitJob, rig: str, progress, should_stop):
    from posestudio.lift import _keypoint_model
    from posestudio.lift.fit import selection_matrix
    from posestudio.lift.temporal import fit_sequence

    _, model = _keypoint_model(rig)
    selection, _ = selection_matrix(model.landmark_names,
                                    ("body", "hand_left", "hand_right", "face"))
    return fit_sequence(model, job.targets, selection, focal=job.focal, size=job.size,
                        fps=job.fps, points3d=job.points3d, settings=job.settings,
                        progress=progress, should_stop=should_stop)


def _fit_here(jobs, i, rig, progress, should_stop):
    sub = None if progress is None else (
        lambda f, msg: progress((i + f) / len(jobs), f"person {i + 1}: {msg}"))
    return _fit_person(i, jobs[i], rig, sub, should_stop)


def _fit_person(i: int, job: FitJob, rig: str, progress, should_stop):
    """``_fit`` in this process, a failure named after person ``i``."""
    try:
        return _fit(job, rig, progress, should_stop)
    except _WorkerFailed:                      # another person's, raised from ``progress``
        raise
    except LiftError as exc:
        raise LiftError(f"person {i}: {exc}") from None


class _WorkerFailed(LiftError):
    """A worker's person could not be lifted (the message names the person already)."""


# --- worker processes --------------------------------------------------------------------

def _worker_main() -> None:
    """A worker: one (job, rig) pickled on stdin; ("progress", fraction, message) messages and
    one ("result", fit) or ("error", message) pickled on stdout."""
    stop = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    out = sys.stdout.buffer
    sys.stdout = sys.stderr                    # a stray print must not corrupt the messages

    def send(*message) -> None:
        pickle.dump(message, out)
        out.flush()

    parent = os.getppid()

    def should_stop() -> bool:                 # asked to, or orphaned (the parent was killed)
        return stop.is_set() or os.getppid() != parent

    job, rig = pickle.load(sys.stdin.buffer)
    try:
        fit = _fit(job, rig, lambda f, m: send("progress", f, m), should_stop)
    except (LiftError, Cancelled) as exc:
        send("error", str(exc))
    else:
        send("result", fit)


_WORKER_CODE = ("import sys; sys.path[:] = sys.argv[1:]; "
                "from posestudio.lift.fit_pool import _worker_main; _worker_main()")


class _Worker:
    """One job in a worker process; its messages go to ``inbox`` as (i, kind, ...), and
    (i, "exit") when it has closed its output."""

    def __init__(self, i: int, job: FitJob, rig: str, inbox: queue_module.Queue):
        self.i, self.inbox = i, inbox
        # The worker imports from this process's module path, in its order: the same
        # posestudio (a source tree, an installed copy) whatever the current folder holds.
        self.process = subprocess.Popen([sys.executable, "-c", _WORKER_CODE, *sys.path],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        try:
            pickle.dump((job, rig), self.process.stdin)
            self.process.stdin.close()
        except OSError:                        # it died at start: its exit says so
            pass

    def _read(self) -> None:
        try:
            while True:
                self.inbox.put((self.i, *pickle.load(self.process.stdout)))
        except (EOFError, pickle.UnpicklingError, OSError):
            self.inbox.put((self.i, "exit"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def join(self) -> None:
        self.process.wait()
        self.reader.join()
        self.process.stdout.close()


class _Pool:
    """The first job here, the others in up to ``count`` workers at a time; this process takes
    any job no worker has started once its own is done."""

    def __init__(self, jobs, rig, count, progress, should_stop):
        self.jobs, self.rig, self.count = jobs, rig, count
        self.progress, self.should_stop = progress, should_stop
        self.fractions = [0.0] * len(jobs)
        self.messages = [""] * len(jobs)
        self.results = [None] * len(jobs)
        self.inbox: queue_module.Queue = queue_module.Queue()
        self.waiting = list(range(1, len(jobs)))      # no one has started these
        self.workers: dict[int, _Worker] = {}

    def run(self) -> list:
        try:
            self._start_workers()
            mine = [0]
            while mine:
                i = mine.pop()
                self.results[i] = self._fit_here(i)
                if self.waiting:
                    mine.append(self.waiting.pop())
            while self.waiting or self.workers:
                self._check_stop()
                try:
                    self._handle(self.inbox.get(timeout=0.1))
                except queue_module.Empty:
                    pass
        finally:
            for worker in self.workers.values():
                worker.stop()
            for worker in self.workers.values():
                worker.join()
        return self.results

    def _start_workers(self) -> None:
        while self.waiting and len(self.workers) < self.count:
            i = self.waiting.pop(0)
            self.workers[i] = _Worker(i, self.jobs[i], self.rig, self.inbox)

    def _fit_here(self, i: int):
        def progress(fraction: float, message: str) -> None:
            self._drain()
            self._report(i, fraction, message)

        return _fit_person(i, self.jobs[i], self.rig, progress, self.should_stop)

    def _drain(self) -> None:
        while True:
            try:
                self._handle(self.inbox.get_nowait())
            except queue_module.Empty:
                return

    def _handle(self, message: tuple) -> None:
        i, kind, *rest = message
        if kind == "progress":
            self._report(i, *rest)
        elif kind == "result":
            self.results[i] = rest[0]
        elif kind == "error":
            raise _WorkerFailed(f"person {i}: {rest[0]}")
        elif kind == "exit":
            self.workers.pop(i).join()
            if self.results[i] is None:
                raise _WorkerFailed(f"person {i}: its fitting process ended unexpectedly "
                                "(out of memory?)")
            self._start_workers()

    def _check_stop(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise Cancelled("lifting stopped by the user")

    def _report(self, i: int, fraction: float, message: str) -> None:
        self.fractions[i], self.messages[i] = fraction, message
        if self.progress is not None:
            busy = [f"person {k + 1}: {m}" for k, m in enumerate(self.messages)
                    if m and self.fractions[k] < 1.0]
            self.progress(sum(self.fractions) / len(self.jobs), "; ".join(busy) or message)
