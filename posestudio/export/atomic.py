"""All-or-nothing output: the one writer every save, export and cache of PoseStudio goes through.

Files
-----
:func:`atomic_output_file` / :func:`write_file_atomic`: the data goes to a temporary sibling
(same folder, so the final ``os.replace`` is a rename on one file system), which is fsynced,
renamed onto the target, and the folder is fsynced so the rename itself survives a power cut. A
reader sees the old file or the new one, never a truncated one. A new file gets the permissions a
plain ``open`` would give (the temporary is created with mode 0666 and the kernel applies the
umask; the process umask is never changed); a replaced file keeps its permissions.

Folders
-------
:func:`atomic_output_dir` yields an empty *staging* folder, a hidden sibling of the target. The
writer fills it (at once, or frame by frame over minutes for a sequence); at a clean exit of the
``with`` block the set is committed, on any exception (``KeyboardInterrupt`` included) the staging
folder is removed and the target is left exactly as it was. Rules of the commit:

- every file the export wrote replaces the file of that name; files it did not write are kept,
  with one exception: a file an earlier PoseStudio export wrote (see the manifest) inside a
  sub-folder this export writes (``view_000/``, ``depth/`` of a sequence) is removed, so a shorter
  new sequence leaves no old tail frames mixed in (with ``whole_set=True``, for a folder that
  holds one set of frames, every file of the earlier export that is not rewritten goes);
- files PoseStudio did not write (the user's other work) are never touched, moved or deleted;
- the folder's *manifest* ``.posestudio-export.json`` lists the files PoseStudio exports wrote in
  it; it is written last.
- before the set becomes visible, every file and folder of the staging tree is fsynced (many
  at once, on threads; the commit waits for all of them), so a power cut after the commit
  cannot leave a renamed file without its data.

How the set becomes visible, by what the target holds:

1. **Nothing yet**: the manifest is written into the staging folder, which is renamed to the
   target (one rename).
2. **Only earlier PoseStudio output** (every file is listed in the manifest): the files that stay
   are hard-linked into the staging folder, the manifest is written, and the two folders are
   swapped with one ``renameat2(RENAME_EXCHANGE)``; the old folder is then deleted. A reader sees
   the old export or the new one, at every instant.
3. **Other files too** (or no atomic swap on this platform): a *journal*
   ``.posestudio-export.journal`` naming the staging folder, the files to move in and the files to
   remove is written (atomically) into the target; from then on the commit is decided. The files
   are renamed in one by one, the removals done, the manifest rewritten, and the journal deleted.
   A process killed in between leaves the journal: the next export into that folder (or
   :func:`recover_output_dir`) finishes the commit before doing anything else, so the folder ends
   with the whole new set. Before the journal is durable, the old set is untouched.

A process killed while writing leaves only hidden temporaries named after the target and its
process id (``.NAME.partial-PID-…``); the next write to the same target deletes those whose
process is gone. ``OSError`` (permissions, a path through a regular file, a full disk) becomes
:class:`~posestudio.errors.InputError` (or the error type the caller names) naming the path.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from posestudio.errors import InputError, PoseStudioError

MANIFEST = ".posestudio-export.json"
JOURNAL = ".posestudio-export.journal"
_PARTIAL = ".partial-"


def _os_reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


# --- low-level steps -----------------------------------------------------------------------------

def _temp_name(folder: Path, target_name: str, suffix: str = "") -> Path:
    """A fresh hidden sibling name ``.NAME.partial-PID-RANDOM[suffix]`` in ``folder``."""
    return folder / f".{target_name}{_PARTIAL}{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def sweep_stale(folder: Path, target_name: str) -> None:
    """Delete temporaries of ``target_name`` in ``folder`` left by processes that are gone."""
    prefix = f".{target_name}{_PARTIAL}"
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        pid_text = entry.name[len(prefix):].split("-", 1)[0]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and not _alive(int(pid_text)):
            _remove(Path(entry.path))


def fsync_file(path: Path) -> None:
    """Flush a written file's data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make renames in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where that is not available."""
    global _renameat2
    if _renameat2 is None:
        try:
            _renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", False)
        except OSError:
            _renameat2 = False
    if not _renameat2:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False                          # file system without exchange: use the journal
    raise OSError(code, os.strerror(code), os.fspath(b))


# --- files ----------------------------------------------------------------------------------------

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


def check_output_file(out_file: str | os.PathLike, suffix: str, what: str = "--out",
                      why: str = "") -> Path:
    """Check up front that ``out_file`` ends in ``suffix`` (e.g. ``".png"``, any case) and can be
    written (:func:`check_writable_file`); return it as given, as a ``Path``.

    ``what`` names the file in the error (``"--out"``, ``"output"``); ``why`` is added to the
    suffix error in parentheses (e.g. where the parameters are stored).
    """
    path = Path(out_file)
    if path.suffix.lower() != suffix:
        reason = f" ({why})" if why else ""
        raise InputError(f"{what} {out_file}: must end in {suffix}{reason}")
    check_writable_file(path, what)
    return path


def _commit_file(tmp: Path, path: Path) -> None:
    """fsync ``tmp``, give it ``path``'s permissions if that exists, rename, fsync the folder."""
    fsync_file(tmp)
    with contextlib.suppress(FileNotFoundError):
        os.chmod(tmp, path.stat().st_mode & 0o777)
    os.replace(tmp, path)
    fsync_dir(path.parent)


@contextlib.contextmanager
def atomic_output_file(out_file: str | os.PathLike, what: str = "--out", *,
                       error: type[PoseStudioError] = InputError) -> Iterator[Path]:
    """Yield a temporary path beside ``out_file``; on success it becomes ``out_file``.

    The temporary exists (empty, ordinary permissions) and keeps the suffix of ``out_file``, so
    writers that open by path and pick a format by extension (trimesh, PIL, numpy) see the right
    one. Missing parent folders are made only when the file is moved into place.

    Raises
    ------
    InputError (or ``error``)
        ``out_file`` cannot be written; the old file (if any) is intact, no temporary is left.
    """
    try:
        path = check_writable_file(out_file, what)
    except InputError as exc:
        raise (exc if error is InputError else error(str(exc))) from None
    anchor = path.parent if path.parent.is_dir() else _existing_ancestor(path)
    sweep_stale(anchor, path.name)
    tmp = _temp_name(anchor, path.name, path.suffix)
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise error(f"{what} {out_file}: cannot write there ({_os_reason(exc)})") from None
    try:
        yield tmp
        path.parent.mkdir(parents=True, exist_ok=True)  # only now, so a failure leaves no folders
        if tmp.parent != path.parent:
            os.replace(tmp, tmp := _temp_name(path.parent, path.name, path.suffix))
        _commit_file(tmp, path)
    except OSError as exc:
        raise error(f"{what} {out_file}: cannot write there ({_os_reason(exc)})") from None
    finally:
        tmp.unlink(missing_ok=True)


def write_file_atomic(path: str | os.PathLike, data: bytes | str, what: str = "--out", *,
                      error: type[PoseStudioError] = InputError) -> Path:
    """Write ``data`` (``str`` as UTF-8) to ``path`` with :func:`atomic_output_file`."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with atomic_output_file(path, what, error=error) as tmp:
        with open(tmp, "wb") as handle:
            handle.write(raw)
    return Path(path)


# --- folders --------------------------------------------------------------------------------------

def read_manifest(folder: Path) -> set[str]:
    """The files (paths relative to ``folder``, ``/``-separated) PoseStudio exports wrote there."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"] if data.get("format") == "posestudio-export" else []
        return {f for f in files if isinstance(f, str) and _safe_rel(f)}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return set()


def _safe_rel(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _manifest_text(files: set[str]) -> str:
    return json.dumps({"format": "posestudio-export", "version": 1, "files": sorted(files)},
                      indent=1) + "\n"


def _files_under(folder: Path) -> tuple[list[str], list[str]]:
    """(files, other entries) below ``folder`` as relative ``/`` paths; symlinks count as
    other entries, and so do folders holding no file."""
    files: list[str] = []
    others: list[str] = []
    for root, dirs, names in os.walk(folder):
        rel_root = os.path.relpath(root, folder).replace(os.sep, "/")
        prefix = "" if rel_root == "." else rel_root + "/"
        for name in names:
            full = os.path.join(root, name)
            (others if os.path.islink(full) else files).append(prefix + name)
        for name in list(dirs):
            full = os.path.join(root, name)
            if os.path.islink(full):
                others.append(prefix + name)
                dirs.remove(name)
            elif not any(os.scandir(full)):
                others.append(prefix + name + "/")
    return files, others


def _holds_only(folder: Path, ours: set[str]) -> bool:
    """True when every entry below ``folder`` is a file listed in ``ours`` (or the manifest),
    or a folder on the way to one; stops at the first other entry."""
    for root, dirs, names in os.walk(folder):
        rel_root = os.path.relpath(root, folder).replace(os.sep, "/")
        prefix = "" if rel_root == "." else rel_root + "/"
        for name in names:
            rel = prefix + name
            if os.path.islink(os.path.join(root, name)) or (rel not in ours and rel != MANIFEST):
                return False
        for name in dirs:
            if os.path.islink(os.path.join(root, name)):
                return False
        if not names and not dirs and prefix:
            return False                      # an empty folder nobody listed
    return True


#: fsyncs in flight at once when a whole staging tree is flushed: the file system commits
#: concurrent fsyncs together, so a folder of hundreds of files costs a few disk flushes
#: instead of one per file (a 25-view render: 250 files).
_SYNC_THREADS = 8


def _sync_tree(folder: Path) -> None:
    """fsync every file and folder below ``folder`` (concurrently); returns when all are
    durable and raises the first ``OSError``."""
    from concurrent.futures import ThreadPoolExecutor

    files: list[Path] = []
    folders: list[Path] = []
    for root, _dirs, names in os.walk(folder):
        files.extend(Path(root, name) for name in names)
        folders.append(Path(root))
    if len(files) + len(folders) <= 2:
        for path in files:
            fsync_file(path)
        for path in folders:
            fsync_dir(path)
        return
    with ThreadPoolExecutor(max_workers=_SYNC_THREADS, thread_name_prefix="fsync") as pool:
        done = [pool.submit(fsync_file, path) for path in files]
        done += [pool.submit(fsync_dir, path) for path in folders]
        for future in done:
            future.result()


def _plan(path: Path, written: list[str], whole_set: bool = False
          ) -> tuple[set[str], list[str], set[str]]:
    """(old manifest, files to remove, new manifest) for committing ``written`` into ``path``."""
    old = read_manifest(path)
    new_dirs = {w.rsplit("/", 1)[0] + "/" for w in written if "/" in w}
    written_set = set(written)
    remove = sorted(f for f in old - written_set
                    if (whole_set or any(f.startswith(d) for d in new_dirs))
                    and (path / f).is_file())
    manifest = {f for f in old if (path / f).is_file()} - set(remove) | written_set
    return old, remove, manifest


def _check_conflicts(path: Path, written: list[str]) -> None:
    """Refuse, before anything moves, a file whose name is a folder (or runs through a file)."""
    for rel in written:
        target = path / rel
        if target.is_dir() and not target.is_symlink():
            raise InputError(f"{target}: is a folder, the export has a file of that name")
        for parent in Path(rel).parents:
            if str(parent) != "." and (path / parent).exists() and not (path / parent).is_dir():
                raise InputError(f"{path / parent}: is a file, the export has a folder of that name")


def _roll_forward(path: Path, journal: dict) -> None:
    """Finish a decided commit (idempotent: safe to run again after a kill)."""
    staging = Path(journal["staging"])
    touched = {path}
    for rel in journal.get("folders", []):
        if _safe_rel(rel.rstrip("/")):
            (path / rel).mkdir(parents=True, exist_ok=True)
    for rel in journal["write"]:
        if not _safe_rel(rel):
            continue
        src, dst = staging / rel, path / rel
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
            touched.add(dst.parent)
    for rel in journal["remove"]:
        if _safe_rel(rel):
            (path / rel).unlink(missing_ok=True)
            touched.add((path / rel).parent)
    for folder in touched:
        fsync_dir(folder)
    write_file_atomic(path / MANIFEST, _manifest_text(set(journal["manifest"])))
    (path / JOURNAL).unlink(missing_ok=True)
    fsync_dir(path)
    if staging.name.startswith(f".{path.name}{_PARTIAL}") and staging.parent == path.parent:
        shutil.rmtree(staging, ignore_errors=True)


def recover_output_dir(out_dir: str | os.PathLike) -> bool:
    """Finish an export into ``out_dir`` that was killed after it was decided, and delete
    temporaries of dead processes. True when a commit was finished. Every export into a folder
    runs this first."""
    path = Path(out_dir).expanduser().absolute()
    finished = False
    journal_path = path / JOURNAL
    if journal_path.is_file():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
            staging = journal["staging"]
            pid = int(Path(staging).name.split(_PARTIAL, 1)[1].split("-", 1)[0])
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            journal, pid = None, None
        if journal is None:
            journal_path.unlink(missing_ok=True)      # unreadable: it was never decided
        elif pid == os.getpid() or not _alive(pid):
            _roll_forward(path, journal)
            finished = True
    if path.parent.is_dir():
        sweep_stale(path.parent, path.name)
    if path.is_dir():
        for name in (MANIFEST, JOURNAL):
            sweep_stale(path, name)
    return finished


def _commit_dir(staging: Path, path: Path, whole_set: bool = False) -> None:
    for name in (MANIFEST, JOURNAL):          # a nested writer's bookkeeping is not output
        (staging / name).unlink(missing_ok=True)
    written, others = _files_under(staging)
    links = [o for o in others if not o.endswith("/")]
    if links:
        raise InputError(f"{path}: the export made a link ({links[0]}), expected plain files")
    empty_dirs = [o for o in others if o.endswith("/")]
    if not path.exists():                     # 1. a new folder: one rename
        path.parent.mkdir(parents=True, exist_ok=True)
        (staging / MANIFEST).write_text(_manifest_text(set(written)), encoding="utf-8")
        _sync_tree(staging)
        os.replace(staging, path)
        fsync_dir(path.parent)
        return
    _check_conflicts(path, written)
    old, remove, manifest = _plan(path, written, whole_set)
    if _holds_only(path, old) and staging.parent == path.parent:
        # 2. only earlier output: carry the kept files over as hard links, swap the folders
        kept = manifest - set(written)
        try:
            for rel in sorted(kept):
                (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                os.link(path / rel, staging / rel)
            (staging / MANIFEST).write_text(_manifest_text(manifest), encoding="utf-8")
            _sync_tree(staging)
            os.chmod(staging, path.stat().st_mode & 0o7777)
            swapped = _exchange(staging, path)
        except OSError:
            swapped = False                   # e.g. no hard links here: use the journal
        if swapped:
            fsync_dir(path.parent)
            shutil.rmtree(staging, ignore_errors=True)   # now the old export
            return
        (staging / MANIFEST).unlink(missing_ok=True)
        for rel in kept:
            (staging / rel).unlink(missing_ok=True)
    # 3. other files in the folder: decide with a journal, then move the files in
    _sync_tree(staging)
    journal = {"staging": str(staging), "write": written, "folders": empty_dirs, "remove": remove,
               "manifest": sorted(manifest)}
    write_file_atomic(path / JOURNAL, json.dumps(journal))
    _roll_forward(path, journal)


@contextlib.contextmanager
def atomic_output_dir(out_dir: str | os.PathLike, what: str = "--out", *,
                      whole_set: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder; at a clean exit its files are committed into ``out_dir``.

    See the module docstring for the rules (files not written are kept, foreign files never
    touched) and how the set becomes visible all at once. Usable for long streaming writes::

        with atomic_output_dir(out) as staging:
            for i, frame in enumerate(frames):
                save(staging / "depth" / f"{i:06d}.png", frame)

    An exception inside the block (``KeyboardInterrupt``, ``Cancelled``...) removes the staging
    folder and leaves ``out_dir`` as it was. ``whole_set=True``: the folder holds one set (the
    frames of a clip), so files of the earlier export that this one does not rewrite are removed
    too (the user's own files still stay).

    Raises
    ------
    InputError
        ``out_dir`` cannot be written; nothing is left behind.
    """
    path = check_writable_dir(out_dir, what)
    anchor = path.parent if path.parent.is_dir() else _existing_ancestor(path)
    try:
        recover_output_dir(path)
        staging = _temp_name(anchor, path.name)
        os.mkdir(staging, 0o777)              # ordinary permissions: the umask applies
    except OSError as exc:
        raise InputError(f"{what} {out_dir}: cannot write there ({_os_reason(exc)})") from None
    try:
        yield staging
        if staging.parent != path.parent:     # parents were missing: make them now
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging, staging := _temp_name(path.parent, path.name))
        _commit_dir(staging, path, whole_set)
    except OSError as exc:
        raise InputError(f"{what} {out_dir}: cannot write there ({_os_reason(exc)})") from None
    finally:
        if staging.exists() and not (path / JOURNAL).exists():
            shutil.rmtree(staging, ignore_errors=True)
