"""CLI start-up: ``--help`` against a bare interpreter, and one-shot commands from a cold start
as ratios against importing the one library each cannot avoid, in the same run.

Targets:

- ``posestudio --help`` ≤ 0.3 s (heavy imports deferred until a command runs);
- ``render SCENE --size 768x1024`` (all maps) ≤ 1.5× ``python -c "import pyrender"``;
- ``import PHOTO`` (detect + lift) ≤ 3.5× ``python -c "import mediapipe"``.

"Cold" is a new interpreter per run (as a script, a render farm or a node of another tool calls
the CLI); the file cache is warm. Each command and its reference are timed alternately, median
of ``--cold-runs`` each, so that load from other jobs on a shared machine hits both alike.

    OMP_NUM_THREADS=1 python bench/bench_cli_startup.py [--runs 10] [--cold-runs 3]
                                                         [--photo PHOTO] [--importtime]

With --importtime it also prints the slowest imports of ``posestudio --help`` and of the cold
``render`` (``python -X importtime``), to find what to defer when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 0.3
RENDER_TARGET = 1.5
PHOTO_TARGET = 3.5
HEAVY = ("torch", "smplx", "diffusers", "matplotlib", "PySide6")


def _env() -> dict[str, str]:
    return dict(os.environ, OMP_NUM_THREADS="1", PYOPENGL_PLATFORM="egl", HF_HUB_OFFLINE="1")


def wall_time(cmd: list[str]) -> float:
    """Seconds one fresh process takes from start to exit."""
    return timed(cmd)[0]


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one fresh process, start to exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=_env())
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def wall_times(cmd: list[str], runs: int) -> list[float]:
    return [wall_time(cmd) for _ in range(runs)]


def paired_medians(cmd: list[str], reference: list[str], runs: int,
                   cpu: list | None = None) -> tuple[float, float]:
    """(median of ``cmd``, median of ``reference``) wall seconds, timed alternately ``runs``
    times each; ``cpu``, when given, receives the CPU-second medians the same way."""
    a, b, ca, cb = [], [], [], []
    for _ in range(runs):
        wall, used = timed(reference)
        b.append(wall); cb.append(used)
        wall, used = timed(cmd)
        a.append(wall); ca.append(used)
    if cpu is not None:
        cpu[:] = [statistics.median(ca), statistics.median(cb)]
    return statistics.median(a), statistics.median(b)


def import_rows(cmd: list[str], top: int = 12) -> list[tuple[int, str]]:
    """(cumulative µs, module) of the slowest imports of ``cmd`` (a ``python`` command line)."""
    proc = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True,
                          text=True, check=True, env=_env())
    rows = []
    for line in proc.stderr.splitlines():
        # "import time:  self_us | cumulative_us | <indent>module"; the first line is the header.
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cumulative_us, name = line.split(":", 1)[1].split("|")
        rows.append((int(cumulative_us), name.rstrip()))
    return sorted(rows, reverse=True)[:top] if top else rows


def heavy_imports(cmd: list[str]) -> list[str]:
    """Which of ``HEAVY`` the command imported (top-level names)."""
    names = {name.strip() for _, name in import_rows(cmd, top=0)}
    return [h for h in HEAVY if h in names]


def entry_point() -> list[str]:
    """The installed ``posestudio`` console script beside this interpreter, else ``-m``."""
    script = Path(sys.executable).with_name("posestudio")
    return [str(script)] if script.exists() else [sys.executable, "-m", "posestudio"]


def bench_help(runs: int, importtime: bool) -> None:
    baseline = statistics.median(wall_times([sys.executable, "-c", "pass"], runs))
    help_s = statistics.median(wall_times([sys.executable, "-m", "posestudio", "--help"], runs))
    verdict = "OK" if help_s <= TARGET_S else "SLOW"
    print(f"python -c pass               : {baseline * 1000:7.1f} ms (median of {runs})")
    print(f"python -m posestudio --help  : {help_s * 1000:7.1f} ms  "
          f"target ≤ {TARGET_S * 1000:.0f} ms  [{verdict}]")
    print(f"ratio vs python              : {help_s / baseline:7.2f}x  "
          f"(CLI's own cost {max(help_s - baseline, 0) * 1000:.1f} ms)")
    for label, argv in (("posestudio --help (script)", ["--help"]),
                        ("posestudio render --help", ["render", "--help"])):
        t = statistics.median(wall_times(entry_point() + argv, runs))
        print(f"{label:29s}: {t * 1000:7.1f} ms  [{'OK' if t <= TARGET_S else 'SLOW'}]")
    if importtime or help_s > TARGET_S:
        print("slowest imports of --help (cumulative):")
        for us, name in import_rows([sys.executable, "-m", "posestudio", "--help"]):
            print(f"  {us / 1000:8.1f} ms  {name}")


def _ratio_line(label: str, cmd_s: float, ref_label: str, ref_s: float, target: float) -> str:
    ratio = cmd_s / ref_s
    verdict = "OK" if ratio <= target else "SLOW"
    return (f"{label:34s}: {cmd_s:6.2f} s = {ratio:4.2f}× {ref_label} ({ref_s:.2f} s)  "
            f"target ≤ {target}×  [{verdict}]")


def default_photo(folder: Path) -> Path | None:
    """A photo of one person to import: scikit-image's astronaut, written as PNG."""
    try:
        from PIL import Image
        from skimage import data
    except ImportError:
        return None
    path = folder / "astronaut.png"
    Image.fromarray(data.astronaut()).save(path)
    return path


def bench_cold(runs: int, photo: str | None, importtime: bool) -> None:
    cli = [sys.executable, "-m", "posestudio"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        render = cli + ["render", "standing", "--out", str(tmp_path / "maps"),
                        "--size", "768x1024"]
        pyrender = [sys.executable, "-c", "import pyrender"]
        wall_time(render)                     # fills the body cache and the OS file cache
        cmd_s, ref_s = paired_medians(render, pyrender, runs)
        print(_ratio_line("render standing 768x1024, all maps", cmd_s, "import pyrender", ref_s,
                          RENDER_TARGET))
        print(f"{'':34s}  heavy modules imported: "
              f"{', '.join(heavy_imports(render)) or 'none'}")
        if importtime:
            print("slowest imports of the cold render (cumulative):")
            for us, name in import_rows(render):
                print(f"  {us / 1000:8.1f} ms  {name}")

        source = Path(photo) if photo else default_photo(tmp_path)
        if source is None:
            print("import PHOTO: skipped (no --photo and no scikit-image for a sample)")
            return
        imported = cli + ["import", str(source), "--out", str(tmp_path / "photo.pose.json")]
        mediapipe = [sys.executable, "-c", "import mediapipe"]
        wall_time(imported)
        cpu: list[float] = []
        cmd_s, ref_s = paired_medians(imported, mediapipe, runs, cpu)
        print(_ratio_line(f"import {source.name} (detect + lift)", cmd_s, "import mediapipe",
                          ref_s, PHOTO_TARGET))
        print(f"{'':34s}  CPU seconds: {cpu[0]:.2f} s = {cpu[0] / cpu[1]:.2f}× import mediapipe "
              f"({cpu[1]:.2f} s); more CPU than wall time = work overlapped on several cores")
        print(f"{'':34s}  heavy modules imported: "
              f"{', '.join(heavy_imports(imported)) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each --help timing")
    parser.add_argument("--cold-runs", type=int, default=3,
                        help="runs of each cold command and its reference (median)")
    parser.add_argument("--photo", help="photo for the cold import (default: a sample)")
    parser.add_argument("--no-cold", action="store_true", help="only the --help timings")
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()

    bench_help(args.runs, args.importtime)
    if not args.no_cold:
        bench_cold(args.cold_runs, args.photo, args.importtime)


if __name__ == "__main__":
    main()
