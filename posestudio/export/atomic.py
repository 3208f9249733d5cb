"""All-or-nothing output: a file or a folder appears complete, or not at all.

Writers fill a temporary sibling (same folder, so the final ``os.replace`` is a rename on one file
system) and move it into place only when everything succeeded. On any error the temporary is
removed and the destination is left as it was. ``OSError`` (permissions, a path through a regular
file, a full disk) becomes :class:`~posestudio.errors.InputError` naming the path.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from posestudio.errors import InputError


def _os_reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def _default_mode(base: int) -> int:
    """``base`` less the process umask: what plain ``open``/``mkdir`` would have given.

    mkstemp/mkdtemp create private (0600/0700) temporaries; the outputs they become are ordinary
    user files that other tools (a web UI running as another user) must be able to read.
    """
    umask = os.umask(0)
    os.umask(umask)
    return base & ~umask


def _existing_ancestor(path: Path) -> Path:
    """Deepest existing ancestor of ``path`` (its own parent when that exists)."""
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent


def check_writable_dir(out_dir: str | os.PathLike, what: str = "--out") -> Path:
    """Check up front that ``out_dir`` can become an output folder; return it absolute.

    It may exist (as a folder) or not; missing parents are made when the output is moved into
    place. Raises :class:`InputError` when it is a file, when a parent is a file, or when the
    deepest existing ancestor is not writable.
    """
    if not os.fspath(out_dir).strip():  # Path("") would quietly mean the working folder
        raise InputError(f"{what}: empty path, expected a folder name")
    path = Path(out_dir).expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise InputError(f"{what} {out_dir}: exists and is not a folder")
    anchor = path if path.is_dir() else _existing_ancestor(path)
    if not anchor.is_dir():
        raise InputError(f"{what} {out_dir}: {anchor} is not a folder")
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise InputError(f"{what} {out_dir}: {anchor} is not writable")
    return path


def check_writable_file(out_file: str | os.PathLike, what: str = "--out") -> Path:
    """Check up front that ``out_file`` can be written (atomically); return it absolute."""
    if not os.fspath(out_file).strip():
        raise InputError(f"{what}: empty path, expected a file name")
    path = Path(out_file).expanduser().absolute()
    if path.is_dir():
        raise InputError(f"{what} {out_file}: is a folder, expected a file name")
    anchor = _existing_ancestor(path)
    if not anchor.is_dir():
        raise InputError(f"{what} {out_file}: {anchor} is not a folder")
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise InputError(f"{what} {out_file}: {anchor} is not writable")
    return path


@contextlib.contextmanager
def atomic_output_dir(out_dir: str | os.PathLike, what: str = "--out") -> Iterator[Path]:
    """Yield an empty temporary folder; on success its contents become ``out_dir``.

    A missing ``out_dir`` is created by renaming the temporary folder. An existing one keeps files
    this run did not write; entries of the same name are replaced (a sub-folder such as
    ``view_000`` as a whole, so no stale files of an earlier run mix with new ones).

    Raises
    ------
    InputError
        ``out_dir`` cannot be written; nothing is left behind.
    """
    path = check_writable_dir(out_dir, what)
    anchor = path.parent if path.parent.is_dir() else _existing_ancestor(path)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=anchor))
    except OSError as exc:
        raise InputError(f"{what} {out_dir}: cannot write there ({_os_reason(exc)})") from None
    try:
        yield tmp
        _commit_dir(tmp, path)
    except OSError as exc:
        raise InputError(f"{what} {out_dir}: cannot write there ({_os_reason(exc)})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _commit_dir(tmp: Path, path: Path) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, _default_mode(0o777))
        os.replace(tmp, path)
        return
    for entry in sorted(tmp.iterdir()):
        target = path / entry.name
        if target.is_dir() and not target.is_symlink():
            # Swap whole folders: rename the old one aside first so the new one lands whole.
            old = target.with_name(f".{entry.name}.old-{os.getpid()}")
            os.replace(target, old)
            os.replace(entry, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(entry, target)


@contextlib.contextmanager
def atomic_output_file(out_file: str | os.PathLike, what: str = "--out") -> Iterator[Path]:
    """Yield a temporary path beside ``out_file``; on success it is renamed onto ``out_file``.

    The temporary keeps the suffix of ``out_file`` so writers that pick a format by extension
    (trimesh, PIL) see the right one.
    """
    path = check_writable_file(out_file, what)
    anchor = path.parent if path.parent.is_dir() else _existing_ancestor(path)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".partial{path.suffix}",
                                    dir=anchor)
        os.close(fd)
    except OSError as exc:
        raise InputError(f"{what} {out_file}: cannot write there ({_os_reason(exc)})") from None
    tmp = Path(name)
    try:
        yield tmp
        path.parent.mkdir(parents=True, exist_ok=True)  # only now, so a failure leaves no folders
        mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode(0o666)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"{what} {out_file}: cannot write there ({_os_reason(exc)})") from None
    finally:
        tmp.unlink(missing_ok=True)
