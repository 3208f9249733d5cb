"""Shared pieces of the overhead benchmarks (PoseStudio's path vs the same pipeline called directly).

Run the benchmarks as ``python bench/<name>.py``; this module is imported from the ``bench/`` folder.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable, Sequence


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options the tiny-model overhead benchmarks share: rounds, size, steps, where to run."""
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=("float32", "float16", "bfloat16"))
    parser.add_argument("--threads", type=int, default=1)


class RecordedPipeline:
    """Stands in for a pipeline: replays one recorded output and calls the step callback as
    many times as the real one, so timing a run with it measures PoseStudio's own code only."""

    def __init__(self, output, steps: int) -> None:
        self.output, self.steps = output, steps
        self._interrupt = False

    def __call__(self, callback_on_step_end=None, **kwargs):
        for step in range(self.steps):
            if callback_on_step_end is not None:
                callback_on_step_end(self, step, 0, {})
        return self.output


def own_code_ms(fn: Callable[[], object], runs: int = 20) -> float:
    """Median CPU milliseconds of ``fn`` (PoseStudio's code around a recorded pipeline)."""
    samples = []
    for _ in range(runs):
        c0 = time.process_time()
        fn()
        samples.append((time.process_time() - c0) * 1e3)
    return statistics.median(samples)


def alternate_rounds(sides: Sequence[tuple[str, Callable[[], object]]], runs: int,
                     device: str) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Time every side once per round, in a shuffled (seeded) order per round.

    A fixed order biased the medians by ~15 %; shuffling makes drift in machine load hit all
    sides alike. On ``device == "cuda"`` the clock waits for the GPU before and after each call.

    Returns
    -------
    times, cpu : dict
        Per side name, the wall seconds and this process's CPU seconds of each run (``runs`` each).
    """
    import torch

    times: dict[str, list[float]] = {name: [] for name, _ in sides}
    cpu: dict[str, list[float]] = {name: [] for name, _ in sides}
    order = random.Random(0)
    for _ in range(runs):
        pair = list(sides)
        order.shuffle(pair)
        for name, fn in pair:
            if device == "cuda":
                torch.cuda.synchronize()
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            if device == "cuda":
                torch.cuda.synchronize()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    return times, cpu


def print_overhead(times: dict[str, list[float]], cpu: dict[str, list[float]], own_ms: float,
                   frames: int | None = None) -> None:
    """Print medians and bests of both sides, the CPU-time overhead, the share of PoseStudio's
    own code (``own_ms``, CPU ms) and the wall overhead; ``frames`` adds a per-frame figure."""
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    for name in ("direct", "posestudio"):
        per_frame = "" if frames is None else f"  ({med[name] / frames * 1e3:.1f} ms/frame)"
        print(f"{name:>10}: median {med[name] * 1e3:8.1f} ms  best {best[name] * 1e3:8.1f} ms"
              + per_frame)
    cpu_med = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"CPU time (this process; robust to other load on a shared machine): direct "
          f"{cpu_med['direct'] * 1e3:.1f} ms, posestudio {cpu_med['posestudio'] * 1e3:.1f} ms, "
          f"overhead {100 * (cpu_med['posestudio'] / cpu_med['direct'] - 1):+.2f} %")
    print(f"PoseStudio's own code per run (recorded pipeline, CPU): {own_ms:.1f} ms = "
          f"{100 * own_ms / (cpu_med['direct'] * 1e3):.2f} % of a direct call")
    print(f"wall overhead: median {100 * (med['posestudio'] / med['direct'] - 1):+.2f} %, "
          f"best {100 * (best['posestudio'] / best['direct'] - 1):+.2f} % (target <= 2 %)")
