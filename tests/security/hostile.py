"""Parent side of the hostile-input tests: write cases, run a reader over them in a subprocess.

Each batch runs in its own interpreter (:mod:`hostile_child`), so a reader that crashes the
process fails the test with the name of the case that was running instead of killing pytest.
Set ``POSESTUDIO_SECURITY_REPORT=FILE`` to append every batch's counts to FILE (JSON lines), the
figures docs/security.md quotes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Union

CHILD = Path(__file__).with_name("hostile_child.py")
ROOT = Path(__file__).resolve().parents[2]

# A case is the bytes of one file, or a function that creates the case at the path it is given
# (for folders and files made by other libraries).
Case = Union[bytes, Callable[[Path], None]]


def _child_env() -> dict:
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", PYOPENGL_PLATFORM="egl",
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    env.pop("POSESTUDIO_SECURITY_REPORT", None)
    return env


def _run(args: list[str], results: Path, label: str, timeout: float) -> list[dict]:
    try:
        proc = subprocess.run([sys.executable, str(CHILD), *args], capture_output=True,
                              text=True, timeout=timeout, env=_child_env(), cwd=results.parent)
        code, stderr = proc.returncode, proc.stderr + proc.stdout
    except subprocess.TimeoutExpired as exc:
        code, stderr = "timeout", str(exc.stderr or "")
    lines = [json.loads(line) for line in results.read_text().splitlines() if line.strip()] \
        if results.exists() else []
    if code != 0:
        started = [r["start"] for r in lines if "start" in r]
        finished = {r["case"] for r in lines if "case" in r}
        running = [name for name in started if name not in finished]
        where = (f"on case {running[-1]!r}" if running
                 else f"during fuzzing (input left in {results}.current*)")
        raise AssertionError(f"{label}: the reader process died (exit {code}) {where}\n"
                             f"{stderr[-3000:]}")
    summary = lines[-1]
    _record(label, summary)
    return lines


def _record(label: str, summary: dict) -> None:
    report = os.environ.get("POSESTUDIO_SECURITY_REPORT")
    if report:
        with open(report, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"batch": label, **summary}) + "\n")


def run_cases(reader: str, cases: dict[str, Case], tmp_path: Path, *, suffix: str = "",
              timeout: float = 120) -> dict[str, dict]:
    """Run ``reader`` over ``cases`` in one subprocess; {case name: result record}.

    Fails (AssertionError) if the process dies, naming the case that was running.
    """
    folder = tmp_path / f"{reader}-cases"
    folder.mkdir()
    names = {}
    for i, (name, case) in enumerate(cases.items()):
        path = folder / f"{i:04d}-{name}{suffix}"
        names[path.name] = name
        if callable(case):
            case(path)
        else:
            path.write_bytes(case)
    results = tmp_path / f"{reader}-cases.jsonl"
    lines = _run(["cases", reader, str(folder), str(results)], results,
                 f"{reader} cases", timeout)
    return {names[r["case"]]: r for r in lines if "case" in r}


def run_fuzz(reader: str, seeds: dict[str, bytes], tmp_path: Path, *, examples: int,
             seed: int = 0, sentinel: Path | None = None, timeout: float = 120) -> dict:
    """Hypothesis-mutate ``seeds`` (name with suffix → bytes) ``examples`` times in a subprocess.

    Returns the summary ({"summary": {"ok": n, "error": n}, "peak_rss_mb", "seconds"}); fails if
    the process dies, a traceback or a multi-line error appears, or ``sentinel`` is created.
    """
    folder = tmp_path / f"{reader}-seeds"
    folder.mkdir()
    for name, data in seeds.items():
        (folder / name).write_bytes(data)
    sentinel = sentinel or tmp_path / "sentinel"
    results = tmp_path / f"{reader}-fuzz.jsonl"
    lines = _run(["fuzz", reader, str(folder), str(results), str(examples), str(seed),
                  str(sentinel)], results, f"{reader} fuzz", timeout)
    bugs = [r for r in lines if r.get("outcome") == "bug"]
    assert not bugs, bugs[0]["message"]
    assert not sentinel.exists()
    return lines[-1]


def assert_all_clean(results: dict[str, dict], *, name_in_message: bool = True) -> None:
    """Every case loaded or was refused with one line (naming the file); none raised a bug."""
    bugs = {k: r["message"] for k, r in results.items() if r["outcome"] == "bug"}
    assert not bugs, "\n\n".join(f"{k}:\n{m}" for k, m in bugs.items())
    if name_in_message:
        for name, r in results.items():
            if r["outcome"] == "error":
                assert "-" + name in r["message"] or name in r["message"], (name, r["message"])


def dev_zero(path: Path) -> None:
    """A case that is a symlink to /dev/zero: endless bytes, which no reader may try to read."""
    path.symlink_to("/dev/zero")


def outcomes(results: dict[str, dict]) -> dict[str, str]:
    return {name: r["outcome"] for name, r in results.items()}
