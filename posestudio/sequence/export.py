"""Per-frame control maps of an animated scene, streamed, and their export as numbered files.

>>> for frame in iter_sequence_maps(scene, preset="wan-vace", maps=("openpose", "depth")):
...     frame.index, frame.maps["openpose"].shape          # (H, W, 3) uint8
>>> export_sequence(scene, "out/", preset="wan-vace")        # out/openpose/000000.png ...

The source is a :class:`~posestudio.scene.model.Scene` (animated through
:func:`posestudio.anim.scene_at`, or still) or a list of still scenes taken as consecutive
frames. A preset (:mod:`posestudio.sequence.presets`) fixes the frame rate, frame count, size
rounding and skeleton style. Frames are evaluated, rendered and handed on one at a time; only a
cheap first pass runs over the whole range, to find one depth scale for the whole sequence
(so depth brightness does not flicker from frame to frame).

Files of :func:`export_sequence` (``docs/cli.md``), written all or nothing:
``DIR/<map>/NNNNNN.png`` (zero-padded output frame index from 0), ``DIR/openpose_json/
NNNNNN_keypoints.json`` (OpenPose JSON + ``person_id`` per person = its scene index, and the
frame's ``frame_index``/``time``), ``DIR/<map>.mp4`` previews, ``DIR/sequence.json`` (what was
written: preset, fps, size, frame count, held frames, depth range) and, for sparse keyframes,
``DIR/keyframes.json`` ``{"frames": [indices], "times": [...], "fps", "frame_count"}`` with only
those frames written.
"""

from __future__ import annotations

import json
import math
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

import numpy as np

from posestudio.errors import Cancelled, InputError
from posestudio.sequence.presets import FramePlan, SequencePreset, get_preset, plan_frames

if TYPE_CHECKING:  # pragma: no cover
    from posestudio.scene.model import Canvas, Scene

__all__ = ["SequenceFrame", "SequencePlan", "SequenceResult", "export_sequence",
           "iter_sequence_maps", "plan_sequence"]

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]
_DEPTH_PASS_SHARE = 0.1      # progress fraction of the first (depth range) pass
_KEPT_FRAMES = 2000          # evaluated frames the depth-range pass keeps for the render pass


@dataclass(frozen=True)
class SequenceFrame:
    """One output frame.

    Attributes
    ----------
    index : output frame index (0-based; the NNNNNN of the files)
    time : seconds on the source timeline
    maps : name → (H, W) or (H, W, 3|4) uint8
    openpose_json : OpenPose JSON of the frame (``{}`` when openpose is not among the maps)
    """

    index: int
    time: float
    maps: dict[str, np.ndarray]
    openpose_json: dict


@dataclass(frozen=True)
class SequencePlan:
    """Everything decided before rendering.

    Attributes
    ----------
    preset : SequencePreset
    maps : map names, ``render.frame_maps.FRAME_MAPS`` order
    frames : FramePlan (fps, count, held frames, size)
    times : (count,) float64 seconds of each output frame (held frames repeat the last)
    written : output frame indices to render (all, or the sparse keyframes)
    keyframes : the sparse keyframe indices, or None
    canvas : output Canvas
    list_fps : frame rate of a list-of-scenes source (``fps``, default 30)
    """

    preset: SequencePreset
    maps: tuple[str, ...]
    frames: FramePlan
    times: np.ndarray
    written: tuple[int, ...]
    keyframes: tuple[int, ...] | None
    canvas: "Canvas"
    list_fps: float = 30.0


@dataclass
class SequenceResult:
    """What :func:`export_sequence` wrote."""

    out_dir: Path
    plan: SequencePlan
    depth_range: tuple[float, float] | None
    files: int = 0
    previews: list[str] = field(default_factory=list)


class _Frames:
    """A source as a function of time: an animated/still Scene or a list of still Scenes."""

    def __init__(self, source: "Scene | Sequence[Scene]", list_fps: float) -> None:
        from posestudio.scene.model import Scene

        self._kept: dict[float, Scene] = {}
        if isinstance(source, Scene):
            self.scenes = None
            self.scene = source
            animation = source.animation
            self.fps = float(animation.fps) if animation is not None else 30.0
        else:
            self.scenes = list(source)
            if not self.scenes or not all(isinstance(s, Scene) for s in self.scenes):
                raise InputError("a sequence source must be a Scene or a non-empty list of Scenes")
            self.scene = self.scenes[0]
            self.fps = float(list_fps)

    def times(self, fps: float, start: int | None, end: int | None) -> np.ndarray:
        if self.scenes is None:
            from posestudio.anim import frame_times

            if self.scene.animation is None:
                return np.zeros(1)
            return frame_times(self.scene, fps, start, end)
        first = 0 if start is None else int(start)
        stop = (int(math.floor((len(self.scenes) - 1) / self.fps * fps + 1e-9)) + 1
                if end is None else int(end))
        if first < 0 or stop <= first:
            raise InputError(f"frame range {first}:{stop} is empty or negative at {fps:g} fps")
        return np.arange(first, stop, dtype=np.float64) / fps

    def at(self, time: float, keep: bool = False) -> "Scene":
        """The still scene at ``time``; ``keep`` stores it for the next call at that time
        (the depth-range pass hands its frames to the render pass, up to ``_KEPT_FRAMES``)."""
        if self.scenes is None:
            from posestudio.anim import scene_at

            kept = self._kept.pop(float(time), None)
            if kept is not None:
                return kept
            scene = scene_at(self.scene, float(time))
            if keep and len(self._kept) < _KEPT_FRAMES:
                self._kept[float(time)] = scene
            return scene
        index = min(len(self.scenes) - 1, max(0, int(math.floor(time * self.fps + 1e-6))))
        return self.scenes[index]

    def key_times(self) -> list[float]:
        """Times of the source's keys (every frame of a scene list)."""
        if self.scenes is not None:
            return [i / self.fps for i in range(len(self.scenes))]
        animation = self.scene.animation
        if animation is None:
            return [0.0]
        times = {k.time for track in animation.tracks for k in track}
        times |= {k.time for k in animation.camera_keys}
        return sorted(times)


def _check_range(start, end) -> None:
    for name, value in (("--start", start), ("--end", end)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                                  or value < 0):
            raise InputError(f"{name} must be a frame index ≥ 0, got {value!r}")
    if start is not None and end is not None and end <= start:
        raise InputError(f"--end {end} must be after --start {start}")


def _keyframe_indices(keyframes, source: _Frames, times: np.ndarray, fps: float,
                      count: int) -> tuple[int, ...]:
    if isinstance(keyframes, str):
        if keyframes != "keys":
            try:
                keyframes = [int(k) for k in keyframes.split(",") if k.strip()]
            except ValueError:
                raise InputError(f"--keyframes {keyframes!r}: expected 'keys' or frame indices "
                                 f"like 0,8,16") from None
        else:
            t0 = float(times[0])
            keyframes = sorted({int(round((t - t0) * fps)) for t in source.key_times()
                                if -1e-9 <= (t - t0) * fps < count - 0.5})
            return tuple(keyframes) or (0,)
    indices = sorted({int(k) for k in keyframes})
    if not indices:
        raise InputError("--keyframes: no frame index given")
    bad = [k for k in indices if not 0 <= k < count]
    if bad:
        raise InputError(f"--keyframes: frame {bad[0]} is outside the {count} frames written "
                         f"(0..{count - 1})")
    return tuple(indices)


def plan_sequence(source: "Scene | Sequence[Scene]", *, preset="custom", maps=None,
                  fps: float | None = None, start: int | None = None, end: int | None = None,
                  size: tuple[int, int] | None = None, keyframes=None) -> SequencePlan:
    """Check every option and decide frames, times, size and maps (no rendering).

    Parameters
    ----------
    source : Scene (animated or still) or list of still Scenes (frames at ``fps``, default 30)
    preset : preset name or SequencePreset
    maps : names or comma-separated text (default: the preset's)
    fps : output frame rate (a preset may fix it)
    start, end : output frame indices at that fps (``end`` exclusive)
    size : (width, height) before the preset's rounding (default the scene canvas)
    keyframes : None, ``"keys"`` (the frames of the animation's keys) or frame indices: write
        only those frames (sparse keyframe conditioning)

    Raises
    ------
    InputError
        Naming the bad option.
    """
    from posestudio.render.frame_maps import check_frame_maps
    from posestudio.scene.model import Canvas

    preset = get_preset(preset)
    _check_range(start, end)
    list_fps = 30.0 if fps is None else float(fps)
    frames = _Frames(source, list_fps)
    names = check_frame_maps(preset.maps if maps is None else maps)
    canvas = frames.scene.canvas
    if size is not None:
        width, height = size
    else:
        width, height = canvas.width, canvas.height
    probe = plan_frames(preset, 1, (width, height), fps, frames.fps)   # checks fps and size
    source_times = frames.times(probe.fps, start, end)
    plan = plan_frames(preset, len(source_times), (width, height), fps, frames.fps)
    times = source_times[:plan.count]
    if len(times) < plan.count:
        times = np.concatenate([times, np.full(plan.count - len(times), times[-1])])
    keys = None
    written = tuple(range(plan.count))
    if keyframes is not None:
        keys = _keyframe_indices(keyframes, frames, source_times, plan.fps, plan.count)
        written = keys
    return SequencePlan(preset, names, plan, times, written, keys, Canvas(*plan.size), list_fps)


def _depth_range(frames: _Frames, plan: SequencePlan, progress: ProgressFn | None,
                 cancelled: CancelFn | None) -> tuple[float, float] | None:
    """Near/far of the bodies over every written frame (the shared depth scale)."""
    from posestudio.body import pose_people
    from posestudio.render.frame_maps import depth_range_of

    near, far = np.inf, -np.inf
    for n, index in enumerate(plan.written):
        if cancelled is not None and cancelled():
            raise Cancelled("export cancelled")
        scene = frames.at(plan.times[index], keep=True)
        found = depth_range_of(pose_people(scene), scene.camera, plan.canvas)
        if found is not None:
            near, far = min(near, found[0]), max(far, found[1])
        if progress is not None:
            progress(_DEPTH_PASS_SHARE * (n + 1) / len(plan.written), "depth range")
    return None if not np.isfinite(near) else (near, far)


def iter_sequence_maps(source: "Scene | Sequence[Scene]", *, preset="custom", maps=None,
                       fps: float | None = None, start: int | None = None,
                       end: int | None = None, size: tuple[int, int] | None = None,
                       keyframes=None, progress: ProgressFn | None = None,
                       cancelled: CancelFn | None = None) -> Iterator[SequenceFrame]:
    """Render a sequence frame by frame (streaming: one frame's maps in memory at a time).

    Parameters are those of :func:`plan_sequence`, plus ``progress(fraction, message)`` and
    ``cancelled() -> bool``, checked before every frame (raises
    :class:`~posestudio.errors.Cancelled`).

    Yields
    ------
    SequenceFrame, in output order (only the keyframes when ``keyframes`` is given).
    """
    plan = plan_sequence(source, preset=preset, maps=maps, fps=fps, start=start, end=end,
                         size=size, keyframes=keyframes)
    frames = _Frames(source, plan.list_fps)
    depth_range = _depth_range(frames, plan, progress, cancelled) if "depth" in plan.maps else None
    yield from _render_frames(frames, plan, depth_range, progress, cancelled)


def _render_frames(frames: _Frames, plan: SequencePlan, depth_range: tuple[float, float] | None,
                   progress: ProgressFn | None, cancelled: CancelFn | None
                   ) -> Iterator[SequenceFrame]:
    from posestudio.body import pose_people
    from posestudio.render.frame_maps import FrameMapRenderer
    from posestudio.render.openpose_json import to_openpose_json

    renderer = FrameMapRenderer(plan.maps, frames.scene.render, plan.preset.openpose)
    share = _DEPTH_PASS_SHARE if depth_range is not None else 0.0
    total = len(plan.written)
    for n, index in enumerate(plan.written):
        if cancelled is not None and cancelled():
            raise Cancelled("export cancelled")
        time = float(plan.times[index])
        scene = frames.at(time)
        visible = [i for i, p in enumerate(scene.people) if p.visible]
        out = renderer.render(pose_people(scene), scene.camera, plan.canvas,
                              person_ids=visible, rigs=[scene.people[i].rig for i in visible],
                              colors=[scene.people[i].color for i in visible],
                              depth_range=depth_range)
        data: dict = {}
        if "openpose" in plan.maps:
            data = to_openpose_json(out.people, plan.canvas)
            for person, pid in zip(data["people"], out.person_ids):
                person["person_id"] = [pid]
            data["frame_index"] = index
            data["time"] = time
        yield SequenceFrame(index, time, out.maps, data)
        if progress is not None:
            progress(share + (1.0 - share) * (n + 1) / total, f"frame {n + 1}/{total}")


def export_sequence(source: "Scene | Sequence[Scene]", out_dir: str | os.PathLike, *,
                    preset="custom", maps=None, fps: float | None = None,
                    start: int | None = None, end: int | None = None,
                    size: tuple[int, int] | None = None, keyframes=None,
                    png: str = "fast", previews: bool = True, workers: int = 2,
                    progress: ProgressFn | None = None, cancelled: CancelFn | None = None
                    ) -> SequenceResult:
    """Render a sequence and write it as numbered files (see module notes), all or nothing.

    Parameters
    ----------
    source, preset, maps, fps, start, end, size, keyframes : as :func:`plan_sequence`
    out_dir : output folder (made if missing; entries of the same names are replaced)
    png : ``"fast"`` (default) or ``"small"`` (see :mod:`posestudio.export.png`)
    previews : write an mp4 per map (not for sparse keyframes)
    workers : threads that encode and write PNGs while the next frame renders
    progress, cancelled : callbacks; a cancel (or any error) leaves nothing behind

    Returns
    -------
    SequenceResult
    """
    from concurrent.futures import ThreadPoolExecutor

    from posestudio.export.atomic import atomic_output_dir, check_writable_dir
    from posestudio.export.png import PNG_COMPRESSIONS, PngWriter
    from posestudio.export.video import Mp4Writer

    if png not in PNG_COMPRESSIONS:
        raise InputError(f"--png must be {' or '.join(PNG_COMPRESSIONS)}, got {png!r}")
    check_writable_dir(out_dir)
    plan = plan_sequence(source, preset=preset, maps=maps, fps=fps, start=start, end=end,
                         size=size, keyframes=keyframes)
    result = SequenceResult(Path(out_dir), plan, None)
    with atomic_output_dir(out_dir) as tmp:
        folders = {name: tmp / name for name in plan.maps}
        if "openpose" in plan.maps:
            folders["openpose_json"] = tmp / "openpose_json"
        for folder in folders.values():
            folder.mkdir()
        writers: dict[str, Mp4Writer] = {}
        if previews and plan.keyframes is None:
            writers = {name: Mp4Writer(tmp / f"{name}.mp4", plan.frames.fps,
                                       {"comment": f"PoseStudio {plan.preset.name} {name}"},
                                       preset="ultrafast")
                       for name in plan.maps}
        # PNGs on `workers` threads, previews on one more (so each video gets its frames in
        # order); zlib and x264 release the GIL, so both overlap the next frame's render. At
        # most two frames wait, so memory stays bounded however long the sequence.
        video = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sequence-mp4")
        encoding: deque = deque()
        try:
            with PngWriter(workers, png, max_pending=2 * len(plan.maps)) as pngs:
                frames = _Frames(source, plan.list_fps)
                if "depth" in plan.maps:
                    result.depth_range = _depth_range(frames, plan, progress, cancelled)
                for frame in _render_frames(frames, plan, result.depth_range, progress,
                                            cancelled):
                    stem = f"{frame.index:06d}"
                    for name, image in frame.maps.items():
                        pngs.save(folders[name] / f"{stem}.png", image)
                        if name in writers:
                            encoding.append(video.submit(writers[name].write, image))
                    if frame.openpose_json:
                        path = folders["openpose_json"] / f"{stem}_keypoints.json"
                        path.write_text(json.dumps(frame.openpose_json), encoding="utf-8")
                    while len(encoding) > 2 * len(writers):
                        encoding.popleft().result()
                while encoding:
                    encoding.popleft().result()
            for name, writer in writers.items():
                writer.close()
                result.previews.append(f"{name}.mp4")
        finally:
            video.shutdown(wait=True, cancel_futures=True)
            for writer in writers.values():
                writer.close()
        result.files = sum(1 for p in tmp.rglob("*") if p.is_file())
        manifest = {
            "preset": plan.preset.name, "fps": plan.frames.fps,
            "frame_count": plan.frames.count, "source_frames": plan.frames.source_count,
            "held_frames": plan.frames.held, "width": plan.canvas.width,
            "height": plan.canvas.height, "maps": list(plan.maps),
            "openpose_style": plan.preset.openpose,
            "depth_range_m": list(result.depth_range) if result.depth_range else None,
            "times": [round(float(t), 6) for t in plan.times],
        }
        (tmp / "sequence.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if plan.keyframes is not None:
            keys = {"frames": list(plan.keyframes),
                    "times": [round(float(plan.times[k]), 6) for k in plan.keyframes],
                    "fps": plan.frames.fps, "frame_count": plan.frames.count}
            (tmp / "keyframes.json").write_text(json.dumps(keys, indent=1), encoding="utf-8")
    return result
