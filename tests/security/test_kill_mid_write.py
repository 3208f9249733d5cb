"""SIGKILL a process while it saves a scene or exports a folder: the old or the new version
survives whole, never a mix or a truncated file, and files PoseStudio did not write are untouched.

A fork server (a fresh interpreter that has imported PoseStudio once) forks one writer per trial;
the writer saves or exports in a loop, alternating two versions, until the test kills it at a
random moment. Forking keeps a trial at a few tens of milliseconds, so hundreds of kills fit in
seconds. Kinds of trial:

- ``scene``: ``save_scene`` over a scene file that has a user's file beside it;
- ``maps``: ``write_maps`` into a folder that also holds the user's files (journal commit); the
  folder is checked after :func:`recover_output_dir`, which every later export runs first;
- ``sequence``: a streaming export (frames written one by one in ``atomic_output_dir``) into a
  folder holding only an earlier export (swap commit); checked as it is, with no recovery step.
  The two versions have different frame counts, so a mix would show as extra or missing frames.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from posestudio.export.atomic import MANIFEST, recover_output_dir

SERVER = r'''
import os, sys
from pathlib import Path
from posestudio.export.atomic import atomic_output_dir
from posestudio.render.pipeline import render_scene, write_map_files, write_maps
from posestudio.scene.file_format import load_scene, save_scene
from posestudio.scene.model import Person

root = Path(sys.argv[1])
base = load_scene(sys.argv[2])
scenes = []
for k in range(2):
    s = base.copy()
    s.people = [p for p in s.people] + [Person(name=f"extra {k} {i}") for i in range(6 * k + 2)]
    scenes.append(s)
results = [render_scene(base, maps=("openpose",), size=(48 + 16 * k, 64), camera=None)
           for k in range(2)]
FRAMES = (7, 4)


def sequence(k, out):
    with atomic_output_dir(out) as staging:
        for i in range(FRAMES[k]):
            (staging / "openpose").mkdir(exist_ok=True)
            (staging / "openpose_json").mkdir(exist_ok=True)
            names = write_map_files(results[k], staging)
            os.replace(staging / "openpose.png", staging / "openpose" / f"{i:06d}.png")
            os.replace(staging / "openpose.json",
                       staging / "openpose_json" / f"{i:06d}_keypoints.json")
            os.unlink(staging / "camera.json")


def write(kind, k):
    if kind == "scene":
        save_scene(scenes[k], root / "scene" / "shot.pose.json")
    elif kind == "maps":
        write_maps(results[k], root / "maps" / "out")
    else:
        sequence(k, root / "sequence" / "out")


for kind in ("scene", "maps", "sequence"):       # reference copies of both versions
    for k in range(2):
        (root / "ref" / kind / str(k)).mkdir(parents=True)
        if kind == "scene":
            save_scene(scenes[k], root / "ref" / kind / str(k) / "shot.pose.json")
        elif kind == "maps":
            write_maps(results[k], root / "ref" / kind / str(k) / "out")
        else:
            sequence(k, root / "ref" / kind / str(k) / "out")
(root / "scene").mkdir()
print("ready", flush=True)
for line in sys.stdin:
    kind, first = line.split()
    pid = os.fork()
    if pid == 0:
        k = int(first)
        while True:
            write(kind, k)
            k ^= 1
    print(pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print("done", status, flush=True)
'''

EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "examples" / "standing.pose.json"
TRIALS = {"scene": 110, "maps": 60, "sequence": 60}


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative path → bytes), hidden files included."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _visible(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in tree.items() if not k.startswith(".") and "/." not in k}


class Server:
    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(root), str(EXAMPLE)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, bufsize=1)
        assert self.proc.stdout.readline().strip() == "ready"

    def trial(self, kind: str, first: int, delay: float) -> None:
        """Start a writer, SIGKILL it after ``delay`` seconds, wait until it is gone."""
        self.proc.stdin.write(f"{kind} {first}\n")
        self.proc.stdin.flush()
        pid = int(self.proc.stdout.readline())
        time.sleep(delay)
        os.kill(pid, signal.SIGKILL)
        answer = self.proc.stdout.readline().split()
        assert answer[0] == "done" and os.WIFSIGNALED(int(answer[1])), answer

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def _scene_state(folder: Path, refs: list[bytes]) -> tuple[int, bool]:
    """(version in the scene file, whether the kill left a temporary); fails on anything else."""
    data = (folder / "shot.pose.json").read_bytes()
    assert data in refs, "the scene file is neither the old nor the new version"
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".shot.pose.json.partial-")]
    assert sorted(p.name for p in folder.iterdir()
                  if not p.name.startswith(".")) == ["notes.txt", "shot.pose.json"]
    assert (folder / "notes.txt").read_text() == "the user's notes"
    return refs.index(data), bool(leftovers)


def _folder_state(out: Path, refs: list[dict[str, bytes]], user: dict[str, bytes]) -> int:
    """Which version ``out`` holds (besides the user's files); fails on any mix."""
    tree = _tree(out)
    for name, data in user.items():
        assert tree.pop(name) == data, f"the user's file {name} was changed"
    manifest = tree.pop(MANIFEST, None)
    assert manifest is not None, "no manifest"
    matches = [i for i, ref in enumerate(refs) if tree == _visible(ref)]
    assert matches, f"a mix or a truncated file: {sorted(tree)}"
    return matches[0]


def test_sigkill_mid_write_leaves_old_or_new_never_a_mix(tmp_path):
    rng = random.Random(20261206)
    server = Server(tmp_path)
    try:
        refs = {kind: [_tree(tmp_path / "ref" / kind / str(k)) for k in range(2)]
                for kind in ("scene", "maps", "sequence")}
        scene_refs = [refs["scene"][k]["shot.pose.json"] for k in range(2)]
        map_refs = [{k[4:]: v for k, v in r.items() if k.startswith("out/")} for r in refs["maps"]]
        seq_refs = [{k[4:]: v for k, v in r.items() if k.startswith("out/")}
                    for r in refs["sequence"]]
        # starting points: a saved scene with a user's file beside it; an export folder
        # holding the user's work too; a sequence folder holding only an earlier export
        server.trial("scene", 0, 0.3)
        (tmp_path / "scene" / "notes.txt").write_text("the user's notes")
        server.trial("maps", 0, 0.3)
        maps_out = tmp_path / "maps" / "out"
        user = {"notes.txt": b"keep me", "sub/mine.png": b"\x89PNG user"}
        for name, data in user.items():
            (maps_out / name).parent.mkdir(exist_ok=True)
            (maps_out / name).write_bytes(data)
        server.trial("sequence", 0, 0.3)
        seq_out = tmp_path / "sequence" / "out"

        seen = {kind: [0, 0] for kind in TRIALS}
        mid_write = dict.fromkeys(TRIALS, 0)
        recovered = 0
        planned = [kind for kind, n in TRIALS.items() for _ in range(n)]
        rng.shuffle(planned)
        top_up = {kind: 3 * n for kind, n in TRIALS.items()}

        def next_kind() -> str | None:
            """The planned trials, then (a quiet machine finishes writes quickly, so fewer kills
            land inside one) more of each kind until a fifth of its planned count were killed
            mid-write, at most three times the plan."""
            if planned:
                return planned.pop()
            short = [k for k in TRIALS if mid_write[k] < TRIALS[k] // 5 and top_up[k] > 0]
            if not short:
                return None
            top_up[short[0]] -= 1
            return short[0]

        ran = 0
        while (kind := next_kind()) is not None:
            ran += 1
            server.trial(kind, rng.randrange(2), rng.uniform(0.0, 0.04))
            if kind == "scene":
                version, partial = _scene_state(tmp_path / "scene", scene_refs)
                mid_write[kind] += partial
            elif kind == "maps":
                mid_write[kind] += any(p.name.startswith(".out.partial-")
                                       for p in maps_out.parent.iterdir())
                recovered += recover_output_dir(maps_out)
                version = _folder_state(maps_out, map_refs, user)
                assert [p.name for p in maps_out.parent.iterdir()] == ["out"], "temporaries left"
            else:
                mid_write[kind] += any(p.name.startswith(".out.partial-")
                                       for p in seq_out.parent.iterdir())
                version = _folder_state(seq_out, seq_refs, {})   # no recovery step
                assert not (seq_out / ".posestudio-export.journal").exists()
            seen[kind][version] += 1
    finally:
        server.close()
    total = ran
    print(f"\n{total} SIGKILL trials: versions seen {seen}, killed mid-write {mid_write}, "
          f"commits finished by recovery {recovered}")
    assert total >= 200
    for kind in TRIALS:      # the kills really landed inside writes, both versions were seen
        assert mid_write[kind] >= TRIALS[kind] // 5, (kind, mid_write)
        assert min(seen[kind]) > 0, (kind, seen)
