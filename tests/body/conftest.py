"""Body-model test setup: every test on the session's private cache (``body_cache`` and
``mannequin`` are in tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/body/synthetic.py


@pytest.fixture(scope="session", autouse=True)
def _private_cache(body_cache):
    return body_cache
