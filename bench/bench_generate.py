"""Generation overhead: PoseStudio's generate path vs the same diffusers pipeline called directly.

Both sides run the *same* pipeline object (loaded once by PoseStudio's cache) with the same inputs:
prompt, steps, guidance, size, control image, conditioning scale, guidance window and a CPU
``torch.Generator`` seeded alike, so they must give identical pixels (checked). The PoseStudio side
is ``posestudio.generate.generate`` with the pipeline already cached (the second press of Generate):
model-file checks, request validation, control image conversion, per-step progress/cancel callback,
RNG fork. The direct side is ``pipe(**kwargs)``. Each round runs both, in a shuffled (seeded) order,
so drift in machine load hits both alike; we report medians, bests and the overhead in percent
(design target <= 2 %).

The models are tiny random SD 1.5 + ControlNet pipelines built locally (nothing downloaded), wider
than the test ones so a step costs a measurable amount of time on a CPU.

    OMP_NUM_THREADS=1 python bench/bench_generate.py [--runs 9] [--size 128] [--steps 10]
        [--channels 32,64] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "generate"))  # tiny_models: the builders the tests use


def control_image(size: int):
    """A figure-like white cross on black, as a control map."""
    import numpy as np

    image = np.zeros((size, size, 3), np.uint8)
    image[size // 5: size * 4 // 5, size * 7 // 16: size * 9 // 16] = 255
    image[size // 3: size // 3 + size // 16, size // 5: size * 4 // 5] = 255
    return image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per side")
    parser.add_argument("--size", type=int, default=128, help="output width = height, pixels")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--channels", default="32,64", help="UNet block widths of the tiny model")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = parser.parse_args(argv)

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    import tiny_models
    from pipeline_overhead import alternate_rounds

    from posestudio.generate import ControlSpec, GenerationRequest, generate
    from posestudio.generate.engine import _call_kwargs, resolve_defaults, to_control_image
    from posestudio.generate.loading import PipelineCache

    channels = tuple(int(c) for c in args.channels.split(","))
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        t0 = time.perf_counter()
        base, cn = tiny_models.build_sd15(Path(tmp), channels=channels, name="bench")
        build_s = time.perf_counter() - t0
        control = control_image(args.size)
        request = GenerationRequest(
            base=str(base), controlnets=[ControlSpec(str(cn), "openpose", 0.9, 0.0, 0.9)],
            prompt="a wooden mannequin dancing", negative_prompt="blurry", steps=args.steps,
            guidance=6.5, seed=1234, width=args.size, height=args.size, device=args.device)
        cache = PipelineCache()
        t0 = time.perf_counter()
        ours = generate(request, [control], cache=cache)[0]  # loads + warms up
        load_s = time.perf_counter() - t0
        loaded = cache.loaded
        pipe = loaded.pipe
        kwargs = _call_kwargs(loaded, resolve_defaults(request, loaded.family),
                              [to_control_image(control)])

        def direct():
            generator = torch.Generator("cpu").manual_seed(request.seed)
            return pipe(**kwargs, generator=generator, output_type="pil").images[0]

        def posestudio():
            return generate(request, [control], progress=lambda done, total: None,
                            cancel=lambda: False, cache=cache)[0].image

        def preparation():
            # Everything PoseStudio does per press before the pipeline runs: model-file checks
            # and cache lookup, defaults, request validation, control image conversion, kwargs.
            from posestudio.generate.engine import _scheduler, check_request

            got = cache.get(request)
            resolved = resolve_defaults(request, got.family)
            images = check_request(got, resolved, [control])
            _scheduler(got, resolved.scheduler)
            return _call_kwargs(got, resolved, images)

        prep = []
        for _ in range(50):
            t0 = time.perf_counter()
            preparation()
            prep.append(time.perf_counter() - t0)
        same = np.array_equal(np.asarray(direct()), np.asarray(ours.image))
        # a fixed "direct first" order biased the medians by ~15 %: each round is shuffled
        times, cpu = alternate_rounds([("direct", direct), ("posestudio", posestudio)],
                                      args.runs, args.device)

    direct_s = statistics.median(times["direct"])
    ours_s = statistics.median(times["posestudio"])
    best_direct, best_ours = min(times["direct"]), min(times["posestudio"])
    device = args.device if args.device != "cpu" else f"cpu ({args.threads} thread(s))"
    print(f"device: {device}; torch {torch.__version__}; SD1.5-layout UNet+ControlNet channels "
          f"{channels}, {args.size}x{args.size}, {args.steps} steps, guidance 6.5 (CFG on)")
    print(f"build tiny models: {build_s:.2f} s; first generate (load + run): {load_s:.2f} s")
    print(f"same pixels as the direct call: {same}")
    print(f"direct diffusers call: median {direct_s * 1e3:8.1f} ms  (best {best_direct * 1e3:.1f})"
          f"  runs {args.runs}")
    print(f"PoseStudio generate:   median {ours_s * 1e3:8.1f} ms  (best {best_ours * 1e3:.1f})")
    cpu_direct, cpu_ours = statistics.median(cpu["direct"]), statistics.median(cpu["posestudio"])
    print(f"CPU time of this process (immune to other jobs taking the cores): direct median "
          f"{cpu_direct * 1e3:.1f} ms, PoseStudio median {cpu_ours * 1e3:.1f} ms -> overhead "
          f"{100 * (cpu_ours / cpu_direct - 1):+.2f} %")
    prep_s = statistics.median(prep)
    print(f"PoseStudio preparation before the pipeline call (median of 50): {prep_s * 1e3:.2f} ms "
          f"= {100 * prep_s / direct_s:.2f} % of a direct call")
    print(f"overhead: median {100 * (ours_s / direct_s - 1):+.2f} %, "
          f"best-of {100 * (best_ours / best_direct - 1):+.2f} %  (target <= 2 %)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
