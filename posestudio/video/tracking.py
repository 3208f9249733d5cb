"""Who is who across frames: people detected frame by frame → tracks with stable identities.

Each track predicts where its body keypoints will be in the next frame (constant velocity,
damped, from its recent motion) and the detections of a frame are matched to the predictions by
the Hungarian method (``scipy.optimize.linear_sum_assignment``) on a cost that is the mean
distance between the predicted and detected body keypoints both have, in units of the track's
size, plus a term for the box centres. Pairs costlier than ``MAX_COST`` never match. So when two
people cross, each keeps their identity because their motion carries their prediction past the
other; a short occlusion (a person missed for a few frames, or detected only partly) keeps the
track alive on its prediction for up to ``max_missed`` frames; a bystander standing still keeps
a track of their own and never steals the main person's.

Pure numpy + scipy; the per-frame people are anything with ``body`` (18, 3) pixel keypoints
(``DetectedPerson``, ``keypoints.OpenPosePerson``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

# A pairing costlier than this (mean keypoint distance / track size + box term) is no match.
MAX_COST = 0.6
# Weight of the box-centre distance (in track sizes) in the cost.
BOX_WEIGHT = 0.3
# Velocity smoothing: share of the newest frame-to-frame motion in the velocity estimate.
VELOCITY_GAIN = 0.6
# Velocity kept per frame while a track is unseen (its prediction slows down).
VELOCITY_DAMPING = 0.9
# Body points that must be present for a detection to start a track.
MIN_POINTS_NEW = 5
# Largest change of scale (the spread of the body points a detection shares with the
# prediction) that can still be the same person: beyond it the detector has latched onto a
# part of the body (a person turning away read as a small figure in their legs) or onto
# someone nearer or farther away.
MAX_SCALE_CHANGE = 1.6


def body_box(body: np.ndarray) -> np.ndarray | None:
    """(x0, y0, x1, y1) of the present points of ``body`` (N, 3), or None if fewer than 2."""
    present = body[body[:, 2] > 0, :2]
    if len(present) < 2:
        return None
    return np.concatenate([present.min(0), present.max(0)])


def _size(box: np.ndarray) -> float:
    return float(max(math.hypot(box[2] - box[0], box[3] - box[1]), 1.0))


def _spread(points: np.ndarray) -> float:
    """Root-mean-square distance of ``points`` (N, 2) from their centroid, pixels."""
    return float(np.sqrt(((points - points.mean(0)) ** 2).sum(1).mean()))


@dataclass
class Track:
    """One person followed through the frames.

    Attributes
    ----------
    track_id : int, in order of first appearance
    detections : dict frame index → the person detected there (only frames where seen)
    position : (18, 2) last known body keypoints (pixels; unseen points carried by prediction)
    known : (18,) bool, which points of ``position`` were ever seen
    velocity : (18, 2) pixels per frame
    size : float, diagonal of the body box, pixels (smoothed)
    last_frame : int, last frame the track was seen
    """

    track_id: int
    detections: dict = field(default_factory=dict)
    position: np.ndarray = field(default_factory=lambda: np.zeros((18, 2)))
    known: np.ndarray = field(default_factory=lambda: np.zeros(18, dtype=bool))
    velocity: np.ndarray = field(default_factory=lambda: np.zeros((18, 2)))
    size: float = 1.0
    last_frame: int = -1

    def predict(self, frame: int) -> np.ndarray:
        """Predicted body keypoints (18, 2) at ``frame``."""
        gap = frame - self.last_frame
        # Damped constant velocity: sum of VELOCITY_DAMPING^k for the frames skipped.
        steps = gap if gap <= 1 else (1 - VELOCITY_DAMPING ** gap) / (1 - VELOCITY_DAMPING)
        return self.position + self.velocity * steps

    def update(self, frame: int, person) -> None:
        body = np.asarray(person.body, dtype=np.float64)[:18]
        seen = body[:, 2] > 0
        predicted = self.predict(frame)
        gap = max(1, frame - self.last_frame)
        both = seen & self.known
        if self.last_frame >= 0 and both.any():
            motion = (body[both, :2] - self.position[both]) / gap
            mean = motion.mean(0)
            new_velocity = np.where(both[:, None], 0.0, mean)   # unseen points: the mean motion
            new_velocity[both] = motion
            self.velocity = (1 - VELOCITY_GAIN) * self.velocity + VELOCITY_GAIN * new_velocity
        self.position = np.where(seen[:, None], body[:, :2], predicted)
        self.known |= seen
        box = body_box(body)
        if box is not None:
            self.size = _size(box) if self.last_frame < 0 else 0.8 * self.size + 0.2 * _size(box)
        self.last_frame = frame
        self.detections[frame] = person

    def box_centre(self, frame: int) -> np.ndarray:
        p = self.predict(frame)[self.known]
        return (p.min(0) + p.max(0)) / 2 if len(p) else np.zeros(2)


def match_cost(track: Track, frame: int, person) -> float:
    """Cost of giving ``person`` (detected at ``frame``) to ``track``; ``inf`` if they share
    fewer than three body points or those points' scale differs from the prediction's by more
    than ``MAX_SCALE_CHANGE``."""
    body = np.asarray(person.body, dtype=np.float64)[:18]
    both = (body[:, 2] > 0) & track.known
    if np.count_nonzero(both) < 3:
        return math.inf
    predicted = track.predict(frame)
    scale = _spread(body[both, :2]) / max(_spread(predicted[both]), 1.0)
    if not 1.0 / MAX_SCALE_CHANGE <= scale <= MAX_SCALE_CHANGE:
        return math.inf
    keypoint = float(np.linalg.norm(body[both, :2] - predicted[both], axis=1).mean()) / track.size
    box = body_box(body)
    centre = (box[:2] + box[2:]) / 2 if box is not None else body[both, :2].mean(0)
    boxterm = float(np.linalg.norm(centre - track.box_centre(frame))) / track.size
    return keypoint + BOX_WEIGHT * boxterm


class Tracker:
    """Assigns each frame's detections to tracks (see the module docstring).

    Parameters
    ----------
    max_missed : frames a track survives unseen (a short occlusion) before it ends
    """

    def __init__(self, max_missed: int = 15):
        self.max_missed = int(max_missed)
        self.tracks: list[Track] = []
        self.ended: list[Track] = []

    def update(self, frame: int, people, may_start=None) -> list[int]:
        """Match ``people`` detected at ``frame`` to tracks; returns each one's track id (new
        tracks for unmatched people with enough points whose ``may_start`` is true — all by
        default; -1 for a person left out)."""
        from scipy.optimize import linear_sum_assignment

        alive = []
        for track in self.tracks:
            (alive if frame - track.last_frame <= self.max_missed else self.ended).append(track)
        self.tracks = alive
        ids = [-1] * len(people)
        if self.tracks and people:
            cost = np.array([[match_cost(t, frame, p) for p in people] for t in self.tracks])
            big = 1e6
            rows, cols = linear_sum_assignment(np.where(cost <= MAX_COST, cost, big))
            for r, c in zip(rows, cols):
                if cost[r, c] <= MAX_COST:
                    self.tracks[r].update(frame, people[c])
                    ids[c] = self.tracks[r].track_id
        for i, person in enumerate(people):
            if ids[i] >= 0 or (may_start is not None and not may_start[i]):
                continue
            if np.count_nonzero(np.asarray(person.body)[:18, 2] > 0) < MIN_POINTS_NEW:
                continue
            box = body_box(np.asarray(person.body, dtype=np.float64))
            if box is not None and any(_overlaps(box, t, frame) for t in self.tracks):
                continue  # a fragment of someone already tracked (or a double detection)
            track = Track(track_id=len(self.tracks) + len(self.ended))
            track.update(frame, person)
            self.tracks.append(track)
            ids[i] = track.track_id
        return ids

    def all_tracks(self) -> list[Track]:
        """Every track, ended or not, in order of first appearance."""
        return sorted(self.ended + self.tracks, key=lambda t: t.track_id)

    def predicted_boxes(self, frame: int) -> list[tuple[int, np.ndarray]]:
        """(track id, predicted box (4,)) of the live tracks at ``frame``."""
        out = []
        for t in self.tracks:
            p = t.predict(frame)[t.known]
            if len(p) >= 2:
                out.append((t.track_id, np.concatenate([p.min(0), p.max(0)])))
        return out


def _overlaps(box: np.ndarray, track: Track, frame: int) -> bool:
    """Whether ``box`` lies mostly (> 70 % of its area) inside the track's predicted box, and
    the track was seen in this very frame (a second detection of the same person)."""
    if track.last_frame != frame:
        return False
    p = track.predict(frame)[track.known]
    if len(p) < 2:
        return False
    other = np.concatenate([p.min(0), p.max(0)])
    ix = max(0.0, min(box[2], other[2]) - max(box[0], other[0]))
    iy = max(0.0, min(box[3], other[3]) - max(box[1], other[1]))
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1e-6)
    return ix * iy / area > 0.7


def track_people(frames_people: list[list], max_missed: int = 15) -> list[Track]:
    """Tracks of a whole sequence: ``frames_people[t]`` is the list of people of frame ``t``."""
    tracker = Tracker(max_missed=max_missed)
    for t, people in enumerate(frames_people):
        tracker.update(t, list(people))
    return tracker.all_tracks()


def frames_needed(num_frames: int, fps: float, min_seconds: float = 1.0,
                  min_share: float = 0.5) -> int:
    """Frames a track must be seen in to be kept: ``min_seconds`` of them, or (short clips)
    ``min_share`` of the clip; at least 3."""
    return max(3, min(int(round(min_seconds * fps)), int(math.ceil(min_share * num_frames))))


def keep_tracks(tracks: list[Track], num_frames: int, fps: float,
                min_seconds: float = 1.0, min_share: float = 0.5) -> list[Track]:
    """The tracks that stay in view long enough: seen in at least ``min_seconds`` of frames, or
    (short clips) ``min_share`` of them; largest (mean body box) first."""
    need = frames_needed(num_frames, fps, min_seconds, min_share)
    kept = [t for t in tracks if len(t.detections) >= need]

    def mean_size(t: Track) -> float:
        sizes = [body_box(np.asarray(p.body, dtype=np.float64)) for p in t.detections.values()]
        return float(np.mean([_size(b) for b in sizes if b is not None] or [0.0]))

    return sorted(kept, key=mean_size, reverse=True)
