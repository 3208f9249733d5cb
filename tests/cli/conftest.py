"""Fixtures for the CLI tests: run ``posestudio.cli.main`` in-process, make scene files.

Plain helpers (paths, ``assert_clean_failure``) live in ``cli_helpers.py``; import them from
there, never ``from conftest import ...`` (another folder's conftest may answer).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli_helpers import EXAMPLES, CliResult


@pytest.fixture
def cli(capsys):
    """``cli("render", scene, "--out", dir)`` -> CliResult (exit code, stdout, stderr)."""
    from posestudio.cli import main

    def run(*argv) -> CliResult:
        capsys.readouterr()  # drop anything printed before
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def scene_file(tmp_path) -> Path:
    """A valid one-person scene file in ``tmp_path`` (a copy of the bundled standing example)."""
    path = tmp_path / "scene.pose.json"
    shutil.copyfile(EXAMPLES / "standing.pose.json", path)
    return path


@pytest.fixture
def scene_dict(scene_file) -> dict:
    return json.loads(scene_file.read_text())
