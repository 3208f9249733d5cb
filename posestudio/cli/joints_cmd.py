"""``posestudio joints SCENE``: one person's 3D joints and their pixels, as JSON on stdout."""

from __future__ import annotations

import argparse
import json
import sys

from posestudio.cli.scene_args import add_body_model_arg
from posestudio.errors import InputError

FORMATS: tuple[str, ...] = ("openpose18", "body25", "smpl24")

HELP = """\
Print one person's keypoints as JSON on stdout:
  {"format": F, "names": [...], "width": W, "height": H,
   "joints3d": [[x, y, z], ...],   world metres (Y up)
   "joints2d": [[u, v], ...]}      pixels, (0,0) = top-left corner, of the scene camera and
                                   canvas (or of --size / --orbit, as render uses them)
Formats: openpose18 (COCO-18 order as in openpose.json), body25 (OpenPose BODY_25), smpl24 (SMPL's
24 kinematic joints). A keypoint the body model does not have (e.g. a rig without face points) is
null in both lists; a point behind the camera is null in joints2d. Points outside the canvas keep
their pixel coordinates (openpose.json marks those with confidence 0).

With --frames all|S:E (an animated scene's frames S..E-1 at its fps; a still scene is one frame):
  {"format", "names", "width", "height", "fps": F,
   "frames": [{"frame": i, "time": t, "joints3d": [...], "joints2d": [...]}, ...]}"""


def register(subparsers) -> None:
    p = subparsers.add_parser("joints", help="print a person's 3D joints and 2D pixels as JSON",
                              description=HELP,
                              epilog="example: posestudio joints two_people --person 1 "
                                     "--format body25 --size 512x512 > joints.json",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", metavar="SCENE", help="scene file (*.pose.json) or bundled example")
    p.add_argument("--person", default="0", metavar="I",
                   help="0-based index of the person in the scene (default 0)")
    p.add_argument("--format", default="openpose18", metavar="|".join(FORMATS),
                   help="keypoint set (default openpose18)")
    p.add_argument("--size", metavar="WxH",
                   help="canvas size in pixels for joints2d, overrides the scene's (as in render)")
    p.add_argument("--orbit", metavar="YAW,PITCH",
                   help="camera yaw and pitch in degrees for joints2d (as in render; write a "
                        "negative yaw as --orbit=-30,10)")
    p.add_argument("--frames", metavar="all|S:E",
                   help="every frame of the animation, or frames S..E-1 (0-based, at the scene's "
                        "fps; S or E may be left out)")
    add_body_model_arg(p)
    p.set_defaults(func=run)


def person_joints(scene, index: int, fmt: str) -> dict:
    """Keypoints of ``scene.people[index]`` in format ``fmt`` -> the JSON-ready dict.

    Returns
    -------
    dict
        ``names`` (N,), ``joints3d`` (N, 3) world metres, ``joints2d`` (N, 2) pixels, with ``None``
        for absent points, plus ``format``, ``width`` and ``height``.
    """
    import numpy as np

    from posestudio.body import load_body_model
    from posestudio.camera import project

    person = scene.people[index]
    posed = load_body_model(person.rig).pose_person(person)
    names, points, present = _keypoints_3d(posed, fmt)
    uv, depth = project(points, scene.camera, scene.canvas)
    joints3d, joints2d = [], []
    for p, q, z, ok in zip(points, uv, depth, present):
        ok = bool(ok) and bool(np.all(np.isfinite(p)))
        joints3d.append([float(c) for c in p] if ok else None)
        joints2d.append([float(c) for c in q] if ok and z > 0 else None)
    return {"format": fmt, "names": list(names), "width": scene.canvas.width,
            "height": scene.canvas.height, "joints3d": joints3d, "joints2d": joints2d}


def _keypoints_3d(posed, fmt: str):
    """(names, points (N,3) world, present (N,) bool) of a posed body in format ``fmt``."""
    import numpy as np

    from posestudio import skeletons

    if fmt == "smpl24":
        index = {n: i for i, n in enumerate(posed.joint_names)}
        points = np.zeros((len(skeletons.SMPL_JOINT_NAMES), 3))
        present = np.zeros(len(skeletons.SMPL_JOINT_NAMES), dtype=bool)
        for k, name in enumerate(skeletons.SMPL_JOINT_NAMES):
            # SMPL's hand joint sits at the knuckles; SMPL-H/X rigs have the middle finger's base.
            for source in (name, {"left_hand": "left_middle1",
                                  "right_hand": "right_middle1"}.get(name)):
                if source in index:
                    points[k], present[k] = posed.joints[index[source]], True
                    break
        return skeletons.SMPL_JOINT_NAMES, points, present

    from posestudio.keypoints import openpose_points_3d

    layout = "coco18" if fmt == "openpose18" else "body25"
    names = skeletons.COCO18_NAMES if layout == "coco18" else skeletons.BODY25_NAMES
    points, present = openpose_points_3d(posed, layout=layout, hands=False, face=False)["body"]
    return names, np.asarray(points, dtype=np.float64), np.asarray(present, dtype=bool)


def run(args: argparse.Namespace) -> int:
    from posestudio.cli.scene_args import (apply_body_model, apply_view_options, load_scene_arg,
                                           parse_index, parse_orbit, parse_size)

    index = parse_index(args.person, "--person")
    if args.format not in FORMATS:
        raise InputError(f"--format {args.format!r}: choose one of {', '.join(FORMATS)}")
    args.size = None if args.size is None else parse_size(args.size)
    args.orbit = None if args.orbit is None else parse_orbit(args.orbit)
    scene = apply_view_options(load_scene_arg(args.scene), args)
    scene = apply_body_model(scene, args.body_model)
    count = len(scene.people)
    if count == 0:
        raise InputError(f"scene {args.scene}: has no people")
    if index >= count:
        raise InputError(f"--person {index}: the scene has {count} "
                         f"{'person' if count == 1 else 'people'} (valid: 0..{count - 1})")
    if args.frames is None:
        json.dump(person_joints(scene, index, args.format), sys.stdout)
    else:
        json.dump(_frames_output(scene, index, args), sys.stdout)
    sys.stdout.write("\n")
    return 0


def parse_frames(text: str) -> tuple[int | None, int | None]:
    """``"all"`` → (None, None); ``"S:E"`` → (S, E) with either side optional; InputError else."""
    if text.strip().lower() == "all":
        return None, None
    head, sep, tail = text.partition(":")
    try:
        if not sep:
            raise ValueError
        start = int(head) if head.strip() else None
        end = int(tail) if tail.strip() else None
    except ValueError:
        raise InputError(f"--frames {text!r}: expected 'all' or S:E (0-based frame indices, "
                         f"E excluded), e.g. 0:30") from None
    if (start is not None and start < 0) or (start is not None and end is not None and end <= start):
        raise InputError(f"--frames {text}: expected 0 <= S < E")
    return start, end


def _frames_output(scene, index: int, args: argparse.Namespace) -> dict:
    """The --frames JSON: the person's keypoints at each requested frame of the animation."""
    from posestudio.anim import frame_times, scene_at
    from posestudio.cli.scene_args import apply_view_options

    start, end = parse_frames(args.frames)
    fps = scene.animation.fps if scene.animation is not None else 30.0
    if scene.animation is None:
        if start not in (None, 0) or end not in (None, 1):
            raise InputError(f"--frames {args.frames}: a still scene has only frame 0")
        times = frame_times(scene)
        first = 0
    else:
        times = frame_times(scene, start=start, end=end)
        first = int(round(times[0] * fps))
    frames, head = [], {}
    for i, time in enumerate(times):
        still = scene_at(scene, float(time))
        if scene.animation is not None and scene.animation.camera_keys:
            still = apply_view_options(still, args)  # --size/--orbit over the keyed camera
        data = person_joints(still, index, args.format)
        head = {k: data[k] for k in ("format", "names", "width", "height")}
        frames.append({"frame": first + i, "time": float(time), "joints3d": data["joints3d"],
                       "joints2d": data["joints2d"]})
    return {**head, "fps": fps, "frames": frames}
