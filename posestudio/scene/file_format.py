"""Scene files (``*.pose.json``) and person-pose files: versioned JSON, validated, saved atomically.

Scene file, version 1 (a still scene)::

    {
      "format": "posestudio-scene", "version": 1,
      "canvas": {"width": 768, "height": 1024},
      "camera": {"yaw_deg": 0.0, "pitch_deg": 0.0, "distance": 3.0, "target": [0.0, 0.9, 0.0],
                 "fov_y_deg": 40.0, "roll_deg": 0.0, "znear": 0.05, "zfar": 100.0},
      "people": [{"name": "Person 1", "rig": "mannequin", "betas": [10 numbers],
                  "pose": {"left_knee": [x, y, z], ...}, "transl": [x, y, z],
                  "expression": [10 numbers], "visible": true, "color": null | [r, g, b]}],
      "views": {"name": {camera...}},
      "render": {RenderSettings fields},
      "animation": null
    }

Version 2 adds the animation and the photo (written only for a scene that has one; other
scenes are still written as version 1, so older readers open them)::

      "animation": {"fps": 30.0, "start": 0.0, "end": null | seconds,
                    "tracks": [[{"time": s, "pose": {joint: [x, y, z]}, "transl": [x, y, z],
                                 "interp": "hold" | "linear" | "ease" | "smooth"}, ...], ...],
                    "camera_keys": [{"time": s, "camera": {camera...}, "interp": ...}],
                    "bvh_map": null | {"BVH joint": "smplx_joint"}}

      "photo": {"path": "photo.jpg" (relative to the scene file's folder), "width": px,
                "height": px, "focal_px": px, "camera": null | {camera...},
                "people": [{"keypoints": [[x, y, confidence], ...], "detected": [...],
                            "chosen": true}]}

``tracks`` is parallel to ``people`` (one key list per person, empty = the person holds its
pose); keys are in increasing time. Every version-1 file still loads; its ``animation`` field was
reserved (null or an object of no defined meaning) and loads as no animation.

Conventions: world metres, Y up, people face +Z at rest, **the ground is the plane y = 0** and
people stand on it (``transl`` puts the lowest vertex of a standing body at y ≈ 0). ``pose``
holds SMPL-X axis-angle rotations in radians by joint name (``skeletons.SMPLX_JOINT_NAMES``);
a joint left out is at rest (zero); ``pose.pelvis`` is the global orientation. The writer
leaves out joints at rest and writes the others in SMPL-X order. Floats are written with
Python's shortest round-trip repr, so a save/load round trip is exact.

Reading is strict: every field is checked and a problem raises
:class:`~posestudio.errors.SceneFormatError` whose message names the file and the field path,
e.g. ``scene.pose.json: people[1].pose.left_knee: expected 3 numbers, got "x"``. Unknown keys
are refused (a typo must not silently drop data); a missing key takes its default, except
``format`` and ``version``. A file of a newer version is refused, never half-read.

Person-pose file (pose presets), version 1::

    {"format": "posestudio-pose", "version": 1, "name": "walking",
     "pose": {joint: [x, y, z], ...}, "transl": [x, y, z]}
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from posestudio.errors import InputError, SceneFormatError
from posestudio.scene.model import (
    NUM_BETAS, NUM_EXPRESSION, NUM_JOINTS, Camera, Canvas, Person, PhotoReference, RenderSettings,
    Scene,
)
from posestudio.skeletons import SMPLX_JOINT_INDEX, SMPLX_JOINT_NAMES

__all__ = [
    "FORMAT", "POSE_FORMAT", "VERSION", "PoseData", "json_text", "load_pose", "load_scene", "pose_from_dict",
    "pose_to_dict", "save_pose", "save_scene", "scene_from_dict", "scene_to_dict",
]

FORMAT = "posestudio-scene"
POSE_FORMAT = "posestudio-pose"
VERSION = 2  # the newest scene version this code reads (and writes for an animated scene)
STILL_VERSION = 1  # what a scene without animation is written as
POSE_VERSION = 1  # person-pose files

_CAMERA_FIELDS = tuple(f.name for f in dataclasses.fields(Camera))
_RENDER_FIELDS = tuple(f.name for f in dataclasses.fields(RenderSettings))
_SCENE_KEYS = ("format", "version", "canvas", "camera", "people", "views", "render", "animation",
               "photo")
_PHOTO_KEYS = ("path", "width", "height", "focal_px", "camera", "people")
_PHOTO_PERSON_KEYS = ("keypoints", "detected", "chosen")
_PERSON_KEYS = ("name", "rig", "betas", "pose", "transl", "expression", "visible", "color")
_POSE_KEYS = ("format", "version", "name", "pose", "transl")
_ANIMATION_KEYS = ("fps", "start", "end", "tracks", "camera_keys", "bvh_map")
_POSE_KEY_KEYS = ("time", "pose", "transl", "interp")
_CAMERA_KEY_KEYS = ("time", "camera", "interp")


class _Invalid(Exception):
    """A field is wrong; ``path`` is where (``people[1].pose.left_knee``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)


class PoseData(NamedTuple):
    """The content of a person-pose file."""

    name: str
    pose: np.ndarray    # (55, 3) float64 axis-angle, SMPL-X order
    transl: np.ndarray  # (3,) float64 metres


# --- writing ------------------------------------------------------------------------------------

def _camera_to_dict(camera: Camera) -> dict[str, Any]:
    data = dataclasses.asdict(camera)
    data["target"] = [float(v) for v in camera.target]
    return data


def _pose_to_dict(pose: np.ndarray) -> dict[str, list[float]]:
    pose = np.asarray(pose, dtype=np.float64).reshape(NUM_JOINTS, 3)
    return {name: pose[i].tolist() for i, name in enumerate(SMPLX_JOINT_NAMES) if pose[i].any()}


def _person_to_dict(person: Person) -> dict[str, Any]:
    return {
        "name": person.name,
        "rig": person.rig,
        "betas": person.betas.tolist(),
        "pose": _pose_to_dict(person.pose),
        "transl": person.transl.tolist(),
        "expression": person.expression.tolist(),
        "visible": person.visible,
        "color": None if person.color is None else list(person.color),
    }


def scene_to_dict(scene: Scene) -> dict[str, Any]:
    """The JSON-ready dict of ``scene`` (plain lists, floats, strings; no numpy)."""
    return {
        "format": FORMAT,
        "version": STILL_VERSION if scene.animation is None and scene.photo is None else VERSION,
        "canvas": {"width": scene.canvas.width, "height": scene.canvas.height},
        "camera": _camera_to_dict(scene.camera),
        "people": [_person_to_dict(p) for p in scene.people],
        "views": {name: _camera_to_dict(c) for name, c in scene.views.items()},
        "render": dataclasses.asdict(scene.render),
        "animation": None if scene.animation is None else _animation_to_dict(scene.animation),
        **({} if scene.photo is None else {"photo": _photo_to_dict(scene.photo)}),
    }


def _photo_to_dict(photo: PhotoReference) -> dict[str, Any]:
    return {
        "path": photo.path, "width": photo.width, "height": photo.height,
        "focal_px": photo.focal_px,
        "camera": None if photo.camera is None else _camera_to_dict(photo.camera),
        "people": [{"keypoints": k.tolist(), "detected": d.tolist(), "chosen": c}
                   for k, d, c in zip(photo.keypoints, photo.detected, photo.chosen)],
    }


def _animation_to_dict(animation) -> dict[str, Any]:
    return {
        "fps": animation.fps, "start": animation.start, "end": animation.end,
        "tracks": [[{"time": k.time, "pose": _pose_to_dict(k.pose), "transl": k.transl.tolist(),
                     "interp": k.interp} for k in track] for track in animation.tracks],
        "camera_keys": [{"time": k.time, "camera": _camera_to_dict(k.camera), "interp": k.interp}
                        for k in animation.camera_keys],
        "bvh_map": None if animation.bvh_map is None else dict(animation.bvh_map),
    }


def pose_to_dict(name: str, pose: np.ndarray, transl: np.ndarray | None = None) -> dict[str, Any]:
    """The JSON-ready dict of a person-pose file.

    Parameters
    ----------
    pose : (55, 3) axis-angle radians, SMPL-X order.
    transl : (3,) metres, or None for zeros.
    """
    transl = np.zeros(3) if transl is None else np.asarray(transl, dtype=np.float64).reshape(3)
    return {"format": POSE_FORMAT, "version": POSE_VERSION, "name": str(name),
            "pose": _pose_to_dict(pose), "transl": transl.tolist()}


def _format(value: Any, indent: str = "") -> str:
    """JSON text with objects one key a line and lists of scalars on one line (readable diffs)."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        items = (f"{inner}{json.dumps(str(k))}: {_format(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        inner = indent + "  "
        return "[\n" + ",\n".join(inner + _format(v, inner) for v in value) + f"\n{indent}]"
    return json.dumps(value, allow_nan=False)


def json_text(data: dict[str, Any]) -> str:
    """The text PoseStudio writes for a JSON-ready dict (2-space indent, number lists on one
    line, shortest round-trip floats, trailing newline)."""
    try:
        return _format(data) + "\n"
    except ValueError as exc:  # NaN/inf slipped past the model (it should refuse them)
        raise SceneFormatError(f"cannot save: {exc}") from None


def _write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` with the one atomic writer (:mod:`posestudio.export.atomic`:
    temp file in the same folder, fsync, rename, fsync the folder).

    The old file stays intact if anything fails; no temp file is left behind.
    """
    from posestudio.export.atomic import write_file_atomic

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise SceneFormatError(f"{path}: is a folder, not a file")
    if not folder.is_dir():
        raise SceneFormatError(f"{path}: cannot save, folder {folder} does not exist")
    write_file_atomic(path, text, "cannot save", error=SceneFormatError)


def save_scene(scene: Scene, path: str | os.PathLike) -> None:
    """Save ``scene`` to ``path`` atomically (temp file in the same folder, fsync, rename).

    The photo's path is written relative to the file's folder (POSIX separators) when the photo
    is on the same drive, so a folder moved as a whole keeps its photo.
    """
    data = scene_to_dict(scene)
    if scene.photo is not None:
        data["photo"]["path"] = _relative_photo_path(scene.photo.path, Path(path).parent)
    _write_atomic(path, json_text(data))


def _relative_photo_path(photo: str, folder: Path) -> str:
    try:
        return Path(os.path.relpath(Path(photo).absolute(), folder.absolute())).as_posix()
    except ValueError:  # another drive (Windows): keep it absolute
        return photo


def save_pose(path: str | os.PathLike, name: str, pose: np.ndarray,
              transl: np.ndarray | None = None) -> None:
    """Save a person-pose file atomically (see :func:`pose_to_dict`)."""
    _write_atomic(path, json_text(pose_to_dict(name, pose, transl)))


# --- reading ------------------------------------------------------------------------------------

def _show(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, type(None))) else (
        "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else
        type(value).__name__)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # a JSON integer beyond the double range
        return False


def _number(path: str, value: Any) -> float:
    if not _is_number(value):
        raise _Invalid(path, f"expected a number, got {_show(value)}")
    return float(value)


def _integer(path: str, value: Any) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or
                                       (isinstance(value, float) and value.is_integer())):
        raise _Invalid(path, f"expected a whole number, got {_show(value)}")
    return int(value)


def _numbers(path: str, value: Any, count: int) -> list[float]:
    if not isinstance(value, list):
        raise _Invalid(path, f"expected {count} numbers, got {_show(value)}")
    bad = [v for v in value if not _is_number(v)]
    if bad:
        raise _Invalid(path, f"expected {count} numbers, got {_show(bad[0])}")
    if len(value) != count:
        raise _Invalid(path, f"expected {count} numbers, got {len(value)}")
    return [float(v) for v in value]


def _object(path: str, value: Any, known: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid(path, f"expected an object {{...}}, got {_show(value)}")
    for key in value:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
            raise _Invalid(_join(path, key), f"unknown field{hint}")
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def _build(path: str, factory, **kwargs):
    """Make a model object; its own range checks become errors that name ``path``."""
    try:
        return factory(**kwargs)
    except InputError as exc:
        raise _Invalid(path, str(exc)) from None


def _camera(path: str, value: Any) -> Camera:
    data = _object(path, value, _CAMERA_FIELDS)
    kwargs: dict[str, Any] = {}
    for key, item in data.items():
        where = _join(path, key)
        kwargs[key] = tuple(_numbers(where, item, 3)) if key == "target" else _number(where, item)
    return _build(path, Camera, **kwargs)


def _pose(path: str, value: Any) -> np.ndarray:
    data = _object(path, value, SMPLX_JOINT_NAMES)  # refuses unknown joint names
    pose = np.zeros((NUM_JOINTS, 3))
    for name, item in data.items():
        pose[SMPLX_JOINT_INDEX[name]] = _numbers(_join(path, name), item, 3)
    return pose


def _text(path: str, value: Any, *, empty_ok: bool = True) -> str:
    if not isinstance(value, str) or (not empty_ok and not value):
        raise _Invalid(path, f"expected {'text' if empty_ok else 'non-empty text'}, got "
                             f"{_show(value)}")
    return value


def _person(path: str, value: Any, index: int) -> Person:
    data = _object(path, value, _PERSON_KEYS)
    kwargs: dict[str, Any] = {"name": f"Person {index + 1}"}
    for key, item in data.items():
        where = _join(path, key)
        if key in ("name", "rig"):
            kwargs[key] = _text(where, item, empty_ok=key == "name")
        elif key == "betas":
            kwargs[key] = np.array(_numbers(where, item, NUM_BETAS))
        elif key == "expression":
            kwargs[key] = np.array(_numbers(where, item, NUM_EXPRESSION))
        elif key == "transl":
            kwargs[key] = np.array(_numbers(where, item, 3))
        elif key == "pose":
            kwargs[key] = _pose(where, item)
        elif key == "visible":
            if not isinstance(item, bool):
                raise _Invalid(where, f"expected true or false, got {_show(item)}")
            kwargs[key] = item
        elif key == "color":
            if item is not None:
                color = _numbers(where, item, 3)
                if not all(0.0 <= c <= 1.0 for c in color):
                    raise _Invalid(where, f"expected 3 numbers from 0 to 1, got {item}")
                item = tuple(color)
            kwargs[key] = item
    return _build(path, Person, **kwargs)


def _render(path: str, value: Any) -> RenderSettings:
    data = _object(path, value, _RENDER_FIELDS)
    defaults = RenderSettings()
    kwargs: dict[str, Any] = {}
    for key, item in data.items():
        default = getattr(defaults, key)
        where = _join(path, key)
        if isinstance(default, bool):
            if not isinstance(item, bool):
                raise _Invalid(where, f"expected true or false, got {_show(item)}")
        elif isinstance(default, int):
            item = _integer(where, item)
        elif isinstance(default, str):
            item = _text(where, item)
        kwargs[key] = item
    return _build(path, RenderSettings, **kwargs)


def _list(path: str, value: Any) -> list:
    if not isinstance(value, list):
        raise _Invalid(path, f"expected a list [...], got {_show(value)}")
    return value


def _key_time(path: str, value: Any, before: float | None) -> float:
    time = _number(path, value)
    if time < 0:
        raise _Invalid(path, f"expected seconds >= 0, got {_show(value)}")
    if before is not None and not time > before:
        raise _Invalid(path, f"must be later than the key before ({before}); keys are in time "
                             f"order, one per time")
    return time


def _interp(path: str, value: Any) -> str:
    from posestudio.anim.model import INTERPOLATIONS

    if value not in INTERPOLATIONS:
        raise _Invalid(path, f"expected one of {', '.join(INTERPOLATIONS)}, got {_show(value)}")
    return value


def _keys(path: str, value: Any, known: tuple[str, ...], read) -> list:
    keys: list = []
    for k, item in enumerate(_list(path, value)):
        where = f"{path}[{k}]"
        data = _object(where, item, known)
        if "time" not in data:
            raise _Invalid(_join(where, "time"), "missing")
        time = _key_time(_join(where, "time"), data["time"], keys[-1].time if keys else None)
        interp = _interp(_join(where, "interp"), data.get("interp", "smooth"))
        keys.append(read(where, data, time, interp))
    return keys


def _pose_key(where: str, data: dict[str, Any], time: float, interp: str):
    from posestudio.anim.model import PoseKey

    pose = _pose(_join(where, "pose"), data.get("pose", {}))
    transl = np.array(_numbers(_join(where, "transl"), data.get("transl", [0.0, 0.0, 0.0]), 3))
    return _build(where, PoseKey, time=time, pose=pose, transl=transl, interp=interp)


def _camera_key(where: str, data: dict[str, Any], time: float, interp: str):
    from posestudio.anim.model import CameraKey

    camera = _camera(_join(where, "camera"), data.get("camera", {}))
    return _build(where, CameraKey, time=time, camera=camera, interp=interp)


def _animation(path: str, value: Any, num_people: int):
    """Version-2 animation (see the module docstring); tracks must be parallel to the people."""
    from posestudio.anim.model import Animation

    data = _object(path, value, _ANIMATION_KEYS)
    kwargs: dict[str, Any] = {}
    if "fps" in data:
        kwargs["fps"] = _number(_join(path, "fps"), data["fps"])
    if "start" in data:
        kwargs["start"] = _number(_join(path, "start"), data["start"])
    if data.get("end") is not None:
        kwargs["end"] = _number(_join(path, "end"), data["end"])
    tracks = _list(_join(path, "tracks"), data.get("tracks", [[] for _ in range(num_people)]))
    if len(tracks) != num_people:
        raise _Invalid(_join(path, "tracks"), f"expected {num_people} key lists (one per person), "
                                              f"got {len(tracks)}")
    kwargs["tracks"] = [_keys(f"{path}.tracks[{p}]", track, _POSE_KEY_KEYS, _pose_key)
                        for p, track in enumerate(tracks)]
    kwargs["camera_keys"] = _keys(_join(path, "camera_keys"), data.get("camera_keys", []),
                                  _CAMERA_KEY_KEYS, _camera_key)
    bvh_map = data.get("bvh_map")
    if bvh_map is not None:
        where = _join(path, "bvh_map")
        if not isinstance(bvh_map, dict):
            raise _Invalid(where, f"expected null or an object {{bvh joint: smplx joint}}, got "
                                  f"{_show(bvh_map)}")
        for name, joint in bvh_map.items():
            if joint not in SMPLX_JOINT_INDEX:
                raise _Invalid(_join(where, name), f"expected an SMPL-X joint name, got {_show(joint)}")
        kwargs["bvh_map"] = bvh_map
    return _build(path, Animation, **kwargs)


def _check_header(data: Any, expected: str) -> int:
    if not isinstance(data, dict):
        raise _Invalid("", f"expected a JSON object at the top, got {_show(data)}")
    fmt = data.get("format")
    if fmt != expected:
        if fmt in (FORMAT, POSE_FORMAT):
            kind = "a scene" if fmt == FORMAT else "a person-pose (preset) file"
            raise _Invalid("format", f"this is {kind}, not a {expected} file")
        raise _Invalid("format", f"expected {json.dumps(expected)}, got "
                                 f"{_show(fmt) if 'format' in data else 'nothing'}")
    if "version" not in data:
        raise _Invalid("version", "missing")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _Invalid("version", f"expected a whole number ≥ 1, got {_show(version)}")
    newest = VERSION if expected == FORMAT else POSE_VERSION
    if version > newest:
        raise _Invalid("", f"made by a newer PoseStudio (version {version}); "
                           f"this one reads up to {newest}")
    return version


def _scene(data: Any) -> Scene:
    version = _check_header(data, FORMAT)
    _object("", data, _SCENE_KEYS)
    kwargs: dict[str, Any] = {}
    if "canvas" in data:
        canvas = _object("canvas", data["canvas"], ("width", "height"))
        kwargs["canvas"] = _build("canvas", Canvas, **{
            k: _integer(f"canvas.{k}", v) for k, v in canvas.items()})
    if "camera" in data:
        kwargs["camera"] = _camera("camera", data["camera"])
    if "people" in data:
        people = data["people"]
        if not isinstance(people, list):
            raise _Invalid("people", f"expected a list [...], got {_show(people)}")
        kwargs["people"] = [_person(f"people[{i}]", p, i) for i, p in enumerate(people)]
    if "views" in data:
        views = data["views"]
        if not isinstance(views, dict):
            raise _Invalid("views", f"expected an object {{name: camera}}, got {_show(views)}")
        kwargs["views"] = {name: _camera(f"views.{name}", c) for name, c in views.items()}
    if "render" in data:
        kwargs["render"] = _render("render", data["render"])
    animation = data.get("animation")
    if animation is not None and not isinstance(animation, dict):
        raise _Invalid("animation", f"expected null or an object, got {_show(animation)}")
    if animation is not None and version >= 2:  # version 1 only reserved the field
        kwargs["animation"] = _animation("animation", animation, len(kwargs.get("people", [])))
    if data.get("photo") is not None:
        kwargs["photo"] = _photo("photo", data["photo"])
    return Scene(**kwargs)


def _keypoint_rows(path: str, value: Any) -> np.ndarray:
    rows = _list(path, value)
    return np.array([_numbers(f"{path}[{i}]", row, 3) for i, row in enumerate(rows)],
                    dtype=np.float64).reshape(-1, 3)


def _photo(path: str, value: Any) -> PhotoReference:
    data = _object(path, value, _PHOTO_KEYS)
    for key in ("path", "width", "height"):
        if key not in data:
            raise _Invalid(_join(path, key), "missing")
    kwargs: dict[str, Any] = {
        "path": _text(_join(path, "path"), data["path"], empty_ok=False),
        "width": _integer(_join(path, "width"), data["width"]),
        "height": _integer(_join(path, "height"), data["height"]),
    }
    if "focal_px" in data:
        kwargs["focal_px"] = _number(_join(path, "focal_px"), data["focal_px"])
    if data.get("camera") is not None:
        kwargs["camera"] = _camera(_join(path, "camera"), data["camera"])
    people = [_object(f"{path}.people[{i}]", p, _PHOTO_PERSON_KEYS)
              for i, p in enumerate(_list(_join(path, "people"), data.get("people", [])))]
    kwargs["keypoints"] = [_keypoint_rows(f"{path}.people[{i}].keypoints", p.get("keypoints", []))
                           for i, p in enumerate(people)]
    kwargs["detected"] = [_keypoint_rows(f"{path}.people[{i}].detected",
                                         p.get("detected", p.get("keypoints", [])))
                          for i, p in enumerate(people)]
    chosen = [p.get("chosen", True) for p in people]
    for i, c in enumerate(chosen):
        if not isinstance(c, bool):
            raise _Invalid(f"{path}.people[{i}].chosen", f"expected true or false, got {_show(c)}")
    kwargs["chosen"] = chosen
    try:
        return PhotoReference(**kwargs)
    except InputError as exc:
        raise _Invalid(path, str(exc)) from None


def scene_from_dict(data: Any) -> Scene:
    """Build a :class:`Scene` from a parsed scene file; every field is validated.

    Raises
    ------
    SceneFormatError
        Naming the field path of the first problem, or saying the version is too new.
    """
    try:
        return _scene(data)
    except _Invalid as exc:
        raise SceneFormatError(str(exc)) from None


def pose_from_dict(data: Any) -> PoseData:
    """Read a parsed person-pose file (see the module docstring)."""
    try:
        _check_header(data, POSE_FORMAT)
        _object("", data, _POSE_KEYS)
        name = _text("name", data.get("name", ""))
        pose = _pose("pose", data.get("pose", {}))
        transl = np.array(_numbers("transl", data.get("transl", [0.0, 0.0, 0.0]), 3))
    except _Invalid as exc:
        raise SceneFormatError(str(exc)) from None
    return PoseData(name, pose, transl)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _read_json(path: str | os.PathLike) -> Any:
    """Parse a JSON file; every failure is a SceneFormatError naming the file (and line)."""
    path = Path(path)
    try:
        if path.exists() and not path.is_file() and not path.is_dir():
            raise SceneFormatError(f"{path}: not a regular file (a device or a pipe)")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SceneFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SceneFormatError(f"{path}: is a folder, not a scene file") from None
    except OSError as exc:
        raise SceneFormatError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SceneFormatError(f"{path}: not a text (UTF-8 JSON) file") from None
    if not text.strip():
        raise SceneFormatError(f"{path}: the file is empty")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise SceneFormatError(f"{path}: corrupt JSON at line {exc.lineno}, column {exc.colno}: "
                               f"{exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise SceneFormatError(f"{path}: corrupt JSON: {exc}") from None


def load_scene(path: str | os.PathLike) -> Scene:
    """Read and validate a scene file.

    Raises
    ------
    SceneFormatError
        Missing/unreadable file, corrupt JSON (with the line), an invalid field (with its path)
        or a newer version; the message starts with the file name.
    """
    data = _read_json(path)
    try:
        scene = scene_from_dict(data)
    except SceneFormatError as exc:
        raise SceneFormatError(f"{path}: {exc}") from None
    if scene.photo is not None and not Path(scene.photo.path).is_absolute():
        # stored relative to the scene file's folder; whether it still exists is the UI's concern
        scene.photo.path = os.path.normpath(Path(path).absolute().parent / scene.photo.path)
    return scene


def load_pose(path: str | os.PathLike) -> PoseData:
    """Read and validate a person-pose file (the file name starts any error message)."""
    data = _read_json(path)
    try:
        return pose_from_dict(data)
    except SceneFormatError as exc:
        raise SceneFormatError(f"{path}: {exc}") from None
