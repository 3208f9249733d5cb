"""Video and re-pose jobs in the worker process: events of the service protocol, outputs written."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from test_service import events_until_terminal


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
        events = events_until_terminal(process, job, timeout=180.0)
        assert events[-1][0] == "done", events[-1]
        payload = events[-1][1]
        assert Path(payload["image"]) == out and out.is_file()
        assert payload["family"] == "flux2-klein" and payload["request"]["seed"] == 1
        assert ("stage", "step 2/2") in events
        assert ("progress", 1000, 1000) in events
        bad = dict(request.to_dict(), base=str(tmp_path / "missing"))
        job = process.submit("repose", scene_to_dict(scene), bad, str(tmp_path / "bad.png"))
        kind, message = events_until_terminal(process, job, timeout=180.0)[-1]
        assert kind == "failed" and "does not exist" in message and "\n" not in message
    finally:
        process.stop()
