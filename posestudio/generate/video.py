"""Scene → control video → generated clip → files: the one video generation path the CLI and the
editor share.

:func:`generate_video` checks the model folders (milliseconds), exports the scene's sequence in
memory with the family's preset (:func:`posestudio.sequence.export.iter_sequence_maps`; the whole
range, not cut to one clip: long clips run in overlapping segments), runs
:func:`~posestudio.generate.video_engine.generate_frames` and writes, all together at the end or
not at all:

``OUT.mp4``
    H.264, container tags ``comment`` (the generation JSON) and ``description`` (the summary).
``OUT.json``
    Sidecar: format ``posestudio-video``, family, request (concrete seed), fps, frame count,
    segments and the scene.
``OUT.frames/NNNNNN.png``
    Every frame, with the text chunks of generated images (the scene in frame 0 only).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posestudio.errors import InputError
from posestudio.generate.job_loading import CancelFn, ModelCache, ProgressFn
from posestudio.generate.video_params import VideoRequest

VIDEO_FORMAT = "posestudio-video"
FRAME_FORMAT = "posestudio-video-generation"
RENDER_SHARE = 0.1     # progress fraction given to exporting the control frames


@dataclass
class VideoResult:
    """What :func:`generate_video` produced.

    ``frames`` is (T, H, W, 3) uint8; ``control`` the (T, H, W, 3) uint8 control frames fed in.
    """

    frames: np.ndarray
    request: VideoRequest            # makes the clip again (concrete seed, steps, guidance)
    family: str
    fps: float
    video_path: Path
    sidecar_path: Path
    frames_dir: Path
    segments: list[tuple[int, int]] = field(default_factory=list)
    control: np.ndarray | None = None


def output_paths(out: Path) -> tuple[Path, Path]:
    """(sidecar JSON, frames folder) beside ``OUT.mp4``."""
    return out.with_suffix(".json"), out.with_name(f"{out.stem}.frames")


def face_crop(image: np.ndarray, openpose_json: dict, size: int) -> np.ndarray:
    """A square crop of the first person's head, resized to ``size`` x ``size`` (Wan-Animate's
    face video). Centred just above the nose, 1.6 nose-to-neck distances wide (the face fills
    it, as in the face crops Wan-Animate is trained on); the top middle of the frame when no head
    keypoints are there.

    Parameters
    ----------
    image : (H, W, 3|4) uint8, the frame the crop is taken from (the mannequin render)
    openpose_json : the frame's OpenPose JSON (pixels)
    """
    from PIL import Image

    image = np.asarray(image)[:, :, :3]
    height, width = image.shape[:2]
    cx, cy, side = width / 2, height / 4, min(width, height) / 2
    people = openpose_json.get("people") or []
    if people:
        points = np.asarray(people[0].get("pose_keypoints_2d") or [], float).reshape(-1, 3)
        if len(points) > 1 and points[0, 2] > 0:
            cx, cy = points[0, :2]
            if points[1, 2] > 0:
                reach = float(np.linalg.norm(points[0, :2] - points[1, :2]))
                side = max(8.0, 1.6 * reach)
                cy -= 0.15 * reach                    # the nose sits below the face's middle
    half = side / 2
    box = tuple(int(round(v)) for v in (cx - half, cy - half, cx + half, cy + half))
    crop = Image.fromarray(np.ascontiguousarray(image)).crop(box)   # outside → black
    return np.asarray(crop.resize((size, size), Image.BICUBIC))


def _sequence_maps(family: str, control_map: str) -> tuple[str, ...]:
    if family == "wan-animate":
        return tuple(dict.fromkeys((control_map, "openpose", "mannequin")))
    return (control_map,)


def _rgb(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim == 2:
        return np.repeat(array[:, :, None], 3, axis=2)
    return np.ascontiguousarray(array[:, :, :3])


def load_reference(path: str | None):
    """The reference image as PIL RGB (None if no path); InputError naming an unreadable file."""
    if path is None:
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, UnidentifiedImageError) as exc:
        raise InputError(f"reference image {path}: cannot read it ({exc})") from None


def export_control(scene, request: VideoRequest, family: str, *,
                   progress: ProgressFn | None = None, cancelled: CancelFn | None = None):
    """The control frames of ``scene`` as the family's preset draws them, in memory.

    Returns
    -------
    plan : SequencePlan (fps, size, times)
    frames : list of SequenceFrame (all maps the family needs)
    keyframes : SparseCtrl keyframe indices (the animation's keys) or None
    """
    from posestudio.generate.video_families import VIDEO_FAMILIES
    from posestudio.sequence.export import iter_sequence_maps, plan_sequence
    from posestudio.sequence.presets import get_preset

    spec = VIDEO_FAMILIES[family]
    # The whole range at the preset's rate, size and drawing style: segments (padded by holding
    # the last frame, trimmed after) replace the preset's cut and frame-count rounding.
    preset = dataclasses.replace(get_preset(request.preset or spec.preset), max_frames=None,
                                 frame_rule=None, min_frames=1)
    maps = _sequence_maps(family, request.control_map or spec.control_map)
    size = (request.width, request.height) if request.width and request.height else None
    if size is None and (request.width or request.height):
        raise InputError("give both width and height, or neither (the scene canvas)")
    options = dict(preset=preset, maps=maps, fps=request.fps, start=request.start,
                   end=request.end, size=size)
    plan = plan_sequence(scene, **options)
    if plan.frames.size[0] % spec.size_multiple or plan.frames.size[1] % spec.size_multiple:
        raise InputError(f"preset {preset.name} makes {plan.frames.size[0]}x{plan.frames.size[1]}"
                         f" frames; {spec.label} needs multiples of {spec.size_multiple}")
    keyframes = None
    if family == "animatediff-sparse" and request.keyframes is None:
        keyframes = list(plan_sequence(scene, **options, keyframes="keys").keyframes)
    frames = list(iter_sequence_maps(scene, **options, progress=progress, cancelled=cancelled))
    return plan, frames, keyframes


def generate_video(scene, request: VideoRequest, out: str | os.PathLike, *,
                   progress: ProgressFn | None = None, cancelled: CancelFn | None = None,
                   cache: ModelCache | None = None) -> VideoResult:
    """Generate a clip driven by ``scene``'s animation and write ``out`` (``.mp4``) with its
    sidecar and frames.

    Parameters
    ----------
    scene : Scene (animated; a still scene gives a one-frame clip held to the model's minimum)
    request : VideoRequest
    out : path of the ``.mp4``
    progress : callable(fraction 0..1, message): per rendered control frame, then per
        denoising step ("segment 2/3, step 7/30"), then writing
    cancelled : callable() -> bool, polled per frame and per step
    cache : where the pipeline is kept (default: the process-wide video cache)

    Raises
    ------
    InputError, GenerationError, Cancelled
        Nothing is written in any of these cases.
    """
    from posestudio.export.atomic import check_output_file
    from posestudio.generate.video_engine import generate_frames, load_video_pipeline
    from posestudio.generate.video_families import inspect_video_model

    out = check_output_file(Path(out), ".mp4", "output")
    info = inspect_video_model(request.base, request.controlnet, request.motion_adapter)
    reference = load_reference(request.reference_image)

    def scaled(lo: float, hi: float):
        if progress is None:
            return None
        return lambda fraction, message: progress(lo + (hi - lo) * fraction, message)

    plan, frames, keyframes = export_control(scene, request, info.family,
                                             progress=scaled(0.0, RENDER_SHARE),
                                             cancelled=cancelled)
    control_map = request.control_map or info.spec.control_map
    control = [_rgb(f.maps[control_map]) for f in frames]
    if progress is not None:
        progress(RENDER_SHARE, "loading the model")
    loaded = load_video_pipeline(request, cache)
    face = None
    if info.family == "wan-animate":
        size = int(loaded.pipe.transformer.config.motion_encoder_size)
        face = [face_crop(f.maps["mannequin"], f.openpose_json, size) for f in frames]
    if keyframes is not None:
        request = dataclasses.replace(request, keyframes=keyframes)
    request = dataclasses.replace(request, fps=plan.frames.fps)
    made = generate_frames(request, control, reference=reference, face=face,
                           fps=plan.frames.fps, progress=scaled(RENDER_SHARE, 0.97),
                           cancelled=cancelled, loaded=loaded)
    if progress is not None:
        progress(0.97, "writing the video")
    sidecar, frames_dir = output_paths(out)
    result = VideoResult(made.frames, made.request, made.family, plan.frames.fps, out, sidecar,
                         frames_dir, made.segments, np.stack(control))
    write_video_outputs(result, scene)
    if progress is not None:
        progress(1.0, "done")
    return result


def video_summary(result: VideoResult) -> str:
    from posestudio.generate.metadata import summary

    r = result.request
    height, width = result.frames.shape[1:3]
    return summary(r.prompt, r.negative_prompt, {
        "Steps": r.steps, "CFG scale": r.guidance, "Seed": r.seed, "Size": f"{width}x{height}",
        "Frames": len(result.frames), "FPS": f"{result.fps:g}", "Model": Path(r.base).name,
        "Pipeline": result.family})


def write_video_outputs(result: VideoResult, scene) -> None:
    """Write the frames folder, the sidecar and the mp4, each all or nothing (frames first, the
    mp4 last, so a clip never points at missing frames)."""
    from PIL import Image

    from posestudio.export.atomic import atomic_output_dir, check_writable_file, write_file_atomic
    from posestudio.export.video import write_mp4
    from posestudio.generate.metadata import png_chunks
    from posestudio.scene.file_format import scene_to_dict

    out, sidecar, frames_dir = result.video_path, result.sidecar_path, result.frames_dir
    scene_dict = scene_to_dict(scene)
    generation = {"format": FRAME_FORMAT, "version": 1, "family": result.family,
                  "request": result.request.to_dict(), "fps": result.fps,
                  "frames": len(result.frames), "segments": [list(s) for s in result.segments]}
    text = video_summary(result)
    check_writable_file(out)
    # The one atomic writer: the frames folder as one set (an earlier clip's frames go, the
    # user's files stay), the sidecar as a file; the mp4 last (write_mp4 is atomic too).
    with atomic_output_dir(frames_dir, "--out", whole_set=True) as tmp_frames:
        for i, frame in enumerate(result.frames):
            info = png_chunks(text, dict(generation, frame=i), scene_dict if i == 0 else None)
            Image.fromarray(frame).save(tmp_frames / f"{i:06d}.png", format="PNG", pnginfo=info)
    write_file_atomic(sidecar, json.dumps(dict(generation, format=VIDEO_FORMAT,
                                               frames_dir=frames_dir.name, scene=scene_dict),
                                          indent=1))
    write_mp4(iter(result.frames), out, result.fps,
              {"comment": json.dumps(generation), "description": text})


def read_video_parameters(path: str | os.PathLike) -> tuple[VideoRequest, dict | None]:
    """The request (and scene JSON, if stored) of a clip: its sidecar ``.json``, its ``.mp4``
    (the sidecar beside it) or one of its frame PNGs (the scene is in frame 0 only)."""
    from posestudio.generate.job_metadata import read_job_chunks

    path = Path(path)
    if path.suffix.lower() == ".png":
        generation, scene = read_job_chunks(path, FRAME_FORMAT)
    else:
        sidecar = path.with_suffix(".json")
        try:
            generation = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read the video parameters {sidecar}: {exc}") from None
        if not isinstance(generation, dict) or generation.get("format") != VIDEO_FORMAT:
            raise InputError(f"{sidecar} is not a PoseStudio video sidecar")
        scene = generation.get("scene")
    try:
        return VideoRequest.from_dict(generation["request"]), scene
    except (KeyError, TypeError) as exc:
        raise InputError(f"{path}: its video parameters are damaged ({exc})") from None
