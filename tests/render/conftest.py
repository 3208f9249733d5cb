"""Fixtures for the render tests: the real mannequin, random poses and cameras, one GL context."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def mannequin():
    from posestudio.body import load_body_model

    return load_body_model("mannequin")


@pytest.fixture(scope="session")
def renderer():
    from posestudio.render.gl import OffscreenRenderer

    r = OffscreenRenderer()
    yield r
    r.delete()
