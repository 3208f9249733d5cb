"""Control-map previews and exports rendered off the UI thread, in a separate process.

Why a process: pyrender needs its own GL context (EGL, headless) and Qt's viewport owns a GLX/xcb
one; sharing a process works only with ``QT_XCB_GL_INTEGRATION=xcb_egl`` and is fragile, and
pure-Python rendering in a thread would hold the GIL while the user drags. A ``spawn``-ed worker
with ``PYOPENGL_PLATFORM=egl`` keeps the UI responsive and crashes in GL cannot take the editor
down. Preview requests are *latest wins*: while the worker renders, newer scenes replace the
pending one. Export jobs (full canvas size, written atomically into a folder by the worker) are
never skipped, and run before the newest preview.

Protocol: the UI sends ``("preview", seq, scene_dict, maps, size)`` or
``("export", seq, scene_dict, folder, maps, prefix)``; the worker answers
``("preview", seq, {name: uint8 array}, seconds, error_text_or_None)`` or
``("export", seq, [written paths], seconds, error_text_or_None)``.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from posestudio.worker_process import spawn_worker

PREVIEW_MAPS = ("openpose", "depth", "normal", "canny", "seg")
PREVIEW_MAX_SIDE = 384
WORKER_NICE = 4          # a little below the editor (see _lower_priority)


def preview_size(width: int, height: int, max_side: int = PREVIEW_MAX_SIDE) -> tuple[int, int]:
    """Canvas size scaled down so the longer side is ``max_side`` (aspect kept, ≥ 16 px)."""
    scale = min(1.0, max_side / max(width, height))
    return max(16, int(round(width * scale))), max(16, int(round(height * scale)))


def _lower_priority() -> None:
    """Let the editor's own thread win the CPU: on a machine with few cores (and software GL,
    whose rasteriser threads need them too) a render competing at equal priority slows the
    viewport during a drag. Mild (4): at 10 the worker starved during drags and the last
    preview came ~180 ms after the release instead of ~25 ms."""
    if hasattr(os, "nice"):
        try:
            os.nice(WORKER_NICE)
        except OSError:
            pass


def _render_preview(job) -> tuple:
    from posestudio.render.pipeline import render_scene
    from posestudio.scene.file_format import scene_from_dict

    _, seq, scene_dict, maps, size = job
    start = time.perf_counter()
    try:
        result = render_scene(scene_from_dict(scene_dict), maps=list(maps), size=size).maps
        images = {name: np.ascontiguousarray(result[name]) for name in maps if name in result}
        return ("preview", seq, images, time.perf_counter() - start, None)
    except Exception as exc:                  # report, keep serving: the UI shows the message
        return ("preview", seq, {}, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")


def _run_export(job) -> tuple:
    from posestudio.errors import PoseStudioError
    from posestudio.scene.file_format import scene_from_dict

    from .export_dialog import export_maps

    _, seq, scene_dict, folder, maps, prefix = job
    start = time.perf_counter()
    try:
        paths = export_maps(scene_from_dict(scene_dict), folder, maps, prefix)
        return ("export", seq, [str(p) for p in paths], time.perf_counter() - start, None)
    except PoseStudioError as exc:            # the user's message, as the dialog shows it
        return ("export", seq, [], time.perf_counter() - start, str(exc))
    except Exception as exc:
        return ("export", seq, [], time.perf_counter() - start, f"{type(exc).__name__}: {exc}")


def _serve(requests: "mp.Queue", results: "mp.Queue") -> None:
    """Worker process main loop: run every queued export, then render the newest preview;
    None stops it."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _lower_priority()

    while True:
        items = [requests.get()]
        while True:                           # take everything queued meanwhile
            try:
                items.append(requests.get_nowait())
            except queue.Empty:
                break
        if any(item is None for item in items):
            return
        for job in items:
            if job[0] == "export":
                results.put(_run_export(job))
        previews = [job for job in items if job[0] == "preview"]
        if previews:
            results.put(_render_preview(previews[-1]))   # skip to the newest request


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
        self._process = spawn_worker(_serve, (self._requests, self._results),
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
        atomically by the worker, see :func:`ui.export_dialog.export_maps`); the answer comes
        as ``exported(seq, paths, error)``. Returns the job's sequence number."""
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

THUMB_SIZE = (96, 128)


def _render_thumbnails(jobs: list[tuple[str, list, list]], size: tuple[int, int]) -> dict:
    """Worker-process job: shaded mannequin of each ``(name, pose, transl)``, framed front-on."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    from posestudio.body import load_body_model
    from posestudio.camera import frame_points
    from posestudio.render.pipeline import render_bodies
    from posestudio.scene.model import Camera, Canvas, Person, RenderSettings

    model = load_body_model("mannequin")
    canvas = Canvas(*size)
    out = {}
    for name, pose, transl in jobs:
        posed = model.pose_person(Person(pose=np.asarray(pose), transl=np.asarray(transl)))
        camera = frame_points(Camera(yaw_deg=15.0, pitch_deg=5.0), canvas, posed.vertices,
                              margin=0.06)
        out[name] = render_bodies([posed], camera, canvas, RenderSettings(),
                                  maps=["mannequin"]).maps["mannequin"]
    return out


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
        self._futures.append(self._pool.submit(_render_thumbnails, plain, THUMB_SIZE))
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
