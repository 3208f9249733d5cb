"""Video generation and re-pose jobs in a separate, long-lived process, for front ends that must
never block (see :mod:`posestudio.generate.service` for why a process and not a thread).

The same protocol as :class:`~posestudio.generate.service.GenerationProcess`, so one front-end
job runner follows both (plain picklable data only)::

    job:    (job_id, kind, scene_dict, request_dict, out_path)   kind "video" | "repose";
                                                                 None stops the process
    events: (job_id, "stage", text) | (job_id, "progress", done, total)   (total 1000)
            | (job_id, "done", payload) | (job_id, "failed", message) | (job_id, "cancelled")

``done`` payloads: video ``{"video", "sidecar", "frames_dir", "frames", "fps", "family",
"request"}``; repose ``{"image", "references": {map: path}, "family", "request"}`` (paths as str,
``request`` the dict that makes the output again). Cancel is a shared event polled every step.
"""

from __future__ import annotations

from posestudio.generate.service import GenerationProcess, next_job, report_outcome

JOB_KINDS = ("video", "repose")
PROGRESS_TOTAL = 1000


def run_job(kind: str, scene_dict: dict, request_dict: dict, out: str, progress, cancelled) -> dict:
    """Run one job in this process; returns the ``done`` payload. ``progress(fraction, message)``."""
    from posestudio.errors import InputError
    from posestudio.scene.file_format import scene_from_dict

    scene = scene_from_dict(scene_dict)
    if kind == "video":
        from posestudio.generate.video import generate_video
        from posestudio.generate.video_params import VideoRequest

        result = generate_video(scene, VideoRequest.from_dict(request_dict), out,
                                progress=progress, cancelled=cancelled)
        return {"video": str(result.video_path), "sidecar": str(result.sidecar_path),
                "frames_dir": str(result.frames_dir), "frames": len(result.frames),
                "fps": result.fps, "family": result.family, "request": result.request.to_dict()}
    if kind == "repose":
        from posestudio.generate.repose import ReposeRequest, repose

        result = repose(scene, ReposeRequest.from_dict(request_dict), out, progress=progress,
                        cancelled=cancelled)
        return {"image": str(result.image_path),
                "references": {m: str(p) for m, p in result.reference_paths.items()},
                "family": result.family, "request": result.request.to_dict()}
    raise InputError(f"unknown job kind {kind!r} (known: {', '.join(JOB_KINDS)})")


def serve_jobs(jobs, events, cancel) -> None:
    """Worker process main loop: run jobs one after another until ``None`` arrives."""
    from posestudio.errors import Cancelled

    while (job := next_job(jobs)) is not None:
        job_id, kind, scene_dict, request_dict, out = job
        last = {"message": None}

        def progress(fraction: float, message: str) -> None:
            if message != last["message"]:
                last["message"] = message
                events.put((job_id, "stage", message))
            events.put((job_id, "progress", int(round(fraction * PROGRESS_TOTAL)), PROGRESS_TOTAL))

        def run() -> dict:
            if cancel.is_set():
                raise Cancelled("cancelled")
            return run_job(kind, scene_dict, request_dict, out, progress, cancel.is_set)

        report_outcome(events, job_id, run)


class JobProcess(GenerationProcess):
    """Owns the video/re-pose worker process; :meth:`submit` and :meth:`cancel` never block.

    The process keeps its loaded video and editing pipelines between jobs."""

    _serve = staticmethod(serve_jobs)
    _process_name = "posestudio-jobs"

    def submit(self, kind: str, scene_dict: dict, request_dict: dict,  # type: ignore[override]
               out: str) -> int:
        """Queue a ``"video"`` or ``"repose"`` job (starting the process if needed); its id."""
        if kind not in JOB_KINDS:
            from posestudio.errors import InputError

            raise InputError(f"unknown job kind {kind!r} (known: {', '.join(JOB_KINDS)})")
        return self._queue(kind, scene_dict, request_dict, str(out))
