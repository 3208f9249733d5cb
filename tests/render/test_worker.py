"""The render worker process: previews and exports as the editor asks for them, without Qt."""

from __future__ import annotations

import multiprocessing as mp

import numpy as np
import pytest

from posestudio.render.export import check_export, export_maps
from posestudio.render.worker import preview_size, render_preview, run_export
from posestudio.scene.file_format import scene_to_dict
from posestudio.scene.model import Canvas, Person, Scene
from posestudio.errors import InputError
from posestudio.worker_process import spawn_worker
from worker_probe import serve_then_report


def _scene(width: int = 96, height: int = 128) -> Scene:
    return Scene(canvas=Canvas(width, height), people=[Person(transl=np.array([0, 0.975, 0]))])


def test_worker_process_serves_previews_and_exports_and_never_imports_qt(tmp_path):
    ctx = mp.get_context("spawn")
    requests, results = ctx.Queue(), ctx.Queue()
    report = tmp_path / "modules.txt"
    process = spawn_worker(serve_then_report, (requests, results, str(report)),
                           name="posestudio-test-render", ctx=ctx)
    try:
        scene = scene_to_dict(_scene())
        requests.put(("preview", 1, scene, ("openpose", "depth"), (48, 64)))
        requests.put(("export", 2, scene, str(tmp_path / "maps"), ["depth"], "shot_"))
        answers = {}
        while len(answers) < 2:
            kind, seq, payload, seconds, error = results.get(timeout=120)
            assert error is None, error
            answers[kind] = (seq, payload)
        requests.put(None)
        process.join(timeout=30)
    finally:
        if process.is_alive():
            process.terminate()
    assert process.exitcode == 0
    seq, images = answers["preview"]
    assert seq == 1 and set(images) == {"openpose", "depth"}
    assert images["depth"].shape == (64, 48) and images["depth"].any()
    seq, paths = answers["export"]
    assert seq == 2 and sorted(p.rsplit("/", 1)[1] for p in paths) == [
        "shot_camera.json", "shot_depth.png", "shot_depth_metric.npy"]
    modules = set(report.read_text().split())
    assert "posestudio.render.worker" in modules
    assert not {m for m in modules if m.split(".")[0] in ("PySide6", "shiboken6")}
    assert not {m for m in modules if m.startswith("posestudio.ui")}


def test_errors_come_back_as_messages(tmp_path):
    (tmp_path / "file").write_text("x")
    job = ("export", 3, scene_to_dict(_scene()), str(tmp_path / "file"), ["depth"], "")
    kind, seq, paths, _, error = run_export(job)
    assert (kind, seq, paths) == ("export", 3, []) and "not a folder" in error
    kind, seq, images, _, error = render_preview(("preview", 4, {"format": "x"}, ["depth"],
                                                  (32, 32)))
    assert (kind, seq, images) == ("preview", 4, {}) and error


def test_export_checks_before_rendering(tmp_path):
    assert check_export(["depth", "nope", "openpose"], "shot") == (["depth", "openpose"], "shot_")
    assert check_export(["seg"], "a-")[1] == "a-"
    with pytest.raises(InputError, match="at least one map"):
        export_maps(_scene(), tmp_path / "o", ["nope"])
    with pytest.raises(InputError, match="prefix"):
        export_maps(_scene(), tmp_path / "o", ["depth"], "../up")
    assert not (tmp_path / "o").exists()


def test_preview_size_keeps_the_aspect():
    assert preview_size(768, 1024) == (288, 384)
    assert preview_size(100, 50) == (100, 50) and preview_size(8000, 10) == (384, 16)
