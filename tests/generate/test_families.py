"""Family detection, folder completeness and base/ControlNet pairing: on the files alone."""

from __future__ import annotations

import json
import shutil

import pytest

from posestudio.errors import GenerationError
from posestudio.generate.families import check_pairing, inspect_base, inspect_controlnet

EXPECTED = {"sd15": "sd", "sdxl": "sdxl", "zimage": "zimage", "flux": "flux", "sd3": "sd3"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_detects_family_of_base_and_controlnet_folders(tiny, name):
    base, cn = tiny[name]
    base_info, cn_info = inspect_base(base), inspect_controlnet(cn)
    assert base_info.family == cn_info.family == EXPECTED[name]
    assert not base_info.single_file and not cn_info.single_file
    check_pairing(base_info, [cn_info])  # a matching pair passes


def test_sdxl_controlnet_on_sd15_base_is_refused_with_a_clear_message(tiny):
    base = inspect_base(tiny["sd15"][0])
    cn = inspect_controlnet(tiny["sdxl"][1])
    with pytest.raises(GenerationError) as err:
        check_pairing(base, [cn])
    message = str(err.value)
    assert "SDXL ControlNet" in message and "Stable Diffusion" in message
    assert str(tiny["sdxl"][1]) in message


def test_every_cross_family_pairing_is_refused(tiny):
    for base_name in EXPECTED:
        base = inspect_base(tiny[base_name][0])
        for cn_name in EXPECTED:
            if cn_name == base_name:
                continue
            with pytest.raises(GenerationError, match="ControlNet"):
                check_pairing(base, [inspect_controlnet(tiny[cn_name][1])])


def test_same_family_other_size_is_refused(tiny, tmp_path):
    # An SD 2.x ControlNet (cross-attention 1024) on an SD 1.x base: same class, other width.
    cn = tmp_path / "sd2-controlnet"
    shutil.copytree(tiny["sd15"][1], cn)
    config = json.loads((cn / "config.json").read_text())
    config["cross_attention_dim"] = 1024
    (cn / "config.json").write_text(json.dumps(config))
    with pytest.raises(GenerationError, match="cross_attention_dim is 1024"):
        check_pairing(inspect_base(tiny["sd15"][0]), [inspect_controlnet(cn)])


def test_missing_model_names_the_path(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(GenerationError, match="does not exist") as err:
        inspect_base(missing)
    assert str(missing) in str(err.value)
    with pytest.raises(GenerationError, match="does not exist"):
        inspect_controlnet(missing)


def test_partial_base_folder_names_every_missing_part(tiny, tmp_path):
    base = tmp_path / "partial"
    shutil.copytree(tiny["sd15"][0], base)
    for weights in (base / "unet").glob("*.safetensors"):
        weights.unlink()
    shutil.rmtree(base / "tokenizer")
    with pytest.raises(GenerationError) as err:
        inspect_base(base)
    message = str(err.value)
    assert "incomplete" in message and "unet/ weights" in message and "tokenizer/" in message
    assert "vae" not in message  # only what is missing


def test_folder_without_model_index_and_swapped_roles(tiny, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(GenerationError, match="model_index.json"):
        inspect_base(tmp_path / "empty")
    with pytest.raises(GenerationError, match="not a full base"):
        inspect_base(tiny["sd15"][1])          # a ControlNet given as --base
    with pytest.raises(GenerationError, match="full pipeline, not a ControlNet"):
        inspect_controlnet(tiny["sd15"][0])    # a base given as --controlnet


def test_controlnet_folder_without_weights(tiny, tmp_path):
    cn = tmp_path / "cn"
    cn.mkdir()
    shutil.copy(tiny["sd15"][1] / "config.json", cn / "config.json")
    with pytest.raises(GenerationError, match="missing its weights"):
        inspect_controlnet(cn)


def test_fp16_variant_only_folder_is_complete_with_variant(tiny, tmp_path):
    cn = tmp_path / "cn-fp16"
    shutil.copytree(tiny["sd15"][1], cn)
    (cn / "diffusion_pytorch_model.safetensors").rename(cn / "diffusion_pytorch_model.fp16.safetensors")
    assert inspect_controlnet(cn).variant == "fp16"


def test_single_file_controlnets_are_identified_from_tensor_names(tiny, tmp_path):
    from safetensors.torch import load_file, save_file

    for name in EXPECTED:
        cn = tiny[name][1]
        single = tmp_path / f"{name}-cn.safetensors"
        save_file(load_file(cn / "diffusion_pytorch_model.safetensors"), single)
        info = inspect_controlnet(single)
        assert info.single_file and info.family == EXPECTED[name], name


def test_unsafe_or_broken_single_files_are_refused(tmp_path):
    ckpt = tmp_path / "model.ckpt"
    ckpt.write_bytes(b"not really")
    with pytest.raises(GenerationError, match="only .safetensors"):
        inspect_base(ckpt)
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"\x00" * 16)
    with pytest.raises(GenerationError, match="not a readable safetensors"):
        inspect_controlnet(broken)


def test_zimage_takes_one_controlnet(tiny):
    base = inspect_base(tiny["zimage"][0])
    cn = inspect_controlnet(tiny["zimage"][1])
    with pytest.raises(GenerationError, match="takes one ControlNet"):
        check_pairing(base, [cn, cn])
