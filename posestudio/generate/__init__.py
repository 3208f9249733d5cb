"""Image generation from control maps with local diffusers ControlNet pipelines.

Public API (importing this package does not import torch or diffusers)::

    from posestudio.generate import GenerationRequest, ControlSpec, generate, save_result
    request = GenerationRequest(base="models/sd15", controlnets=[ControlSpec("cn/openpose")],
                                prompt="a dancer", width=512, height=768, seed=1)
    results = generate(request, [openpose_map], progress=on_step, cancel=stop_event.is_set)
    save_result(results[0], "out.png", scene=scene_dict)

Families: Stable Diffusion 1.x/2.x, SDXL, Flux, SD3, Z-Image and Qwen-Image ControlNet pipelines;
models come from local diffusers folders or single ``.safetensors`` files, never from the network.

Pose-driven video (``generate_video(scene, VideoRequest(...), "out.mp4", progress, cancelled)``:
Wan VACE, Wan-Animate, AnimateDiff ControlNet/SparseCtrl, CogVideoX-Fun, LTX-Video) and re-posing
a character with image-editing models (``posestudio.generate.repose.repose(scene,
ReposeRequest(...), "out.png", ...)``:
Qwen-Image-Edit, FLUX.1 Kontext, FLUX.2) take ``progress(fraction, message)`` and ``cancelled()``.
"""

from __future__ import annotations

from posestudio.generate.families import FAMILIES, inspect_base, inspect_controlnet
from posestudio.generate.params import (CONTROL_MAPS, ControlSpec, GenerationRequest, MemoryOptions,
                                        parse_control_arg)

__all__ = ["CONTROL_MAPS", "ControlSpec", "FAMILIES", "GenerationRequest", "MemoryOptions",
           "generate", "inspect_base", "inspect_controlnet", "parse_control_arg", "read_output",
           "read_parameters", "save_result", "DEFAULT_CACHE", "VideoRequest", "generate_video",
           "read_video_parameters", "ReposeRequest", "read_repose_parameters"]


def __getattr__(name: str):
    # Lazy: these pull in torch/diffusers (engine, loading) or PIL (metadata).
    if name in ("generate", "GeneratedImage"):
        from posestudio.generate import engine

        return getattr(engine, name)
    if name in ("DEFAULT_CACHE", "PipelineCache"):
        from posestudio.generate import loading

        return getattr(loading, name)
    modules = {"VideoRequest": "video_params", "generate_video": "video",
               "VideoResult": "video", "read_video_parameters": "video",
               "ReposeRequest": "repose", "ReposeResult": "repose",
               "read_repose_parameters": "repose"}
    if name in modules:
        import importlib

        return getattr(importlib.import_module(f"posestudio.generate.{modules[name]}"), name)
    if name in ("save_result", "read_output", "read_parameters", "SavedOutput"):
        from posestudio.generate import metadata

        return getattr(metadata, name)
    raise AttributeError(name)
