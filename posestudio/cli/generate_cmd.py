"""``posestudio generate SCENE --base MODEL --controlnet CN ... --prompt TEXT --out IMAGE``.

Scene → control maps (``render.pipeline.render_scene``) → local diffusers ControlNet pipeline →
PNG(s) with the parameters and the scene embedded, written next to the control maps used.
Everything cheap (arguments, output path, model files, family pairing) is checked before the
scene is rendered or a model is loaded; output files appear together at the end or not at all.
"""

from __future__ import annotations

import argparse
import os
import sys

from posestudio.cli.generate_args import add_sampling_args
from posestudio.cli.scene_args import add_body_model_arg
from posestudio.errors import InputError

HELP = """\
Generate images from a scene with local ControlNet models (nothing is downloaded).

  posestudio generate scene.pose.json --base models/sd15 \\
      --controlnet models/control_sd15_openpose:openpose:1.0 \\
      --controlnet models/control_sd15_depth:depth:0.5 --prompt "a dancer" --out out/dancer.png

--base is a diffusers model folder (model_index.json) or a single .safetensors checkpoint;
--controlnet is PATH[:MAP[:SCALE[:START[:END]]]] with MAP one of openpose, depth, normal, canny,
seg, mannequin (default: guessed from the name, else openpose), SCALE the conditioning scale
(default 1), START/END the fraction of steps it acts on (default 0 and 1). Families: Stable
Diffusion 1.x/2.x, SDXL, Flux, SD3, Z-Image (detected from the files; a ControlNet made for another
family is refused). The size is the scene canvas unless --size is given.

Writes IMAGE (PNG with the parameters and the scene in text chunks), IMAGE-1.png ... for
--batch > 1, and the control maps used as IMAGE.<map>.png next to them. --reuse IMAGE takes every
parameter (and the scene, if SCENE is left out) from an earlier output; flags given override."""


def register(subparsers) -> None:
    p = subparsers.add_parser("generate", help="generate images with local ControlNet models",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", nargs="?", metavar="SCENE",
                   help="scene file (*.pose.json) or bundled example; optional with --reuse")
    p.add_argument("--base", metavar="MODEL", help="base model folder or .safetensors file")
    p.add_argument("--controlnet", action="append", metavar="CN[:MAP[:SCALE[:START[:END]]]]",
                   help="ControlNet folder or file, repeatable for multi-ControlNet")
    add_sampling_args(p, "prompt", "negative_prompt")
    p.add_argument("--out", required=True, metavar="IMAGE.png", help="output PNG")
    add_sampling_args(p, "steps", "guidance", "seed")
    p.add_argument("--batch", metavar="N", help="number of images (seeds S, S+1, ...)")
    p.add_argument("--size", metavar="WxH", help="output size (default: the scene canvas)")
    p.add_argument("--scheduler", metavar="NAME",
                   help="default, euler, euler_a, dpm++_2m, dpm++_2m_karras, ddim, unipc, pndm")
    add_sampling_args(p, "device", "precision")
    p.add_argument("--offload", metavar="none|model|sequential",
                   help="CPU offload for small GPUs (default none)")
    p.add_argument("--vae-tiling", action="store_true", default=None, help="decode in tiles")
    p.add_argument("--vae-slicing", action="store_true", default=None, help="decode one at a time")
    p.add_argument("--base-config", metavar="DIR",
                   help="for a single-file base: a local diffusers folder with its configs")
    add_body_model_arg(p, help_text="SMPL/SMPL+H/SMPL-X file for every person")
    p.add_argument("--reuse", metavar="IMAGE", help="take the parameters from an earlier output PNG")
    p.set_defaults(func=run)


def build_request(args: argparse.Namespace, reused=None, canvas: tuple[int, int] | None = None):
    """The :class:`GenerationRequest` of the arguments, on top of a reused one if given."""
    import dataclasses

    from posestudio.cli.generate_args import apply_seed, optional_number, sampling_fields
    from posestudio.generate.params import GenerationRequest, MemoryOptions, parse_control_arg

    base = reused.to_dict() if reused is not None else {}
    memory = dict(base.get("memory") or {})
    for key, value in (("offload", args.offload), ("vae_tiling", args.vae_tiling),
                       ("vae_slicing", args.vae_slicing)):
        if value is not None:
            memory[key] = value
    fields = {
        "base": args.base, **sampling_fields(args),
        "batch_count": optional_number("--batch", args.batch), "scheduler": args.scheduler,
        "base_config": args.base_config,
    }
    base.update({k: v for k, v in fields.items() if v is not None})
    if args.controlnet:
        base["controlnets"] = [dataclasses.asdict(parse_control_arg(c)) for c in args.controlnet]
    apply_seed(base, args.seed, reused)
    if canvas is not None:
        base["width"], base["height"] = canvas
    base["memory"] = MemoryOptions(**memory)
    for flag, key in (("--base", "base"), ("--controlnet", "controlnets"), ("--prompt", "prompt")):
        if key not in base:
            raise InputError(f"{flag} is required (or --reuse an earlier output)")
    return GenerationRequest(**base)


class _Progress:
    """Step progress on stderr: a redrawn line on a terminal, a line per step otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        text = f"generate: step {done}/{total}"
        if self.tty:
            print("\r" + text, end="\n" if done == total else "", file=sys.stderr, flush=True)
        else:
            print(text, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from posestudio.cli.generate_args import output_file
    from posestudio.cli.scene_args import apply_body_model, check_rigs, load_scene_arg, parse_size
    from posestudio.generate.metadata import read_output
    from posestudio.generate.outputs import check_models, generate_scene

    out = output_file(args.out, ".png", "the parameters live in PNG text")
    saved = read_output(args.reuse) if args.reuse else None
    size = parse_size(args.size) if args.size else None

    if args.scene is not None:
        scene = load_scene_arg(args.scene)
    elif saved is None:
        raise InputError("SCENE is required (or --reuse an output that embeds its scene)")
    elif not saved.has_scene:
        raise InputError(f"--reuse {args.reuse}: the image has no embedded scene; give SCENE")
    else:
        scene = saved.scene()        # the scene the image was made from: same maps, same pixels
    if size is not None:
        from posestudio.scene.model import Canvas

        scene.canvas = Canvas(*size)
    scene = apply_body_model(scene, args.body_model)
    reused = saved.request if saved is not None else None
    request = build_request(args, reused, (scene.canvas.width, scene.canvas.height))

    # Model files and their pairing: milliseconds, before any rendering or loading.
    check_models(request)
    check_rigs(scene)

    done = generate_scene(scene, request, out, progress=_Progress())
    seeds = ", ".join(str(r.request.seed) for r in done.results)
    print(f"wrote {', '.join(os.fspath(p) for p in done.image_paths)} (seed {seeds}; "
          f"{done.results[0].family}, {request.width}x{request.height})")
    return 0
