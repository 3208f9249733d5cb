"""Tiny random models of every supported family, built once per test session (a few seconds)."""

from __future__ import annotations

import numpy as np
import pytest

import tiny_models  # tests/generate is on sys.path (pytest rootdir-less import)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """``{family: (base folder, controlnet folder)}`` for sd15, sdxl, zimage, flux, sd3."""
    import torch

    torch.set_num_threads(1)  # CI has 2 cores shared with other jobs; tiny models gain nothing
    root = tmp_path_factory.mktemp("tiny-models")
    return {name: build(root) for name, build in tiny_models.BUILDERS.items()}


@pytest.fixture
def control_image():
    """A 64x64 RGB control map with a white figure-like bar on black."""
    image = np.zeros((64, 64, 3), np.uint8)
    image[12:52, 28:36] = 255
    image[20:24, 14:50] = 255
    return image
