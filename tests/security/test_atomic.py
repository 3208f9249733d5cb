"""The one atomic writer: permissions without the umask, swap and journal commits of a folder,
interrupted streaming exports, recovery after a kill, temporaries of dead processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from posestudio.errors import InputError, SceneFormatError
from posestudio.export import atomic
from posestudio.export.atomic import (JOURNAL, MANIFEST, atomic_output_dir, atomic_output_file,
                                      read_manifest, recover_output_dir, write_file_atomic)


def _export(out, files: dict[str, bytes]) -> None:
    with atomic_output_dir(out) as staging:
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)


def test_the_process_umask_is_never_changed(tmp_path, monkeypatch):
    def no_umask(mask):
        raise AssertionError("os.umask called: another thread could create a world-writable file")

    monkeypatch.setattr(os, "umask", no_umask)
    write_file_atomic(tmp_path / "a.json", "{}")
    _export(tmp_path / "maps", {"depth.png": b"x"})
    _export(tmp_path / "maps", {"depth.png": b"y"})


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(tmp_path):
    code = """if True:
        import os, sys
        from pathlib import Path
        from posestudio.export.atomic import atomic_output_dir, write_file_atomic
        os.umask(0o027)
        d = Path(sys.argv[1])
        write_file_atomic(d / "new.txt", "x")
        with atomic_output_dir(d / "maps") as staging:
            (staging / "f.png").write_bytes(b"x")
    """
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "maps").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "maps" / "f.png").stat().st_mode & 0o777 == 0o640
    os.chmod(tmp_path / "new.txt", 0o600)
    write_file_atomic(tmp_path / "new.txt", "y")
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o600


def test_a_folder_of_earlier_output_is_swapped_whole_keeping_files_not_rewritten(tmp_path):
    out = tmp_path / "out"
    _export(out, {"a.png": b"1", "b.png": b"1", "depth/000000.png": b"1",
                  "depth/000001.png": b"1"})
    inode = out.stat().st_ino
    _export(out, {"a.png": b"2", "depth/000000.png": b"2"})
    assert out.stat().st_ino != inode, "the folder was swapped in one step"
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # b.png (top level, not written) stays; the old tail frame of depth/ goes
    assert files.pop(MANIFEST) and files == {"a.png": b"2", "b.png": b"1",
                                             "depth/000000.png": b"2"}
    assert read_manifest(out) == {"a.png", "b.png", "depth/000000.png"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_with_the_users_files_gets_a_journal_commit_and_keeps_them(tmp_path):
    out = tmp_path / "out"
    _export(out, {"a.png": b"1", "depth/000001.png": b"1"})
    (out / "notes.txt").write_text("mine")
    (out / "depth" / "mine.png").write_bytes(b"mine")
    stat = (out / "notes.txt").stat()
    inode = out.stat().st_ino
    _export(out, {"a.png": b"2", "depth/000000.png": b"2"})
    assert out.stat().st_ino == inode, "a folder with other work is never swapped"
    assert (out / "notes.txt").stat().st_mtime_ns == stat.st_mtime_ns
    assert (out / "depth" / "mine.png").read_bytes() == b"mine"
    assert not (out / "depth" / "000001.png").exists() and (out / "a.png").read_bytes() == b"2"
    assert not (out / JOURNAL).exists()
    assert read_manifest(out) == {"a.png", "depth/000000.png"}


def test_a_decided_commit_killed_half_way_is_finished_by_the_next_export(tmp_path, monkeypatch):
    out = tmp_path / "out"
    (out / "keep").mkdir(parents=True)
    (out / "keep" / "mine.txt").write_text("mine")
    _export(out, {"a.png": b"1", "b.png": b"1"})
    moves = []

    def die_after_one(src, dst):                # the process "dies" after the first rename
        if moves:
            raise KeyboardInterrupt
        moves.append(dst)
        os.rename(src, dst)

    monkeypatch.setattr(atomic.os, "replace", die_after_one)
    with pytest.raises(KeyboardInterrupt):
        _export(out, {"a.png": b"2", "b.png": b"2"})
    monkeypatch.undo()
    assert (out / JOURNAL).exists(), "the journal marks the half-done commit"
    journal = json.loads((out / JOURNAL).read_text())
    # a living process owns it: nobody else touches it; once it is gone, recovery finishes it
    journal["staging"] = journal["staging"].replace(f"-{os.getpid()}-", "-999999999-")
    staging = tmp_path / os.path.basename(journal["staging"])
    os.rename(tmp_path / os.path.basename(json.loads((out / JOURNAL).read_text())["staging"]),
              staging)
    (out / JOURNAL).write_text(json.dumps(journal))
    _export(out, {"c.png": b"3"})              # the next export recovers first
    assert [(out / n).read_bytes() for n in ("a.png", "b.png", "c.png")] == [b"2", b"2", b"3"]
    assert (out / "keep" / "mine.txt").read_text() == "mine"
    assert not (out / JOURNAL).exists() and not staging.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_streaming_export_interrupted_leaves_the_old_one_and_no_staging(tmp_path):
    out = tmp_path / "seq"
    _export(out, {f"openpose/{i:06d}.png": b"old" for i in range(5)})
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(KeyboardInterrupt):
        with atomic_output_dir(out) as staging:
            (staging / "openpose").mkdir()
            for i in range(100):
                (staging / "openpose" / f"{i:06d}.png").write_bytes(b"new")
                if i == 40:
                    raise KeyboardInterrupt      # Ctrl+C in the middle of a long sequence
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seq"]


def test_temporaries_of_dead_processes_are_swept_by_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (tmp_path / f".a.json.partial-{dead}-0000.json").write_text("half")
    (tmp_path / f".out.partial-{dead}-0000").mkdir()
    (tmp_path / f".a.json.partial-{os.getpid()}-0000.json").write_text("mine, in progress")
    write_file_atomic(tmp_path / "a.json", "{}")
    _export(tmp_path / "out", {"x": b"1"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f".a.json.partial-{os.getpid()}-0000.json", "a.json", "out"]


def test_an_export_file_named_like_a_users_folder_is_refused_before_anything_moves(tmp_path):
    out = tmp_path / "out"
    (out / "depth.png").mkdir(parents=True)
    (out / "a.png").write_bytes(b"old")
    with pytest.raises(InputError, match="depth.png: is a folder"):
        _export(out, {"a.png": b"new", "depth.png": b"new"})
    assert (out / "a.png").read_bytes() == b"old" and not (out / MANIFEST).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_errors_name_the_path_in_the_callers_error_type(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(SceneFormatError, match=r"a\.json: cannot write there \(No space"):
        write_file_atomic(tmp_path / "a.json", "{}", "cannot save", error=SceneFormatError)
    with pytest.raises(InputError, match="out: cannot write there"):
        _export(tmp_path / "out", {"x": b"1"})
    assert list(tmp_path.iterdir()) == []


def test_file_writer_keeps_the_suffix_and_leaves_nothing_on_failure(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_output_file(tmp_path / "m.glb") as tmp:
            assert tmp.suffix == ".glb" and tmp.exists()
            raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_whole_set_folder_drops_the_earlier_sets_extra_frames_but_not_the_users(tmp_path):
    out = tmp_path / "clip.frames"
    with atomic_output_dir(out, whole_set=True) as staging:
        for i in range(5):
            (staging / f"{i:06d}.png").write_bytes(b"old")
    (out / "notes.txt").write_text("mine")
    with atomic_output_dir(out, whole_set=True) as staging:
        for i in range(3):
            (staging / f"{i:06d}.png").write_bytes(b"new")
    assert sorted(p.name for p in out.iterdir()) == [
        MANIFEST, "000000.png", "000001.png", "000002.png", "notes.txt"]
    assert {p.read_bytes() for p in out.glob("*.png")} == {b"new"}
