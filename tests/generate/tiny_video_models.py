"""Tiny random video pipelines, built and saved locally, one per supported video family.

Each ``build_<family>(root)`` writes the model folders a user would have on disk (diffusers layout,
``save_pretrained``) and returns ``{"base": path, ...}`` with the extra parts the family takes
(``controlnet``, ``motion_adapter``). Weights are random (seeded) and tiny, so a 2-step clip of a
few 16x16 or 32x32 frames runs in about a second on a CPU; pipelines and loading are the real
diffusers ones. Tokenizers are built from in-memory vocabularies (``tiny_models``), never fetched.

Used by ``tests/generate`` (session fixture) and ``bench/bench_video_generate.py``.
"""

from __future__ import annotations

from pathlib import Path

import torch

from tiny_models import _save_pipeline, _t5_text, _t5_tokenizer, _wake


def _umt5_text():
    """Wan's text encoder class (UMT5), as small as ``tiny_models._t5_text``."""
    from transformers import UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    config = UMT5Config(vocab_size=_t5_text().config.vocab_size, d_model=32, d_kv=8, d_ff=37,
                        num_layers=2, num_heads=4, relative_attention_num_buckets=8,
                        decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    return UMT5EncoderModel(config).eval()


def _wan_vae():
    from diffusers import AutoencoderKLWan

    torch.manual_seed(0)
    return AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                            temperal_downsample=[False, True, True])


def _wan_dims() -> dict:
    return dict(patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, out_channels=16,
                text_dim=32, freq_dim=256, ffn_dim=32, cross_attn_norm=True,
                qk_norm="rms_norm_across_heads", rope_max_seq_len=32)


def build_wan_vace(root: Path) -> dict:
    """A tiny Wan VACE pipeline folder (frames 4k+1, sizes multiples of 16)."""
    from diffusers import FlowMatchEulerDiscreteScheduler, WanVACEPipeline, WanVACETransformer3DModel

    torch.manual_seed(0)
    transformer = WanVACETransformer3DModel(in_channels=16, num_layers=3, vace_layers=[0, 2],
                                            vace_in_channels=96, **_wan_dims())
    pipe = WanVACEPipeline(tokenizer=_t5_tokenizer(), text_encoder=_umt5_text(), vae=_wan_vae(),
                           scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                           transformer=transformer)
    return {"base": _save_pipeline(pipe, root / "wan-vace")}


def build_wan_animate(root: Path) -> dict:
    """A tiny Wan-Animate pipeline folder (CLIP image encoder, 16 px face crops)."""
    from diffusers import (FlowMatchEulerDiscreteScheduler, WanAnimatePipeline,
                           WanAnimateTransformer3DModel)
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(0)
    transformer = WanAnimateTransformer3DModel(
        in_channels=36, latent_channels=16, num_layers=2, image_dim=4,
        motion_encoder_channel_sizes={"4": 16, "8": 16, "16": 16}, motion_encoder_size=16,
        motion_style_dim=8, motion_dim=4, motion_encoder_dim=16, face_encoder_hidden_dim=16,
        face_encoder_num_heads=2, inject_face_latents_blocks=2, **_wan_dims())
    torch.manual_seed(0)
    image_encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=4, projection_dim=4, num_hidden_layers=2, num_attention_heads=2, image_size=4,
        intermediate_size=16, patch_size=1))
    pipe = WanAnimatePipeline(tokenizer=_t5_tokenizer(), text_encoder=_umt5_text(),
                              vae=_wan_vae(), scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
                              image_processor=CLIPImageProcessor(crop_size=4, size=4),
                              image_encoder=image_encoder.eval(), transformer=transformer)
    return {"base": _save_pipeline(pipe, root / "wan-animate")}


def build_animatediff(root: Path) -> dict:
    """A tiny SD 1.5 base, a motion adapter, an SD ControlNet and a SparseCtrl ControlNet."""
    from diffusers import MotionAdapter, SparseControlNetModel

    from tiny_models import build_sd15

    base, controlnet = build_sd15(root, name="animatediff-sd15")
    torch.manual_seed(0)
    MotionAdapter(block_out_channels=(8, 16), motion_layers_per_block=1, motion_norm_num_groups=8,
                  motion_num_attention_heads=2).save_pretrained(root / "motion-adapter")
    torch.manual_seed(1)
    sparse = SparseControlNetModel(
        block_out_channels=(8, 16), layers_per_block=1, in_channels=4, conditioning_channels=3,
        down_block_types=("DownBlockMotion", "CrossAttnDownBlockMotion"), cross_attention_dim=32,
        conditioning_embedding_out_channels=(16, 32), norm_num_groups=8,
        motion_num_attention_heads=2,
        use_simplified_condition_embedding=False)
    _wake(sparse).save_pretrained(root / "sparsectrl-rgb")
    return {"base": base, "controlnet": controlnet, "motion_adapter": root / "motion-adapter",
            "sparse_controlnet": root / "sparsectrl-rgb"}


def build_cogvideox_fun(root: Path) -> dict:
    """A tiny CogVideoX-Fun Control pipeline folder (frames 4k+1, 16x16 latent-patch sizes)."""
    from diffusers import (AutoencoderKLCogVideoX, CogVideoXFunControlPipeline,
                           CogVideoXTransformer3DModel, DDIMScheduler)

    torch.manual_seed(0)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=4, attention_head_dim=8, in_channels=8, out_channels=4,
        time_embed_dim=2, text_embed_dim=32, num_layers=1, sample_width=4, sample_height=4,
        sample_frames=9, patch_size=2, temporal_compression_ratio=4, max_text_seq_length=16)
    torch.manual_seed(0)
    vae = AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3, down_block_types=("CogVideoXDownBlock3D",) * 4,
        up_block_types=("CogVideoXUpBlock3D",) * 4, block_out_channels=(8, 8, 8, 8),
        latent_channels=4, layers_per_block=1, norm_num_groups=2, temporal_compression_ratio=4)
    pipe = CogVideoXFunControlPipeline(tokenizer=_t5_tokenizer(), text_encoder=_t5_text().eval(),
                                       vae=vae, transformer=transformer, scheduler=DDIMScheduler())
    return {"base": _save_pipeline(pipe, root / "cogvideox-fun-control")}


def build_ltx(root: Path) -> dict:
    """A tiny LTX-Video pipeline folder (frames 8k+1, sizes multiples of 32)."""
    from diffusers import (AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler,
                           LTXConditionPipeline, LTXVideoTransformer3DModel)

    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4,
        attention_head_dim=8, cross_attention_dim=32, num_layers=1, caption_channels=32)
    torch.manual_seed(0)
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False,) * 5, upsample_residual=(False,) * 4,
        upsample_factor=(1, 1, 1, 1), timestep_conditioning=False, patch_size=1, patch_size_t=1,
        encoder_causal=True, decoder_causal=False)
    pipe = LTXConditionPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae,
                                text_encoder=_t5_text().eval(), tokenizer=_t5_tokenizer(),
                                transformer=transformer)
    return {"base": _save_pipeline(pipe, root / "ltx-video")}


VIDEO_BUILDERS = {"wan-vace": build_wan_vace, "wan-animate": build_wan_animate,
                  "animatediff": build_animatediff, "cogvideox-fun": build_cogvideox_fun,
                  "ltx": build_ltx}
