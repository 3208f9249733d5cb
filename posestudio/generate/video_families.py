"""Pose-driven video pipeline families: which one a model folder is, whether it is complete, and
whether the parts given with it (a ControlNet, a motion adapter) fit it.

Files only (``model_index.json``, ``config.json``, weight file names): no torch, no diffusers, so a
wrong pairing or a missing file is one line in milliseconds. The table :data:`VIDEO_FAMILIES` also
says how each family is driven: the sequence preset its control frames are exported with, the
control map it reads, its segment length and overlap for long clips, its defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from posestudio.errors import GenerationError
from posestudio.generate.families import _exists, _read_json, _weights_variant, missing_components


@dataclass(frozen=True)
class VideoFamily:
    """A diffusers pose/depth-driven video pipeline and how PoseStudio drives it.

    Attributes
    ----------
    segment_frames : frames generated per pipeline call (a longer clip runs in segments)
    overlap : frames shared by consecutive segments (conditioned on / blended)
    frame_rule : (k, r): a segment's frame count must be k*n + r; None = any count
    reference : "required", "optional" or "none": whether a reference (character) image is taken
    extras : parts given beside the base folder ("motion_adapter", "controlnet")
    """

    key: str
    label: str
    pipeline: str
    preset: str
    control_map: str
    segment_frames: int
    overlap: int
    frame_rule: tuple[int, int] | None
    size_multiple: int
    default_steps: int
    default_guidance: float
    reference: str
    extras: tuple[str, ...] = ()


VIDEO_FAMILIES: dict[str, VideoFamily] = {f.key: f for f in (
    VideoFamily("wan-vace", "Wan VACE", "WanVACEPipeline", "wan-vace", "openpose", 81, 5, (4, 1),
                16, 30, 5.0, "optional"),
    VideoFamily("wan-animate", "Wan-Animate", "WanAnimatePipeline", "wan-animate", "openpose", 77,
                1, (4, 1), 16, 20, 1.0, "required"),
    VideoFamily("animatediff", "AnimateDiff ControlNet", "AnimateDiffControlNetPipeline",
                "animatediff", "openpose", 16, 4, None, 8, 25, 7.5, "none",
                ("motion_adapter", "controlnet")),
    VideoFamily("animatediff-sparse", "AnimateDiff SparseCtrl",
                "AnimateDiffSparseControlNetPipeline", "animatediff", "openpose", 16, 4, None, 8,
                25, 7.5, "none", ("motion_adapter", "controlnet")),
    VideoFamily("cogvideox-fun", "CogVideoX-Fun Control", "CogVideoXFunControlPipeline",
                "cogvideox-fun", "openpose", 49, 8, (4, 1), 16, 50, 6.0, "none"),
    VideoFamily("ltx", "LTX-Video", "LTXConditionPipeline", "ltx-video", "openpose", 121, 9, (8, 1),
                32, 30, 3.0, "optional"),
)}

# model_index.json _class_name → family, for folders holding a whole video pipeline.
_PIPELINE_CLASSES = {
    "WanVACEPipeline": "wan-vace", "WanAnimatePipeline": "wan-animate",
    "CogVideoXFunControlPipeline": "cogvideox-fun", "LTXPipeline": "ltx",
    "LTXConditionPipeline": "ltx", "LTXImageToVideoPipeline": "ltx",
    "AnimateDiffControlNetPipeline": "animatediff",
    "AnimateDiffSparseControlNetPipeline": "animatediff-sparse",
}
_NO_POSE_CONTROL = {
    "WanPipeline": "Wan text-to-video", "WanImageToVideoPipeline": "Wan image-to-video",
    "CogVideoXPipeline": "CogVideoX text-to-video",
    "CogVideoXImageToVideoPipeline": "CogVideoX image-to-video",
    "AnimateDiffPipeline": "AnimateDiff without ControlNet",
}


def listed(names: list[str], most: int = 8) -> str:
    """The first ``most`` names joined, "and N more" after them (a hostile folder may lack
    thousands)."""
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


@dataclass(frozen=True)
class VideoModelInfo:
    """A checked video model: its family and the folders it is loaded from.

    ``controlnet``/``motion_adapter`` are set when given beside an SD 1.5 base (AnimateDiff);
    ``config`` is the denoiser's ``config.json`` (for size checks), ``variant`` ``"fp16"`` when a
    folder only has ``*.fp16.*`` weights.
    """

    path: Path
    family: str
    controlnet: Path | None = None
    motion_adapter: Path | None = None
    variant: str | None = None
    config: dict | None = None

    @property
    def spec(self) -> VideoFamily:
        return VIDEO_FAMILIES[self.family]


def _single_model(path: Path, what: str, classes: tuple[str, ...]) -> dict:
    """``config.json`` of a one-model folder (ControlNet, motion adapter), checked complete."""
    path = _exists(path, what)
    if not path.is_dir():
        raise GenerationError(f"{what} {path}: give the diffusers folder (config.json + weights)")
    if not (path / "config.json").is_file():
        if (path / "model_index.json").is_file():
            raise GenerationError(f"{what} {path} is a full pipeline, not a {classes[0]}")
        raise GenerationError(f"{what} folder {path} is missing config.json")
    config = _read_json(path / "config.json")
    if config.get("_class_name") not in classes:
        raise GenerationError(f"{what} {path} is a {config.get('_class_name')!r}, expected "
                              + " or ".join(classes))
    if not _weights_variant(path, what)[0]:
        raise GenerationError(f"{what} folder {path} is incomplete: missing its weights "
                              f"(diffusion_pytorch_model.safetensors)")
    return config


def _check_extras(family: str, controlnet, motion_adapter, path: Path) -> None:
    wanted = VIDEO_FAMILIES[family].extras
    for name, value, flag in (("controlnet", controlnet, "--controlnet"),
                              ("motion_adapter", motion_adapter, "--motion-adapter")):
        if value is not None and name not in wanted:
            raise GenerationError(f"{flag} does not fit {VIDEO_FAMILIES[family].label} model "
                                  f"{path}: it reads its pose from the control video itself")


def inspect_video_model(base: str | Path, controlnet: str | Path | None = None,
                        motion_adapter: str | Path | None = None) -> VideoModelInfo:
    """Identify and check a video model folder (and, for AnimateDiff, its parts).

    Parameters
    ----------
    base : a diffusers folder with ``model_index.json``: a whole Wan VACE / Wan-Animate /
        CogVideoX-Fun Control / LTX-Video / AnimateDiff ControlNet pipeline, or a Stable Diffusion
        1.5 base that ``motion_adapter`` and ``controlnet`` turn into AnimateDiff
    controlnet : ControlNet folder (``ControlNetModel`` → AnimateDiff ControlNet,
        ``SparseControlNetModel`` → SparseCtrl)
    motion_adapter : ``MotionAdapter`` folder

    Raises
    ------
    GenerationError
        One line naming the missing file, the unknown model or the part that does not fit.
    """
    path = _exists(Path(base), "video model")
    if path.is_file():
        raise GenerationError(f"video model {path}: give the diffusers folder (with "
                              f"model_index.json); single-file video checkpoints are not read")
    if not (path / "model_index.json").is_file():
        raise GenerationError(f"video model folder {path} is missing model_index.json; give a "
                              f"diffusers folder as saved by save_pretrained")
    model_index = _read_json(path / "model_index.json")
    class_name = str(model_index.get("_class_name", ""))
    family = _PIPELINE_CLASSES.get(class_name)
    if class_name in _NO_POSE_CONTROL:
        raise GenerationError(f"video model {path} is {_NO_POSE_CONTROL[class_name]} "
                              f"({class_name}), which has no pose control; use a Wan VACE, "
                              f"Wan-Animate, CogVideoX-Fun Control, LTX-Video or AnimateDiff model")
    if family is None and class_name == "StableDiffusionPipeline":
        family = "animatediff"
        if motion_adapter is None:
            raise GenerationError(f"{path} is a Stable Diffusion image model: for AnimateDiff give "
                                  f"--motion-adapter DIR and --controlnet DIR with it")
    if family is None:
        known = ", ".join(sorted(set(_PIPELINE_CLASSES)))
        raise GenerationError(f"video model {path} is a {class_name!r}, which PoseStudio cannot "
                              f"drive with a pose video (known: {known})")
    missing, variant = missing_components(path, model_index)
    if missing:
        raise GenerationError(f"video model folder {path} is incomplete: missing "
                              + listed(missing))
    denoiser = "unet" if family.startswith("animatediff") else "transformer"
    if denoiser not in model_index:
        raise GenerationError(f"video model folder {path} is incomplete: missing {denoiser}/")
    config = _read_json(path / denoiser / "config.json")
    _check_extras(family, controlnet, motion_adapter, path)
    if family.startswith("animatediff"):
        family = _animatediff_parts(path, model_index, config, controlnet, motion_adapter)
    return VideoModelInfo(path, family, Path(controlnet) if controlnet else None,
                          Path(motion_adapter) if motion_adapter else None, variant, config)


def _animatediff_parts(path: Path, model_index: dict, unet: dict, controlnet,
                       motion_adapter) -> str:
    """The AnimateDiff family of an SD base + parts; checks they were made for that base."""
    whole = "motion_adapter" in model_index
    if controlnet is None and not ("controlnet" in model_index and whole):
        raise GenerationError(f"AnimateDiff model {path} needs --controlnet DIR (an SD 1.5 "
                              f"ControlNet, or a SparseCtrl model)")
    family = _PIPELINE_CLASSES.get(str(model_index.get("_class_name")), "animatediff")
    if motion_adapter is not None:
        adapter = _single_model(Path(motion_adapter), "motion adapter", ("MotionAdapter",))
        blocks = unet.get("block_out_channels")
        if blocks and adapter.get("block_out_channels") != blocks:
            raise GenerationError(
                f"motion adapter {motion_adapter} does not fit base {path}: its block channels "
                f"are {adapter.get('block_out_channels')}, the base UNet's {blocks} (an adapter "
                f"for another model, e.g. SDXL)")
    elif not whole:
        raise GenerationError(f"AnimateDiff base {path} needs --motion-adapter DIR")
    if controlnet is not None:
        cn = _single_model(Path(controlnet), "controlnet",
                           ("ControlNetModel", "SparseControlNetModel"))
        family = "animatediff-sparse" if cn["_class_name"] == "SparseControlNetModel" \
            else "animatediff"
        cross, other = cn.get("cross_attention_dim"), unet.get("cross_attention_dim")
        if cross and other and cross != other:
            raise GenerationError(
                f"controlnet {controlnet} does not fit base {path}: its cross_attention_dim is "
                f"{cross}, the base's is {other} (a ControlNet for another model size)")
        if cn.get("addition_embed_type") == "text_time":
            raise GenerationError(f"controlnet {controlnet} is an SDXL ControlNet; AnimateDiff "
                                  f"here drives Stable Diffusion 1.5 bases")
    return family
