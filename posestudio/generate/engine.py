"""Run a generation: control images + a :class:`GenerationRequest` → images, with progress and
cancel.

The one entry point is :func:`generate`. It validates everything before any denoising starts,
takes the (cached) pipeline, and calls the diffusers pipeline once per image of the batch with
image *i* seeded ``seed + i`` from a CPU ``torch.Generator`` (so a seed gives the same noise on
CPU, CUDA and MPS). ``progress(done, total)`` is called after every denoising step; ``cancel()``
is checked after every step and stops the run with :class:`~posestudio.errors.Cancelled`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from posestudio.errors import Cancelled, GenerationError, InputError
from posestudio.generate.families import FAMILIES
from posestudio.generate.loading import DEFAULT_CACHE, LoadedPipeline, PipelineCache
from posestudio.generate.params import GenerationRequest

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


@dataclass
class GeneratedImage:
    """One output image and the request that regenerates exactly it (``batch_count`` 1, its seed)."""

    image: Any                      # PIL.Image.Image, RGB, (width, height) of the request
    request: GenerationRequest
    family: str


def to_control_image(array, name: str = "control image"):
    """A control map as the PIL RGB image diffusers takes.

    Parameters
    ----------
    array : (H, W) or (H, W, 3|4) uint8 ndarray, or PIL.Image
        A map from ``render_scene`` (greyscale maps such as depth are repeated to RGB; alpha is
        dropped).
    """
    from PIL import Image

    if isinstance(array, Image.Image):
        return array.convert("RGB")
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise InputError(f"{name} must be 8-bit (uint8), got {array.dtype}")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise InputError(f"{name} must be HxW or HxWx3 pixels, got shape {array.shape}")
    return Image.fromarray(np.ascontiguousarray(array[:, :, :3]), "RGB")


def _scheduler(loaded: LoadedPipeline, name: str):
    """Swap the pipeline's scheduler to ``name`` (built from the base's own scheduler config)."""
    if name == loaded.scheduler_name:
        return
    import diffusers

    family = FAMILIES[loaded.family]
    if family.flow and name != "default":
        raise InputError(f"scheduler {name!r} does not fit {family.label} (a flow-matching model); "
                         f"use 'default'")
    config = loaded.default_scheduler
    if name == "default":
        scheduler = getattr(diffusers, config["_class_name"]).from_config(config)
    else:
        cls, extra = {
            "euler": ("EulerDiscreteScheduler", {}),
            "euler_a": ("EulerAncestralDiscreteScheduler", {}),
            "dpm++_2m": ("DPMSolverMultistepScheduler", {}),
            "dpm++_2m_karras": ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True}),
            "ddim": ("DDIMScheduler", {}),
            "unipc": ("UniPCMultistepScheduler", {}),
            "pndm": ("PNDMScheduler", {}),
        }[name]
        scheduler = getattr(diffusers, cls).from_config(config, **extra)
    loaded.pipe.scheduler = scheduler
    loaded.scheduler_name = name


def _call_kwargs(loaded: LoadedPipeline, request: GenerationRequest, images: list) -> dict:
    family = FAMILIES[loaded.family]
    specs = request.controlnets
    multi = len(specs) > 1
    kwargs: dict = {
        "prompt": request.prompt,
        "num_inference_steps": request.steps,
        "guidance_scale": request.guidance,
        "width": request.width,
        "height": request.height,
        family.image_arg: images if multi else images[0],
        "controlnet_conditioning_scale": [s.scale for s in specs] if multi else specs[0].scale,
    }
    if family.guidance_window:
        kwargs["control_guidance_start"] = [s.start for s in specs] if multi else specs[0].start
        kwargs["control_guidance_end"] = [s.end for s in specs] if multi else specs[0].end
    if loaded.family == "flux":
        # Flux-dev is guidance-distilled: guidance_scale is an input, there is no negative pass.
        if request.negative_prompt:
            log.warning("Flux ignores the negative prompt")
        if multi:
            kwargs["control_mode"] = [None] * len(specs)
    elif loaded.family == "qwenimage":
        # Qwen-Image's classifier-free guidance is "true CFG": it runs only with a negative prompt.
        kwargs["true_cfg_scale"] = kwargs.pop("guidance_scale")
        kwargs["negative_prompt"] = request.negative_prompt or " "
    else:
        kwargs["negative_prompt"] = request.negative_prompt or None
    return kwargs


def check_request(loaded: LoadedPipeline, request: GenerationRequest, images: Sequence) -> list:
    """Validate a request against the loaded pipeline and its control images; returns them as PIL.

    Raises :class:`InputError` naming the field (size multiple, image count/size, guidance window
    on a family without one, scheduler of the wrong kind).
    """
    family = FAMILIES[loaded.family]
    multiple = loaded.size_multiple
    if request.width % multiple or request.height % multiple:
        w, h = (request.width // multiple) * multiple, (request.height // multiple) * multiple
        raise InputError(f"size {request.width}x{request.height} is not a multiple of {multiple} "
                         f"as {family.label} needs; use {max(w, multiple)}x{max(h, multiple)}")
    if len(images) != len(request.controlnets):
        raise InputError(f"{len(request.controlnets)} controlnet(s) need as many control images, "
                         f"got {len(images)}")
    pil = []
    for spec, image in zip(request.controlnets, images):
        image = to_control_image(image, f"control image for {spec.path} ({spec.map})")
        if image.size != (request.width, request.height):
            raise InputError(f"control image for {spec.path} ({spec.map}) is "
                             f"{image.size[0]}x{image.size[1]} but the output is "
                             f"{request.width}x{request.height}; render the maps at the output size")
        pil.append(image)
    if not family.guidance_window and any((s.start, s.end) != (0.0, 1.0) for s in request.controlnets):
        raise InputError(f"{family.label} ControlNets have no guidance start/end; leave them at 0 and 1")
    if family.flow and request.scheduler not in ("default",):
        raise InputError(f"scheduler {request.scheduler!r} does not fit {family.label} "
                         f"(a flow-matching model); use 'default'")
    return pil


def resolve_defaults(request: GenerationRequest, family: str) -> GenerationRequest:
    """The request with the family's default steps/guidance filled in and a concrete seed."""
    spec = FAMILIES[family]
    return replace(request.with_seed(),
                   steps=request.steps if request.steps is not None else spec.default_steps,
                   guidance=request.guidance if request.guidance is not None else spec.default_guidance)


def generate(request: GenerationRequest, control_images: Sequence, *,
             progress: ProgressFn | None = None, cancel: CancelFn | None = None,
             cache: PipelineCache | None = None) -> list[GeneratedImage]:
    """Generate ``request.batch_count`` images conditioned on ``control_images``.

    Parameters
    ----------
    request : GenerationRequest
        Models, prompt, size (the scene canvas), seed... ``seed=None`` draws one at random; the
        concrete seed is in each result's ``request``.
    control_images : sequence of (H, W[, 3]) uint8 arrays or PIL images
        One per ``request.controlnets``, in the same order, each ``width`` x ``height``.
    progress : callable(done_steps, total_steps), optional
        Called after each denoising step, counting over the whole batch.
    cancel : callable() -> bool, optional
        Polled after each step (and before each image); when it returns True the run stops
        within one step and :class:`~posestudio.errors.Cancelled` is raised. No image is returned.
    cache : PipelineCache, optional
        Where the loaded pipeline is kept; defaults to the process-wide cache.

    Returns
    -------
    list of GeneratedImage, one per batch item, each with the request that regenerates it.
    """
    import torch

    loaded = (cache or DEFAULT_CACHE).get(request)
    request = resolve_defaults(request, loaded.family)
    images = check_request(loaded, request, control_images)
    _scheduler(loaded, request.scheduler)
    kwargs = _call_kwargs(loaded, request, images)
    pipe = loaded.pipe
    total = request.steps * request.batch_count
    state = {"done": 0}

    def on_step_end(pipeline, step, timestep, callback_kwargs):
        state["done"] += 1
        if progress is not None:
            progress(state["done"], total)
        if cancel is not None and cancel():
            pipeline._interrupt = True
            raise Cancelled("generation cancelled")
        return callback_kwargs

    results = []
    for i in range(request.batch_count):
        if cancel is not None and cancel():
            raise Cancelled("generation cancelled")
        seed = (request.seed + i) % 2**32
        generator = torch.Generator("cpu").manual_seed(seed)
        try:
            # The global RNG is seeded too, inside a fork that restores it afterwards: diffusers'
            # SD3 ControlNet pipeline samples the control-image latent from it, not `generator`.
            with torch.random.fork_rng(devices=_rng_devices(loaded.device)), torch.inference_mode():
                torch.manual_seed(seed)
                out = pipe(**kwargs, generator=generator, callback_on_step_end=on_step_end,
                           output_type="pil")
        except torch.OutOfMemoryError:
            raise GenerationError(_oom_message(loaded, request)) from None
        except RuntimeError as exc:
            if "out of memory" in str(exc).lower():
                raise GenerationError(_oom_message(loaded, request)) from None
            raise
        results.append(GeneratedImage(out.images[0], replace(request, seed=seed, batch_count=1),
                                      loaded.family))
    return results


def _rng_devices(device: str) -> list:
    import torch

    return [torch.cuda.current_device()] if device == "cuda" else []


def _oom_message(loaded: LoadedPipeline, request: GenerationRequest) -> str:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    memory = request.memory
    hint = []
    if memory.offload == "none":
        hint.append("model CPU offload (--offload model)")
    elif memory.offload == "model":
        hint.append("sequential CPU offload (--offload sequential)")
    if not memory.vae_tiling:
        hint.append("VAE tiling (--vae-tiling)")
    hint.append("a smaller size than " f"{request.width}x{request.height}")
    return (f"out of {loaded.device.upper()} memory generating {request.width}x{request.height} "
            f"with {FAMILIES[loaded.family].label}; try " + ", or ".join(hint))
