"""``posestudio export-bvh SCENE --out CLIP.bvh``: a person's animation as BVH (mannequin skeleton)."""

from __future__ import annotations

import argparse

from posestudio.errors import InputError

HELP = """\
Write one person's animation as a BVH clip on the mannequin skeleton: the 55 SMPL-X joints with
their SMPL-X names, pelvis as ROOT (position + rotation channels), T-pose rest, Y up, facing +Z,
offsets in centimetres (--units m for metres), rotations in degrees in the --order channel order.
One frame per frame of the scene's timeline at its fps (or --fps); a still scene gives one frame.
The file is written atomically: a failed export leaves no file and an existing one untouched."""


def register(subparsers) -> None:
    p = subparsers.add_parser("export-bvh", help="a person's animation as a BVH clip",
                              description=HELP,
                              epilog="example: posestudio export-bvh dance.pose.json --out dance.bvh",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", metavar="SCENE", help="scene file (*.pose.json) or bundled example")
    p.add_argument("--out", required=True, metavar="CLIP.bvh", help="BVH file to write")
    p.add_argument("--person", default="0", metavar="I", help="0-based person index (default 0)")
    p.add_argument("--fps", metavar="F", help="frame rate (default the animation's)")
    p.add_argument("--units", default="cm", metavar="cm|m", help="offset unit (default cm)")
    p.add_argument("--order", default="ZXY", metavar="ZXY",
                   help="rotation channel order, a permutation of XYZ (default ZXY)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posestudio.anim.bvh_export import UNITS, save_bvh
    from posestudio.cli.scene_args import load_scene_arg, parse_index, parse_positive
    from posestudio.export.atomic import check_writable_file

    person = parse_index(args.person, "--person")
    fps = parse_positive("--fps", args.fps, 1000.0)
    if args.units not in UNITS:
        raise InputError(f"--units {args.units!r}: choose one of {', '.join(UNITS)}")
    check_writable_file(args.out)
    scene = load_scene_arg(args.scene)
    count = len(scene.people)
    if person >= count:
        raise InputError(f"--person {person}: the scene has {count} "
                         f"{'person' if count == 1 else 'people'}")
    save_bvh(scene, args.out, person, fps=fps, units=args.units, order=args.order)
    frames = 1 if scene.animation is None else None
    print(f"wrote {args.out}: person {person}"
          + (", one frame (still scene)" if frames == 1 else f" at {fps or scene.animation.fps:g} fps"))
    return 0
