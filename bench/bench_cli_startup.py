"""CLI start-up time: ``posestudio --help`` wall time against a bare ``python -c pass``.

Target (design.md §6): ≤ 0.3 s, i.e. heavy imports (torch, smplx, pyrender, diffusers) deferred
until a command runs. Median of N runs of a fresh interpreter each (subprocess).

    OMP_NUM_THREADS=1 python bench/bench_cli_startup.py [--runs 10] [--commands]

With --importtime it also prints the slowest imports of ``posestudio --help``
(``python -X importtime``), to find what to defer when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 0.3


def wall_times(cmd: list[str], runs: int) -> list[float]:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - t0)
    return times


def slowest_imports(top: int = 12) -> list[tuple[int, str]]:
    """(cumulative µs, module) of the slowest imports of ``posestudio --help``."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "posestudio", "--help"],
                          capture_output=True, text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        # "import time:  self_us | cumulative_us | <indent>module"; the first line is the header.
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cumulative_us, name = line.split(":", 1)[1].split("|")
        rows.append((int(cumulative_us), name.strip()))
    return sorted(rows, reverse=True)[:top]


def entry_point() -> list[str]:
    """The installed ``posestudio`` console script beside this interpreter, else ``-m``."""
    script = Path(sys.executable).with_name("posestudio")
    return [str(script)] if script.exists() else [sys.executable, "-m", "posestudio"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--commands", action="store_true",
                        help="also time whole commands (joints, render) for context")
    args = parser.parse_args()

    baseline = statistics.median(wall_times([sys.executable, "-c", "pass"], args.runs))
    help_s = statistics.median(wall_times([sys.executable, "-m", "posestudio", "--help"],
                                          args.runs))
    verdict = "OK" if help_s <= TARGET_S else "SLOW"
    print(f"python -c pass               : {baseline * 1000:7.1f} ms (median of {args.runs})")
    print(f"python -m posestudio --help  : {help_s * 1000:7.1f} ms  "
          f"target ≤ {TARGET_S * 1000:.0f} ms  [{verdict}]")
    print(f"ratio vs python              : {help_s / baseline:7.2f}x  "
          f"(CLI's own cost {max(help_s - baseline, 0) * 1000:.1f} ms)")
    for label, argv in (("posestudio --help (script)", ["--help"]),
                        ("posestudio render --help", ["render", "--help"])):
        t = statistics.median(wall_times(entry_point() + argv, args.runs))
        print(f"{label:29s}: {t * 1000:7.1f} ms  [{'OK' if t <= TARGET_S else 'SLOW'}]")
    if args.commands:
        # Whole commands pay for torch/smplx (joints) and EGL/pyrender (render): context only.
        with tempfile.TemporaryDirectory() as out:
            for label, argv in (
                    ("posestudio joints standing", ["joints", "standing"]),
                    ("render standing 512x512 all", ["render", "standing", "--out", out,
                                                     "--size", "512x512"])):
                t = statistics.median(wall_times(entry_point() + argv, max(3, args.runs // 3)))
                print(f"{label:29s}: {t * 1000:7.1f} ms  (whole command, context)")
    if args.importtime or help_s > TARGET_S:
        print("slowest imports (cumulative):")
        for us, name in slowest_imports():
            print(f"  {us / 1000:8.1f} ms  {name}")


if __name__ == "__main__":
    main()
