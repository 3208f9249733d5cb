"""Tiny random diffusers models, built and saved locally, one per supported pipeline family.

Each ``build_<family>(root)`` writes a base model folder and a ControlNet folder under ``root``
(diffusers layout, as a user would have them on disk) and returns their paths. The weights are
random (seeded) and tiny, so a 2-step 64x64 generation runs in well under a second on a CPU; the
pipelines and the loading code are the real diffusers ones. Nothing touches the network: the
tokenizers are built from in-memory vocabularies.

Used by ``tests/generate`` (session fixture) and ``bench/bench_generate.py``.
"""

from __future__ import annotations

from pathlib import Path

import torch

# Every printable ASCII character is a token on its own: enough for any test prompt.
_CHARS = [chr(c) for c in range(33, 127)]


def _clip_tokenizer():
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in _CHARS:
        vocab[ch] = len(vocab)
        vocab[ch + "</w>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], unk_token="<|endoftext|>",
                         bos_token="<|startoftext|>", eos_token="<|endoftext|>",
                         pad_token="<|endoftext|>", model_max_length=77)


def _t5_tokenizer():
    from transformers import T5TokenizerFast

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -1.0)]
    vocab += [(ch, -2.0) for ch in _CHARS] + [("▁" + ch, -1.5) for ch in _CHARS]
    return T5TokenizerFast(vocab=vocab, extra_ids=0, model_max_length=512)


_QWEN_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _qwen_tokenizer():
    from transformers import Qwen2Tokenizer

    # GPT-2 byte-level alphabet: printable bytes map to themselves, the rest to U+0100 onwards.
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    extra = [b for b in range(256) if b not in printable]
    alphabet = [chr(b) for b in printable] + [chr(256 + i) for i in range(len(extra))]
    vocab = {ch: i for i, ch in enumerate(alphabet)}
    for special in ("<|endoftext|>", "<|im_start|>", "<|im_end|>"):
        vocab[special] = len(vocab)
    tok = Qwen2Tokenizer(vocab=vocab, merges=[])
    tok.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tok.chat_template = _QWEN_TEMPLATE
    return tok


def _clip_text(hidden: int = 32, projection: bool = False, seed: int = 0):
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(seed)
    config = CLIPTextConfig(bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=hidden,
                            intermediate_size=37, num_attention_heads=4, num_hidden_layers=2,
                            vocab_size=2 + 2 * len(_CHARS), projection_dim=hidden,
                            layer_norm_eps=1e-5, max_position_embeddings=77)
    return (CLIPTextModelWithProjection if projection else CLIPTextModel)(config)


def _t5_text(seed: int = 0):
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(seed)
    config = T5Config(vocab_size=4 + 2 * len(_CHARS), d_model=32, d_kv=8, d_ff=37, num_layers=2,
                      num_heads=4, relative_attention_num_buckets=8, decoder_start_token_id=0,
                      pad_token_id=0, eos_token_id=1)
    return T5EncoderModel(config)


def _sd_vae(latent_channels: int = 4, **extra):
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    return AutoencoderKL(block_out_channels=[8, 16], in_channels=3, out_channels=3,
                         down_block_types=["DownEncoderBlock2D"] * 2,
                         up_block_types=["UpDecoderBlock2D"] * 2,
                         latent_channels=latent_channels, norm_num_groups=8, sample_size=32, **extra)


def _wake(controlnet):
    """Fill the zero-initialised output projections of a fresh ControlNet with small random
    values: as built, a ControlNet adds exactly nothing, so the control image would not matter."""
    generator = torch.Generator().manual_seed(2)
    with torch.no_grad():
        for param in controlnet.parameters():
            if not torch.any(param):
                param.copy_(torch.randn(param.shape, generator=generator) * 0.3)
    return controlnet


def _save_pipeline(pipe, path: Path) -> Path:
    import diffusers
    import transformers

    diffusers.utils.logging.disable_progress_bar()   # "Writing model shards" bars in test logs
    transformers.utils.logging.disable_progress_bar()
    pipe.save_pretrained(path, safe_serialization=True)
    return path


def build_sd15(root: Path, channels: tuple[int, int] = (8, 16), name: str = "sd15") -> tuple[Path, Path]:
    """A tiny Stable Diffusion 1.x base (folder) and an SD ControlNet (folder).

    ``channels`` are the UNet/ControlNet block widths: the benchmark uses wider ones so a step
    costs enough for PoseStudio's per-call overhead to be measured against it.
    """
    from diffusers import ControlNetModel, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel

    blocks = dict(block_out_channels=tuple(channels), layers_per_block=1, norm_num_groups=8,
                  down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), cross_attention_dim=32)
    torch.manual_seed(0)
    unet = UNet2DConditionModel(sample_size=32, in_channels=4, out_channels=4,
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), **blocks)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              clip_sample=False, set_alpha_to_one=False, steps_offset=1)
    pipe = StableDiffusionPipeline(vae=_sd_vae(), text_encoder=_clip_text(), tokenizer=_clip_tokenizer(),
                                   unet=unet, scheduler=scheduler, safety_checker=None,
                                   feature_extractor=None, requires_safety_checker=False)
    base = _save_pipeline(pipe, root / f"{name}-base")
    torch.manual_seed(1)
    controlnet = ControlNetModel(in_channels=4, conditioning_embedding_out_channels=(16, 32), **blocks)
    _wake(controlnet).save_pretrained(root / f"{name}-controlnet-openpose")
    return base, root / f"{name}-controlnet-openpose"


def build_sdxl(root: Path) -> tuple[Path, Path]:
    """A tiny SDXL base (folder) and an SDXL ControlNet (folder)."""
    from diffusers import (ControlNetModel, EulerDiscreteScheduler, StableDiffusionXLPipeline,
                           UNet2DConditionModel)

    blocks = dict(block_out_channels=(8, 16), layers_per_block=1, norm_num_groups=8,
                  down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                  attention_head_dim=(2, 4), use_linear_projection=True,
                  addition_embed_type="text_time", addition_time_embed_dim=8,
                  transformer_layers_per_block=(1, 2), projection_class_embeddings_input_dim=80,
                  cross_attention_dim=64)
    torch.manual_seed(0)
    unet = UNet2DConditionModel(sample_size=32, in_channels=4, out_channels=4,
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), **blocks)
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, steps_offset=1,
                                       beta_schedule="scaled_linear", timestep_spacing="leading")
    pipe = StableDiffusionXLPipeline(
        vae=_sd_vae(), unet=unet, scheduler=scheduler,
        text_encoder=_clip_text(), tokenizer=_clip_tokenizer(),
        text_encoder_2=_clip_text(projection=True, seed=1), tokenizer_2=_clip_tokenizer(),
    )
    base = _save_pipeline(pipe, root / "sdxl-base")
    torch.manual_seed(1)
    controlnet = ControlNetModel(in_channels=4, conditioning_embedding_out_channels=(16, 32), **blocks)
    _wake(controlnet).save_pretrained(root / "sdxl-controlnet-depth")
    return base, root / "sdxl-controlnet-depth"


def build_zimage(root: Path) -> tuple[Path, Path]:
    """A tiny Z-Image base (folder) and a Z-Image ControlNet (folder)."""
    from diffusers import (FlowMatchEulerDiscreteScheduler, ZImageControlNetModel, ZImagePipeline,
                           ZImageTransformer2DModel)
    from transformers import Qwen3Config, Qwen3Model

    torch.manual_seed(0)
    dims = dict(all_patch_size=(2,), all_f_patch_size=(1,), dim=32, n_refiner_layers=1, n_heads=2,
                n_kv_heads=2, norm_eps=1e-5, qk_norm=True)
    transformer = ZImageTransformer2DModel(in_channels=16, n_layers=2, cap_feat_dim=16,
                                           rope_theta=256.0, t_scale=1000.0, axes_dims=[8, 4, 4],
                                           axes_lens=[256, 32, 32], **dims)
    with torch.no_grad():  # created with torch.empty: fix them so runs are deterministic
        transformer.x_pad_token.fill_(1.0)
        transformer.cap_pad_token.fill_(1.0)
    torch.manual_seed(0)
    text_encoder = Qwen3Model(Qwen3Config(hidden_size=16, intermediate_size=16, num_hidden_layers=2,
                                          num_attention_heads=2, num_key_value_heads=2, head_dim=8,
                                          vocab_size=260, max_position_embeddings=512))
    vae = _sd_vae(latent_channels=16, scaling_factor=0.3611, shift_factor=0.1159)
    pipe = ZImagePipeline(transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(),
                          text_encoder=text_encoder, tokenizer=_qwen_tokenizer())
    base = _save_pipeline(pipe, root / "zimage-base")
    torch.manual_seed(1)
    controlnet = ZImageControlNetModel(control_layers_places=[0], control_in_dim=16, **dims)
    _wake(controlnet).save_pretrained(root / "zimage-controlnet-union")
    return base, root / "zimage-controlnet-union"


def build_flux(root: Path) -> tuple[Path, Path]:
    """A tiny Flux base (folder) and a Flux ControlNet (folder)."""
    from diffusers import (FlowMatchEulerDiscreteScheduler, FluxControlNetModel, FluxPipeline,
                           FluxTransformer2DModel)

    dims = dict(patch_size=1, in_channels=64, num_layers=1, num_single_layers=1,
                attention_head_dim=16, num_attention_heads=2, joint_attention_dim=32,
                pooled_projection_dim=32, axes_dims_rope=[4, 4, 8])
    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(**dims)
    vae = _sd_vae(latent_channels=16, scaling_factor=1.5035, shift_factor=0.0609,
                  use_quant_conv=False, use_post_quant_conv=False)
    pipe = FluxPipeline(transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(),
                        text_encoder=_clip_text(), tokenizer=_clip_tokenizer(),
                        text_encoder_2=_t5_text(), tokenizer_2=_t5_tokenizer())
    base = _save_pipeline(pipe, root / "flux-base")
    torch.manual_seed(1)
    controlnet = FluxControlNetModel(**dims)
    _wake(controlnet).save_pretrained(root / "flux-controlnet-canny")
    return base, root / "flux-controlnet-canny"


def build_sd3(root: Path) -> tuple[Path, Path]:
    """A tiny SD3 base (folder) and an SD3 ControlNet (folder)."""
    from diffusers import (FlowMatchEulerDiscreteScheduler, SD3ControlNetModel,
                           SD3Transformer2DModel, StableDiffusion3Pipeline)

    dims = dict(sample_size=32, patch_size=1, in_channels=16, num_layers=2, attention_head_dim=8,
                num_attention_heads=4, joint_attention_dim=32, caption_projection_dim=32,
                pooled_projection_dim=64, out_channels=16)
    torch.manual_seed(0)
    transformer = SD3Transformer2DModel(**dims)
    vae = _sd_vae(latent_channels=16, scaling_factor=1.5305, shift_factor=0.0609,
                  use_quant_conv=False, use_post_quant_conv=False)
    pipe = StableDiffusion3Pipeline(
        transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=_clip_text(projection=True), tokenizer=_clip_tokenizer(),
        text_encoder_2=_clip_text(projection=True, seed=1), tokenizer_2=_clip_tokenizer(),
        text_encoder_3=_t5_text(), tokenizer_3=_t5_tokenizer(),
    )
    base = _save_pipeline(pipe, root / "sd3-base")
    torch.manual_seed(1)
    controlnet = SD3ControlNetModel(**{**dims, "num_layers": 1})
    _wake(controlnet).save_pretrained(root / "sd3-controlnet-pose")
    return base, root / "sd3-controlnet-pose"


BUILDERS = {"sd15": build_sd15, "sdxl": build_sdxl, "zimage": build_zimage, "flux": build_flux,
            "sd3": build_sd3}
