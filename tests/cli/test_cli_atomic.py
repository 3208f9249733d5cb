"""``posestudio.export.atomic``: output appears whole or not at all."""

from __future__ import annotations

import pytest

from posestudio.errors import InputError
from posestudio.export.atomic import (atomic_output_dir, atomic_output_file, check_writable_dir,
                                      check_writable_file)


def test_new_dir_appears_only_on_success(tmp_path):
    out = tmp_path / "a" / "b" / "out"
    with atomic_output_dir(out) as tmp:
        (tmp / "x.txt").write_text("1")
        (tmp / "view_000").mkdir()
        assert not out.exists() and not (tmp_path / "a").exists()  # nothing visible yet
    assert (out / "x.txt").read_text() == "1" and (out / "view_000").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]  # no temporaries left


def test_failure_leaves_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with atomic_output_dir(out) as tmp:
            (tmp / "half.png").write_bytes(b"x")
            raise RuntimeError("renderer died")
    assert list(tmp_path.iterdir()) == []


def test_existing_dir_keeps_other_files_and_replaces_views(tmp_path):
    out = tmp_path / "out"
    with atomic_output_dir(out) as tmp:               # an earlier export
        (tmp / "view_000").mkdir()
        (tmp / "view_000" / "stale.png").write_bytes(b"old")
        (tmp / "depth.png").write_bytes(b"old")
    (out / "notes.txt").write_text("mine")
    (out / "view_000" / "mine.txt").write_text("mine too")
    with atomic_output_dir(out) as tmp:
        (tmp / "depth.png").write_bytes(b"new")
        (tmp / "view_000").mkdir()
        (tmp / "view_000" / "seg.png").write_bytes(b"new")
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "depth.png").read_bytes() == b"new"
    # the earlier export's file in a re-written view goes; the user's file stays
    assert sorted(p.name for p in (out / "view_000").iterdir()) == ["mine.txt", "seg.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_failure_keeps_existing_dir_untouched(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "depth.png").write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_output_dir(out) as tmp:
            (tmp / "depth.png").write_bytes(b"new")
            raise RuntimeError
    assert (out / "depth.png").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_file_written_atomically_with_suffix(tmp_path):
    out = tmp_path / "sub" / "mesh.glb"
    with atomic_output_file(out) as tmp:
        assert tmp.suffix == ".glb" and tmp.parent == tmp_path
        tmp.write_bytes(b"glTF")
        assert not out.exists()
    assert out.read_bytes() == b"glTF"
    with pytest.raises(ValueError):
        with atomic_output_file(out) as tmp:
            tmp.write_bytes(b"broken")
            raise ValueError
    assert out.read_bytes() == b"glTF"  # the old file survives a failed rewrite
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["mesh.glb", "sub"]


@pytest.mark.parametrize("check", [check_writable_dir, check_writable_file])
def test_path_through_a_file_is_refused(tmp_path, check):
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(InputError, match="file.txt"):
        check(tmp_path / "file.txt" / "out")


def test_dir_that_is_a_file_and_file_that_is_a_dir(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        check_writable_dir(tmp_path / "f")
    with pytest.raises(InputError, match="is a folder"):
        check_writable_file(tmp_path)


@pytest.mark.parametrize("check", [check_writable_dir, check_writable_file])
def test_empty_path_is_refused_not_taken_as_the_working_folder(check):
    with pytest.raises(InputError, match="empty path"):
        check("")


def test_outputs_get_ordinary_permissions_not_private_temporary_ones(tmp_path):
    import os

    from posestudio.export.atomic import atomic_output_dir, atomic_output_file

    old = os.umask(0o022)
    try:
        with atomic_output_dir(tmp_path / "maps") as tmp:
            (tmp / "depth.png").write_bytes(b"x")
        with atomic_output_file(tmp_path / "mesh.obj") as tmp:
            tmp.write_bytes(b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "maps").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "mesh.obj").stat().st_mode & 0o777 == 0o644
