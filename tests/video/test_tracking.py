"""Identities across frames: two people crossing, a missed frame, a bystander, shuffled order."""

from __future__ import annotations

import numpy as np

from motion_cases import keypoint_frames, walk_motion
from posestudio.body import load_body_model
from posestudio.scene.model import Camera, Canvas
from posestudio.video.tracking import Tracker, body_box, keep_tracks, track_people

CANVAS = Canvas(960, 540)
CAMERA = Camera(yaw_deg=0.0, pitch_deg=5.0, distance=6.0, target=(0.0, 0.9, 0.0), fov_y_deg=50.0)


def _crossing(frames: int = 36):
    """Person A walks left → right, B right → left a little further back, C stands aside."""
    body = load_body_model("mannequin")
    a = walk_motion(frames, 30.0, speed=1.2, start=(-1.2, 0.0, 0.0))
    b = walk_motion(frames, 30.0, speed=1.2, direction=np.pi, start=(1.2, 0.0, -0.6), phase=1.0)
    still = walk_motion(frames, 30.0, speed=0.0, start=(-2.6, 0.0, -1.5))
    people = []
    for motion, betas in ((a, np.zeros(10)), (b, np.full(10, 0.8)), (still, np.full(10, -0.5))):
        kps, _ = keypoint_frames(body, *motion, betas, CAMERA, CANVAS, noise=2.0, seed=len(people))
        people.append(kps)
    return people


def test_identities_survive_a_crossing_a_missed_frame_and_shuffling():
    a, b, c = _crossing()
    rng = np.random.default_rng(0)
    frames, truth = [], []
    for t in range(len(a)):
        here = [("a", a[t]), ("b", b[t]), ("c", c[t])]
        if 16 <= t <= 18:        # B hidden behind A while they cross
            here = [h for h in here if h[0] != "b"]
        order = rng.permutation(len(here))
        frames.append([here[i][1] for i in order])
        truth.append([here[i][0] for i in order])
    tracker = Tracker(max_missed=10)
    owner: dict[int, set] = {}
    for t, people in enumerate(frames):
        ids = tracker.update(t, people)
        for track_id, who in zip(ids, truth[t]):
            owner.setdefault(track_id, set()).add(who)
    assert all(len(who) == 1 for who in owner.values()), owner   # nobody swapped
    tracks = tracker.all_tracks()
    assert len(tracks) == 3                                        # nobody dropped or split
    seen = {next(iter(owner[t.track_id])): len(t.detections) for t in tracks}
    assert seen == {"a": 36, "b": 33, "c": 36}


def test_a_brief_phantom_is_not_kept_and_the_largest_comes_first():
    a, b, _ = _crossing(20)
    frames = [[a[t], b[t]] for t in range(20)]
    phantom = a[7].body.copy()
    phantom[phantom[:, 2] > 0, :2] += (300.0, -150.0)
    frames[7].append(a[7].__class__(body=phantom))
    tracks = keep_tracks(track_people(frames), 20, 30.0)
    assert len(tracks) == 2
    sizes = [np.mean([np.hypot(*(b[2:] - b[:2])) for b in
                      (body_box(p.body) for p in t.detections.values())]) for t in tracks]
    assert sizes[0] >= sizes[1]


def _shrunk(person, factor: float, towards: np.ndarray):
    """``person`` with its present body points pulled towards ``towards`` by ``factor``."""
    body = person.body.copy()
    present = body[:, 2] > 0
    body[present, :2] = towards + (body[present, :2] - towards) * factor
    return person.__class__(body=body)


def test_a_detector_latching_onto_part_of_the_body_is_not_that_person():
    """A person turning away can be read by the detector as a small figure in their own legs:
    a whole skeleton at 0.4 of the size, inside the real one. Those frames are not given to the
    person (the fit fills them instead of following the small figure), nor kept as someone
    else; a partial detection at the right scale (the legs hidden) still is the person."""
    a, _, _ = _crossing(30)
    frames = [[a[t]] for t in range(30)]
    for t in (12, 13, 14):
        knees = a[t].body[[9, 12], :2].mean(0)          # COCO-18 right and left knee
        frames[t] = [_shrunk(a[t], 0.4, knees)]
    upper = a[20].body.copy()
    upper[8:14] = 0.0                                    # hips, knees and ankles not seen
    frames[20] = [a[20].__class__(body=upper)]
    tracks = track_people(frames)
    kept = keep_tracks(tracks, 30, 30.0)
    assert len(kept) == 1
    assert sorted(kept[0].detections) == [t for t in range(30) if t not in (12, 13, 14)]
    assert kept[0].detections[20].body is frames[20][0].body


def test_only_people_allowed_to_start_a_track_start_one():
    """The video importer lets only its whole-frame search bring newcomers: what a graph
    following someone finds and no track takes (``may_start`` false) starts no track."""
    a, _, _ = _crossing(10)
    knees = a[4].body[[9, 12], :2].mean(0)
    tracker = Tracker()
    for t in range(10):
        people = [_shrunk(a[t], 0.4, knees)] if t == 4 else [a[t]]
        ids = tracker.update(t, people, may_start=[t == 0])
        assert ids == ([-1] if t == 4 else [0])
    assert len(tracker.all_tracks()) == 1
    # Without the restriction the small figure becomes someone else.
    loose = Tracker()
    for t in range(10):
        loose.update(t, [_shrunk(a[t], 0.4, knees)] if t == 4 else [a[t]])
    assert len(loose.all_tracks()) == 2
