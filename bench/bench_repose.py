"""Re-pose overhead: PoseStudio's editing path vs the same diffusers pipeline called directly.

Both sides run the *same* editing pipeline object (loaded once by PoseStudio's cache) on the same
character image and rendered pose reference, prompt, steps, guidance, size and a CPU
``torch.Generator`` seeded alike, so they must give identical pixels (checked). The PoseStudio
side is what :func:`posestudio.generate.repose.repose` does once the reference is rendered:
model-folder check, cached pipeline lookup, input resizing/composition, per-step progress/cancel
callback, RNG fork. The direct side is ``pipe(**kwargs)`` with its inputs built before the clock
starts (so the ratio is an upper bound of our overhead). The reference render time is printed
apart (the direct caller would have to make that image somehow too). Medians and bests of wall
time, and medians of this process's CPU time (not counting time spent waiting for a core on a
shared machine), with the overhead in percent (target <= 2 %).

The model is a tiny random FLUX.2 [klein] (several input images) or FLUX.1 Kontext (one
side-by-side image) built locally; ``--device cuda --dtype float16`` runs it on a GPU.

    OMP_NUM_THREADS=1 python bench/bench_repose.py [--family flux2-klein|flux-kontext]
        [--runs 5] [--size 64] [--steps 4] [--device cpu|cuda] [--dtype float32|float16|bfloat16]
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--family", default="flux2-klein", choices=("flux2-klein", "flux-kontext"))
    add_run_options(parser)
    args = parser.parse_args(argv)

    import numpy as np
    import torch
    from PIL import Image

    torch.set_num_threads(args.threads)
    import tiny_edit_models

    from posestudio.cli.scene_args import load_scene_arg
    from posestudio.generate.job_loading import ModelCache
    from posestudio.generate.outputs import render_control_maps
    from posestudio.generate.repose import (ReposeRequest, edit_inputs, load_edit_pipeline,
                                            run_edit)
    from posestudio.scene.model import Canvas

    dtype = getattr(torch, args.dtype)
    scene = load_scene_arg("waving")
    scene.canvas = Canvas(args.size, args.size)
    with tempfile.TemporaryDirectory(prefix="bench-repose-") as tmp:
        t0 = time.perf_counter()
        base = tiny_edit_models.EDIT_BUILDERS[args.family](Path(tmp))["base"]
        build_s = time.perf_counter() - t0
        character_path = Path(tmp) / "character.png"
        Image.new("RGB", (args.size, args.size), (200, 60, 40)).save(character_path)
        character = Image.open(character_path).convert("RGB")
        request = ReposeRequest(base=str(base), image=str(character_path), steps=args.steps,
                                guidance=4.0, seed=3, device=args.device,
                                prompt="the same person, right arm raised, seen from the front")
        t0 = time.perf_counter()
        references = render_control_maps(scene, list(request.maps))
        render_ms = (time.perf_counter() - t0) * 1e3
        cache = ModelCache()
        t0 = time.perf_counter()
        pipe, info, device = load_edit_pipeline(request, cache, dtype=dtype)
        load_s = time.perf_counter() - t0
        size = (args.size, args.size)

        def ours():
            p, i, d = load_edit_pipeline(request, cache, dtype=dtype)
            kwargs, _, _ = edit_inputs(request, i, character, references, size)
            return np.asarray(run_edit(p, i, d, request, kwargs, progress=lambda f, m: None,
                                       cancelled=lambda: False))

        kwargs, _, _ = edit_inputs(request, info, character, references, size)
        direct_kwargs = dict(kwargs, prompt=request.prompt, num_inference_steps=args.steps,
                             output_type="pil")
        direct_kwargs[info.spec.guidance_arg] = request.guidance

        def direct():
            generator = torch.Generator("cpu").manual_seed(request.seed)
            with torch.inference_mode():
                return np.asarray(pipe(generator=generator, **direct_kwargs).images[0])

        same = np.array_equal(ours(), direct())             # warm-up, and the same pixels
        with torch.inference_mode():
            recorded = pipe(generator=torch.Generator("cpu").manual_seed(request.seed),
                            **direct_kwargs)
        stand_in = RecordedPipeline(recorded, args.steps)

        def own():
            _, i, d = load_edit_pipeline(request, cache, dtype=dtype)
            kw, _, _ = edit_inputs(request, i, character, references, size)
            run_edit(stand_in, i, d, request, kw, progress=lambda f, m: None,
                     cancelled=lambda: False)

        own_ms = own_code_ms(own)
        times, cpu = alternate_rounds([("posestudio", ours), ("direct", direct)],
                                      args.runs, args.device)
    print(f"{info.spec.label} tiny, {args.size}x{args.size}, {args.steps} steps, {args.device} "
          f"{args.dtype}, torch threads {args.threads}")
    print(f"build {build_s:.2f} s, load {load_s:.2f} s, reference render {render_ms:.1f} ms, "
          f"identical pixels: {same}")
    print_overhead(times, cpu, own_ms)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
