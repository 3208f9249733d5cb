"""Kinematics test setup: the bundled mannequin (private smplx cache) and its rest skeleton."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def mannequin(tmp_path_factory):
    old = os.environ.get("POSESTUDIO_CACHE_DIR")
    os.environ["POSESTUDIO_CACHE_DIR"] = str(tmp_path_factory.mktemp("body-cache"))
    try:
        from posestudio.body import load_body_model

        yield load_body_model("mannequin")
    finally:
        if old is None:
            os.environ.pop("POSESTUDIO_CACHE_DIR", None)
        else:
            os.environ["POSESTUDIO_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def skeleton(mannequin):
    """(rest joints (55, 3) at betas = 0, parents (55,)) of the mannequin."""
    return mannequin.rest_joints(), tuple(int(p) for p in mannequin.parents)
