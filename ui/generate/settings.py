"""Where generation panels keep what they remember from one run of the editor to the next, and
where outputs go.

A panel's state is one JSON object under its own key of the app settings
(:func:`ui.files.settings`); a damaged value is forgotten, never fatal.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["default_output_dir", "load_state", "save_state"]


def load_state(key: str) -> dict:
    """The state saved under ``key`` ({} when there is none or it is damaged)."""
    from .. import files

    raw = files.settings().value(key, "")
    try:
        state = json.loads(raw) if raw else {}
    except (TypeError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def save_state(key: str, state: dict) -> None:
    """Save ``state`` (JSON-serialisable) under ``key`` and write the settings out."""
    from .. import files

    settings = files.settings()
    settings.setValue(key, json.dumps(state))
    settings.sync()


def default_output_dir() -> Path:
    """The folder generated images go to unless a panel is given another."""
    from .. import files

    return files.data_dir() / "generations"
