"""Timing helper shared by the benchmarks (run them as ``python bench/<name>.py``)."""

from __future__ import annotations

import statistics
import time


def timed_ms(fn, runs: int, warmup: int = 3) -> tuple[float, float]:
    """(median, min) wall time of ``fn`` in ms. The minimum is the cost without interference
    from other processes on a shared machine; the median is what a user sees on it."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times)
