"""``posestudio export-mesh SCENE --out FILE``: the posed visible people as one mesh file."""

from __future__ import annotations

import argparse

from posestudio.cli.scene_args import add_body_model_arg

HELP = """\
Write the posed, visible people of a scene as a mesh in world metres (Y up): .obj or .ply (one
mesh with every person) or .glb (one node per person). The file appears complete or not at all."""


def register(subparsers) -> None:
    p = subparsers.add_parser("export-mesh", help="write the posed people as .obj/.ply/.glb",
                              description=HELP,
                              epilog="example: posestudio export-mesh two_people --out people.glb",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", metavar="SCENE", help="scene file (*.pose.json) or bundled example")
    p.add_argument("--out", required=True, metavar="FILE.obj|.ply|.glb", help="mesh file to write")
    add_body_model_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posestudio.cli.scene_args import apply_body_model, check_rigs, load_scene_arg
    from posestudio.errors import InputError
    from posestudio.export.atomic import atomic_output_file, check_writable_file
    from posestudio.export.mesh import mesh_format, write_mesh

    file_type = mesh_format(args.out)
    check_writable_file(args.out)
    scene = apply_body_model(load_scene_arg(args.scene), args.body_model)
    visible = [p for p in scene.people if p.visible]
    if not visible:
        raise InputError(f"scene {args.scene}: has no visible person to export")
    check_rigs(scene)

    from posestudio.body import pose_people

    bodies = pose_people(scene)
    with atomic_output_file(args.out) as tmp:
        vertices, faces = write_mesh(bodies, tmp, file_type=file_type,
                                     names=[p.name for p in visible])
    print(f"wrote {args.out}: {len(bodies)} "
          f"{'person' if len(bodies) == 1 else 'people'}, {vertices} vertices, {faces} faces")
    return 0
