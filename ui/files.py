"""The editor's data dir and recent files (autosave and crash recovery: :mod:`ui.autosave`).

``POSESTUDIO_DATA_DIR`` overrides the data dir (tests use a temporary one).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

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
