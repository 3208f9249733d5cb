"""``posestudio render SCENE --out DIR``: write the control maps of a scene file.

Every argument is checked (``scene_args``) before any rendering starts, and the output folder is
committed as one set (``posestudio.export.atomic``): a failed or killed run leaves the folder as it
was (an earlier export whole, the user's other files untouched). Heavy
modules (torch, smplx, pyrender) are imported in ``run``.
"""

from __future__ import annotations

import argparse
import os

# apply_body_model, check_rigs, load_scene_arg and parse_size stay importable from here (the
# generate and import commands use them); new code imports them from scene_args.
from posestudio.cli.scene_args import (  # noqa: F401
    ALL_MAPS, SCENE_SUFFIX, add_body_model_arg, apply_body_model, apply_view_options, bundled_examples, check_rigs,
    load_scene_arg, parse_layout, parse_maps, parse_margin, parse_orbit, parse_size, parse_views,
)
from posestudio.errors import InputError

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
                        "camera's, in sub-folders view_000, view_001, ...; add --frame so that "
                        "people who come nearer the camera on the way round stay in the picture")
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
    add_body_model_arg(p)
    p.add_argument("--hide-occluded", action="store_true",
                   help="drop OpenPose keypoints hidden behind a body surface")
    p.add_argument("--layout", metavar="coco18|body25",
                   help="OpenPose body layout (default: the scene's, normally coco18)")
    p.set_defaults(func=run)


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

    from posestudio.body import pose_people
    from posestudio.export.png import PngWriter
    from posestudio.render.pipeline import render_bodies, write_map_files

    cameras = view_cameras(scene, args.views)
    if len(cameras) > 1:
        from posestudio.render.heap import retain_freed_memory

        retain_freed_memory()                      # every view reuses the last one's buffers
    if args.frame:
        cameras = frame_people(scene, cameras, 0.1 if args.margin is None else args.margin)
    maps = tuple(args.maps)
    written: list[str] = []
    posed = pose_people(scene)                     # once for every view
    colors = [p.color for p in scene.people if p.visible]

    def render(camera):
        return render_bodies(posed, camera, scene.canvas, scene.render, maps=maps, colors=colors)

    with atomic_output_dir(args.out) as tmp:
        # PNGs encode on two threads while the next view renders (zlib releases the GIL).
        with PngWriter(workers=2, max_pending=2 * len(maps)) as png:
            if args.views:
                for i, camera in enumerate(cameras):
                    view_dir = tmp / f"view_{i:03d}"
                    view_dir.mkdir()
                    write_map_files(render(camera), view_dir, png=png)
                    written.append(view_dir.name + "/")
            else:
                write_map_files(render(cameras[0]), tmp, png=png)
        if not args.views:
            written.extend(sorted(p.name for p in tmp.iterdir()))
        if args.turnaround:  # frames the people itself, view by view at one distance
            from posestudio.render.turnaround import write_turnaround

            written.extend(p.name for p in write_turnaround(scene, maps, tmp))
    print(f"wrote {os.fspath(args.out)}: {', '.join(written)}")
    return 0
