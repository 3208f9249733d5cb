"""Load a ControlNet pipeline from local files only, on the right device and precision, and keep
it between generations.

Everything loads with ``local_files_only=True`` and ``HF_HUB_OFFLINE=1``: nothing is ever fetched.
:class:`PipelineCache` keeps the last pipeline; asking for other models (or another device or
precision) frees the old one first, so switching models does not double the memory in use.
torch and diffusers are imported inside functions so importing this module stays cheap.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posestudio.errors import GenerationError, InputError
from posestudio.generate.families import (FAMILIES, ModelInfo, check_pairing, inspect_base,
                                          inspect_controlnet)
from posestudio.generate.params import GenerationRequest, MemoryOptions

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


def _offline() -> None:
    # huggingface_hub reads these when first imported; set them before diffusers is imported.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    # transformers' import-time notices (e.g. "requires torchvision") would break the CLI's
    # "progress lines, then one error line" stderr; real errors still raise.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _dtype_kw(dtype) -> dict:
    """diffusers 0.42 renamed ``torch_dtype`` to ``dtype`` (the old name warns); older ones only
    know ``torch_dtype``."""
    import diffusers

    major, minor = (int(v) for v in diffusers.__version__.split(".")[:2])
    return {"dtype": dtype} if (major, minor) >= (0, 42) else {"torch_dtype": dtype}


def _quiet_loading() -> None:
    # Loading bars would interleave with the CLI's own progress; the UI shows its own.
    import diffusers
    import transformers

    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()


def resolve_device(device: str) -> str:
    """``"auto"`` → ``"cuda"`` if a CUDA GPU is present, else ``"mps"`` (Apple), else ``"cpu"``."""
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("device cuda was asked for but no CUDA GPU is available (use --device cpu)")
    if device == "mps" and not (getattr(torch.backends, "mps", None) is not None
                                and torch.backends.mps.is_available()):
        raise InputError("device mps was asked for but Apple MPS is not available (use --device cpu)")
    return device


def resolve_dtype(precision: str, device: str, family: str) -> "torch.dtype":
    """The weight/compute dtype: fp16 on GPUs for SD/SDXL, bf16 for the transformer families where
    the GPU supports it (they overflow in fp16), fp32 on CPU (fp16 matmuls there are slow or
    missing)."""
    import torch

    if precision == "auto":
        if device == "cpu":
            return torch.float32
        if device == "cuda" and FAMILIES[family].flow and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float16
    if device == "cpu" and precision == "fp16":
        raise InputError("precision fp16 needs a GPU; on the CPU use fp32 or bf16")
    return {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[precision]


@dataclass
class LoadedPipeline:
    """A ready pipeline and what it was built from."""

    pipe: Any                      # a diffusers ControlNet pipeline
    family: str
    base: ModelInfo
    controlnets: list[ModelInfo]
    device: str
    dtype: Any                     # torch.dtype
    key: tuple
    default_scheduler: dict        # the base's own scheduler config (for "default")
    scheduler_name: str = "default"

    @property
    def size_multiple(self) -> int:
        """Output width/height must be a multiple of this (VAE factor x latent patch size)."""
        from posestudio.generate.families import size_multiple

        patch = getattr(getattr(self.pipe, "transformer", None), "config", None)
        return size_multiple(self.family, int(getattr(self.pipe, "vae_scale_factor", 8)),
                             int(getattr(patch, "patch_size", 2) or 2))


def _derived_controlnet_config(cn: ModelInfo, base: ModelInfo, folder: Path) -> None:
    """Write ``folder/config.json`` for a single-file SD/SDXL ControlNet, made from the base's
    UNet config.

    Single-file ControlNets carry no config; diffusers would look one up on the Hub. A ControlNet
    copies its base UNet's encoder, so the UNet config describes it; only the hint encoder's
    channels are read from the file.
    """
    import inspect

    from diffusers import ControlNetModel
    from safetensors import safe_open

    accepted = set(inspect.signature(ControlNetModel.__init__).parameters) - {"self"}
    config = {k: v for k, v in base.config.items() if k in accepted}
    config["_class_name"] = "ControlNetModel"
    with safe_open(str(cn.path), framework="numpy") as f:
        keys = set(f.keys())
        if "controlnet_cond_embedding.conv_in.weight" in keys:  # diffusers layout
            channels = [f.get_slice("controlnet_cond_embedding.conv_in.weight").get_shape()[0]]
            i = 1
            while f"controlnet_cond_embedding.blocks.{i}.weight" in keys:
                channels.append(f.get_slice(f"controlnet_cond_embedding.blocks.{i}.weight").get_shape()[0])
                i += 2
            config["conditioning_embedding_out_channels"] = channels
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")


def _load_controlnet(cn: ModelInfo, base: ModelInfo, dtype):
    import diffusers

    class_name = {"sd": "ControlNetModel", "sdxl": "ControlNetModel", "flux": "FluxControlNetModel",
                  "sd3": "SD3ControlNetModel", "zimage": "ZImageControlNetModel",
                  "qwenimage": "QwenImageControlNetModel"}[cn.family]
    cls = getattr(diffusers, class_name)
    try:
        if not cn.single_file:
            return cls.from_pretrained(str(cn.path), **_dtype_kw(dtype), local_files_only=True,
                                       variant=cn.variant)
        if cn.family in ("sd", "sdxl") and not base.single_file:
            # the derived config lives only as long as the load needs it, failed or not
            with tempfile.TemporaryDirectory(prefix="posestudio-cn-config-") as folder:
                _derived_controlnet_config(cn, base, Path(folder))
                return cls.from_single_file(str(cn.path), **_dtype_kw(dtype),
                                            local_files_only=True, config=folder)
        return cls.from_single_file(str(cn.path), **_dtype_kw(dtype), local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise GenerationError(_load_failure("controlnet", cn.path, exc)) from None


def _load_failure(what: str, path: Path, exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "offline" in text.lower() or "local_files_only" in text or "hub" in text.lower():
        return (f"{what} {path} needs configuration files that are not on this machine "
                f"(PoseStudio never downloads); use a diffusers folder, or for a single-file base "
                f"give --base-config DIR (a diffusers folder of the same model type)")
    return f"cannot load {what} {path}: {text}"


def _build(request: GenerationRequest, base: ModelInfo, cns: list[ModelInfo], device: str,
           dtype, key: tuple) -> LoadedPipeline:
    _quiet_loading()
    family = FAMILIES[base.family]
    with warnings.catch_warnings():
        # diffusers' own deprecation notices about its internals (FluxPosEmbed...) are not
        # something a PoseStudio user can act on.
        warnings.simplefilter("ignore", FutureWarning)
        return _build_pipeline(request, base, cns, device, dtype, key, family)


def _build_pipeline(request, base, cns, device, dtype, key, family) -> LoadedPipeline:
    import diffusers

    # Qwen-Image multi-control is one union ControlNet applied to each control image in turn.
    unique = cns[:1] if base.family == "qwenimage" else cns
    models = [_load_controlnet(cn, base, dtype) for cn in unique]
    controlnet = models[0]
    if len(cns) > 1:
        controlnet = getattr(diffusers, family.multi)(models)
    cls = getattr(diffusers, family.pipeline)
    extra: dict = {}
    if base.family == "sd":
        # The NSFW checker is not part of the controlled generation and costs ~1 GB; skip it.
        extra.update(safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    try:
        if base.single_file:
            if request.base_config:
                extra["config"] = request.base_config
            pipe = cls.from_single_file(str(base.path), controlnet=controlnet, **_dtype_kw(dtype),
                                        local_files_only=True, **extra)
        else:
            pipe = cls.from_pretrained(str(base.path), controlnet=controlnet, **_dtype_kw(dtype),
                                       local_files_only=True, variant=base.variant, **extra)
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise GenerationError(_load_failure("base model", base.path, exc)) from None
    _place(pipe, device, request.memory)
    pipe.set_progress_bar_config(disable=True)
    return LoadedPipeline(pipe, base.family, base, cns, device, dtype, key,
                          dict(pipe.scheduler.config))


def _place(pipe, device: str, memory: MemoryOptions) -> None:
    """Move the pipeline to ``device`` or set up CPU offload, then the VAE memory options."""
    if memory.offload != "none" and device != "cpu":
        if memory.offload == "model":
            pipe.enable_model_cpu_offload(device=device)
        else:
            pipe.enable_sequential_cpu_offload(device=device)
    else:
        pipe.to(device)
    vae = pipe.vae
    if memory.vae_tiling:
        vae.enable_tiling()
    if memory.vae_slicing:
        vae.enable_slicing()


class PipelineCache:
    """Holds the most recently loaded pipeline; thread-safe (the UI loads in a worker).

    ``get(request)`` returns the cached pipeline when the models, device, precision and memory
    options are the same, else frees the old one and loads the new one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: LoadedPipeline | None = None

    def get(self, request: GenerationRequest) -> LoadedPipeline:
        _offline()
        base = inspect_base(request.base)
        cns = [inspect_controlnet(c.path) for c in request.controlnets]
        check_pairing(base, cns)
        device = resolve_device(request.device)
        dtype = resolve_dtype(request.precision, device, base.family)
        key = (str(base.path.resolve()), tuple(str(c.path.resolve()) for c in cns), device,
               str(dtype), request.memory.offload, request.memory.vae_tiling,
               request.memory.vae_slicing, request.base_config,
               tuple(_mtime(p) for p in (base.path, *(c.path for c in cns))))
        with self._lock:
            if self._loaded is not None and self._loaded.key == key:
                return self._loaded
            self.clear()
            self._loaded = _build(request, base, cns, device, dtype, key)
            return self._loaded

    @property
    def loaded(self) -> LoadedPipeline | None:
        return self._loaded

    def clear(self) -> None:
        """Drop the cached pipeline and give its memory back (GPU memory included)."""
        if self._loaded is None:
            return
        self._loaded = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover - torch is a hard dependency
            pass


def _mtime(path: Path) -> float:
    # A model rewritten on disk (re-downloaded, converted) must be reloaded.
    return path.stat().st_mtime


DEFAULT_CACHE = PipelineCache()
