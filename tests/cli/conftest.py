"""Helpers for the CLI tests: run ``posestudio.cli.main`` in-process, make scene files."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


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


def bundled_scenes() -> list[Path]:
    return sorted(EXAMPLES.glob("*.pose.json"))


@pytest.fixture
def scene_file(tmp_path) -> Path:
    """A valid one-person scene file in ``tmp_path`` (a copy of the bundled standing example)."""
    source = EXAMPLES / "standing.pose.json"
    path = tmp_path / "scene.pose.json"
    if source.exists():
        shutil.copyfile(source, path)
    else:  # examples not there yet: a default person through the real writer
        from posestudio.scene.file_format import save_scene
        from posestudio.scene.model import Person, Scene

        save_scene(Scene(people=[Person()]), path)
    return path


@pytest.fixture
def scene_dict(scene_file) -> dict:
    return json.loads(scene_file.read_text())


def assert_clean_failure(result: CliResult, root: Path, before: set[Path] | None = None) -> None:
    """Non-zero exit, exactly one line on stderr, no traceback, no new files under ``root``."""
    assert result.code != 0, result
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"expected one error line, got {result.err!r}"
    assert "Traceback" not in result.err
    if before is not None:
        after = set(root.rglob("*"))
        assert after == before, f"left behind: {sorted(map(str, after - before))}"
