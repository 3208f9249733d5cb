"""``posestudio generate-video SCENE --base MODEL [--preset ...] --out OUT.mp4``.

Scene animation → control frames (the family's sequence preset, in memory) → local video
pipeline (Wan VACE, Wan-Animate, AnimateDiff ControlNet/SparseCtrl, CogVideoX-Fun Control,
LTX-Video) → OUT.mp4, OUT.json and OUT.frames/ with the parameters embedded. Arguments, output
path and model folders are checked before anything is rendered or loaded.
"""

from __future__ import annotations

import argparse
import sys

from posestudio.cli.generate_args import add_sampling_args
from posestudio.errors import InputError

HELP = """\
Generate a video driven by a scene's animation with a local video model (nothing is downloaded).

  posestudio generate-video dance.pose.json --base models/Wan2.1-VACE-1.3B-diffusers \\
      --image character.png --prompt "a dancer on a stage" --seed 7 --out out/dance.mp4

--base is a diffusers folder: Wan VACE (control video + optional reference image), Wan-Animate
(reference image required; face crops come from the mannequin render), CogVideoX-Fun Control,
LTX-Video (reference image optional), or an AnimateDiff pipeline. For AnimateDiff give a Stable
Diffusion 1.5 base with --motion-adapter DIR and --controlnet DIR (an SD 1.5 ControlNet, or a
SparseCtrl model: then only keyframes, the animation's keys, are conditioned). The family is
detected from the folder; parts that do not fit are refused.

The sequence is exported with the family's preset (--preset overrides: frame rate, size rounding,
skeleton style); long clips run in overlapping segments (--segment-frames, --overlap). Writes
OUT.mp4, OUT.json (parameters and scene) and OUT.frames/NNNNNN.png (parameters in PNG text).
--reuse OUT.mp4|OUT.json takes every parameter (and the scene, if SCENE is left out) from an
earlier clip; flags given override."""


def register(subparsers) -> None:
    p = subparsers.add_parser("generate-video", help="generate a pose-driven video with a local model",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", nargs="?", metavar="SCENE", help="animated scene file or bundled example")
    p.add_argument("--base", metavar="MODEL", help="video model folder (model_index.json)")
    p.add_argument("--controlnet", metavar="DIR", help="AnimateDiff: ControlNet or SparseCtrl folder")
    p.add_argument("--motion-adapter", metavar="DIR", help="AnimateDiff: motion adapter folder")
    p.add_argument("--preset", metavar="NAME", help="sequence preset (default: the family's)")
    p.add_argument("--map", metavar="MAP", help="control map: openpose (default), depth, normal, ...")
    p.add_argument("--out", required=True, metavar="OUT.mp4")
    p.add_argument("--image", metavar="REF", help="reference (character) image")
    add_sampling_args(p, "prompt", "negative_prompt", "seed", "steps", "guidance",
                      steps=None, guidance=None)
    p.add_argument("--fps", metavar="F", help="output frame rate (default: the preset's)")
    p.add_argument("--size", metavar="WxH", help="output size (default: the scene canvas, rounded)")
    p.add_argument("--start", metavar="S", help="first frame (index at the output fps)")
    p.add_argument("--end", metavar="E", help="frame after the last one")
    p.add_argument("--control-scale", metavar="X", help="pose conditioning strength (default 1)")
    p.add_argument("--segment-frames", metavar="N", help="frames per segment (default: the model's)")
    p.add_argument("--overlap", metavar="N", help="frames shared by segments (default: the model's)")
    p.add_argument("--keyframes", metavar="I,J,...",
                   help="SparseCtrl: frames that carry a control image (default: the animation's keys)")
    add_sampling_args(p, "device", "precision", precision=None)
    p.add_argument("--reuse", metavar="CLIP", help="take the parameters from an earlier clip")
    p.set_defaults(func=run)


def build_request(args: argparse.Namespace, reused=None):
    """The :class:`VideoRequest` of the arguments, on top of a reused one if given."""
    from posestudio.cli.generate_args import apply_seed, optional_number, sampling_fields
    from posestudio.cli.scene_args import parse_size
    from posestudio.generate.video_params import VideoRequest

    fields = reused.to_dict() if reused is not None else {}
    given = {
        "base": args.base, "controlnet": args.controlnet, "motion_adapter": args.motion_adapter,
        "preset": args.preset, "control_map": args.map, "reference_image": args.image,
        **sampling_fields(args),
        "fps": optional_number("--fps", args.fps, float),
        "start": optional_number("--start", args.start),
        "end": optional_number("--end", args.end),
        "control_scale": optional_number("--control-scale", args.control_scale, float),
        "segment_frames": optional_number("--segment-frames", args.segment_frames),
        "overlap": optional_number("--overlap", args.overlap),
    }
    fields.update({k: v for k, v in given.items() if v is not None})
    if args.size:
        fields["width"], fields["height"] = parse_size(args.size)
    if args.keyframes:
        fields["keyframes"] = [optional_number("--keyframes", k)
                               for k in args.keyframes.split(",") if k]
    apply_seed(fields, args.seed, reused)
    if "base" not in fields:
        raise InputError("--base is required (or --reuse an earlier clip)")
    if reused is not None and not args.keyframes and (args.start or args.end or args.fps
                                                       or args.preset):
        fields["keyframes"] = None   # another range: the animation's keys are found again
    return VideoRequest(**fields)


class _Progress:
    """Progress on stderr: a redrawn line on a terminal, one line per message otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = None

    def __call__(self, fraction: float, message: str) -> None:
        if message == self.last:
            return
        self.last = message
        text = f"generate-video: {fraction * 100:3.0f}% {message}"
        if self.tty:
            print("\r" + text.ljust(60), end="\n" if fraction >= 1.0 else "", file=sys.stderr,
                  flush=True)
        else:
            print(text, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from posestudio.cli.generate_args import output_file, scene_or_reused
    from posestudio.cli.scene_args import check_rigs
    from posestudio.generate.video import generate_video, read_video_parameters
    from posestudio.generate.video_families import inspect_video_model

    out = output_file(args.out, ".mp4")
    reused, reused_scene = read_video_parameters(args.reuse) if args.reuse else (None, None)
    scene = scene_or_reused(args.scene, reused_scene,
                            "SCENE is required (or --reuse a clip that stored its scene)")
    request = build_request(args, reused)
    inspect_video_model(request.base, request.controlnet, request.motion_adapter)
    check_rigs(scene)
    result = generate_video(scene, request, out, progress=_Progress())
    height, width = result.frames.shape[1:3]
    print(f"wrote {out} ({len(result.frames)} frames, {width}x{height} at {result.fps:g} fps; "
          f"seed {result.request.seed}; {result.family}, {len(result.segments)} segment(s))")
    return 0
