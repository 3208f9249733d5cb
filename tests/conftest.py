"""Shared test setup: headless GL, no network, small thread pools (CI has 2 cores)."""

from __future__ import annotations

import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import pytest


def pytest_collection_modifyitems(config, items):
    if os.environ.get("DISPLAY"):
        return
    skip = pytest.mark.skip(reason="needs an X server: run under xvfb-run (as .ci/run does)")
    for item in items:
        if "gui" in item.keywords:
            item.add_marker(skip)
