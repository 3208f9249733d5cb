"""Plain helpers for the CLI tests (paths, the clean-failure check).

A normal module rather than ``conftest``: several test folders have a ``conftest.py``, and which
one ``import conftest`` finds depends on what pytest collected last.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"


def bundled_scenes() -> list[Path]:
    return sorted(EXAMPLES.glob("*.pose.json"))


def assert_clean_failure(result, root: Path, before: set[Path] | None = None) -> None:
    """Non-zero exit, exactly one line on stderr, no traceback, no new files under ``root``.

    ``result`` is what the ``cli`` fixture (tests/conftest.py) returns."""
    assert result.code != 0, result
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].strip(), f"expected one error line, got {result.err!r}"
    assert "Traceback" not in result.err
    if before is not None:
        after = set(root.rglob("*"))
        assert after == before, f"left behind: {sorted(map(str, after - before))}"
