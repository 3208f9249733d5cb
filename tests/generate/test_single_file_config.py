"""A single-file SD ControlNet loads with a config derived from its base, written to a temporary
folder that is gone after the load, whether the load worked or failed."""

from __future__ import annotations

import tempfile

import pytest
import torch

from posestudio.errors import GenerationError
from posestudio.generate.families import inspect_base, inspect_controlnet
from posestudio.generate.loading import _load_controlnet


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Point tempfile at an empty folder of this test, so leftovers can be counted."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_single_file_controlnet_leaves_no_config_folder(tiny, tmp_path, private_tmp):
    from safetensors.torch import load_file, save_file

    base_dir, cn_dir = tiny["sd15"]
    single = tmp_path / "control_sd15_openpose.safetensors"
    save_file(load_file(cn_dir / "diffusion_pytorch_model.safetensors"), single)
    base, cn = inspect_base(base_dir), inspect_controlnet(single)
    for _ in range(2):
        model = _load_controlnet(cn, base, torch.float32)
        assert list(private_tmp.glob("posestudio-*")) == []
    folder_model = _load_controlnet(inspect_controlnet(cn_dir), base, torch.float32)
    assert (model.config.conditioning_embedding_out_channels
            == folder_model.config.conditioning_embedding_out_channels)
    for (name, a), (_, b) in zip(model.state_dict().items(), folder_model.state_dict().items()):
        assert torch.equal(a, b), name


def test_failed_single_file_load_leaves_no_config_folder(tiny, tmp_path, private_tmp):
    from safetensors.torch import load_file, save_file

    base_dir, cn_dir = tiny["sd15"]
    tensors = load_file(cn_dir / "diffusion_pytorch_model.safetensors")
    name = next(k for k in tensors if k.startswith("controlnet_down_blocks"))
    tensors[name] = torch.zeros(3, 3)  # wrong shape: the load fails after the config is written
    broken = tmp_path / "broken_controlnet.safetensors"
    save_file(tensors, broken)
    with pytest.raises(GenerationError, match="broken_controlnet"):
        _load_controlnet(inspect_controlnet(broken), inspect_base(base_dir), torch.float32)
    assert list(private_tmp.glob("posestudio-*")) == []
