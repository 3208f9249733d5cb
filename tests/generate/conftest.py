"""Tiny random models of every supported family, built once per test session on first use."""

from __future__ import annotations

import importlib

import numpy as np
import pytest


class TinyModels(dict):
    """``{family: folders}`` of one builder table (``module.table[family](root)``); a family is
    built (≈0.2 s) when first asked for, so a test run that needs only SD 1.5 never builds the
    others. The builder module (in tests/generate, which pytest puts on sys.path) is imported
    on first use."""

    def __init__(self, root, module: str, table: str):
        super().__init__()
        self.root, self.module, self.table = root, module, table

    def __missing__(self, family):
        builders = getattr(importlib.import_module(self.module), self.table)
        self[family] = builders[family](self.root)
        return self[family]


def _tiny_models(tmp_path_factory, folder: str, module: str, table: str) -> TinyModels:
    import torch

    torch.set_num_threads(1)  # CI has 2 cores shared with other jobs; tiny models gain nothing
    return TinyModels(tmp_path_factory.mktemp(folder), module, table)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """``tiny["sd15"|"sdxl"|"zimage"|"flux"|"sd3"]`` → (base folder, controlnet folder)."""
    return _tiny_models(tmp_path_factory, "tiny-models", "tiny_models", "BUILDERS")


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory):
    """``tiny_video["wan-vace"|"wan-animate"|"animatediff"|"cogvideox-fun"|"ltx"]`` → folders."""
    return _tiny_models(tmp_path_factory, "tiny-video-models", "tiny_video_models",
                        "VIDEO_BUILDERS")


@pytest.fixture(scope="session")
def tiny_edit(tmp_path_factory):
    """``tiny_edit["flux-kontext"|"flux2-klein"|"qwen-controlnet"|"qwen-edit-plus"]`` → folders."""
    return _tiny_models(tmp_path_factory, "tiny-edit-models", "tiny_edit_models", "EDIT_BUILDERS")


@pytest.fixture
def control_image():
    """A 64x64 RGB control map with a white figure-like bar on black."""
    image = np.zeros((64, 64, 3), np.uint8)
    image[12:52, 28:36] = 255
    image[20:24, 14:50] = 255
    return image

