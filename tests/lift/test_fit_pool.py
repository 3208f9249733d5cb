"""Several people's temporal fits side by side in worker processes (``lift.fit_pool``): the
same motion as fitted one after the other, progress from every person, a stop that leaves no
worker running, a person who cannot be lifted named in one message."""

from __future__ import annotations

import queue
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "video"))

from motion_cases import keypoint_frames, walk_motion  # noqa: E402
from posestudio.body import load_body_model  # noqa: E402
from posestudio.errors import Cancelled, LiftError  # noqa: E402
from posestudio.lift.sequence import TrackedPerson, lift_tracks  # noqa: E402
from posestudio.scene.model import Camera, Canvas  # noqa: E402

CANVAS = Canvas(640, 480)
FRAMES = 8


@pytest.fixture(scope="module")
def walkers():
    body = load_body_model("mannequin")
    camera = Camera(yaw_deg=0.0, pitch_deg=5.0, distance=6.0, target=(0.0, 0.9, 0.0),
                    fov_y_deg=50.0)
    a, _ = keypoint_frames(body, *walk_motion(FRAMES, 30.0, start=(-1.0, 0, 0)), np.zeros(10),
                           camera, CANVAS, noise=1.0)
    b, _ = keypoint_frames(body, *walk_motion(FRAMES, 30.0, direction=np.pi, start=(1.0, 0, -0.8)),
                           np.zeros(10), camera, CANVAS, noise=1.0, seed=1)
    c, _ = keypoint_frames(body, *walk_motion(FRAMES, 30.0, direction=0.5, start=(0.0, 0, 1.0)),
                           np.zeros(10), camera, CANVAS, noise=1.0, seed=2)
    return [TrackedPerson(dict(enumerate(people)), i) for i, people in enumerate((a, b, c))]


def _lift(tracks, **kwargs):
    return lift_tracks(tracks, FRAMES, (CANVAS.width, CANVAS.height), 30.0, **kwargs)


def test_workers_fit_the_same_motion_and_report_everyone(walkers):
    """Three people, one worker: this process fits the first and whichever the worker has not
    started, the worker the others one after the other."""
    before = _child_processes()
    here, _ = _lift(walkers, workers=0)
    seen = []
    pooled, report = _lift(walkers, workers=1, progress=lambda f, m: seen.append((f, m)))
    assert len(pooled.people) == 3
    for a, b in zip(here.animation.tracks, pooled.animation.tracks):
        assert len(a) == len(b) == FRAMES
        for ka, kb in zip(a, b):
            np.testing.assert_allclose(kb.pose, ka.pose, atol=1e-6)
            np.testing.assert_allclose(kb.transl, ka.transl, atol=1e-6)
    for a, b in zip(here.people, pooled.people):
        np.testing.assert_allclose(b.betas, a.betas, atol=1e-9)
    assert any("person 2" in m for _, m in seen[:-1]), seen     # the worker's progress came back
    assert seen[-1][0] == pytest.approx(1.0)
    assert report.seconds["fit"] > 0
    assert _child_processes() <= before      # no worker left behind


def test_stop_ends_every_worker(walkers):
    before = _child_processes()
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        _lift(walkers[:2], workers=1, cancelled=cancelled)
    assert _child_processes() <= before      # no worker left behind


def test_a_person_a_worker_cannot_lift_is_named(walkers):
    before = _child_processes()
    blind = TrackedPerson({t: _blank(p) for t, p in walkers[1].detections.items()}, 1)
    with pytest.raises(LiftError, match=r"^person 1: too few body keypoints"):
        _lift([walkers[0], blind], workers=1)
    assert _child_processes() <= before      # no worker left behind


def _child_processes() -> set[str]:
    """Process ids of this process's children (every thread's), from /proc; other tests'
    long-lived workers may be among them."""
    return {pid for task in Path("/proc/self/task").iterdir()
            for pid in (task / "children").read_text().split()}


def _blank(person):
    """The same detection with its body keypoints' confidence zeroed."""
    import copy

    person = copy.deepcopy(person)
    person.body[:, 2] = 0.0
    return person


def test_a_worker_ends_on_sigterm_without_a_result(walkers):
    from posestudio.lift import _keypoint_model
    from posestudio.lift.fit import selection_matrix
    from posestudio.lift.fit_pool import FitJob, _Worker
    from posestudio.lift.sequence import track_targets

    _, model = _keypoint_model("mannequin")
    _, available = selection_matrix(model.landmark_names,
                                    ("body", "hand_left", "hand_right", "face"))
    targets, points3d = track_targets(walkers[0], FRAMES, available)
    inbox = queue.Queue()
    worker = _Worker(0, FitJob(targets, points3d, 500.0, (CANVAS.width, CANVAS.height), 30.0),
                     "mannequin", inbox)
    first = inbox.get(timeout=60)
    assert first[:2] == (0, "progress"), first
    worker.stop()
    worker.join()
    messages = []
    while not inbox.empty():
        messages.append(inbox.get_nowait())
    kinds = [m[1] for m in messages]
    assert "result" not in kinds and kinds[-2:] == ["error", "exit"], kinds
    assert "stopped" in messages[-2][2]
    assert worker.process.returncode == 0
