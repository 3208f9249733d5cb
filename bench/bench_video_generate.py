"""Video generation overhead: PoseStudio's video path vs the same diffusers pipeline called directly.

Both sides run the *same* pipeline object (loaded once by PoseStudio's cache) on the same control
frames, reference image, prompt, steps, guidance, size and a CPU ``torch.Generator`` seeded alike,
so they must give identical frames (checked). The PoseStudio side is
``video_engine.generate_frames`` with the pipeline cached: model-folder checks, request
validation, segment planning, PIL conversion, per-step progress/cancel callback, RNG fork, uint8
conversion. The direct side is ``pipe(**kwargs)`` with its PIL inputs built before the clock
starts (so the ratio is an upper bound of our overhead). One segment (the clip fits the model's
window). Rounds alternate in a shuffled order; we report medians, bests and the overhead in
percent (target <= 2 %), in wall time and in this process's CPU time (the fair figure when
other jobs share the machine: it does not count time spent waiting for a core).

The model is a tiny random Wan VACE pipeline built locally (nothing downloaded); ``--device cuda
--dtype float16`` runs the same comparison on a GPU.

    OMP_NUM_THREADS=1 python bench/bench_video_generate.py [--runs 5] [--size 64] [--frames 17]
        [--steps 4] [--device cpu|cuda] [--dtype float32|float16|bfloat16]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "generate"))  # the tiny builders the tests use

from pipeline_overhead import (RecordedPipeline, add_run_options,  # noqa: E402
                               alternate_rounds, own_code_ms, print_overhead)


def pose_frames(count: int, size: int):
    """A white bar sweeping across black frames: a moving control signal."""
    import numpy as np

    frames = []
    for i in range(count):
        frame = np.zeros((size, size, 3), np.uint8)
        x = int((size - size // 8) * i / max(1, count - 1))
        frame[size // 6: size * 5 // 6, x: x + size // 8] = 255
        frames.append(frame)
    return frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=17)
    add_run_options(parser)
    args = parser.parse_args(argv)

    import numpy as np
    import torch
    from PIL import Image

    torch.set_num_threads(args.threads)
    import tiny_video_models

    from posestudio.generate.job_loading import ModelCache
    from posestudio.generate.video_engine import (_segment_kwargs, _to_uint8,
                                                  generate_frames, load_video_pipeline,
                                                  resolve_video_defaults)
    from posestudio.generate.video_params import VideoRequest

    dtype = getattr(torch, args.dtype)
    with tempfile.TemporaryDirectory(prefix="bench-video-") as tmp:
        t0 = time.perf_counter()
        base = tiny_video_models.build_wan_vace(Path(tmp))["base"]
        build_s = time.perf_counter() - t0
        control = pose_frames(args.frames, args.size)
        reference = Image.new("RGB", (args.size, args.size), (180, 60, 40))
        request = VideoRequest(base=str(base), prompt="a wooden mannequin dancing",
                               negative_prompt="blurry", steps=args.steps, guidance=5.0, seed=7,
                               device=args.device)
        cache = ModelCache()
        t0 = time.perf_counter()
        loaded = load_video_pipeline(request, cache, dtype=dtype)
        load_s = time.perf_counter() - t0

        def ours():
            return generate_frames(request, control, reference=reference, cache=cache,
                                   loaded=load_video_pipeline(request, cache, dtype=dtype)).frames

        resolved = resolve_video_defaults(request, "wan-vace")
        kwargs = _segment_kwargs(loaded, resolved, control, [], reference, args.size, args.size,
                                 [], 0, 16.0)

        def direct():
            generator = torch.Generator("cpu").manual_seed(resolved.seed)
            with torch.inference_mode():
                out = loaded.pipe(generator=generator, **kwargs)
            return _to_uint8(out.frames)

        a, b = ours(), direct()                             # warm-up, and the same frames
        same = np.array_equal(a, b)
        with torch.inference_mode():
            recorded = loaded.pipe(generator=torch.Generator("cpu").manual_seed(resolved.seed),
                                   **kwargs)
        stand_in = dataclasses.replace(loaded, pipe=RecordedPipeline(recorded, args.steps))
        own_ms = own_code_ms(lambda: generate_frames(
            request, control, reference=reference, progress=lambda f, m: None,
            cancelled=lambda: False, loaded=stand_in))
        times, cpu = alternate_rounds([("posestudio", ours), ("direct", direct)],
                                      args.runs, args.device)
    print(f"Wan VACE tiny, {args.frames} frames {args.size}x{args.size}, {args.steps} steps, "
          f"{args.device} {args.dtype}, torch threads {args.threads}")
    print(f"build {build_s:.2f} s, load {load_s:.2f} s, identical frames: {same}")
    print_overhead(times, cpu, own_ms, frames=args.frames)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
