"""``posestudio export-sequence SCENE_OR_BVH_OR_VIDEO --out DIR``: per-frame control maps of an
animation.

Every option is checked (and the frames planned) before any rendering; the folder is written
atomically, so an error or Ctrl+C leaves nothing behind. Progress goes to stderr: a bar on a
terminal, a plain line every 10 % otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from posestudio.errors import InputError

HELP = """\
Export the per-frame control maps of an animated scene (or a BVH clip on the mannequin, or the
people of a video, tracked and lifted) for pose-guided video models. Writes into DIR: <map>/NNNNNN.png for each map,
openpose_json/NNNNNN_keypoints.json (OpenPose JSON per frame, person_id = the person's index in
the scene), <map>.mp4 previews and sequence.json (preset, fps, size, frames, depth range).
Depth is scaled over the whole sequence, so its brightness does not flicker."""

EPILOG = """\
maps: openpose, depth, normal, seg, canny, champ (colour by dominant skinning joint),
      iuv (DensePose-style part index + UV), mask, mannequin
presets: {presets}

examples:
  posestudio export-sequence dance.pose.json --out frames/ --preset wan-vace
  posestudio export-sequence dance.pose.json --out frames/ --maps openpose,depth --fps 24 --start 0 --end 48
  posestudio export-sequence dance.pose.json --out keys/ --preset ltx-video --keyframes keys"""


def register(subparsers) -> None:
    from posestudio.sequence.presets import PRESETS

    presets = ", ".join(f"{p.name} ({p.label})" for p in PRESETS.values())
    p = subparsers.add_parser("export-sequence", help="per-frame control maps of an animation",
                              description=HELP, epilog=EPILOG.format(presets=presets),
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", metavar="SCENE_OR_BVH_OR_VIDEO",
                   help="scene file (*.pose.json, animated or still) or bundled example, a BVH "
                        "clip (on the mannequin) or a video (its people tracked and lifted)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (made if missing)")
    p.add_argument("--preset", default="custom", metavar="NAME",
                   help="video model preset: frame count, fps, size rounding, skeleton style "
                        "(default custom)")
    p.add_argument("--maps", metavar="LIST", help="comma-separated maps (default: the preset's)")
    p.add_argument("--fps", metavar="F", help="output frame rate (default: the preset's or "
                                               "the animation's)")
    p.add_argument("--start", metavar="S", help="first frame index at the output fps")
    p.add_argument("--end", metavar="E", help="frame index to stop before")
    p.add_argument("--size", metavar="WxH", help="canvas size before the preset's rounding")
    p.add_argument("--keyframes", metavar="keys|I,J,...",
                   help="write only these frames (sparse keyframe conditioning): 'keys' = the "
                        "frames of the animation's keys, or frame indices; adds keyframes.json")
    p.add_argument("--png", default="fast", choices=("fast", "small"),
                   help="PNG compression: fast (default) or small (slower, smaller files)")
    p.add_argument("--no-preview", action="store_true", help="skip the mp4 previews")
    p.set_defaults(func=run)


def load_source(arg: str):
    """The Scene to export: a scene file / bundled example, a BVH clip retargeted to the
    mannequin, or a video whose people are tracked and lifted (the same imports as
    ``posestudio import CLIP.bvh|VIDEO``, at the source's own frame rate)."""
    from posestudio.cli.scene_args import load_scene_arg
    from posestudio.video.decode import is_video_path

    path = Path(arg)
    if is_video_path(path):
        from posestudio.video.importer import import_video

        scene, _report = import_video(path)
        return scene
    if path.suffix.lower() == ".bvh":
        if not path.is_file():
            raise InputError(f"{arg}: no such BVH file")
        try:
            from posestudio.anim.bvh_import import import_bvh
        except ImportError:
            raise InputError(f"{arg}: BVH input is not available in this version; import the "
                             f"clip into a scene first") from None
        return import_bvh(path)          # the mannequin performs the clip at its own rate
    return load_scene_arg(arg)


class ProgressBar:
    """Progress on stderr: a redrawn bar on a terminal, plain lines every 10 % otherwise."""

    def __init__(self, stream=None, width: int = 30, label: str = "export-sequence") -> None:
        self.stream = stream or sys.stderr
        self.label = label
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.width = width
        self.start = time.perf_counter()
        self._last_decile = -1

    def __call__(self, fraction: float, message: str) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        elapsed = time.perf_counter() - self.start
        if self.tty:
            done = int(round(fraction * self.width))
            bar = "#" * done + "-" * (self.width - done)
            self.stream.write(f"\r[{bar}] {fraction * 100:5.1f}% {message:<16} {elapsed:6.1f}s")
            if fraction >= 1.0:
                self.stream.write("\n")
            self.stream.flush()
            return
        decile = int(fraction * 10)
        if decile > self._last_decile:
            self._last_decile = decile
            self.stream.write(f"{self.label}: {fraction * 100:3.0f}% {message} "
                              f"({elapsed:.1f}s)\n")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    from posestudio.cli.scene_args import parse_index, parse_positive, parse_size
    from posestudio.export.atomic import check_writable_dir
    from posestudio.render.heap import retain_freed_memory
    from posestudio.sequence.export import export_sequence, plan_sequence

    size = parse_size(args.size) if args.size else None
    fps = parse_positive("--fps", args.fps, 1000.0)
    start, end = parse_index(args.start, "--start"), parse_index(args.end, "--end")
    check_writable_dir(args.out)
    scene = load_source(args.source)
    options = dict(preset=args.preset, maps=args.maps, fps=fps, start=start, end=end,
                   size=size, keyframes=args.keyframes)
    plan = plan_sequence(scene, **options)      # every option checked before rendering
    retain_freed_memory()                       # every frame reuses the last one's buffers
    progress = ProgressBar()
    started = time.perf_counter()
    export_sequence(scene, args.out, png=args.png, previews=not args.no_preview,
                    progress=progress, **options)
    seconds = time.perf_counter() - started
    frames = len(plan.written)
    held = f", last {plan.frames.held} holding the final pose" if plan.frames.held else ""
    print(f"wrote {args.out}: {frames} frames ({plan.frames.count} at {plan.frames.fps:g} fps, "
          f"{plan.canvas.width}x{plan.canvas.height}, {plan.preset.name}{held}) of "
          f"{', '.join(plan.maps)}; {seconds / max(frames, 1):.3f} s/frame")
    return 0
