"""The editor's side of the render worker: previews and exports rendered in another process.

The process runs :func:`posestudio.render.worker.serve` (Qt-free; the module docstring there gives
the reasons for a process and the request/answer protocol). :class:`PreviewWorker` is the one
place in the editor that holds the process handle: it starts the process, restarts it when it
died, and stops it with the window. Pose-library thumbnails render in a pool of one process
(:class:`ThumbnailWorker`).
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from posestudio.render.worker import THUMB_SIZE, preview_size, render_thumbnails, serve
from posestudio.worker_process import spawn_worker

__all__ = ["PREVIEW_MAPS", "PreviewWorker", "ThumbnailWorker", "preview_size"]

PREVIEW_MAPS = ("openpose", "mannequin", "depth", "normal", "canny", "seg")


class PreviewWorker(QObject):
    """Owns the render process; :meth:`request` is cheap and never blocks the UI thread.

    Signals
    -------
    ready(images: dict, seconds: float, latency: float)
        ``seconds`` is the render time in the worker, ``latency`` the time from the request
        to the result arriving in the UI thread.
    failed(message: str)
    exported(seq: int, paths: list[str], error: str)
        An export job is done: the written files, or ``error`` ("" on success).
    """

    ready = Signal(object, float, float)
    failed = Signal(str)
    exported = Signal(int, object, str)

    def __init__(self, maps=PREVIEW_MAPS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.maps = tuple(maps)
        self._ctx = mp.get_context("spawn")
        self._requests = None
        self._results = None
        self._process = None
        self._seq = 0
        self._sent: dict[int, float] = {}
        self._newest = None                   # the last request, resent after a crash
        self._exports: set[int] = set()       # export jobs not answered yet
        self.latencies: list[float] = []
        self._timer = QTimer(self)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._poll)

    def start(self) -> None:
        if self._process is not None:
            return
        self._requests = self._ctx.Queue()
        self._results = self._ctx.Queue()
        self._process = spawn_worker(serve, (self._requests, self._results),
                                     name="posestudio-preview", ctx=self._ctx)
        self._timer.start()

    def request(self, scene) -> int:
        """Queue a render of ``scene`` at preview size; returns its sequence number."""
        from posestudio.scene.file_format import scene_to_dict

        self.start()
        self._seq += 1
        size = preview_size(scene.canvas.width, scene.canvas.height)
        self._sent[self._seq] = time.perf_counter()
        self._newest = ("preview", self._seq, scene_to_dict(scene), self.maps, size)
        self._requests.put(self._newest)
        return self._seq

    def export(self, scene, folder, maps, prefix: str = "") -> int:
        """Queue an export of ``maps`` of ``scene`` at canvas size into ``folder`` (written
        atomically by the worker, see :func:`posestudio.render.export.export_maps`); the
        answer comes as ``exported(seq, paths, error)``. Returns the job's sequence number."""
        from posestudio.scene.file_format import scene_to_dict

        self.start()
        self._seq += 1
        self._exports.add(self._seq)
        self._requests.put(("export", self._seq, scene_to_dict(scene), str(folder),
                            list(maps), prefix))
        return self._seq

    def exporting(self) -> bool:
        return bool(self._exports)

    def _restart_if_dead(self) -> None:
        """A crash in the render process (GL driver) must not end the previews for good."""
        if self._process is None or self._process.is_alive():
            return
        code = self._process.exitcode
        self._process.join(timeout=0)
        for q in (self._requests, self._results):
            q.cancel_join_thread()
            q.close()
        self._process = self._requests = self._results = None
        self.failed.emit(f"preview renderer stopped (exit code {code}); restarting")
        for seq in sorted(self._exports):     # lost with the process: say so, do not wait
            self.exported.emit(seq, [], f"the renderer stopped (exit code {code})")
        self._exports.clear()
        self.start()
        if self._sent and self._newest is not None:
            self._requests.put(self._newest)

    def _poll(self) -> None:
        self._restart_if_dead()
        newest = None
        while True:
            try:
                newest = self._results.get_nowait()
            except (queue.Empty, OSError, ValueError):
                break
            kind, seq, images, seconds, error = newest
            if kind == "export":
                if seq in self._exports:
                    self._exports.discard(seq)
                    self.exported.emit(seq, images, error or "")
                continue
            sent = self._sent.pop(seq, None)
            for old in [s for s in self._sent if s < seq]:
                self._sent.pop(old)           # superseded, never rendered
            if error:
                self.failed.emit(error)
            elif sent is not None:
                latency = time.perf_counter() - sent
                self.latencies.append(latency)
                del self.latencies[:-200]
                self.ready.emit(images, seconds, latency)

    def running(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def stop(self) -> None:
        """Stop the render process (≤ 3 s, never blocks the exit of the editor)."""
        self._timer.stop()
        if self._process is None:
            return
        try:
            self._requests.put(None)
            deadline = time.monotonic() + 2.0
            while self._process.is_alive() and time.monotonic() < deadline:
                # a worker exits only once its last answer is read out of the pipe
                try:
                    self._results.get(timeout=0.05)
                except (queue.Empty, OSError, ValueError):
                    pass
        finally:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join(timeout=1)
            for q in (self._requests, self._results):
                q.cancel_join_thread()        # unsent requests must not hold up exit
                q.close()
            self._process = self._requests = self._results = None
            self._sent.clear()
            self._exports.clear()


# --- pose-library thumbnails ---------------------------------------------------------------------

class ThumbnailWorker(QObject):
    """Renders pose thumbnails in a spawned process; ``done(dict name → uint8 image)``."""

    done = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = None
        self._futures = []
        self._timer = QTimer(self)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self._poll)

    def render(self, jobs: list[tuple[str, np.ndarray, np.ndarray]]) -> None:
        from concurrent.futures import ProcessPoolExecutor

        if not jobs:
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn"))
        plain = [(n, np.asarray(p).tolist(), np.asarray(t).tolist()) for n, p, t in jobs]
        self._futures.append(self._pool.submit(render_thumbnails, plain, THUMB_SIZE))
        self._timer.start()

    def _poll(self) -> None:
        for future in [f for f in self._futures if f.done()]:
            self._futures.remove(future)
            try:
                self.done.emit(future.result())
            except Exception:          # thumbnails are a nicety: keep the names without icons
                pass
        if not self._futures:
            self._timer.stop()

    def running(self) -> bool:
        return self._pool is not None

    def stop(self) -> None:
        """Drop pending thumbnails and end the render process now (a render in progress
        would otherwise hold up the editor's exit)."""
        self._timer.stop()
        self._futures.clear()
        if self._pool is not None:
            processes = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                if process.is_alive():
                    process.terminate()
                process.join(timeout=1)
            self._pool = None
