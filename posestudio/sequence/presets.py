"""Export presets: the frame count, frame rate, size rounding and skeleton drawing each
pose-guided video model expects of its control frames.

What each preset encodes, and where it comes from
-------------------------------------------------
wan-vace
    diffusers ``WanVACEPipeline``: ``num_frames - 1`` divisible by the VAE's temporal factor 4
    (else it rounds with a warning), height/width divisible by 16 (VAE 8 × patch 2); Wan runs at
    16 fps. OpenPose body + face, no hands (as the VACE pose annotator draws them).
wan-animate
    diffusers ``WanAnimatePipeline``: the pose video is generated in segments of 77 frames that
    overlap by one conditioning frame, so 77 + 76·m frames use every frame without padding;
    sizes ÷16; 30 fps. Body with a toe limb per foot and hands, no face
    (Wan-Animate takes the face from separate crops), thin limbs scaled with the image, in
    its preprocessor's drawing (``render.pose_styles``).
animatediff
    16-frame clips (the motion module's context), SD sizes ÷8, 8 fps.
cogvideox-fun
    49 frames (4·12 + 1) per clip, sizes ÷16, 8 fps.
ltx-video
    diffusers ``LTXConditionPipeline``: height/width divisible by 32, frame count 8·k + 1,
    ``frame_rate`` 24 or 25 (default 24; ``--fps 25`` allowed).
mimicmotion
    MimicMotion's DWPose drawing: body + hands + face drawn on a canvas scaled so that its
    short side is 2160 px, resized back (thin, smooth limbs) and channel-swapped (BGR → RGB as
    its ``draw_pose`` returns it); sizes ÷64 (its 576×1024 / 1024×576 inputs), 15 fps.
animate-anyone
    Moore-AnimateAnyone's DWPose drawing: controlnet_aux's body + hands + face at the image
    size (the same pixels as the OpenPose drawing); sizes ÷8, 30 fps.
custom
    No rule: the scene's frame rate, canvas and OpenPose hands/face settings, every map.

A "clip" preset (``max_frames``) writes exactly that many frames: a longer range is cut, a
shorter one is filled by holding its last pose. A ``frame_rule`` (k, r) rounds the frame count
down to k·n + r (at least ``min_frames``; a shorter range is filled by holding).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from posestudio.errors import InputError

__all__ = ["FramePlan", "PRESETS", "SequencePreset", "get_preset", "plan_frames", "round_size"]


@dataclass(frozen=True)
class SequencePreset:
    """How a video model wants its control frames.

    Attributes
    ----------
    name : id used by ``--preset``
    label : shown in the UI
    fps : fixed output frame rate, or None (keep the scene's / ``--fps``)
    frame_rule : (k, r) or None
        The frame count must be k·n + r.
    max_frames : int or None
        Exact clip length (longer ranges are cut, shorter ones held).
    min_frames : int
        Fewest frames the model accepts (shorter ranges are held up to it).
    size_multiple : int
        Width and height are rounded to a multiple of this (pixels).
    maps : default maps
    openpose : drawing style
        ``{"hands": bool, "face": bool, "toes": bool, "style": "openpose" | "dwpose" |
        "mimicmotion" | "wan-animate"}`` (``toes``: BODY_25 keypoints, toes in the JSON); a key left out follows the scene's render settings (``custom``
        takes hands and face from the scene).
    fps_choices : frame rates ``--fps`` may pick instead of ``fps`` (LTX: 24 or 25)
    """

    name: str
    label: str
    fps: float | None
    frame_rule: tuple[int, int] | None
    max_frames: int | None
    size_multiple: int
    maps: tuple[str, ...]
    openpose: dict = field(default_factory=dict)
    min_frames: int = 1
    fps_choices: tuple[float, ...] = ()


def _style(hands: bool, face: bool, toes: bool = False, style: str = "openpose") -> dict:
    return {"hands": hands, "face": face, "toes": toes, "style": style}


_ALL = ("openpose", "depth", "normal", "seg", "champ", "iuv", "mask", "mannequin")

PRESETS: dict[str, SequencePreset] = {p.name: p for p in (
    SequencePreset("wan-vace", "Wan VACE", 16.0, (4, 1), None, 16, ("openpose", "depth"),
                   _style(hands=False, face=True)),
    SequencePreset("wan-animate", "Wan-Animate", 30.0, (76, 1), None, 16, ("openpose", "mask"),
                   _style(hands=True, face=False, toes=True, style="wan-animate"),
                   min_frames=77),
    SequencePreset("animatediff", "AnimateDiff", 8.0, None, 16, 8, ("openpose", "depth"),
                   _style(hands=True, face=True)),
    SequencePreset("cogvideox-fun", "CogVideoX-Fun", 8.0, (4, 1), 49, 16,
                   ("openpose", "depth"), _style(hands=True, face=True)),
    SequencePreset("ltx-video", "LTX-Video", 24.0, (8, 1), None, 32, ("openpose", "depth"),
                   _style(hands=True, face=True), fps_choices=(24.0, 25.0)),
    SequencePreset("mimicmotion", "MimicMotion", 15.0, None, None, 64, ("openpose",),
                   _style(hands=True, face=True, style="mimicmotion")),
    SequencePreset("animate-anyone", "Animate Anyone", 30.0, None, None, 8, ("openpose",),
                   _style(hands=True, face=True, style="dwpose")),
    SequencePreset("custom", "Custom", None, None, None, 1, _ALL,
                   {"toes": False, "style": "openpose"}),     # hands/face: the scene's settings
)}


def get_preset(name: "str | SequencePreset") -> SequencePreset:
    """The preset called ``name`` (a preset passes through); InputError naming the known ones."""
    if isinstance(name, SequencePreset):
        return name
    try:
        return PRESETS[str(name)]
    except KeyError:
        raise InputError(f"--preset {name!r}: unknown, choose from "
                         f"{', '.join(PRESETS)}") from None


def round_size(width: int, height: int, multiple: int) -> tuple[int, int]:
    """(width, height) rounded to the nearest multiple of ``multiple`` (at least one multiple)."""
    def one(v: int) -> int:
        return max(multiple, int(math.floor(v / multiple + 0.5)) * multiple)

    return one(int(width)), one(int(height))


@dataclass(frozen=True)
class FramePlan:
    """What a preset makes of a source range.

    Attributes
    ----------
    fps : output frames per second
    count : frames written
    source_count : frames the source range has at ``fps``
    held : frames at the end that repeat the last source frame (count − source_count when > 0)
    size : (width, height) pixels after rounding
    """

    fps: float
    count: int
    source_count: int
    size: tuple[int, int]

    @property
    def held(self) -> int:
        return max(0, self.count - self.source_count)


def _frame_count(preset: SequencePreset, n: int) -> int:
    if preset.max_frames is not None:
        return preset.max_frames
    count = max(n, preset.min_frames)
    if preset.frame_rule is not None:
        k, r = preset.frame_rule
        if count < r:
            return r
        count = (count - r) // k * k + r
        if count < preset.min_frames:          # rounding down fell under the minimum
            count += k
    return count


def plan_frames(preset: "str | SequencePreset", n_source_frames: int,
                size: tuple[int, int], fps: float | None = None,
                scene_fps: float = 30.0) -> FramePlan:
    """Frame count, frame rate and size after a preset's rules.

    Parameters
    ----------
    preset : name or SequencePreset
    n_source_frames : frames of the chosen range at the output fps (≥ 1)
    size : (width, height) asked for (pixels), before rounding
    fps : asked for with ``--fps``; a preset with a fixed rate accepts only it or its
        ``fps_choices``
    scene_fps : the animation's own rate, used when neither the preset nor ``fps`` fixes one

    Returns
    -------
    FramePlan
    """
    preset = get_preset(preset)
    if fps is not None:
        fps = float(fps)
        if not math.isfinite(fps) or fps <= 0:
            raise InputError(f"--fps must be a positive number, got {fps!r}")
    if preset.fps is None:
        out_fps = fps if fps is not None else float(scene_fps)
    elif fps is None or fps == preset.fps or fps in preset.fps_choices:
        out_fps = fps if fps is not None else preset.fps
    else:
        allowed = " or ".join(f"{f:g}" for f in (preset.fps,) + tuple(
            f for f in preset.fps_choices if f != preset.fps))
        raise InputError(f"--fps {fps:g}: the {preset.label} preset runs at {allowed} fps")
    n = max(1, int(n_source_frames))
    width, height = round_size(size[0], size[1], preset.size_multiple)
    return FramePlan(out_fps, _frame_count(preset, n), n, (width, height))
