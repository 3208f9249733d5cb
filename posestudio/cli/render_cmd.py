"""``posestudio render SCENE --out DIR``: write the control maps of a scene file.

Also holds the argument helpers the scene commands share (finding a scene file or a bundled
example, ``--size``, ``--orbit``, ``--body-model``). Everything here is checked before any
rendering starts, and the output folder is filled atomically (``posestudio.export.atomic``): a
failed run leaves nothing behind. Heavy modules (torch, smplx, pyrender) are imported in ``run``.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from posestudio.errors import InputError

ALL_MAPS: tuple[str, ...] = ("openpose", "mannequin", "depth", "normal", "canny", "seg")
MAX_VIEWS = 360
SCENE_SUFFIX = ".pose.json"

HELP = """\
Render the control maps of a scene. Writes into DIR: openpose.png, openpose.json (OpenPose format
plus canvas_width/canvas_height), mannequin.png, depth.png (8-bit, near = bright, background 0),
depth_metric.npy (float32 HxW metres along the view axis, 0 = background), normal.png, canny.png,
seg.png and camera.json ({"width", "height", "K", "world_to_camera"}).

SCENE is a *.pose.json file, or the name of a bundled example (e.g. examples/standing.pose.json
or just standing), which works from any folder."""

EXAMPLES_EPILOG = """\
examples:
  posestudio render standing --out out/                      all maps, scene camera and canvas
  posestudio render my.pose.json --out out/ --size 1024x1024 --maps openpose,depth
  posestudio render walking --out out/ --orbit=-30,10         camera 30° to the person's right, 10° up
  posestudio render waving --out spin/ --views 8 --frame      turntable: spin/view_000 ... view_007
  posestudio render two_people --out tall/ --size 512x1024 --frame   (re-aimed for the new aspect)
  posestudio render sitting --out sheet/ --turnaround         + turnaround_<map>.png sheets

bundled examples: {examples}"""


# --- shared helpers (also used by joints_cmd and export_mesh_cmd) ------------------------------

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


def parse_views(text: str) -> int:
    try:
        views = int(text)
    except ValueError:
        raise InputError(f"--views {text!r}: expected a whole number of views") from None
    if not 1 <= views <= MAX_VIEWS:
        raise InputError(f"--views {text}: must be from 1 to {MAX_VIEWS}")
    return views


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


def _positive(option: str, text: str, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{option} {text!r}: expected a number") from None
    if not 0.0 < value <= high:  # also refuses nan
        raise InputError(f"{option} {text}: must be more than 0 and at most {high:g}")
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
        value = _positive("--fov", fov, 170.0)
        if value < 1.0:
            raise InputError(f"--fov {fov}: must be from 1 to 170 degrees")
        return value
    if focal is None:
        return None
    focal_mm = _positive("--focal-mm", focal, 10000.0)
    sensor_mm = 24.0 if sensor is None else _positive("--sensor-mm", sensor, 1000.0)
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


# --- the command -------------------------------------------------------------------------------

def register(subparsers) -> None:
    examples = ", ".join(sorted(n[: -len(SCENE_SUFFIX)] for n in bundled_examples()))
    p = subparsers.add_parser("render", help="write control maps (OpenPose, depth, normal, ...)",
                              description=HELP,
                              epilog=EXAMPLES_EPILOG.format(examples=examples or "none installed"),
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", metavar="SCENE", help="scene file (*.pose.json) or bundled example")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (made if missing)")
    p.add_argument("--size", metavar="WxH",
                   help="canvas size in pixels, overrides the scene's (16..8192 each)")
    p.add_argument("--maps", default=",".join(ALL_MAPS), metavar="LIST",
                   help=f"comma-separated maps to write (default: {','.join(ALL_MAPS)})")
    p.add_argument("--orbit", metavar="YAW,PITCH",
                   help="camera yaw and pitch in degrees around the camera target "
                        "(yaw 0 = in front, + = towards the person's left; pitch + = from above); "
                        "write a negative yaw as --orbit=-30,10")
    p.add_argument("--fov", metavar="DEG",
                   help="vertical field of view in degrees (1..170), instead of the scene's")
    p.add_argument("--focal-mm", metavar="MM",
                   help="lens focal length in mm, instead of --fov (50 = a normal lens on full "
                        "frame)")
    p.add_argument("--sensor-mm", metavar="MM",
                   help="sensor height in mm for --focal-mm (default 24, full frame; the "
                        "sensor height spans the canvas height)")
    p.add_argument("--views", metavar="N",
                   help="turntable: N views with yaw evenly spaced over 360° from the scene "
                        "camera's, in sub-folders view_000, view_001, ...")
    p.add_argument("--frame", action="store_true",
                   help="re-aim the camera (same direction and lens) so every visible person "
                        "fits the canvas with --margin around them; with --views all views "
                        "share one distance, so the figures keep their size")
    p.add_argument("--margin", metavar="FRACTION",
                   help="free border for --frame on each side, as a fraction of the canvas "
                        "(0..0.45, default 0.1)")
    p.add_argument("--turnaround", action="store_true",
                   help="also write turnaround sheets turnaround_<map>.png: the pose from the "
                        "front, three-quarter, side and back, side by side on one canvas "
                        "(each panel the canvas size, views relative to the way the first "
                        "person faces)")
    p.add_argument("--body-model", metavar="FILE",
                   help="use this SMPL / SMPL+H / SMPL-X file (.pkl/.npz) for every person")
    p.add_argument("--hide-occluded", action="store_true",
                   help="drop OpenPose keypoints hidden behind a body surface")
    p.add_argument("--layout", metavar="coco18|body25",
                   help="OpenPose body layout (default: the scene's, normally coco18)")
    p.set_defaults(func=run)


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


def parse_common(args: argparse.Namespace) -> argparse.Namespace:
    """Turn the raw text of --size/--orbit/--layout/--maps/--views into checked values, in place.

    Done here rather than with argparse ``type=`` so that a bad value is one line on stderr
    (argparse would add its multi-line usage).
    """
    for name, parse in (("size", parse_size), ("orbit", parse_orbit), ("layout", parse_layout),
                        ("maps", parse_maps), ("views", parse_views),
                        ("margin", parse_margin)):
        value = getattr(args, name, None)
        if isinstance(value, str):
            setattr(args, name, parse(value))
    return args


def view_cameras(scene, views: int | None) -> list:
    """The cameras to render: the scene camera, or ``views`` of them with yaw evenly spaced
    over 360° starting from the scene camera's (a turntable around its target)."""
    import dataclasses

    if not views:
        return [scene.camera]
    return [dataclasses.replace(scene.camera, yaw_deg=scene.camera.yaw_deg + 360.0 * i / views)
            for i in range(views)]


def frame_people(scene, cameras: list, margin: float) -> list:
    """``cameras`` re-aimed so the visible people fill the canvas with ``margin`` around them.

    Direction and lens stay; target and distance change. All cameras get the largest distance
    any of them needs, so a turntable keeps one scale (moving a camera back along its axis
    keeps everything inside its view).
    """
    import dataclasses

    import numpy as np

    from posestudio.body import pose_people
    from posestudio.camera import frame_points

    posed = pose_people(scene)
    if not posed:
        raise InputError("--frame: the scene has no visible person to frame")
    points = np.concatenate([np.asarray(b.vertices, dtype=np.float64) for b in posed])
    framed = [frame_points(c, scene.canvas, points, margin=margin) for c in cameras]
    distance = max(c.distance for c in framed)
    return [dataclasses.replace(c, distance=distance) for c in framed]


def run(args: argparse.Namespace) -> int:
    from posestudio.export.atomic import atomic_output_dir, check_writable_dir

    # Check everything cheap first, so a bad argument costs no rendering and leaves no files.
    parse_common(args)
    if args.margin is not None and not args.frame:
        raise InputError("--margin: only used with --frame")
    check_writable_dir(args.out)
    scene = load_scene_arg(args.scene)
    scene = apply_view_options(scene, args)
    scene = apply_body_model(scene, args.body_model)
    check_rigs(scene)

    from posestudio.render.pipeline import render_scene, write_maps

    cameras = view_cameras(scene, args.views)
    if args.frame:
        cameras = frame_people(scene, cameras, 0.1 if args.margin is None else args.margin)
    maps = tuple(args.maps)
    written: list[str] = []
    with atomic_output_dir(args.out) as tmp:
        if args.views:
            for i, camera in enumerate(cameras):
                view_dir = tmp / f"view_{i:03d}"
                view_dir.mkdir()
                write_maps(render_scene(scene, maps=maps, camera=camera), view_dir)
                written.append(view_dir.name + "/")
        else:
            write_maps(render_scene(scene, maps=maps, camera=cameras[0]), tmp)
            written.extend(sorted(p.name for p in tmp.iterdir()))
        if args.turnaround:  # frames the people itself, view by view at one distance
            from posestudio.render.turnaround import write_turnaround

            written.extend(p.name for p in write_turnaround(scene, maps, tmp))
    print(f"wrote {os.fspath(args.out)}: {', '.join(written)}")
    return 0
