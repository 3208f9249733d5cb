"""Arguments the scene commands share: finding a scene file or a bundled example, and checking
``--size``, ``--orbit``, ``--maps``, ``--views``, ``--margin``, ``--layout``, the lens options and
``--body-model`` before any work starts.

Each check turns the raw text into a value or raises :class:`~posestudio.errors.InputError` with
one line naming the option (argparse ``type=`` would print its usage block instead). Only the
standard library is imported here; numpy, torch and friends load inside the functions that need
them, so ``posestudio --help`` stays fast.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from posestudio.errors import InputError

ALL_MAPS: tuple[str, ...] = ("openpose", "mannequin", "depth", "normal", "canny", "seg")
MAX_VIEWS = 360
SCENE_SUFFIX = ".pose.json"


def bundled_examples() -> dict[str, object]:
    """Bundled example scenes by file name -> importlib Traversable (no heavy imports)."""
    from importlib import resources

    try:
        folder = resources.files("posestudio.resources") / "examples"
        return {p.name: p for p in folder.iterdir() if p.name.endswith(SCENE_SUFFIX)}
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        return {}


def resolve_scene_path(arg: str) -> Path:
    """Path of the scene file ``arg`` names: a real file, else a bundled example.

    ``examples/standing.pose.json``, ``standing.pose.json`` and ``standing`` all name the bundled
    ``standing`` example when no such file exists relative to the working folder.

    Raises
    ------
    InputError
        Neither a file nor a bundled example; the message lists the examples.
    """
    path = Path(arg).expanduser()
    if path.is_dir():
        raise InputError(f"scene {arg}: is a folder, expected a {SCENE_SUFFIX} file")
    if path.exists():
        return path
    examples = bundled_examples()
    name = path.name if path.name.endswith(SCENE_SUFFIX) else path.name + SCENE_SUFFIX
    parent = path.parent.as_posix()
    if name in examples and parent in (".", "examples", "resources/examples"):
        from importlib import resources

        # Package data of an installed wheel or an editable checkout is a plain file on disk.
        with resources.as_file(examples[name]) as real:
            return Path(real)
    listed = ", ".join(sorted(n[: -len(SCENE_SUFFIX)] for n in examples)) or "none installed"
    raise InputError(f"scene file {arg}: not found (bundled examples: {listed})")


def load_scene_arg(arg: str):
    """Load the scene ``arg`` names (see :func:`resolve_scene_path`) -> ``Scene``."""
    from posestudio.scene.file_format import load_scene

    return load_scene(resolve_scene_path(arg))


def parse_size(text: str) -> tuple[int, int]:
    """``"WxH"`` -> (width, height) in pixels, each within the canvas limits."""
    from posestudio.scene.model import MAX_CANVAS, MIN_CANVAS

    parts = text.lower().replace("×", "x").split("x")
    try:
        width, height = (int(p) for p in parts)
    except ValueError:
        raise InputError(f"--size {text!r}: expected WIDTHxHEIGHT in pixels, e.g. 768x1024") from None
    if not (MIN_CANVAS <= width <= MAX_CANVAS and MIN_CANVAS <= height <= MAX_CANVAS):
        raise InputError(f"--size {text}: width and height must each be {MIN_CANVAS} to "
                         f"{MAX_CANVAS} pixels")
    return width, height


def parse_orbit(text: str) -> tuple[float, float]:
    """``"YAW,PITCH"`` in degrees -> (yaw, pitch); pitch within ±89.9."""
    try:
        yaw, pitch = (float(p) for p in text.split(","))
    except ValueError:
        raise InputError(f"--orbit {text!r}: expected YAW,PITCH in degrees, e.g. 30,10") from None
    if not (math.isfinite(yaw) and math.isfinite(pitch)):
        raise InputError(f"--orbit {text}: yaw and pitch must be finite numbers")
    if not -89.9 <= pitch <= 89.9:
        raise InputError(f"--orbit {text}: pitch must be within -89.9..89.9 degrees")
    return yaw, pitch


def parse_maps(text: str) -> tuple[str, ...]:
    """``"openpose,depth"`` -> the map names, in the order given, without repeats."""
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in ALL_MAPS]
    if unknown or not names:
        raise InputError(f"--maps {text!r}: unknown map {', '.join(unknown) or '(none)'}; "
                         f"choose from {','.join(ALL_MAPS)}")
    return tuple(dict.fromkeys(names))


def parse_index(text: str | None, option: str) -> int | None:
    """A 0-based index (``--person``, ``--frame``, ``--start``, ``--end``): a whole number, 0 or
    more; None when the option was not given (``text`` None)."""
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{option} {text!r}: expected a 0-based index") from None
    if value < 0:
        raise InputError(f"{option} {text}: must be 0 or more (0-based)")
    return value


def parse_views(text: str) -> int:
    try:
        views = int(text)
    except ValueError:
        raise InputError(f"--views {text!r}: expected a whole number of views") from None
    if not 1 <= views <= MAX_VIEWS:
        raise InputError(f"--views {text}: must be from 1 to {MAX_VIEWS}")
    return views


def add_body_model_arg(parser: argparse.ArgumentParser,
                       help_text: str = "use this SMPL / SMPL+H / SMPL-X file (.pkl/.npz) for "
                                        "every person") -> None:
    """Add ``--body-model FILE`` to ``parser`` (read with :func:`apply_body_model`)."""
    parser.add_argument("--body-model", metavar="FILE", help=help_text)


def apply_body_model(scene, body_model: str | None):
    """Give every person the rig file ``body_model`` (checked by loading it once)."""
    if body_model is None:
        return scene
    path = Path(body_model).expanduser()
    if not path.is_file():
        raise InputError(f"--body-model {body_model}: no such file")
    from posestudio.body import load_body_model

    rig = str(path.absolute())
    load_body_model(rig)  # raises BodyModelError for an unreadable / unknown / unsafe file
    for person in scene.people:
        person.rig = rig
    return scene


def check_rigs(scene) -> None:
    """Load every visible person's rig once, so an unknown rig or bad file fails before work."""
    from posestudio.body import load_body_model

    for rig in dict.fromkeys(p.rig for p in scene.people if p.visible):
        load_body_model(rig)  # cached; raises BodyModelError naming the rig


def parse_positive(option: str, text: str | None, high: float = math.inf, kind=float):
    """A finite number above 0 and at most ``high`` (``kind`` ``float`` or ``int``: lens sizes,
    frame rates, focal lengths, counts); None when the option was not given (``text`` None)."""
    if text is None:
        return None
    try:
        value = kind(text)
    except ValueError:
        what = "whole number" if kind is int else "number"
        raise InputError(f"{option} {text!r}: expected a {what}") from None
    if not (0.0 < value <= high and math.isfinite(value)):  # also refuses nan
        bound = f" and at most {high:g}" if math.isfinite(high) else ""
        raise InputError(f"{option} {text}: must be more than 0{bound}")
    return value


def lens_fov(args: argparse.Namespace) -> float | None:
    """Vertical field of view (degrees) from --fov, or --focal-mm on a --sensor-mm high sensor;
    None when neither is given. The sensor height maps onto the canvas height."""
    from posestudio.camera import fov_from_focal_mm

    fov, focal, sensor = (getattr(args, n, None) for n in ("fov", "focal_mm", "sensor_mm"))
    if fov is not None and focal is not None:
        raise InputError("--fov and --focal-mm both set the lens: give one of them")
    if sensor is not None and focal is None:
        raise InputError("--sensor-mm: only used with --focal-mm")
    if fov is not None:
        value = parse_positive("--fov", fov, 170.0)
        if value < 1.0:
            raise InputError(f"--fov {fov}: must be from 1 to 170 degrees")
        return value
    if focal is None:
        return None
    focal_mm = parse_positive("--focal-mm", focal, 10000.0)
    sensor_mm = 24.0 if sensor is None else parse_positive("--sensor-mm", sensor, 1000.0)
    value = fov_from_focal_mm(focal_mm, sensor_height_mm=sensor_mm)
    if not 1.0 <= value <= 170.0:
        raise InputError(f"--focal-mm {focal}: gives a {value:.2f}° field of view on a "
                         f"{sensor_mm:g} mm sensor; it must be from 1 to 170°")
    return value


def apply_view_options(scene, args: argparse.Namespace):
    """Apply --size, --orbit, --fov/--focal-mm, --layout and --hide-occluded to ``scene``
    (validated)."""
    import dataclasses

    from posestudio.scene.model import Canvas

    if getattr(args, "size", None) is not None:
        scene.canvas = Canvas(*args.size)
    if getattr(args, "orbit", None) is not None:
        yaw, pitch = args.orbit
        scene.camera = dataclasses.replace(scene.camera, yaw_deg=yaw, pitch_deg=pitch)
    fov = lens_fov(args)
    if fov is not None:
        scene.camera = dataclasses.replace(scene.camera, fov_y_deg=fov)
    if getattr(args, "layout", None) is not None:
        scene.render = dataclasses.replace(scene.render, openpose_layout=args.layout)
    if getattr(args, "hide_occluded", False):
        scene.render = dataclasses.replace(scene.render, hide_occluded=True)
    return scene


def parse_margin(text: str) -> float:
    try:
        margin = float(text)
    except ValueError:
        raise InputError(f"--margin {text!r}: expected a fraction of the canvas, e.g. 0.1") from None
    if not 0.0 <= margin <= 0.45:  # also refuses nan
        raise InputError(f"--margin {text}: must be from 0 to 0.45 of the canvas")
    return margin


def parse_layout(text: str) -> str:
    if text not in ("coco18", "body25"):
        raise InputError(f"--layout {text!r}: choose coco18 or body25")
    return text
