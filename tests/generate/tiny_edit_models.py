"""Tiny random image-editing pipelines and a Qwen-Image ControlNet, built and saved locally.

Each ``build_<family>(root)`` writes diffusers folders (``save_pretrained``) and returns
``{"base": path, ...}``. Weights are random (seeded) and tiny; tokenizers and processors are built
from in-memory vocabularies (``tiny_models``), never fetched. Used by ``tests/generate`` and
``bench/bench_repose.py``.
"""

from __future__ import annotations

from pathlib import Path

import torch

from tiny_models import (_QWEN_TEMPLATE, _clip_text, _clip_tokenizer, _qwen_tokenizer, _save_pipeline,
                         _sd_vae, _t5_text, _t5_tokenizer, _wake)


def build_flux_kontext(root: Path) -> dict:
    """A tiny FLUX.1 Kontext folder (CLIP + T5 text encoders, 16-channel VAE)."""
    from diffusers import FlowMatchEulerDiscreteScheduler, FluxKontextPipeline, FluxTransformer2DModel

    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(
        patch_size=1, in_channels=64, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=32,
        axes_dims_rope=[4, 4, 8])
    vae = _sd_vae(latent_channels=16, scaling_factor=1.5035, shift_factor=0.0609,
                  use_quant_conv=False, use_post_quant_conv=False)
    pipe = FluxKontextPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae,
                               text_encoder=_clip_text(), tokenizer=_clip_tokenizer(),
                               text_encoder_2=_t5_text().eval(), tokenizer_2=_t5_tokenizer(),
                               transformer=transformer, image_encoder=None, feature_extractor=None)
    return {"base": _save_pipeline(pipe, root / "flux-kontext")}


def build_flux2_klein(root: Path) -> dict:
    """A tiny FLUX.2 [klein] folder (Qwen3 text encoder, three of its layers as the text input)."""
    from diffusers import (AutoencoderKLFlux2, FlowMatchEulerDiscreteScheduler, Flux2KleinPipeline,
                           Flux2Transformer2DModel)
    from transformers import Qwen3Config, Qwen3ForCausalLM

    torch.manual_seed(0)
    transformer = Flux2Transformer2DModel(
        patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=48, timestep_guidance_channels=256,
        axes_dims_rope=[4, 4, 4, 4], guidance_embeds=False)
    torch.manual_seed(0)
    tokenizer = _qwen_tokenizer()
    text_encoder = Qwen3ForCausalLM(Qwen3Config(
        intermediate_size=16, hidden_size=16, num_hidden_layers=28, num_attention_heads=2,
        num_key_value_heads=2, head_dim=8, vocab_size=len(tokenizer),
        max_position_embeddings=512)).eval()
    torch.manual_seed(0)
    vae = AutoencoderKLFlux2(sample_size=32, in_channels=3, out_channels=3,
                             down_block_types=("DownEncoderBlock2D",),
                             up_block_types=("UpDecoderBlock2D",), block_out_channels=(4,),
                             layers_per_block=1, latent_channels=1, norm_num_groups=1,
                             use_quant_conv=False, use_post_quant_conv=False)
    pipe = Flux2KleinPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae,
                              text_encoder=text_encoder, tokenizer=tokenizer,
                              transformer=transformer)
    return {"base": _save_pipeline(pipe, root / "flux2-klein")}


def _qwen_vl(tokenizer):
    """A tiny Qwen2.5-VL text encoder whose special-token ids are the tokenizer's."""
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    ids = tokenizer.convert_tokens_to_ids
    torch.manual_seed(0)
    config = Qwen2_5_VLConfig(
        text_config={"hidden_size": 16, "intermediate_size": 16, "num_hidden_layers": 2,
                     "num_attention_heads": 2, "num_key_value_heads": 2,
                     "rope_scaling": {"mrope_section": [1, 1, 2], "rope_type": "default",
                                      "type": "default"},
                     "rope_theta": 1000000.0, "vocab_size": len(tokenizer)},
        vision_config={"depth": 2, "hidden_size": 16, "intermediate_size": 16, "num_heads": 2,
                       "out_hidden_size": 16},
        hidden_size=16, vocab_size=len(tokenizer),
        vision_start_token_id=ids("<|vision_start|>"), vision_end_token_id=ids("<|vision_end|>"),
        image_token_id=ids("<|image_pad|>"), video_token_id=ids("<|video_pad|>"))
    return Qwen2_5_VLForConditionalGeneration(config).eval()


def _qwen_vl_tokenizer():
    tok = _qwen_tokenizer()
    tok.add_special_tokens({"additional_special_tokens": [
        "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>",
        "<|video_pad|>"]})
    tok.chat_template = _QWEN_TEMPLATE
    return tok


def _qwen_parts():
    from diffusers import (AutoencoderKLQwenImage, FlowMatchEulerDiscreteScheduler,
                           QwenImageTransformer2DModel)

    dims = dict(patch_size=2, in_channels=16, out_channels=4, num_layers=2, attention_head_dim=16,
                num_attention_heads=3, joint_attention_dim=16, axes_dims_rope=(8, 4, 4))
    torch.manual_seed(0)
    transformer = QwenImageTransformer2DModel(guidance_embeds=False, **dims)
    torch.manual_seed(0)
    vae = AutoencoderKLQwenImage(base_dim=24, z_dim=4, dim_mult=[1, 2, 4], num_res_blocks=1,
                                 temperal_downsample=[False, True], latents_mean=[0.0] * 4,
                                 latents_std=[1.0] * 4)
    return dims, transformer, vae, FlowMatchEulerDiscreteScheduler()


def build_qwen_controlnet(root: Path) -> dict:
    """A tiny Qwen-Image base and a Qwen-Image (union) ControlNet folder."""
    from diffusers import QwenImageControlNetModel, QwenImagePipeline

    dims, transformer, vae, scheduler = _qwen_parts()
    tokenizer = _qwen_vl_tokenizer()
    pipe = QwenImagePipeline(scheduler=scheduler, vae=vae, text_encoder=_qwen_vl(tokenizer),
                             tokenizer=tokenizer, transformer=transformer)
    base = _save_pipeline(pipe, root / "qwen-image")
    torch.manual_seed(1)
    controlnet = QwenImageControlNetModel(**dims)
    _wake(controlnet).save_pretrained(root / "qwen-image-controlnet-union")
    return {"base": base, "controlnet": root / "qwen-image-controlnet-union"}


def build_qwen_edit_plus(root: Path) -> dict:
    """A tiny Qwen-Image-Edit-2509 style folder (several input images through Qwen2.5-VL)."""
    from diffusers import QwenImageEditPlusPipeline
    from transformers import Qwen2VLImageProcessor, Qwen2VLProcessor

    _, transformer, vae, scheduler = _qwen_parts()
    tokenizer = _qwen_vl_tokenizer()
    processor = Qwen2VLProcessor(image_processor=Qwen2VLImageProcessor(), tokenizer=tokenizer,
                                 chat_template=_QWEN_TEMPLATE)
    pipe = QwenImageEditPlusPipeline(scheduler=scheduler, vae=vae,
                                     text_encoder=_qwen_vl(tokenizer), tokenizer=tokenizer,
                                     processor=processor, transformer=transformer)
    return {"base": _save_pipeline(pipe, root / "qwen-image-edit-plus")}


EDIT_BUILDERS = {"flux-kontext": build_flux_kontext, "flux2-klein": build_flux2_klein,
                 "qwen-edit-plus": build_qwen_edit_plus, "qwen-controlnet": build_qwen_controlnet}
