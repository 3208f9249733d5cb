"""Autosave, one slot per editor instance, and what crashed editors left for recovery.

Every editor window owns a slot ``<data dir>/autosave/<instance id>/`` holding ``lock`` (a
:class:`QLockFile` the editor holds for its whole life), ``scene.pose.json`` (the unsaved scene,
written atomically every ``AUTOSAVE_SECONDS`` while it has unsaved changes) and
``session.json`` (the file it came from, when it was written, by which process). A clean exit
deletes the editor's own slot and nothing else. A slot whose lock can be taken belongs to an
editor that is gone without a clean exit (crashed, killed, power cut): :func:`crashed_slots`
lists those, so the recovery dialog can offer each one. Slots of running editors are never
touched, so two editors never overwrite or delete each other's autosave.

``POSESTUDIO_DATA_DIR`` overrides the data dir (tests use a temporary one).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLockFile

from .files import data_dir

AUTOSAVE_SECONDS = 30
SCENE = "scene.pose.json"
SESSION = "session.json"
LOCK = "lock"


def autosave_root() -> Path:
    """The folder holding one slot per editor instance."""
    return data_dir() / "autosave"


@dataclass(frozen=True)
class CrashedSlot:
    """What an editor that did not exit cleanly left behind (its lock is held by the lister)."""

    folder: Path
    scene_path: Path
    source: str | None          # the scene file the work came from, None for an untitled scene
    saved_at: float             # time.time() of the last autosave
    pid: int | None             # the process of the editor that wrote it
    people: int                 # how many people the autosaved scene has (-1: unreadable)

    def describe(self) -> str:
        """One line for the recovery list."""
        name = Path(self.source).name if self.source else "Untitled scene"
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.saved_at))
        people = ("unreadable" if self.people < 0 else
                  f"{self.people} {'person' if self.people == 1 else 'people'}")
        return f"{name} · {people} · autosaved {when} (editor process {self.pid})"


class AutosaveSlot:
    """The autosave slot of one editor instance, locked from creation to :meth:`release`."""

    def __init__(self, instance_id: str | None = None) -> None:
        self.instance_id = instance_id or f"{os.getpid()}-{secrets.token_hex(4)}"
        self.folder = autosave_root() / self.instance_id
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = QLockFile(str(self.folder / LOCK))
        self._lock.setStaleLockTime(0)          # stale only when its process is gone
        if not self._lock.tryLock(0):
            raise RuntimeError(f"autosave slot {self.folder} is locked by another editor")

    @property
    def scene_path(self) -> Path:
        return self.folder / SCENE

    def write(self, scene, source: Path | None) -> Path:
        """Autosave ``scene`` (atomically) with what recovery needs to describe it."""
        from posestudio.export.atomic import write_file_atomic
        from posestudio.scene.file_format import save_scene

        save_scene(scene, self.scene_path)
        write_file_atomic(self.folder / SESSION, json.dumps(
            {"pid": os.getpid(), "source": str(source) if source else None,
             "saved_at": time.time(), "people": len(scene.people)}), "autosave")
        return self.scene_path

    def clear(self) -> None:
        """Forget the autosaved scene (it was saved, or it has no unsaved changes)."""
        for name in (SCENE, SESSION):
            (self.folder / name).unlink(missing_ok=True)

    def release(self) -> None:
        """Clean exit: delete this slot, and only this one."""
        self.clear()
        self._lock.unlock()
        shutil.rmtree(self.folder, ignore_errors=True)


def _read_session(folder: Path) -> dict:
    try:
        info = json.loads((folder / SESSION).read_text(encoding="utf-8"))
        return info if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}


class Recovery:
    """The crashed editors' slots, locked while the recovery dialog shows them."""

    def __init__(self) -> None:
        self.slots: list[CrashedSlot] = []
        self._locks: dict[Path, QLockFile] = {}
        root = autosave_root()
        folders = sorted(root.iterdir()) if root.is_dir() else []
        for folder in folders:
            if not folder.is_dir():
                continue
            lock = QLockFile(str(folder / LOCK))
            lock.setStaleLockTime(0)
            if not lock.tryLock(0):
                continue                            # a running editor's slot
            if not (folder / SCENE).is_file():      # died before its first autosave
                lock.unlock()
                shutil.rmtree(folder, ignore_errors=True)
                continue
            info = _read_session(folder)
            people = info.get("people")
            self._locks[folder] = lock
            self.slots.append(CrashedSlot(
                folder, folder / SCENE, info.get("source") if isinstance(info.get("source"), str)
                else None, float(info.get("saved_at") or (folder / SCENE).stat().st_mtime),
                info.get("pid") if isinstance(info.get("pid"), int) else None,
                people if isinstance(people, int) else -1))
        self.slots.sort(key=lambda s: -s.saved_at)

    def discard(self, slot: CrashedSlot) -> None:
        """Delete a crashed editor's slot (recovered, or the user does not want it)."""
        lock = self._locks.pop(slot.folder, None)
        self.slots = [s for s in self.slots if s.folder != slot.folder]
        if lock is not None:
            lock.unlock()
        shutil.rmtree(slot.folder, ignore_errors=True)

    def close(self) -> None:
        """Let go of the slots not recovered nor discarded: offered again at the next start."""
        for lock in self._locks.values():
            lock.unlock()
        self._locks.clear()


def crashed_slots() -> list[CrashedSlot]:
    """What editors that did not exit cleanly left, newest first (locks released again)."""
    recovery = Recovery()
    try:
        return list(recovery.slots)
    finally:
        recovery.close()
