"""MediaPipe in its video (tracking) mode, for several people at once.

MediaPipe's holistic graph follows one person: in video mode (``static_image_mode=False``) it
runs its person detector once and then finds the landmarks of each frame from the region the
previous frame's landmarks give, which is faster and steadier than detecting every frame
afresh. For several people, :class:`VideoPoseDetector` keeps one such graph per person being
followed and runs it on a crop around where that person is expected (the caller's tracker
predicts it), the other people's boxes painted over outside this person's own box; a crop
that moves with its person keeps them where the graph's tracking region expects them.
Every ``search_every`` frames, and whenever nobody is followed, the whole frame is searched with
the photo detector (:func:`search_frame`: the whole frame, then square tiles) for people
not yet followed.

Keypoints come back in frame pixels as :class:`~posestudio.detect.types.DetectedPerson`.
"""

from __future__ import annotations

import numpy as np

from posestudio.detect.types import DetectedPerson

# A crop is the expected box grown by this share of its longer side on every side (BlazePose's
# landmark model wants the whole figure with some context).
CROP_GROW = 0.35
# Detections this much inside (intersection / smaller area) one already found are the same person.
SAME_PERSON_OVERLAP = 0.6


def _grow(box, grow: float, width: int, height: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = (float(v) for v in box)
    pad = grow * max(x1 - x0, y1 - y0, 16.0)
    return (max(0, int(x0 - pad)), max(0, int(y0 - pad)),
            min(width, int(np.ceil(x1 + pad))), min(height, int(np.ceil(y1 + pad))))


def _overlap(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller > 0 else 0.0


class VideoPoseDetector:
    """Detects people frame after frame with one video-mode MediaPipe graph per person followed.

    Parameters
    ----------
    max_people : most people followed at once
    search_every : frames between whole-frame searches for new people

    Use as a context manager (or call :meth:`close`) to free the graphs.
    """

    def __init__(self, max_people: int = 4, search_every: int = 10):
        self.max_people = int(max_people)
        self.search_every = max(1, int(search_every))
        self._graphs: dict[int, object] = {}   # key (the caller's track id) → holistic graph
        self._spare: list[object] = []
        self._frame = 0
        self.sources: list[int | None] = []    # per person of the last frame: its graph's key
                                               # (None: found by the whole-frame search)

    def __enter__(self) -> "VideoPoseDetector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for graph in list(self._graphs.values()) + self._spare:
            graph.close()
        self._graphs, self._spare = {}, []

    def restart(self, key: int) -> None:
        """Make the graph following ``key`` look for its person afresh in the next frame (the
        caller turned its last detection down: it had latched onto something else)."""
        graph = self._graphs.get(key)
        if graph is not None:
            graph.reset()

    def _graph(self, key: int):
        graph = self._graphs.get(key)
        if graph is None:
            if self._spare:
                graph = self._spare.pop()
                graph.reset()
            else:
                from posestudio.detect.mediapipe_pose import holistic_module

                graph = holistic_module().Holistic(
                    static_image_mode=False, model_complexity=1, smooth_landmarks=False,
                    refine_face_landmarks=False, min_detection_confidence=0.5,
                    min_tracking_confidence=0.5)
            self._graphs[key] = graph
        return graph

    def detect(self, pixels: np.ndarray, expected: list[tuple[int, np.ndarray]]) -> list[DetectedPerson]:
        """People in one frame.

        Parameters
        ----------
        pixels : (H, W, 3) uint8 RGB frame
        expected : ``(key, box (x0, y0, x1, y1) pixels)`` of each person followed, where the
            caller expects them in this frame (a tracker's prediction); a key not given again
            frees its graph for someone else

        Returns
        -------
        list of DetectedPerson, frame pixels: one per expected person found (in the order of
        ``expected``), then people found by the whole-frame search; ``sources`` then holds, per
        person, the key of the graph that found them (None for the search).
        """
        from posestudio.detect.mediapipe_pose import (
            _native_stderr_silenced, _person_from_result,
        )

        height, width = pixels.shape[:2]
        keys = {k for k, _ in expected}
        for key in [k for k in self._graphs if k not in keys]:
            self._spare.append(self._graphs.pop(key))
        found: list[DetectedPerson] = []
        sources: list[int | None] = []
        with _native_stderr_silenced():
            for key, box in expected[: self.max_people]:
                c0, r0, c1, r1 = _grow(box, CROP_GROW, width, height)
                if c1 - c0 < 32 or r1 - r0 < 32:
                    continue
                crop = np.array(pixels[r0:r1, c0:c1])
                own = _grow(box, 0.05, width, height)
                for other_key, other in expected:
                    if other_key == key:
                        continue
                    o0, p0, o1, p1 = _grow(other, 0.1, width, height)
                    mask = np.zeros((height, width), dtype=bool)
                    mask[p0:p1, o0:o1] = True
                    mask[own[1]:own[3], own[0]:own[2]] = False
                    crop[mask[r0:r1, c0:c1]] = 127
                result = self._graph(key).process(np.ascontiguousarray(crop))
                person = _person_from_result(result, c1 - c0, r1 - r0)
                if person is None or person.num_body_points() < 4:
                    continue
                _shift(person, (c0, r0), width, height)
                found.append(person)
                sources.append(key)
        if self._frame % self.search_every == 0 or not expected:
            for person in search_frame(pixels, self.max_people):
                box = person.bbox()
                if not any(_overlap(box, p.bbox()) > SAME_PERSON_OVERLAP for p in found):
                    found.append(person)
                    sources.append(None)
        self._frame += 1
        self.sources = sources
        return found


def search_frame(pixels: np.ndarray, max_people: int) -> list[DetectedPerson]:
    """People anywhere in a frame: the photo detector on the whole frame, then on square tiles
    of a wide (or tall) frame, overlapping by half, keypoints in frame pixels.

    MediaPipe's person detector sees the frame shrunk to 224 pixels; across a 1920-pixel frame
    a standing person's face is then a few pixels and nobody is found. A square tile as high as
    the frame halves that shrinking.
    """
    from posestudio.detect.mediapipe_pose import detect_mediapipe

    height, width = pixels.shape[:2]
    found = list(detect_mediapipe(pixels, max_people=max_people))
    side = min(height, width)
    long = max(height, width)
    if long <= 1.25 * side:
        return found
    count = int(np.ceil((long - side) / (side / 2))) + 1
    for k in range(count):
        offset = int(round(k * (long - side) / max(1, count - 1)))
        if width >= height:
            tile, origin = pixels[:, offset:offset + side], (offset, 0)
        else:
            tile, origin = pixels[offset:offset + side], (0, offset)
        for person in detect_mediapipe(np.ascontiguousarray(tile), max_people=max_people):
            _shift(person, origin, width, height)
            if person.num_body_points() >= 4 and not any(
                    _overlap(person.bbox(), p.bbox()) > SAME_PERSON_OVERLAP for p in found):
                found.append(person)
        if len(found) >= max_people:
            break
    return found[:max_people]


def _shift(person: DetectedPerson, offset: tuple[int, int], width: int, height: int) -> None:
    """Move a crop's keypoints (in place) into frame pixels; points off the frame absent."""
    for name in ("body", "hand_left", "hand_right", "face"):
        arr = getattr(person, name)
        if arr is None:
            continue
        present = arr[:, 2] > 0
        arr[present, :2] += np.asarray(offset, dtype=np.float64)
        outside = (arr[:, 0] < 0) | (arr[:, 0] >= width) | (arr[:, 1] < 0) | (arr[:, 1] >= height)
        arr[outside] = 0.0
