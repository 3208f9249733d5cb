"""The render worker: a process that renders previews and exports beside a front end.

Why a process: pyrender needs its own GL context (EGL, headless) and an editor's viewport owns
another one; sharing a process works only with special GL integration settings and is fragile,
and pure-Python rendering in a thread would hold the GIL while the user drags. A worker started
with :func:`posestudio.worker_process.spawn_worker` keeps the front end responsive, and a crash
in GL cannot take the front end down. This module is what runs in that process; it never
imports Qt (the editor's side of the conversation is ``ui/workers.py``).

Protocol, over two ``multiprocessing`` queues:

- requests: ``("preview", seq, scene_dict, maps, (width, height))`` or
  ``("export", seq, scene_dict, folder, maps, prefix)``; ``None`` stops the worker.
- results: ``("preview", seq, {name: uint8 array}, seconds, error_text_or_None)`` or
  ``("export", seq, [written paths], seconds, error_text_or_None)``.

Preview requests are *latest wins*: while the worker renders, newer scenes replace the pending
one. Export jobs (full canvas size, written by :func:`posestudio.render.export.export_maps`) are
never skipped, and run before the newest preview.
"""

from __future__ import annotations

import os
import queue
import time
from typing import Any

import numpy as np

PREVIEW_MAX_SIDE = 384
WORKER_NICE = 4          # a little below the front end (see lower_priority)


def preview_size(width: int, height: int, max_side: int = PREVIEW_MAX_SIDE) -> tuple[int, int]:
    """Canvas size scaled down so that the longer side is ``max_side`` pixels (aspect kept,
    each side ≥ 16)."""
    scale = min(1.0, max_side / max(width, height))
    return max(16, int(round(width * scale))), max(16, int(round(height * scale)))


def lower_priority() -> None:
    """Let the front end's own thread win the CPU: on a machine with few cores (and software
    GL, whose rasteriser threads need them too) a render competing at equal priority slows the
    viewport during a drag. Mild (4): at 10 the worker starved during drags and the last
    preview came ~180 ms after the release instead of ~25 ms."""
    if hasattr(os, "nice"):
        try:
            os.nice(WORKER_NICE)
        except OSError:
            pass


def render_preview(job: tuple) -> tuple:
    """Answer a ``preview`` request (see the module docstring); errors become the message."""
    from posestudio.render.pipeline import render_scene
    from posestudio.scene.file_format import scene_from_dict

    _, seq, scene_dict, maps, size = job
    start = time.perf_counter()
    try:
        result = render_scene(scene_from_dict(scene_dict), maps=list(maps), size=size).maps
        images = {name: np.ascontiguousarray(result[name]) for name in maps if name in result}
        return ("preview", seq, images, time.perf_counter() - start, None)
    except Exception as exc:                  # report, keep serving: the front end shows it
        return ("preview", seq, {}, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")


def run_export(job: tuple) -> tuple:
    """Answer an ``export`` request (see the module docstring); errors become the message."""
    from posestudio.errors import PoseStudioError
    from posestudio.render.export import export_maps
    from posestudio.scene.file_format import scene_from_dict

    _, seq, scene_dict, folder, maps, prefix = job
    start = time.perf_counter()
    try:
        paths = export_maps(scene_from_dict(scene_dict), folder, maps, prefix)
        return ("export", seq, [str(p) for p in paths], time.perf_counter() - start, None)
    except PoseStudioError as exc:            # the user's message, as the dialog shows it
        return ("export", seq, [], time.perf_counter() - start, str(exc))
    except Exception as exc:
        return ("export", seq, [], time.perf_counter() - start, f"{type(exc).__name__}: {exc}")


def serve(requests: Any, results: Any) -> None:
    """The worker process's main loop: run every queued export, then render the newest
    preview; ``None`` stops it.

    Parameters
    ----------
    requests, results : ``multiprocessing`` queues of the protocol in the module docstring
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    lower_priority()
    from posestudio.render.heap import retain_freed_memory

    retain_freed_memory()                       # preview after preview reuses the buffers

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
                results.put(run_export(job))
        previews = [job for job in items if job[0] == "preview"]
        if previews:
            results.put(render_preview(previews[-1]))   # skip to the newest request


THUMB_SIZE = (96, 128)


def render_thumbnails(jobs: list[tuple[str, list, list]],
                      size: tuple[int, int] = THUMB_SIZE) -> dict[str, np.ndarray]:
    """Shaded mannequin of each ``(name, pose, transl)``, framed front-on (a job for a pool of
    worker processes).

    Parameters
    ----------
    jobs : (name, pose (55, 3) axis-angle as nested lists, transl (3,) metres)
    size : (width, height) pixels

    Returns
    -------
    dict name → (height, width, 3) uint8 image
    """
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
