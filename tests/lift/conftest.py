"""Fixtures of the lifting tests: the astronaut photo, and running the CLI in-process."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@pytest.fixture(scope="module")
def astronaut_jpg(tmp_path_factory):
    """scikit-image's astronaut (512x512, a person from the waist up) saved as a JPEG."""
    skimage_data = pytest.importorskip("skimage.data")
    from PIL import Image

    path = tmp_path_factory.mktemp("photos") / "astronaut.jpg"
    Image.fromarray(skimage_data.astronaut()).save(path, quality=92)
    return path


@dataclass
class CliRun:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys):
    """``run_cli("import", photo, "--out", scene)`` -> CliRun (exit code, stdout, stderr)."""
    from posestudio.cli import main

    def run(*argv) -> CliRun:
        capsys.readouterr()
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run
