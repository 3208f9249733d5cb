"""Kinematics test setup: the mannequin's rest skeleton (``mannequin`` is in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def skeleton(mannequin):
    """(rest joints (55, 3) at betas = 0, parents (55,)) of the mannequin."""
    return mannequin.rest_joints(), tuple(int(p) for p in mannequin.parents)
