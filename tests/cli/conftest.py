"""Fixtures for the CLI tests: scene files (the in-process ``cli`` runner is in tests/conftest.py).

Plain helpers (paths, ``assert_clean_failure``) live in ``cli_helpers.py``; import them from
there, never ``from conftest import ...`` (another folder's conftest may answer).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli_helpers import EXAMPLES


@pytest.fixture
def scene_file(tmp_path) -> Path:
    """A valid one-person scene file in ``tmp_path`` (a copy of the bundled standing example)."""
    path = tmp_path / "scene.pose.json"
    shutil.copyfile(EXAMPLES / "standing.pose.json", path)
    return path


@pytest.fixture
def scene_dict(scene_file) -> dict:
    return json.loads(scene_file.read_text())
