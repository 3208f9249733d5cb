"""The generation process the editor uses: jobs, events, cancel, a warm pipeline between jobs."""

from __future__ import annotations

import time

from posestudio.generate import ControlSpec, GenerationRequest
from posestudio.generate.service import TERMINAL, GenerationProcess
from posestudio.scene.file_format import scene_to_dict
from posestudio.scene.model import Canvas, Person, Scene


def events_until_terminal(process: GenerationProcess, job: int, timeout: float = 120.0) -> list:
    """The events of ``job`` (and job 0) from any process of the service protocol, up to and
    including its terminal one."""
    events, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = process.next_event(0.1)
        if event is None or event[0] not in (job, 0):
            continue
        events.append(event[1:])
        if event[1] in TERMINAL:
            return events
    raise AssertionError(f"no terminal event within {timeout} s: {events}")


def test_jobs_report_progress_results_and_cancel(tiny, tmp_path):
    base, cn = tiny["sd15"]
    scene = scene_to_dict(Scene(canvas=Canvas(64, 64), people=[Person()]))
    request = GenerationRequest(base=str(base), controlnets=[ControlSpec(str(cn), "openpose")],
                                prompt="a dancer", steps=2, seed=3, width=64, height=64,
                                device="cpu")
    process = GenerationProcess()
    try:
        job = process.submit(scene, request.to_dict(), str(tmp_path / "a.png"))
        events = events_until_terminal(process, job)
        kinds = [e[0] for e in events]
        assert kinds[0] == "stage" and kinds[-1] == "done", events
        assert [e[1:] for e in events if e[0] == "progress"] == [(1, 2), (2, 2)]
        done = events[-1][1]
        assert done["images"] == [str(tmp_path / "a.png")] and done["family"] == "sd"
        assert done["requests"][0]["seed"] == 3
        assert set(done["maps"]) == {"openpose"} and (tmp_path / "a.openpose.png").is_file()

        # Cancel from the front end: the run stops within one step and writes nothing.
        long = GenerationRequest.from_dict({**request.to_dict(), "steps": 400})
        job = process.submit(scene, long.to_dict(), str(tmp_path / "b.png"))
        seen = []
        while True:
            event = process.next_event(0.1)
            if event is not None and event[0] == job and event[1] == "progress":
                seen.append(event[2])
                break
        process.cancel()
        events = events_until_terminal(process, job)
        assert events[-1] == ("cancelled",)
        steps = seen + [e[1] for e in events if e[0] == "progress"]
        assert max(steps) < 400
        assert not (tmp_path / "b.png").exists()

        # A bad job fails with one message and the process keeps serving.
        bad = GenerationRequest.from_dict({**request.to_dict(), "base": str(tmp_path / "nope")})
        job = process.submit(scene, bad.to_dict(), str(tmp_path / "c.png"))
        events = events_until_terminal(process, job)
        assert events[-1][0] == "failed" and "does not exist" in events[-1][1]
        assert process.alive
    finally:
        process.stop()
    assert not process.alive


def _report_env(names, out) -> None:
    import os

    out.put({name: os.environ.get(name) for name in names})


def test_spawned_worker_gets_egl_and_the_parent_environment_is_restored(monkeypatch):
    import multiprocessing as mp
    import os

    from posestudio.worker_process import spawn_worker

    monkeypatch.setenv("PYOPENGL_PLATFORM", "glx")          # e.g. the editor's own GL platform
    monkeypatch.delenv("POSESTUDIO_TEST_FLAG", raising=False)
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    names = ("PYOPENGL_PLATFORM", "POSESTUDIO_TEST_FLAG")
    process = spawn_worker(_report_env, (names, out), name="posestudio-test", ctx=ctx,
                           env={"PYOPENGL_PLATFORM": "egl", "POSESTUDIO_TEST_FLAG": "1"})
    try:
        assert out.get(timeout=60) == {"PYOPENGL_PLATFORM": "egl", "POSESTUDIO_TEST_FLAG": "1"}
    finally:
        process.join(10)
    assert process.daemon and process.name == "posestudio-test" and process.exitcode == 0
    # Set for the start only: the parent keeps its own value and an unset variable stays unset.
    assert os.environ["PYOPENGL_PLATFORM"] == "glx"
    assert "POSESTUDIO_TEST_FLAG" not in os.environ
