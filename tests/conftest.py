"""Shared test setup: headless GL, no network, small thread pools (CI has 2 cores)."""

from __future__ import annotations

import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

from typing import NamedTuple

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("DISPLAY"):
        return
    skip = pytest.mark.skip(reason="needs an X server: run under xvfb-run (as .ci/run does)")
    for item in items:
        if "gui" in item.keywords:
            item.add_marker(skip)


class CliResult(NamedTuple):
    """What one in-process ``posestudio`` call gave: exit status, stdout, stderr."""

    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys):
    """``cli("render", scene, "--out", dir)`` -> :class:`CliResult` of ``posestudio.cli.main``
    in this process (arguments may be paths; argparse usage errors give their exit status)."""
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


@pytest.fixture(scope="session")
def body_cache(tmp_path_factory):
    """``POSESTUDIO_CACHE_DIR`` set to a private folder for the session (never ~/.cache)."""
    old = os.environ.get("POSESTUDIO_CACHE_DIR")
    folder = tmp_path_factory.mktemp("body-cache")
    os.environ["POSESTUDIO_CACHE_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if old is None:
            os.environ.pop("POSESTUDIO_CACHE_DIR", None)
        else:
            os.environ["POSESTUDIO_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def mannequin(body_cache):
    """The bundled mannequin ``BodyModel``, loaded with the session's private cache."""
    from posestudio.body import load_body_model

    return load_body_model("mannequin")


@pytest.fixture(scope="module")
def astronaut_jpg(tmp_path_factory):
    """scikit-image's astronaut (512x512, a person from the waist up) saved as a JPEG."""
    skimage_data = pytest.importorskip("skimage.data")
    from PIL import Image

    path = tmp_path_factory.mktemp("photos") / "astronaut.jpg"
    Image.fromarray(skimage_data.astronaut()).save(path, quality=92)
    return path
