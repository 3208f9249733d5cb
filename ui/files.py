"""Recent files, autosave and crash recovery.

Autosave writes the scene every ``AUTOSAVE_SECONDS`` while it has unsaved changes, to
``<data dir>/autosave.pose.json`` (atomic, via ``save_scene``), next to ``session.json`` holding
the editor's process id. A clean exit deletes both. On the next start, an autosave whose process
is gone means the last session crashed (or was killed): the editor offers to recover it.
``POSESTUDIO_DATA_DIR`` overrides the data dir (tests use a temporary one).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

AUTOSAVE_SECONDS = 30
MAX_RECENT = 10


def data_dir() -> Path:
    override = os.environ.get("POSESTUDIO_DATA_DIR")
    base = Path(override) if override else Path(QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation) or Path.home() / ".posestudio")
    base.mkdir(parents=True, exist_ok=True)
    return base


def settings() -> QSettings:
    return QSettings(str(data_dir() / "settings.ini"), QSettings.Format.IniFormat)


def recent_files() -> list[str]:
    value = settings().value("recent", [])
    items = [value] if isinstance(value, str) else list(value or [])
    return [p for p in items if Path(p).exists()][:MAX_RECENT]


def add_recent(path: Path) -> list[str]:
    path = str(Path(path).absolute())
    items = [path] + [p for p in recent_files() if p != path]
    s = settings()
    s.setValue("recent", items[:MAX_RECENT])
    s.sync()
    return items[:MAX_RECENT]


def autosave_path() -> Path:
    return data_dir() / "autosave.pose.json"


def _session_path() -> Path:
    return data_dir() / "session.json"


def write_autosave(scene, source: Path | None) -> Path:
    from posestudio.scene.file_format import save_scene

    path = autosave_path()
    save_scene(scene, path)
    _session_path().write_text(json.dumps({"pid": os.getpid(),
                                           "source": str(source) if source else None}))
    return path


def clear_autosave() -> None:
    for path in (autosave_path(), _session_path()):
        path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pending_recovery() -> tuple[Path, str | None] | None:
    """The autosave of a session that did not exit cleanly, and the file it came from."""
    path = autosave_path()
    if not path.exists():
        return None
    try:
        info = json.loads(_session_path().read_text())
    except (OSError, ValueError):
        info = {}
    pid = info.get("pid")
    if isinstance(pid, int) and pid != os.getpid() and _alive(pid):
        return None                     # another editor is running and owns it
    return path, info.get("source")
