"""Where generation panels keep what they remember from one run of the editor to the next, and
where outputs go.

A panel's state is one JSON object under its own key of the app settings
(:func:`ui.files.settings`); a damaged value is forgotten, never fatal. Fields that depend on
the model (steps, guidance) are also kept per model path and per model family
(:func:`remember_for_model`), so switching models brings back what was used with each.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["MAX_MODELS", "default_output_dir", "load_state", "remember_for_model",
           "remembered_for_model", "save_state"]

#: How many model paths (and families) the per-model memory keeps; the least recent go first.
MAX_MODELS = 64


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


def remembered_for_model(key: str, path: str, family: str) -> dict:
    """The fields saved under ``key`` for the model at ``path``, else the last ones used with a
    model of ``family`` ({} when neither was seen)."""
    state = load_state(key)
    for group, name in (("paths", path), ("families", family)):
        entries = state.get(group)
        found = entries.get(name) if isinstance(entries, dict) else None
        if isinstance(found, dict):
            return found
    return {}


def remember_for_model(key: str, path: str, family: str, fields: dict) -> None:
    """Save ``fields`` (JSON-serialisable) under ``key`` for the model at ``path`` and for its
    ``family``, keeping the :data:`MAX_MODELS` most recently used of each."""
    state = load_state(key)
    for group, name in (("paths", path), ("families", family)):
        entries = state.get(group) if isinstance(state.get(group), dict) else {}
        entries.pop(name, None)
        entries[name] = fields                  # insertion order: most recent last
        while len(entries) > MAX_MODELS:
            entries.pop(next(iter(entries)))
        state[group] = entries
    save_state(key, state)


def default_output_dir() -> Path:
    """The folder generated images go to unless a panel is given another."""
    from .. import files

    return files.data_dir() / "generations"
