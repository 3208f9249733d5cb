"""Runs one file reader over hostile inputs in a process of its own.

A reader that crashes the interpreter (SIGSEGV, abort) kills only this process; the parent test
(:mod:`hostile`) sees the exit status and, from the progress file, the case that was running.

Usage::

    python hostile_child.py cases READER CASE_DIR RESULTS.jsonl
    python hostile_child.py fuzz READER SEED_DIR RESULTS.jsonl EXAMPLES SEED SENTINEL

``cases`` runs every entry of CASE_DIR (files or folders, in name order). ``fuzz`` runs a
Hypothesis property over EXAMPLES mutations of the files in SEED_DIR: every input must load or
raise one PoseStudioError with a one-line message; anything else (a traceback, a crash, code run
— the SENTINEL file appearing) fails. Each input is written to ``RESULTS.jsonl.current`` before it
is read, so a crash leaves the input that caused it behind.

Every line of RESULTS.jsonl is a JSON object: ``{"start": name}`` before a case, ``{"case": name,
"outcome": "ok" | "error" | "bug", "message": ...}`` after it, and a final ``{"summary": ...}``.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any, Callable

MEMORY_LIMIT = int(os.environ.get("HOSTILE_MEMORY_MB", "4096")) << 20


def _walk_arrays(obj: Any) -> None:
    """Raise if loaded pickle data holds anything but plain numeric/string arrays."""
    import numpy as np

    work, seen = [obj], set()
    while work:
        item = work.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, np.ndarray):
            if item.dtype.kind not in "biufcSU" or item.dtype.hasobject:
                raise AssertionError(f"loaded an array of dtype {item.dtype}")
        elif isinstance(item, dict):
            work.extend(item.values())
        elif isinstance(item, (list, tuple)):
            work.extend(item)


def _pickle_reader(path: Path) -> None:
    from posestudio.body.safe_pickle import load_safe_pickle

    _walk_arrays(load_safe_pickle(path))


def _body_reader(path: Path) -> None:
    from posestudio.body.real import read_model_arrays, sanitize

    kind, arrays = sanitize(path, read_model_arrays(path))
    for key, value in arrays.items():
        if value.dtype.kind not in "biuf":
            raise AssertionError(f"{key} came back as {value.dtype}")


def _scene_reader(path: Path) -> None:
    from posestudio.scene.file_format import load_scene

    load_scene(path)


def _pose_reader(path: Path) -> None:
    from posestudio.scene.file_format import load_pose

    load_pose(path)


def _openpose_reader(path: Path) -> None:
    """Everything of ``import_openpose_json`` before the fit: reading, frames, fields."""
    from posestudio.lift.importer import openpose_frame, read_json_file
    from posestudio.render.openpose_json import from_openpose_json
    from posestudio.errors import ImportFormatError

    data = openpose_frame(read_json_file(path), None, str(path))
    try:
        from_openpose_json(data, canvas_size=None)
    except ImportFormatError as exc:
        raise ImportFormatError(f"{path}: {exc}") from None


def _openpose_import(path: Path) -> None:
    from posestudio.lift.importer import import_openpose_json

    import_openpose_json(path, canvas_size=(512, 512))


def _image_reader(path: Path) -> None:
    from posestudio.detect.photo import load_photo

    load_photo(path)


def _base_reader(path: Path) -> None:
    from posestudio.generate.families import inspect_base

    inspect_base(path)


def _controlnet_reader(path: Path) -> None:
    from posestudio.generate.families import inspect_controlnet

    inspect_controlnet(path)


def _in_folder(path: Path, name: str, extra: dict[str, bytes]) -> Path:
    """A model folder holding ``path``'s bytes as ``name`` plus ``extra`` files (for fuzzing the
    JSON files of model folders one file at a time)."""
    folder = path.with_name(path.name + ".d")
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    for rel, data in {name: path.read_bytes(), **extra}.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return folder


def _controlnet_config_reader(path: Path) -> None:
    from posestudio.generate.families import inspect_controlnet

    inspect_controlnet(_in_folder(path, "config.json",
                                  {"diffusion_pytorch_model.safetensors": b""}))


def _base_index_reader(path: Path) -> None:
    from posestudio.generate.families import inspect_base

    parts = {f"{c}/config.json": b'{"cross_attention_dim": 768}' for c in ("unet", "vae",
                                                                            "text_encoder")}
    parts.update({f"{c}/diffusion_pytorch_model.safetensors": b"" for c in ("unet", "vae")})
    parts.update({"text_encoder/model.safetensors": b"", "tokenizer/vocab.json": b"{}",
                  "scheduler/scheduler_config.json": b"{}"})
    inspect_base(_in_folder(path, "model_index.json", parts))


def _bvh_reader(path: Path) -> None:
    from posestudio.anim.bvh import load_bvh

    load_bvh(path)


def _selftest_reader(path: Path) -> None:
    """For the harness's own test: b"crash" kills the process, b"raise" is a plain bug."""
    data = path.read_bytes()
    if data == b"crash":
        os.abort()
    if data == b"raise":
        raise KeyError("a bug")


def _bvh_scene_reader(path: Path) -> None:
    from posestudio.anim.bvh import bvh_scene

    bvh_scene(path)


def _video_reader(path: Path) -> None:
    """Probe a video and decode its first frames, as ``import VIDEO`` starts to."""
    from posestudio.video.decode import FrameRange, iter_frames, probe_video

    info = probe_video(path)
    for _ in iter_frames(info, FrameRange(fps=info.fps, start=0, end=8)):
        pass


def _keypoint_frames_reader(path: Path) -> None:
    """A ComfyUI-style JSON list of frames (or a single OpenPose frame) of a keypoint sequence."""
    from posestudio.lift.importer import read_json_file
    from posestudio.video.keypoint_files import parse_frame, read_frame_list

    data = read_json_file(path)
    if isinstance(data, list):
        read_frame_list(data, str(path))
    else:
        parse_frame(data, str(path), None)


def _keypoint_folder_reader(path: Path) -> None:
    """A folder of per-frame OpenPose ``*_keypoints.json`` files."""
    from posestudio.video.keypoint_files import read_keypoint_folder

    read_keypoint_folder(path)


READERS: dict[str, Callable[[Path], None]] = {
    "selftest": _selftest_reader,
    "pickle": _pickle_reader, "body": _body_reader, "scene": _scene_reader, "pose": _pose_reader,
    "openpose": _openpose_reader, "openpose-import": _openpose_import, "image": _image_reader,
    "base": _base_reader, "controlnet": _controlnet_reader, "bvh": _bvh_reader,
    "controlnet-config": _controlnet_config_reader, "base-index": _base_index_reader,
    "bvh-scene": _bvh_scene_reader, "video": _video_reader,
    "keypoint-frames": _keypoint_frames_reader, "keypoint-folder": _keypoint_folder_reader,
}

# Byte strings worth splicing into each kind of input.
TOKENS: dict[str, list[bytes]] = {
    "pickle": [b"c", b"\x93", b"R", b"b", b"o", b"i", b"\x81", b"\x92", b"(", b"t", b"\x85",
               b"h\x00", b"j\xff\xff\xff\x7f", b"\x94", b"0", b"2", b"]", b"}", b"a", b"s",
               b"e", b"u", b"\x8c\x05numpy\x8c\x05dtype\x93", b"\x8c\x01O", b"X\xff\xff\xff\x7f",
               b"\x8e\xff\xff\xff\xff\xff\xff\xff\x7f", b"\x95\xff\xff\xff\xff\xff\xff\xff\x7f",
               b"cbuiltins\neval\n", b"cos\nsystem\n", b"\x80\x05", b"."],
    "json": [b"[", b"]", b"{", b"}", b'"', b",", b":", b"null", b"-1", b"1e999", b"NaN",
             b"Infinity", b"-Infinity", b"99999999999999999999999", b"[" * 64, b"{\"a\":" * 32,
             b"\\u0000", b"\\ud800", b"\xff\xfe", b"true", b"0.0", b"-0", b"1e-400",
             b'"people"', b'"version"', b'"canvas_width"', b"2147483648", b"\xef\xbb\xbf"],
    "image": [b"\x00\x00\xff\xff", b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00" * 8,
              b"IHDR", b"IDAT", b"IEND", b"\xff\xd8\xff", b"\xff\xc0", b"\xff\xda", b"BM",
              b"II*\x00", b"\x01\x00\x00\x00", b"GIF89a", b"RIFF", b"WEBPVP8 "],
    "safetensors": [b"\xff\xff\xff\xff\xff\xff\xff\x7f", b"\x00" * 8, b"{", b"}", b'"',
                    b'"shape":[', b'"data_offsets":[', b"99999999999999999999", b"-1",
                    b'"dtype":"F64"', b'"dtype":"X"', b"[" * 64, b"1e999", b'"__metadata__"'],
    "bvh": [b"HIERARCHY", b"ROOT", b"JOINT", b"End Site", b"{", b"}", b"OFFSET", b"CHANNELS",
            b"6", b"-1", b"99999999999", b"1e999", b"nan", b"inf", b"MOTION", b"Frames:",
            b"Frame Time:", b"0", b"Xrotation", b"Zposition", b"\n", b"\t", b"\x00",
            b"CHANNELS 999999999", b"Frames: 999999999\n", b"Frame Time: 0\n"],
}


def run_one(reader: Callable[[Path], None], path: Path) -> tuple[str, str]:
    """("ok" | "error" | "bug", message or traceback) of reading ``path``."""
    from posestudio.errors import PoseStudioError

    try:
        reader(path)
    except PoseStudioError as exc:
        message = str(exc)
        if "\n" in message or not message.strip():
            return "bug", f"{type(exc).__name__} message is not one line: {message!r}"
        return "error", f"{type(exc).__name__}: {message}"
    except Exception:  # noqa: BLE001 - the whole point: any other exception is a finding
        return "bug", traceback.format_exc()
    return "ok", ""


def _emit(out, record: dict) -> None:
    out.write(json.dumps(record) + "\n")
    out.flush()


def run_cases(reader: Callable[[Path], None], case_dir: Path, out) -> Counter:
    counts: Counter = Counter()
    for case in sorted(case_dir.iterdir()):
        _emit(out, {"start": case.name})
        t0 = time.perf_counter()
        outcome, message = run_one(reader, case)
        counts[outcome] += 1
        message = message[-4000:] if outcome == "bug" else message[:4000]
        _emit(out, {"case": case.name, "outcome": outcome, "message": message,
                    "seconds": round(time.perf_counter() - t0, 4)})
    return counts


def mutate(data: bytes, steps: list[tuple[str, int, int, bytes]], tokens: list[bytes]) -> bytes:
    """Apply byte-level mutations (flips, sets, inserts, deletes, truncation, duplication,
    interesting integers, format tokens) to ``data``."""
    buf = bytearray(data)
    for op, pos, value, blob in steps:
        n = len(buf)
        at = pos % (n + 1)
        if op == "flip" and n:
            buf[at % n] ^= 1 << (value % 8)
        elif op == "set" and n:
            buf[at % n] = value
        elif op == "insert":
            buf[at:at] = blob
        elif op == "delete":
            del buf[at:at + value % 32 + 1]
        elif op == "truncate":
            del buf[at:]
        elif op == "dup":
            buf[at:at] = buf[at:at + value % 64 + 1]
        elif op == "int":
            choice = [0, 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 2**63 - 1, 2**64 - 1, 1 << 40,
                      0xFFFF][value % 8]
            width = 8 if value & 8 else 4
            order = "little" if value & 16 else "big"
            buf[at:at + width] = (choice % (1 << (8 * width))).to_bytes(width, order)
        elif op == "token" and tokens:
            buf[at:at] = tokens[value % len(tokens)]
    return bytes(buf)


def run_fuzz(reader: Callable[[Path], None], reader_name: str, seed_dir: Path, out,
             examples: int, seed: int, sentinel: Path, current: Path) -> Counter:
    from hypothesis import HealthCheck, Phase, given, settings, strategies as st
    from hypothesis import seed as hypothesis_seed

    seeds = [(p.suffix, p.read_bytes()) for p in sorted(seed_dir.iterdir())]
    kind = {"pickle": "pickle", "body": "pickle", "image": "image", "base": "safetensors",
            "controlnet": "safetensors", "bvh": "bvh", "video": "image"}.get(reader_name, "json")
    tokens = TOKENS[kind]
    counts: Counter = Counter()
    step = st.tuples(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "dup",
                                      "int", "token", "token"]),
                     st.integers(0, 1 << 20), st.integers(0, 255), st.binary(max_size=12))

    @hypothesis_seed(seed)
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False,
              phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
              report_multiple_bugs=False)
    @given(st.integers(0, len(seeds) - 1), st.lists(step, min_size=1, max_size=6))
    def mutated_input_is_read_or_refused(index: int, steps) -> None:
        suffix, data = seeds[index]
        target = current.with_suffix(suffix)
        target.write_bytes(mutate(data, steps, tokens))
        outcome, message = run_one(reader, target)
        counts[outcome] += 1
        assert not sentinel.exists(), f"code ran: {sentinel} was created"
        assert outcome != "bug", message

    try:
        mutated_input_is_read_or_refused()
    except AssertionError as exc:  # hypothesis re-raises with the falsifying example printed
        _emit(out, {"case": "fuzz", "outcome": "bug", "message": str(exc)[-4000:]})
        counts["bug"] += 1
    return counts


def _peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM; ru_maxrss would include the parent's
    before exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> int:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    mode, reader_name, folder, results = argv[:4]
    reader = READERS[reader_name]
    t0 = time.perf_counter()
    with open(results, "w", encoding="utf-8") as out:
        if mode == "cases":
            counts = run_cases(reader, Path(folder), out)
        else:
            examples, seed, sentinel = int(argv[4]), int(argv[5]), Path(argv[6])
            counts = run_fuzz(reader, reader_name, Path(folder), out, examples, seed, sentinel,
                              Path(results + ".current"))
        peak_mb = _peak_rss_mb()
        _emit(out, {"summary": dict(counts), "peak_rss_mb": round(peak_mb, 1),
                    "seconds": round(time.perf_counter() - t0, 2)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
