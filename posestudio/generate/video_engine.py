"""Control frames + a :class:`VideoRequest` → generated frames, with a local video pipeline.

:func:`generate_frames` validates everything first, takes the (cached) pipeline, then runs the
clip in overlapping segments as its family needs (one pipeline call per segment; Wan-Animate
segments internally), conditioning each segment on the end of the previous one where the model
can (Wan VACE: kept frames under a zero mask; LTX: a video condition at frame 0) and cross-fading
the overlap. ``progress(fraction, message)`` is called after every denoising step;
``cancelled()`` is polled after every step and stops with :class:`~posestudio.errors.Cancelled`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from posestudio.errors import InputError
from posestudio.generate.job_loading import (CancelFn, ModelCache, ProgressFn, cache_key,
                                             load_part, load_pipeline, resolve_device,
                                             resolve_job_dtype, run_pipeline, step_callback)
from posestudio.generate.video_families import VIDEO_FAMILIES, VideoModelInfo, inspect_video_model
from posestudio.generate.video_params import VideoRequest, plan_segments

VIDEO_CACHE = ModelCache()


@dataclass
class LoadedVideoPipeline:
    pipe: object
    info: VideoModelInfo
    device: str
    dtype: object


@dataclass
class VideoFrames:
    """Generated frames and the request that makes them again (concrete seed, steps, guidance).

    ``frames`` is (T, H, W, 3) uint8 RGB, one per control frame.
    """

    frames: np.ndarray
    request: VideoRequest
    family: str
    segments: list[tuple[int, int]]


def load_video_pipeline(request: VideoRequest, cache: ModelCache | None = None,
                        dtype=None) -> LoadedVideoPipeline:
    """Check the model folders, then load (or reuse) the family's pipeline."""
    info = inspect_video_model(request.base, request.controlnet, request.motion_adapter)
    device = resolve_device(request.device)
    dtype = dtype if dtype is not None else resolve_job_dtype(request.precision, device)
    key = cache_key([info.path, info.controlnet, info.motion_adapter], device, dtype, info.family)

    def build() -> LoadedVideoPipeline:
        parts = {}
        if info.motion_adapter is not None:
            parts["motion_adapter"] = load_part("MotionAdapter", info.motion_adapter, dtype)
        if info.controlnet is not None:
            cls = ("SparseControlNetModel" if info.family == "animatediff-sparse"
                   else "ControlNetModel")
            parts["controlnet"] = load_part(cls, info.controlnet, dtype)
        pipe = load_pipeline(info.spec.pipeline, info.path, device, dtype, info.variant, **parts)
        return LoadedVideoPipeline(pipe, info, device, dtype)

    return (cache or VIDEO_CACHE).get(key, build)


def resolve_video_defaults(request: VideoRequest, family: str) -> VideoRequest:
    """The request with the family's steps/guidance/segments and a concrete seed."""
    spec = VIDEO_FAMILIES[family]
    return replace(request.with_seed(),
                   steps=request.steps if request.steps is not None else spec.default_steps,
                   guidance=request.guidance if request.guidance is not None
                   else spec.default_guidance,
                   segment_frames=request.segment_frames or spec.segment_frames,
                   overlap=request.overlap if request.overlap is not None else spec.overlap)


def _pil(array: np.ndarray, mode: str = "RGB"):
    from PIL import Image

    array = np.asarray(array)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    return Image.fromarray(np.ascontiguousarray(array[:, :, :3]), "RGB").convert(mode)


def check_video_inputs(loaded: LoadedVideoPipeline, request: VideoRequest, control: Sequence,
                       reference, face: Sequence | None) -> tuple[int, int]:
    """Validate sizes, reference and face inputs against the family; returns (width, height)."""
    spec = loaded.info.spec
    if len(control) == 0:
        raise InputError("no control frames to generate from")
    height, width = np.asarray(control[0]).shape[:2]
    if width % spec.size_multiple or height % spec.size_multiple:
        raise InputError(f"frame size {width}x{height} is not a multiple of {spec.size_multiple} "
                         f"as {spec.label} needs")
    for i, frame in enumerate(control):
        if np.asarray(frame).shape[:2] != (height, width):
            raise InputError(f"control frame {i} is {np.asarray(frame).shape[1]}x"
                             f"{np.asarray(frame).shape[0]}, the first is {width}x{height}")
    if spec.reference == "required" and reference is None:
        raise InputError(f"{spec.label} needs a reference image of the character (--image)")
    if spec.reference == "none" and reference is not None:
        raise InputError(f"{spec.label} takes no reference image; leave --image out")
    if loaded.info.family == "wan-animate" and (face is None or len(face) != len(control)):
        raise InputError("Wan-Animate needs one face crop per control frame")
    if loaded.info.family == "wan-animate" and request.overlap not in (1, 5):
        raise InputError(f"Wan-Animate overlaps segments by 1 or 5 frames, got {request.overlap}")
    return width, height


def _held(frames: Sequence, start: int, stop: int) -> list:
    """frames[start:stop], the last frame repeated past the end."""
    return [frames[min(i, len(frames) - 1)] for i in range(start, stop)]


def _to_uint8(video) -> np.ndarray:
    """Pipeline ``output_type="np"`` frames (1, T, H, W, 3) floats in 0..1 → (T, H, W, 3) uint8."""
    video = np.asarray(video)
    if video.ndim == 5:
        video = video[0]
    return (np.clip(video, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def blend_into(out: np.ndarray, filled: int, start: int, new: np.ndarray) -> int:
    """Write segment frames ``new`` at ``start`` into ``out``; where they overlap frames already
    there (``start..filled``), cross-fade linearly from the old to the new. Returns the new fill."""
    count = min(len(new), len(out) - start)
    overlap = max(0, min(filled - start, count))
    for j in range(overlap):
        w = (j + 1) / (overlap + 1)
        out[start + j] = np.round(out[start + j] * (1 - w) + new[j] * w).astype(np.uint8)
    out[start + overlap:start + count] = new[overlap:count]
    return max(filled, start + count)


def _segment_kwargs(loaded, request, control, prev_tail, reference, width, height, keyframes,
                    segment_index, fps):
    """Keyword arguments of one pipeline call for the family."""
    family = loaded.info.family
    n = len(control)
    common = dict(prompt=request.prompt, height=height, width=width,
                  num_inference_steps=request.steps, guidance_scale=request.guidance,
                  output_type="np")
    negative = request.negative_prompt or None
    if family == "wan-vace":
        video = [_pil(f) for f in control]
        mask = [_pil(np.full((height, width), 255, np.uint8), "L") for _ in range(n)]
        for j, frame in enumerate(prev_tail):      # keep the previous segment's end
            video[j] = _pil(frame)
            mask[j] = _pil(np.zeros((height, width), np.uint8), "L")
        return dict(common, video=video, mask=mask, num_frames=n, negative_prompt=negative,
                    reference_images=[reference] if reference is not None else None,
                    conditioning_scale=request.control_scale)
    if family in ("animatediff", "animatediff-sparse"):
        kwargs = dict(common, num_frames=n, negative_prompt=negative,
                      controlnet_conditioning_scale=request.control_scale)
        if family == "animatediff":
            return dict(kwargs, conditioning_frames=[_pil(f) for f in control])
        keys = [k for k in keyframes if 0 <= k < n] or [0]
        return dict(kwargs, conditioning_frames=[_pil(control[k]) for k in keys],
                    controlnet_frame_indices=keys)
    if family == "cogvideox-fun":
        # The transformer's text positions are fixed: the prompt must be padded to them.
        length = loaded.pipe.transformer.config.max_text_seq_length
        return dict(common, control_video=[_pil(f) for f in control], negative_prompt=negative,
                    max_sequence_length=length)
    if family == "ltx":
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        conditions = [LTXVideoCondition(video=[_pil(f) for f in control], frame_index=0,
                                        strength=min(request.control_scale, 1.0))]
        if prev_tail:
            conditions.append(LTXVideoCondition(video=[_pil(f) for f in prev_tail], frame_index=0))
        elif reference is not None and segment_index == 0:
            conditions.append(LTXVideoCondition(image=reference, frame_index=0))
        return dict(common, conditions=conditions, num_frames=n, frame_rate=fps,
                    negative_prompt=negative)
    raise AssertionError(family)


def wan_animate_segments(count: int, length: int, overlap: int) -> int:
    """How many segments WanAnimatePipeline runs for ``count`` pose frames (its own rule)."""
    effective = length - overlap
    rest = (count - overlap) % effective
    return (count + (effective - rest if rest else 0)) // effective


def generate_frames(request: VideoRequest, control: Sequence, *, reference=None,
                    face: Sequence | None = None, fps: float = 16.0,
                    progress: ProgressFn | None = None, cancelled: CancelFn | None = None,
                    cache: ModelCache | None = None, loaded: LoadedVideoPipeline | None = None
                    ) -> VideoFrames:
    """Generate one frame per control frame.

    Parameters
    ----------
    request : VideoRequest
    control : sequence of (H, W, 3) or (H, W) uint8 arrays, the control map per output frame
    reference : PIL.Image, optional
        Character / first-frame image (resized by the pipeline to H x W).
    face : sequence of (S, S, 3) uint8 arrays, optional
        Wan-Animate's face crops, one per control frame.
    fps : frame rate (LTX conditions on it)
    progress : callable(fraction 0..1, message), after every denoising step
    cancelled : callable() -> bool, polled after every step
    cache, loaded : where the pipeline is kept / an already loaded one

    Returns
    -------
    VideoFrames
    """
    loaded = loaded or load_video_pipeline(request, cache)
    family = loaded.info.family
    request = resolve_video_defaults(request, family)
    width, height = check_video_inputs(loaded, request, control, reference, face)
    spec = loaded.info.spec
    count = len(control)
    steps = request.steps

    if family == "wan-animate":
        segments_n = wan_animate_segments(count, request.segment_frames, request.overlap)
        total = segments_n * steps
        callback = step_callback(total, progress, cancelled, lambda d: (
            f"segment {(d - 1) // steps + 1}/{segments_n}, step {(d - 1) % steps + 1}/{steps}"))
        out = run_pipeline(
            loaded.pipe, loaded.device, request.seed, image=reference,
            pose_video=[_pil(f) for f in control], face_video=[_pil(f) for f in face],
            prompt=request.prompt, negative_prompt=request.negative_prompt or None,
            height=height, width=width, segment_frame_length=request.segment_frames,
            prev_segment_conditioning_frames=request.overlap, num_inference_steps=steps,
            guidance_scale=request.guidance, mode="animate", output_type="np",
            callback_on_step_end=callback)
        frames = _to_uint8(out.frames)[:count]
        return VideoFrames(frames, request, family, [(0, count)])

    segments = plan_segments(count, request.segment_frames, request.overlap, spec.frame_rule)
    total = len(segments) * steps
    keyframes = request.keyframes if request.keyframes is not None else list(range(0, count, 4))
    result = np.zeros((count, height, width, 3), np.uint8)
    filled = 0
    done = 0
    for s, (start, stop) in enumerate(segments):
        if cancelled is not None and cancelled():
            from posestudio.errors import Cancelled

            raise Cancelled("generation cancelled")
        prev_tail = []
        if s > 0 and family in ("wan-vace", "ltx"):
            prev_tail = list(result[start:min(filled, start + request.overlap)])
        seg_keys = [k - start for k in keyframes if start <= k < stop]
        kwargs = _segment_kwargs(loaded, request, _held(control, start, stop), prev_tail,
                                 reference, width, height, seg_keys, s, fps)
        callback = step_callback(total, progress, cancelled, lambda d, s=s: (
            f"segment {s + 1}/{len(segments)}, step {(d - 1) % steps + 1}/{steps}"), start=done)
        out = run_pipeline(loaded.pipe, loaded.device, (request.seed + s) % 2**32,
                           callback_on_step_end=callback, **kwargs)
        done = callback.state["done"]
        filled = blend_into(result, filled, start, _to_uint8(out.frames))
    return VideoFrames(result, request, family, segments)
