"""Hostile generation models: single .safetensors files whose headers lie (shapes, offsets,
sizes), model folders whose JSON lies, crafted and mutated, each batch in a subprocess."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
from safetensors.numpy import save

from hostile import assert_all_clean, dev_zero, run_cases, run_fuzz


def _safetensors(header: dict | bytes, data: bytes = b"", length: int | None = None) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw) if length is None else length) + raw + data


def _controlnet_file() -> bytes:
    z = np.zeros
    return save({"controlnet_cond_embedding.conv_in.weight": z((16, 3, 3, 3), np.float32),
                 "controlnet_cond_embedding.blocks.1.weight": z((32, 16, 3, 3), np.float32),
                 "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight":
                     z((8, 4), np.float16)})


def _base_file() -> bytes:
    return save({"model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight":
                 np.zeros((8, 4), np.float16), "first_stage_model.decoder.conv_in.weight":
                 np.zeros((2, 2), np.float16)})


def _tensor(name: str, dtype: str, shape: list, offsets: list) -> dict:
    return {name: {"dtype": dtype, "shape": shape, "data_offsets": offsets}}


CN = "controlnet_cond_embedding.conv_in.weight"
ATTN = "down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight"


def _single_file_cases() -> dict:
    valid = _controlnet_file()
    return {
        "valid": valid,
        "header_length_2_63": _safetensors({}, length=2**63 - 1),
        "header_length_past_end": _safetensors({"a": 1}, length=10_000),
        "header_length_zero": _safetensors(b""),
        "header_not_json": _safetensors(b"\xff\xfe not json"),
        "header_json_list": _safetensors(b"[1, 2, 3]"),
        "header_deep_json": _safetensors(b"[" * 100_000 + b"]" * 100_000),
        "header_100_mb_declared": _safetensors(b" " * 16, length=100 << 20),
        "offsets_past_end": _safetensors(_tensor(CN, "F32", [16, 3, 3, 3], [0, 1 << 40])),
        "offsets_reversed": _safetensors(_tensor(CN, "F32", [1], [4, 0]), b"\0" * 4),
        "offsets_overlap": _safetensors({**_tensor(CN, "F32", [1], [0, 4]),
                                         **_tensor("b", "F32", [1], [0, 4])}, b"\0" * 4),
        "shape_disagrees_with_offsets": _safetensors(_tensor(CN, "F32", [10**6, 10**6], [0, 4]),
                                                     b"\0" * 4),
        "shape_negative": _safetensors(_tensor(CN, "F32", [-1], [0, 4]), b"\0" * 4),
        "shape_overflow": _safetensors(_tensor(CN, "F32", [2**62, 2**62], [0, 0])),
        "dtype_unknown": _safetensors(_tensor(CN, "OBJ", [1], [0, 8]), b"\0" * 8),
        "attn_key_one_dimensional": _safetensors(_tensor(ATTN, "F32", [4], [0, 16]) | _tensor(
            CN, "F32", [1], [16, 20]), b"\0" * 20),
        "attn_key_zero_dimensional": _safetensors(_tensor(ATTN, "F32", [], [0, 4]) | _tensor(
            CN, "F32", [1], [4, 8]), b"\0" * 8),
        "metadata_not_strings": _safetensors({"__metadata__": {"a": [1, 2]}} | _tensor(
            CN, "F32", [1], [0, 4]), b"\0" * 4),
        "no_controlnet_tensors": save({"a": np.zeros(2, np.float32)}),
        "truncated": valid[: len(valid) // 2],
        "empty": b"",
        "dev_zero": dev_zero,
    }


def test_crafted_single_file_models(tmp_path):
    cases = _single_file_cases()
    inspectable = {"valid", "attn_key_one_dimensional", "attn_key_zero_dimensional"}
    for reader in ("controlnet", "base"):
        folder = tmp_path / reader
        folder.mkdir()
        results = run_cases(reader, cases, folder, suffix=".safetensors")
        assert_all_clean(results)
        assert all(r["outcome"] == "error" for k, r in results.items() if k not in inspectable)
    pickled = run_cases("controlnet", {"checkpoint": b"\x80\x02cos\nsystem\n."}, tmp_path,
                        suffix=".ckpt")
    assert "only .safetensors" in pickled["checkpoint"]["message"]


def _folder(files: dict[str, bytes | str]):
    def make(path: Path) -> None:
        for rel, data in files.items():
            target = path / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.encode() if isinstance(data, str) else data)
    return make


def _index(**components) -> str:
    base = {"_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"],
            "vae": ["diffusers", "AutoencoderKL"],
            "text_encoder": ["transformers", "CLIPTextModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "scheduler": ["diffusers", "PNDMScheduler"]}
    base.update(components)
    return json.dumps(base)


_PARTS = {"unet/config.json": '{"cross_attention_dim": 768}', "vae/config.json": "{}",
          "text_encoder/config.json": "{}", "unet/diffusion_pytorch_model.safetensors": b"",
          "vae/diffusion_pytorch_model.safetensors": b"", "text_encoder/model.safetensors": b"",
          "tokenizer/vocab.json": "{}", "scheduler/scheduler_config.json": "{}"}


def test_crafted_model_folders(tmp_path):
    weights = {"diffusion_pytorch_model.safetensors": b""}
    controlnets = {
        "valid": {"config.json": '{"_class_name": "ControlNetModel", "cross_attention_dim": 768}',
                  **weights},
        "class_name_int": {"config.json": '{"_class_name": 5}', **weights},
        "class_name_list": {"config.json": '{"_class_name": ["ControlNetModel"]}', **weights},
        "config_list": {"config.json": "[1, 2]", **weights},
        "config_deep": {"config.json": "[" * 100_000 + "]" * 100_000, **weights},
        "config_not_utf8": {"config.json": b'{"a": "\xff"}', **weights},
        "config_huge_int": {"config.json": '{"a": 1' + "0" * 5000 + "}", **weights},
        "flux_heads_string_times_huge": {"config.json": json.dumps(
            {"_class_name": "FluxControlNetModel", "num_attention_heads": "xxxxxxxx",
             "attention_head_dim": 10**12}), **weights},
        "flux_heads_list_times_huge": {"config.json": json.dumps(
            {"_class_name": "FluxControlNetModel", "num_attention_heads": [1, 2],
             "attention_head_dim": 10**10}), **weights},
        "flux_heads_float_inf": {"config.json": '{"_class_name": "FluxControlNetModel", '
                                 '"num_attention_heads": 1e999, "attention_head_dim": 0}',
                                 **weights},
        "config_is_a_folder": {"config.json/x": "{}", **weights},
        "no_weights": {"config.json": '{"_class_name": "ControlNetModel"}'},
    }
    cases = {name: _folder(files) for name, files in controlnets.items()}
    results = run_cases("controlnet", cases, tmp_path)
    assert_all_clean(results)
    assert results["valid"]["outcome"] == "ok"
    bases = {
        "valid": {"model_index.json": _index(), **_PARTS},
        "index_component_empty_list": {"model_index.json": _index(unet=[]), **_PARTS},
        "index_component_traversal": {"model_index.json": _index(**{"../../etc": ["a", "b"]}),
                                      **_PARTS},
        "index_component_absolute": {"model_index.json": _index(**{"/etc": ["a", "b"]}),
                                     **_PARTS},
        "index_class_name_number": {"model_index.json": _index(_class_name=1e308), **_PARTS},
        "index_10k_components": {"model_index.json": _index(**{f"c{i}": ["a", "b"]
                                                               for i in range(10_000)}), **_PARTS},
        "index_deep": {"model_index.json": "{" + '"a":{' * 50_000 + "}" * 50_001, **_PARTS},
        "unet_config_list": {"model_index.json": _index(), **_PARTS, "unet/config.json": "[]"},
        "unet_config_deep": {"model_index.json": _index(), **_PARTS,
                             "unet/config.json": "[" * 100_000 + "]" * 100_000},
    }
    cases = {name: _folder(files) for name, files in bases.items()}
    results = run_cases("base", cases, tmp_path)
    assert_all_clean(results)
    assert results["valid"]["outcome"] == "ok"


def test_mutated_model_files(tmp_path):
    """Hypothesis mutations of single files, ControlNet configs and model indexes."""
    for reader, seeds, n in (
            ("controlnet", {"cn.safetensors": _controlnet_file(),
                            "base.safetensors": _base_file()}, 300),
            ("controlnet-config", {"config.json": json.dumps(
                {"_class_name": "FluxControlNetModel", "num_attention_heads": 2,
                 "attention_head_dim": 4, "joint_attention_dim": 8}).encode(),
                "sd.json": b'{"_class_name": "ControlNetModel", "cross_attention_dim": 768}'}, 200),
            ("base-index", {"model_index.json": _index().encode()}, 200)):
        folder = tmp_path / reader
        folder.mkdir()
        summary = run_fuzz(reader, seeds, folder, examples=n, seed=6)
        assert summary["summary"].get("ok", 0) > 0, (reader, summary)
