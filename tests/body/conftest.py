"""Body-model test setup: a private smplx cache per session (never the user's ~/.cache)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/body/synthetic.py


@pytest.fixture(scope="session", autouse=True)
def _body_cache(tmp_path_factory):
    old = os.environ.get("POSESTUDIO_CACHE_DIR")
    os.environ["POSESTUDIO_CACHE_DIR"] = str(tmp_path_factory.mktemp("body-cache"))
    yield
    if old is None:
        os.environ.pop("POSESTUDIO_CACHE_DIR", None)
    else:
        os.environ["POSESTUDIO_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def mannequin(_body_cache):
    from posestudio.body import load_body_model

    return load_body_model("mannequin")
