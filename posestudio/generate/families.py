"""Which pipeline family a model on disk belongs to, whether it is complete, and whether a base and
its ControlNets fit together.

Works on the files only (JSON configs, safetensors headers), never loads weights and never imports
torch or diffusers, so a wrong pairing or a missing file is reported in milliseconds with a message
that names the file, instead of as a tensor shape error minutes later.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from posestudio.errors import GenerationError

WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt")
SINGLE_FILE_SUFFIXES = (".safetensors", ".ckpt", ".pt", ".pth", ".bin")


@dataclass(frozen=True)
class Family:
    """A diffusers ControlNet pipeline family and how PoseStudio drives it."""

    key: str
    label: str
    pipeline: str                 # diffusers pipeline class with ControlNet
    multi: str | None             # diffusers class wrapping several ControlNets; None = one only
    image_arg: str                # name of the control image argument of __call__
    guidance_window: bool         # supports control_guidance_start/end
    flow: bool                    # flow-matching scheduler (no DDPM-family scheduler choice)
    default_steps: int
    default_guidance: float
    denoiser: str                 # subfolder holding the denoiser config


FAMILIES: dict[str, Family] = {
    "sd": Family("sd", "Stable Diffusion 1.x/2.x", "StableDiffusionControlNetPipeline",
                 "MultiControlNetModel", "image", True, False, 30, 7.0, "unet"),
    "sdxl": Family("sdxl", "SDXL", "StableDiffusionXLControlNetPipeline", "MultiControlNetModel",
                   "image", True, False, 30, 6.0, "unet"),
    "flux": Family("flux", "Flux", "FluxControlNetPipeline", "FluxMultiControlNetModel",
                   "control_image", True, True, 28, 3.5, "transformer"),
    "sd3": Family("sd3", "Stable Diffusion 3", "StableDiffusion3ControlNetPipeline",
                  "SD3MultiControlNetModel", "control_image", True, True, 28, 7.0, "transformer"),
    "zimage": Family("zimage", "Z-Image", "ZImageControlNetPipeline", None, "control_image",
                     False, True, 8, 0.0, "transformer"),
    # guidance is Qwen-Image's true CFG scale (a negative pass), not a distilled guidance input
    "qwenimage": Family("qwenimage", "Qwen-Image", "QwenImageControlNetPipeline",
                        "QwenImageMultiControlNetModel", "control_image", True, True, 30, 4.0,
                        "transformer"),
}


@dataclass(frozen=True)
class ModelInfo:
    """What a base model or ControlNet on disk is.

    ``signature`` holds the numbers that must agree between a base and its ControlNets (e.g. the
    text-conditioning width), ``variant`` is ``"fp16"`` when a folder only has ``*.fp16.*`` weights.
    """

    path: Path
    family: str
    single_file: bool
    signature: dict = field(default_factory=dict)
    variant: str | None = None
    config: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        label = FAMILIES[self.family].label
        if self.family == "sd" and "cross_attention_dim" in self.signature:
            label = {768: "Stable Diffusion 1.x", 1024: "Stable Diffusion 2.x"}.get(
                self.signature["cross_attention_dim"], label)
        return label


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # bad UTF-8/JSON, 4300+ digits, deep
        raise GenerationError(f"cannot read {path}: {str(exc)[:200]}") from None
    if not isinstance(data, dict):
        raise GenerationError(f"{path} is not a JSON object")
    return data


def _exists(path: Path, what: str) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise GenerationError(f"{what} {path} does not exist; give a diffusers model folder or a "
                              f"single .safetensors checkpoint")
    return path


def _weights_variant(folder: Path, component: str) -> tuple[bool, str | None]:
    """Whether ``folder`` holds weights (sharded or not), and their variant (``fp16``) if only
    variant files are there."""
    if not folder.is_dir():
        return False, None
    names = [p.name for p in folder.iterdir()]
    plain = [n for n in names if n.endswith(WEIGHT_SUFFIXES) and ".fp16." not in n
             and ".bf16." not in n] + [n for n in names if n.endswith(".index.json")
                                        and ".fp16." not in n]
    if plain:
        return True, None
    for variant in ("fp16", "bf16"):
        if any(f".{variant}." in n and (n.endswith(WEIGHT_SUFFIXES) or n.endswith(".index.json"))
               for n in names):
            return True, variant
    return False, None


def _config_int(config: dict, key: str) -> int:
    """An integer field of a config, 0 when absent or not an int (a config file can lie)."""
    value = config.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _signature(family: str, config: dict) -> dict:
    """The numbers of a denoiser/ControlNet config that must match between base and ControlNet."""
    if family in ("sd", "sdxl"):
        return {"cross_attention_dim": config.get("cross_attention_dim")}
    if family in ("flux", "sd3", "qwenimage"):
        return {"inner_dim": _config_int(config, "num_attention_heads")
                * _config_int(config, "attention_head_dim"),
                "joint_attention_dim": config.get("joint_attention_dim")}
    if family == "zimage":
        return {"dim": config.get("dim"), "n_heads": config.get("n_heads")}
    return {}


def _family_of_pipeline(class_name: str) -> str | None:
    name = class_name.lower()
    if name in ("qwenimagepipeline", "qwenimagecontrolnetpipeline"):
        return "qwenimage"      # not the Qwen-Image-Edit pipelines: those are editing models
    for prefix, family in (("stablediffusionxl", "sdxl"), ("stablediffusion3", "sd3"),
                           ("flux", "flux"), ("zimage", "zimage"), ("stablediffusion", "sd")):
        if name.startswith(prefix):
            return family
    return None


def missing_components(path: Path, model_index: dict,
                       optional: tuple[str, ...] = ("safety_checker", "image_encoder")
                       ) -> tuple[list[str], str | None]:
    """The components ``model_index.json`` lists that the folder ``path`` lacks (each as the file
    to put there), and the weights variant (``fp16``) when only variant files are present.

    Tokenizers, processors and schedulers need their files; models need ``config.json`` and
    weights; ``optional`` components are not checked (PoseStudio never loads them).
    """
    missing: list[str] = []
    variant = None
    for name, spec in model_index.items():
        if name.startswith("_") or not isinstance(spec, list) or not spec or spec[0] is None:
            continue
        sub = path / name
        if name.startswith(("tokenizer", "processor")):
            if not sub.is_dir() or not any(sub.iterdir()):
                missing.append(f"{name}/ (tokenizer files)")
            continue
        if name.startswith("scheduler") or name in ("feature_extractor", "image_processor"):
            if not sub.is_dir() or not any(sub.glob("*.json")):
                missing.append(f"{name}/*.json")
            continue
        if name in optional:
            continue
        if not (sub / "config.json").is_file():
            missing.append(f"{name}/config.json")
        has_weights, found_variant = _weights_variant(sub, name)
        if not has_weights:
            missing.append(f"{name}/ weights (*.safetensors)")
        variant = variant or found_variant
    return missing, variant


def inspect_base(path: str | Path) -> ModelInfo:
    """Identify and check a base model: a diffusers folder (every component it lists present) or a
    single checkpoint file. Raises :class:`GenerationError` naming what is missing or unknown."""
    path = _exists(Path(path), "base model")
    if path.is_file():
        return _inspect_single_file(path, "base model")
    index = path / "model_index.json"
    if not index.is_file():
        if (path / "config.json").is_file():
            raise GenerationError(f"{path} holds a single model (config.json), not a full base "
                                  f"pipeline: give the base model folder that has model_index.json")
        raise GenerationError(f"base model folder {path} is missing model_index.json; give a "
                              f"diffusers folder (as saved by save_pretrained) or a .safetensors file")
    model_index = _read_json(index)
    family = _family_of_pipeline(str(model_index.get("_class_name", "")))
    if family is None:
        from posestudio.generate.edit_families import EDIT_FAMILIES
        from posestudio.generate.video_families import _PIPELINE_CLASSES

        name = str(model_index.get("_class_name"))
        hint = (" (a video model: use 'posestudio generate-video')" if name in _PIPELINE_CLASSES
                else " (an image-editing model: use 'posestudio repose')"
                if name in {f.pipeline for f in EDIT_FAMILIES.values()} else "")
        raise GenerationError(f"base model {path} is a {name!r}{hint}, which PoseStudio cannot "
                              f"use with a ControlNet; supported: "
                              + ", ".join(f.label for f in FAMILIES.values()))
    missing, variant = missing_components(path, model_index)
    denoiser = FAMILIES[family].denoiser
    if denoiser not in model_index and f"{denoiser}/config.json" not in missing:
        missing.append(f"{denoiser}/")
    if missing:
        more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
        raise GenerationError(f"base model folder {path} is incomplete: missing "
                              + ", ".join(missing[:8]) + more)
    config = _read_json(path / denoiser / "config.json")
    if family == "sd" and config.get("addition_embed_type") == "text_time":
        family = "sdxl"
    return ModelInfo(path, family, False, _signature(family, config), variant, config)


def inspect_controlnet(path: str | Path) -> ModelInfo:
    """Identify and check a ControlNet: a diffusers folder (config.json + weights) or a single file."""
    path = _exists(Path(path), "controlnet")
    if path.is_file():
        return _inspect_single_file(path, "controlnet")
    config_path = path / "config.json"
    if not config_path.is_file():
        if (path / "model_index.json").is_file():
            raise GenerationError(f"{path} is a full pipeline, not a ControlNet: give it as --base "
                                  f"and a ControlNet folder (with config.json) as --controlnet")
        raise GenerationError(f"controlnet folder {path} is missing config.json")
    config = _read_json(config_path)
    has_weights, variant = _weights_variant(path, "controlnet")
    if not has_weights:
        raise GenerationError(f"controlnet folder {path} is incomplete: missing its weights "
                              f"(diffusion_pytorch_model.safetensors)")
    class_name = str(config.get("_class_name", ""))
    family = {"ControlNetModel": "sd", "FluxControlNetModel": "flux", "SD3ControlNetModel": "sd3",
              "ZImageControlNetModel": "zimage",
              "QwenImageControlNetModel": "qwenimage"}.get(class_name)
    if family is None:
        raise GenerationError(f"controlnet {path} is a {class_name!r}, which PoseStudio cannot use "
                              f"(supported: ControlNetModel, FluxControlNetModel, "
                              f"SD3ControlNetModel, ZImageControlNetModel, "
                              f"QwenImageControlNetModel)")
    if family == "sd" and config.get("addition_embed_type") == "text_time":
        family = "sdxl"
    return ModelInfo(path, family, False, _signature(family, config), variant, config)


def _inspect_single_file(path: Path, what: str) -> ModelInfo:
    """Family of a checkpoint file from its tensor names (the safetensors header, no weights read)."""
    if path.suffix.lower() != ".safetensors":
        raise GenerationError(f"{what} {path}: only .safetensors single files are read (other "
                              f"formats can run code when loaded); convert it or use a folder")
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="numpy") as f:
            keys = list(f.keys())
            shapes = {k: f.get_slice(k).get_shape() for k in keys if "attn2.to_k.weight" in k
                      or k.endswith("add_embedding.linear_1.weight")}
    except Exception as exc:  # safetensors raises its own error types for a bad header
        raise GenerationError(f"{what} {path} is not a readable safetensors file: {exc}") from None
    keyset = set(keys)

    def has(fragment: str) -> bool:
        return any(fragment in k for k in keys)

    cross = next((shape[1] for k, shape in shapes.items()
                  if "attn2.to_k.weight" in k and len(shape) == 2), None)
    if what == "controlnet":
        if has("control_layers.") or has("control_all_x_embedder"):
            family = "zimage"
        elif has("controlnet_x_embedder"):
            family = "flux"
        elif has("pos_embed_input"):
            family = "sd3"
        elif has("controlnet_cond_embedding") or has("input_hint_block"):
            family = "sdxl" if (has("add_embedding.") or has("label_emb.")) else "sd"
        else:
            raise GenerationError(f"controlnet {path} is not a ControlNet checkpoint PoseStudio "
                                  f"knows (no ControlNet tensors in it)")
    else:
        if has("conditioner.embedders.1"):
            family = "sdxl"
        elif has("joint_blocks."):
            family = "sd3"
        elif has("double_blocks.") or "transformer_blocks.0.attn.to_q.weight" in keyset:
            family = "flux"
        elif has("cap_embedder") or has("context_refiner"):
            family = "zimage"
        elif has("model.diffusion_model.input_blocks"):
            family = "sd"
        else:
            raise GenerationError(f"base model {path} is not a checkpoint PoseStudio knows "
                                  f"(SD 1.x/2.x, SDXL, SD3, Flux, Z-Image)")
    signature = {"cross_attention_dim": cross} if family in ("sd", "sdxl") and cross else {}
    return ModelInfo(path, family, True, signature)


def check_pairing(base: ModelInfo, controlnets: list[ModelInfo]) -> None:
    """Raise :class:`GenerationError` if a ControlNet was made for another family or size of base."""
    family = FAMILIES[base.family]
    for cn in controlnets:
        if cn.family != base.family:
            raise GenerationError(
                f"controlnet {cn.path} is a {cn.label} ControlNet but base {base.path} is "
                f"{base.label}; use a ControlNet made for {base.label}")
        for key, value in cn.signature.items():
            other = base.signature.get(key)
            if value and other and value != other:
                raise GenerationError(
                    f"controlnet {cn.path} does not fit base {base.path}: its {key} is {value}, "
                    f"the base's is {other} (a ControlNet for {cn.label} of another size)")
    if base.family == "qwenimage" and len({c.path.resolve() for c in controlnets}) > 1:
        raise GenerationError("Qwen-Image takes one union ControlNet: give the same ControlNet "
                              "once per control map (e.g. CN:openpose and CN:depth)")
    if len(controlnets) > 1 and family.multi is None:
        raise GenerationError(f"{family.label} takes one ControlNet, {len(controlnets)} were given "
                              f"(use a union ControlNet for several conditions)")


def size_multiple(family: str, vae_factor: int = 8, patch_size: int = 2) -> int:
    """Output width and height must be a multiple of this many pixels for ``family``.

    The VAE's downsampling factor (8 for every released model), doubled where the denoiser packs
    2x2 latent patches (Flux, Z-Image, Qwen-Image) or times the transformer's ``patch_size`` (SD3):
    ÷8 for SD 1.x/2.x and SDXL, ÷16 for Flux, SD3, Z-Image and Qwen-Image.
    """
    if family in ("flux", "zimage", "qwenimage"):
        return vae_factor * 2
    if family == "sd3":
        return vae_factor * patch_size
    return vae_factor


def base_size_multiple(info: ModelInfo) -> int:
    """:func:`size_multiple` of a base model on disk, from its configs (no weights read).

    A folder's ``vae/config.json`` gives the VAE factor (``2 ** (len(block_out_channels) - 1)``,
    or ``2 ** len(temperal_downsample)`` for Qwen-Image's VAE), as the diffusers pipelines compute
    it; a single file, or a config without those fields, counts as the usual 8.
    """
    factor = 8
    vae_config = info.path / "vae" / "config.json"
    if not info.single_file and vae_config.is_file():
        config = _read_json(vae_config)
        blocks, temporal = config.get("block_out_channels"), config.get("temperal_downsample")
        if isinstance(blocks, list) and blocks:
            factor = 2 ** (len(blocks) - 1)
        elif isinstance(temporal, list):
            factor = 2 ** len(temporal)
    return size_multiple(info.family, factor, _config_int(info.config, "patch_size") or 2)
