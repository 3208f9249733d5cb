"""Generation in a separate, long-lived process, for front ends that must never block.

Why a process and not a thread of the editor: a GUI process has PySide6 loaded, and shiboken's
import hook is not thread-safe, so importing torch/diffusers/pyrender modules from a worker thread
can corrupt memory (seen as "Fatal Python error: none_dealloc"); diffusers and transformers import
lazily on first use, so a thread would keep importing. A ``spawn``-ed process also has its own GL
context for the control maps, no GIL shared with the UI, and when it dies (a driver crash, out of
memory) the editor lives on. The process keeps its :class:`~posestudio.generate.loading.PipelineCache`
between jobs, so the second generation with the same models loads nothing.

Protocol (plain picklable data only, so reading an event never imports a module)::

    job:    (job_id, scene_dict, request_dict, out_path)        None stops the process
    events: (job_id, "stage", text) | (job_id, "progress", done, total)
            | (job_id, "done", {"images": [path...], "maps": {map: path}, "requests": [dict...],
                                "family": str})
            | (job_id, "failed", message) | (job_id, "cancelled")

Cancel is a shared event the worker polls after every denoising step.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import queue

from posestudio.worker_process import spawn_worker

TERMINAL = ("done", "failed", "cancelled")


def next_job(jobs):
    """The next job from the ``jobs`` queue, or None when the worker should stop: a ``None``
    job arrived, or the editor died without stopping us."""
    parent = mp.parent_process()
    while True:
        try:
            return jobs.get(timeout=1.0)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return None
            continue


def report_outcome(events, job_id: int, run) -> None:
    """Call ``run()`` and put its terminal event: ``done`` with what it returns, ``cancelled``,
    or ``failed`` with the message (a bug or a library failure is reported too, so the worker
    keeps serving)."""
    from posestudio.errors import Cancelled, PoseStudioError

    try:
        payload = run()
    except Cancelled:
        events.put((job_id, "cancelled"))
    except PoseStudioError as exc:
        events.put((job_id, "failed", str(exc)))
    except Exception as exc:  # a bug or a library failure: report it, keep serving
        events.put((job_id, "failed", f"{type(exc).__name__}: {exc}"))
    else:
        events.put((job_id, "done", payload))


def serve(jobs, events, cancel) -> None:
    """Worker process main loop: run jobs one after another until ``None`` arrives.

    Started by :func:`~posestudio.worker_process.spawn_worker`, so pyrender comes up on EGL."""
    from posestudio.errors import Cancelled
    from posestudio.generate.outputs import generate_scene, maps_of, render_control_maps
    from posestudio.generate.params import GenerationRequest
    from posestudio.scene.file_format import scene_from_dict

    while (job := next_job(jobs)) is not None:
        job_id, scene_dict, request_dict, out = job

        def run() -> dict:
            if cancel.is_set():
                raise Cancelled("generation cancelled")
            scene = scene_from_dict(scene_dict)
            request = GenerationRequest.from_dict(request_dict)
            events.put((job_id, "stage", "Rendering control maps"))
            control = render_control_maps(scene, maps_of(request))
            events.put((job_id, "stage", "Loading models and generating"))
            done = generate_scene(scene, request, out, control=control, cancel=cancel.is_set,
                                  progress=lambda d, t: events.put((job_id, "progress", d, t)))
            return {"images": [str(p) for p in done.image_paths],
                    "maps": {name: str(p) for name, p in done.map_paths.items()},
                    "requests": [r.request.to_dict() for r in done.results],
                    "family": done.results[0].family}

        report_outcome(events, job_id, run)


class GenerationProcess:
    """Owns the worker process; :meth:`submit` and :meth:`cancel` never block.

    One job runs at a time; a front end submits the next one after the previous one's terminal
    event (``done``, ``failed``, ``cancelled``).
    """

    _serve = staticmethod(serve)         # the worker's main loop, and the process name
    _process_name = "posestudio-generate"

    def __init__(self) -> None:
        self._ctx = mp.get_context("spawn")
        self._process = None
        self._jobs = None
        self._events = None
        self._cancel = self._ctx.Event()
        self._ids = itertools.count(1)

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def start(self) -> None:
        if self.alive:
            return
        self._jobs, self._events = self._ctx.Queue(), self._ctx.Queue()
        self._process = spawn_worker(self._serve, (self._jobs, self._events, self._cancel),
                                     name=self._process_name, ctx=self._ctx)

    def submit(self, scene_dict: dict, request_dict: dict, out: str) -> int:
        """Queue a job (starting the process if needed); returns its id."""
        return self._queue(scene_dict, request_dict, str(out))

    def _queue(self, *job) -> int:
        """Start the process if needed, clear a past cancel, and queue ``(job_id, *job)``."""
        self.start()
        self._cancel.clear()
        job_id = next(self._ids)
        self._jobs.put((job_id, *job))
        return job_id

    def cancel(self) -> None:
        self._cancel.set()

    def next_event(self, timeout: float = 0.1):
        """The next event tuple, or None after ``timeout`` seconds. A dead worker gives
        ``(0, "failed", message)`` once, and the next :meth:`submit` starts a fresh one."""
        try:
            return self._events.get(timeout=timeout)
        except (queue.Empty, OSError, ValueError, EOFError):
            if self._process is not None and not self._process.is_alive():
                code = self._process.exitcode
                self._process = None
                return (0, "failed", f"the generation process stopped unexpectedly "
                                     f"(exit code {code}); see the terminal for details")
            return None

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel what runs, ask the process to exit, and end it if it does not."""
        if self._process is None:
            return
        self._cancel.set()
        try:
            self._jobs.put(None)
            self._process.join(timeout)
        finally:
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(1)
            self._process = None
