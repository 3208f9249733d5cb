"""``posestudio repose SCENE --image CHARACTER.png --base MODEL [--reference ...] --out OUT.png``.

Character image + pose reference rendered from the scene at the photo's framing → local
image-editing model (Qwen-Image-Edit, FLUX.1 Kontext, FLUX.2) → OUT.png with the parameters and
the scene embedded, and the references as OUT.<map>.png. Arguments, output path and the model
folder are checked before anything is rendered or loaded.
"""

from __future__ import annotations

import argparse
import sys

from posestudio.cli.generate_args import add_sampling_args
from posestudio.errors import InputError

HELP = """\
Redraw a character in the scene's pose with a local image-editing model (nothing is downloaded).

  posestudio import photo.jpg --out photo.pose.json        # the photo's person and camera
  # ... change the pose in the editor or the scene file ...
  posestudio repose photo.pose.json --image photo.jpg --base models/Qwen-Image-Edit-2509 \\
      --reference mannequin --out out/reposed.png

--base is a diffusers folder of Qwen-Image-Edit (2509 and later take character and reference as
separate images), FLUX.1 Kontext (one image: character and reference side by side, or stacked
with --layout stack; the output is cropped back) or FLUX.2 / FLUX.2 [klein] (several images).
--reference picks the pose reference rendered from the scene's camera at its canvas (the photo's
framing): mannequin (default), depth, openpose, normal, canny, seg, or several joined by '+'.
Editing models follow the text most: with no --prompt, one is made from the scene (e.g. "the same
person, left arm raised, seen from the side, posed exactly like the mannequin in image 2; ...").
--reuse OUT.png takes every parameter (and the scene, if SCENE is left out) from an earlier
output; flags given override."""


def register(subparsers) -> None:
    p = subparsers.add_parser("repose", help="redraw a character in the scene's pose (image editing)",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", nargs="?", metavar="SCENE", help="scene file; optional with --reuse")
    p.add_argument("--image", metavar="CHARACTER.png", help="the character image (the photo)")
    p.add_argument("--base", metavar="MODEL", help="image-editing model folder")
    p.add_argument("--reference", metavar="MAP[+MAP]", help="pose reference (default mannequin)")
    add_sampling_args(p, "prompt", "negative_prompt",
                      prompt="instruction (default: made from the scene)")
    p.add_argument("--out", required=True, metavar="OUT.png")
    add_sampling_args(p, "steps", "guidance", "seed", steps=None, guidance=None)
    p.add_argument("--layout", metavar="side|stack", help="one-image models: how to compose")
    add_sampling_args(p, "device", "precision", device=None, precision=None)
    p.add_argument("--reuse", metavar="IMAGE", help="take the parameters from an earlier output")
    p.set_defaults(func=run)


def build_request(args: argparse.Namespace, reused=None):
    """The :class:`ReposeRequest` of the arguments, on top of a reused one if given."""
    from posestudio.cli.generate_args import apply_seed, sampling_fields
    from posestudio.generate.repose import ReposeRequest

    fields = reused.to_dict() if reused is not None else {}
    given = {"base": args.base, "image": args.image, "reference": args.reference,
             **sampling_fields(args), "layout": args.layout}
    if reused is not None and args.prompt is None and args.reference is not None:
        fields["prompt"] = ""        # the stored instruction named the old reference: make a new one
    fields.update({k: v for k, v in given.items() if v is not None})
    apply_seed(fields, args.seed, reused)
    for flag, key in (("--base", "base"), ("--image", "image")):
        if key not in fields:
            raise InputError(f"{flag} is required (or --reuse an earlier output)")
    return ReposeRequest(**fields)


def _progress(fraction: float, message: str) -> None:
    print(f"repose: {fraction * 100:3.0f}% {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from posestudio.cli.generate_args import output_file, scene_or_reused
    from posestudio.cli.scene_args import check_rigs
    from posestudio.generate.edit_families import inspect_edit_model
    from posestudio.generate.repose import load_character, read_repose_parameters, repose

    out = output_file(args.out, ".png", "the parameters live in PNG text")
    reused, reused_scene = read_repose_parameters(args.reuse) if args.reuse else (None, None)
    scene = scene_or_reused(args.scene, reused_scene,
                            "SCENE is required (or --reuse an output that embeds its scene)")
    request = build_request(args, reused)
    inspect_edit_model(request.base)
    load_character(request.image)
    check_rigs(scene)
    result = repose(scene, request, out, progress=_progress)
    print(f"wrote {out} (seed {result.request.seed}; {result.family}, "
          f"{result.image.size[0]}x{result.image.size[1]}, reference {result.request.reference})")
    return 0
