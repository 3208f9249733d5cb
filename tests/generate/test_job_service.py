"""Video and re-pose jobs in the worker process: events of the service protocol, outputs written."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image


def events_until_end(process, job_id, timeout=180.0):
    events, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        event = process.next_event(0.2)
        if event is None or event[0] not in (job_id, 0):
            continue
        events.append(event[1:])
        if event[1] in ("done", "failed", "cancelled"):
            return events
    raise AssertionError(f"no terminal event in {timeout} s: {events[-3:]}")


@pytest.mark.slow   # a spawned interpreter importing torch/diffusers/pyrender: ~40 s on 2 busy cores
def test_repose_job_then_a_failing_one(tiny_edit, tmp_path):
    from posestudio.cli.scene_args import load_scene_arg
    from posestudio.generate.job_service import JobProcess
    from posestudio.generate.repose import ReposeRequest
    from posestudio.scene.file_format import scene_to_dict
    from posestudio.scene.model import Canvas

    scene = load_scene_arg("waving")
    scene.canvas = Canvas(64, 64)
    character = tmp_path / "character.png"
    Image.new("RGB", (64, 64), (200, 60, 40)).save(character)
    request = ReposeRequest(base=str(tiny_edit["flux2-klein"]["base"]), image=str(character),
                            steps=2, seed=1, device="cpu")
    process = JobProcess()
    try:
        out = tmp_path / "out.png"
        job = process.submit("repose", scene_to_dict(scene), request.to_dict(), str(out))
        events = events_until_end(process, job)
        assert events[-1][0] == "done", events[-1]
        payload = events[-1][1]
        assert Path(payload["image"]) == out and out.is_file()
        assert payload["family"] == "flux2-klein" and payload["request"]["seed"] == 1
        assert ("stage", "step 2/2") in events
        assert ("progress", 1000, 1000) in events
        bad = dict(request.to_dict(), base=str(tmp_path / "missing"))
        job = process.submit("repose", scene_to_dict(scene), bad, str(tmp_path / "bad.png"))
        kind, message = events_until_end(process, job)[-1]
        assert kind == "failed" and "does not exist" in message and "\n" not in message
    finally:
        process.stop()
