"""What a pose-driven video generation asks for, as plain validated data that round-trips through
JSON (saved in the sidecar, the mp4 tags and every frame PNG, so a clip can be made again).

No torch or diffusers imports: the CLI and the UI build requests cheaply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from posestudio.errors import InputError
from posestudio.generate.params import (DEVICES, PRECISIONS, SavedRequest, _integer, _number,
                                        check_choices, check_sampling)

VIDEO_MAPS = ("openpose", "depth", "normal", "canny", "seg", "mannequin")


@dataclass
class VideoRequest(SavedRequest):
    """Everything one ``generate-video`` needs besides the scene.

    Attributes
    ----------
    base : video model folder (``model_index.json``)
    controlnet, motion_adapter : folders beside an SD 1.5 base, for AnimateDiff
    reference_image : path of the character/first-frame image (Wan VACE, Wan-Animate, LTX)
    preset : sequence preset the control frames are exported with (None: the family's)
    control_map : the map that drives the model (None: the family's, usually openpose)
    steps, guidance : None takes the family's defaults
    seed : None draws one (recorded in the outputs); segment *i* uses ``seed + i``
    fps : output frame rate (None: the preset's)
    width, height : output size in pixels (None: the scene canvas, rounded as the model needs)
    start, end : frame range at the output fps (None: the whole animation)
    control_scale : strength of the pose conditioning (0..5)
    segment_frames, overlap : None takes the family's (long clips run in overlapping segments)
    keyframes : SparseCtrl frame indices that carry a control frame (None: the animation's keys,
        else every 4th frame)
    """

    _kind = "video generation"

    base: str
    prompt: str = ""
    negative_prompt: str = ""
    controlnet: str | None = None
    motion_adapter: str | None = None
    reference_image: str | None = None
    preset: str | None = None
    control_map: str | None = None
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    start: int | None = None
    end: int | None = None
    control_scale: float = 1.0
    segment_frames: int | None = None
    overlap: int | None = None
    keyframes: list[int] | None = None
    device: str = "auto"
    precision: str = "auto"

    def __post_init__(self) -> None:
        if not isinstance(self.base, str) or not self.base:
            raise InputError(f"video model path must be a folder path, got {self.base!r}")
        for name in ("prompt", "negative_prompt"):
            if not isinstance(getattr(self, name), str):
                raise InputError(f"{name.replace('_', ' ')} must be text, got {getattr(self, name)!r}")
        if self.control_map is not None and self.control_map not in VIDEO_MAPS:
            raise InputError(f"control map must be one of {', '.join(VIDEO_MAPS)}, "
                             f"got {self.control_map!r}")
        self.guidance = check_sampling(self.steps, self.guidance, self.seed)
        if self.fps is not None:
            self.fps = _number("fps", self.fps, 1.0, 240.0)
        for name in ("width", "height"):
            if getattr(self, name) is not None:
                _integer(name, getattr(self, name), 16, 4096)
        for name in ("start", "end"):
            if getattr(self, name) is not None:
                _integer(name, getattr(self, name), 0, 10**6)
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise InputError(f"end frame must be after start, got {self.start}..{self.end}")
        self.control_scale = _number("control scale", self.control_scale, 0.0, 5.0)
        if self.segment_frames is not None:
            _integer("segment frames", self.segment_frames, 2, 1000)
        if self.overlap is not None:
            _integer("overlap", self.overlap, 0, 999)
            if self.segment_frames is not None and self.overlap >= self.segment_frames:
                raise InputError(f"overlap {self.overlap} must be shorter than a segment "
                                 f"({self.segment_frames} frames)")
        if self.keyframes is not None:
            self.keyframes = [_integer("keyframe", k, 0, 10**6) for k in self.keyframes]
        check_choices(("device", self.device, DEVICES), ("precision", self.precision, PRECISIONS))


def round_up_to_rule(count: int, rule: tuple[int, int] | None) -> int:
    """The smallest k*n + r that is >= ``count`` (``count`` itself without a rule)."""
    if rule is None:
        return count
    k, r = rule
    return r if count <= r else r + math.ceil((count - r) / k) * k


def plan_segments(count: int, length: int, overlap: int,
                  rule: tuple[int, int] | None) -> list[tuple[int, int]]:
    """Frame ranges ``[(start, stop), ...]`` covering ``0..count`` in segments of ``length``
    frames, consecutive ones sharing ``overlap`` frames.

    Every segment but the last is ``length`` long (rounded down to the model's frame ``rule``);
    the last one may be shorter, and ``stop`` may pass ``count``: those frames are padded by
    holding the last control frame and dropped from the output.
    """
    if rule is not None:
        k, r = rule
        length = max(r, (length - r) // k * k + r)
    if count <= length:
        return [(0, round_up_to_rule(count, rule))]
    if overlap >= length:
        raise InputError(f"overlap {overlap} must be shorter than a segment ({length} frames)")
    segments, start = [], 0
    while True:
        if start + length >= count:
            segments.append((start, start + round_up_to_rule(count - start, rule)))
            return segments
        segments.append((start, start + length))
        start += length - overlap
