"""The preview worker process: renders the scene camera's maps off the UI thread, newest request
wins, and a crashed renderer is restarted with the newest scene."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from posestudio.scene.model import Canvas, Person, Scene

pytestmark = pytest.mark.gui


@pytest.fixture
def worker(qapp):
    from posestudio.ui.workers import PreviewWorker

    w = PreviewWorker(("openpose", "depth"))
    yield w
    w.stop()
    assert not w.running()


def test_newest_request_wins_and_a_killed_renderer_comes_back(worker, qtbot):
    scene = Scene(canvas=Canvas(512, 768), people=[Person()])
    with qtbot.waitSignal(worker.ready, timeout=90000) as first:
        worker.request(scene)
    images, seconds, latency = first.args
    assert set(images) == {"openpose", "depth"} and images["depth"].shape == (384, 256)
    # a burst of edits: the UI never waits, and the last scene is the one shown
    shown = []
    worker.ready.connect(lambda images, *a: shown.append(images))
    for k in range(12):
        moved = scene.copy()
        moved.people[0].transl = np.array([0.05 * k, 0.0, 0.0])
        worker.request(moved)
    qtbot.waitUntil(lambda: not worker._sent, timeout=30000)
    assert 1 <= len(shown) < 12, "superseded requests are skipped, not rendered"
    last = shown[-1]["openpose"]
    cols = np.flatnonzero(last.max(axis=(0, 2)) > 0)
    first_cols = np.flatnonzero(images["openpose"].max(axis=(0, 2)) > 0)
    assert cols.mean() > first_cols.mean() + 20, "the newest scene (moved right) is shown"
    # the renderer dies (a GL driver crash): the next poll restarts it and re-renders
    os.kill(worker._process.pid, signal.SIGKILL)
    worker._process.join(timeout=5)
    with qtbot.waitSignal(worker.failed, timeout=5000) as failure:
        worker.request(scene)
    assert "restarting" in failure.args[0]
    qtbot.waitUntil(lambda: not worker._sent, timeout=90000)
    assert worker.running()
