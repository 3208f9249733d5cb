"""Tiny random models of every supported family, built once per test session on first use."""

from __future__ import annotations

import numpy as np
import pytest

import tiny_models  # tests/generate is on sys.path (pytest rootdir-less import)


class TinyModels(dict):
    """``{family: (base folder, controlnet folder)}``; a family is built (≈0.2 s) when first asked
    for, so a test run that needs only SD 1.5 never builds the other four."""

    def __init__(self, root):
        super().__init__()
        self.root = root

    def __missing__(self, family):
        self[family] = tiny_models.BUILDERS[family](self.root)
        return self[family]


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """``tiny["sd15"|"sdxl"|"zimage"|"flux"|"sd3"]`` → (base folder, controlnet folder)."""
    import torch

    torch.set_num_threads(1)  # CI has 2 cores shared with other jobs; tiny models gain nothing
    return TinyModels(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture
def control_image():
    """A 64x64 RGB control map with a white figure-like bar on black."""
    image = np.zeros((64, 64, 3), np.uint8)
    image[12:52, 28:36] = 255
    image[20:24, 14:50] = 255
    return image


class TinyVideoModels(TinyModels):
    """``{family: {"base": folder, ...}}`` of ``tiny_video_models``, each built when first asked for."""

    def __missing__(self, family):
        import tiny_video_models

        self[family] = tiny_video_models.VIDEO_BUILDERS[family](self.root)
        return self[family]


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory):
    """``tiny_video["wan-vace"|"wan-animate"|"animatediff"|"cogvideox-fun"|"ltx"]`` → folders."""
    import torch

    torch.set_num_threads(1)
    return TinyVideoModels(tmp_path_factory.mktemp("tiny-video-models"))


class TinyEditModels(TinyModels):
    """``{family: {"base": folder, ...}}`` of ``tiny_edit_models``, each built when first asked for."""

    def __missing__(self, family):
        import tiny_edit_models

        self[family] = tiny_edit_models.EDIT_BUILDERS[family](self.root)
        return self[family]


@pytest.fixture(scope="session")
def tiny_edit(tmp_path_factory):
    """``tiny_edit["flux-kontext"|"flux2-klein"|"qwen-controlnet"|"qwen-edit-plus"]`` → folders."""
    import torch

    torch.set_num_threads(1)
    return TinyEditModels(tmp_path_factory.mktemp("tiny-edit-models"))
