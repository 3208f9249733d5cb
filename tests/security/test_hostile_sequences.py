"""Hostile sequence inputs: BVH clips, videos and keypoint-sequence JSON, crafted and mutated,
each batch in a subprocess: a clip/scene or one clean error line, never a crash or traceback."""

from __future__ import annotations

import json

import numpy as np

from hostile import ROOT, assert_all_clean, dev_zero, run_cases, run_fuzz

EXAMPLES = ROOT / "resources" / "examples"

_SMALL = """HIERARCHY
ROOT hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT spine
  {
    OFFSET 0 10 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 10 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.0333333
0 90 0 0 0 0 0 0 0
0 90 0 10 0 0 5 0 0
"""


def _mannequin_bvh() -> bytes:
    from posestudio.anim.bvh_export import bvh_text
    from posestudio.scene.file_format import load_scene

    return bvh_text(load_scene(EXAMPLES / "walking.pose.json")).encode()


def _chain(levels: int) -> str:
    head = "HIERARCHY\nROOT j0\n{\nOFFSET 0 0 0\nCHANNELS 3 Zrotation Xrotation Yrotation\n"
    body = "".join(f"JOINT j{i}\n{{\nOFFSET 0 1 0\nCHANNELS 3 Zrotation Xrotation Yrotation\n"
                   for i in range(1, levels))
    return (head + body + "}\n" * levels + "MOTION\nFrames: 1\nFrame Time: 0.03\n"
            + " ".join(["0"] * 3 * levels) + "\n")


def _bvh_cases() -> dict:
    small = _SMALL
    return {
        "valid": small.encode(),
        "chain_100k_deep": _chain(100_000).encode(),
        "chain_2000_deep": _chain(2000).encode(),
        "frames_huge_declared": small.replace("Frames: 2", "Frames: 999999999999").encode(),
        "frames_negative": small.replace("Frames: 2", "Frames: -2").encode(),
        "frame_time_zero": small.replace("0.0333333", "0").encode(),
        "frame_time_nan": small.replace("0.0333333", "nan").encode(),
        "frame_time_1e-300": small.replace("0.0333333", "1e-300").encode(),
        "channels_huge": small.replace("CHANNELS 3", "CHANNELS 999999999").encode(),
        "channels_negative": small.replace("CHANNELS 3", "CHANNELS -3").encode(),
        "channel_unknown": small.replace("Yrotation\n  JOINT", "Wrotation\n  JOINT").encode(),
        "motion_inf": small.replace("0 90 0 10", "0 90 0 inf").encode(),
        "motion_1e308": small.replace("0 90 0 10", "0 1e308 0 10").encode(),
        "motion_short_row": small.replace("0 90 0 10 0 0 5 0 0", "0 90").encode(),
        "motion_extra_rows": (small + "1 2 3 4 5 6 7 8 9\n" * 100).encode(),
        "offset_nan": small.replace("OFFSET 0 10 0\n    CHANNELS", "OFFSET nan 10 0\n    CHANNELS"
                                    ).encode(),
        "no_motion": small.split("MOTION")[0].encode(),
        "duplicate_names": small.replace("JOINT spine", "JOINT hips").encode(),
        "unbalanced_braces": small.replace("}\n}\nMOTION", "}\nMOTION").encode(),
        "binary": b"HIERARCHY\n\0\0\0",
        "latin1_names": small.replace("spine", "\xe9pine").encode("latin-1"),
        "utf16": small.encode("utf-16"),
        "huge_number_token": small.replace("0 90 0 0 0 0", "9" * 5000 + " 90 0 0 0 0").encode(),
        "empty": b"",
        "dev_zero": dev_zero,
    }


def test_crafted_bvh_files(tmp_path):
    results = run_cases("bvh", _bvh_cases(), tmp_path, suffix=".bvh")
    assert_all_clean(results)
    assert results["valid"]["outcome"] == "ok"
    for name in ("chain_100k_deep", "frames_huge_declared", "channels_huge", "motion_inf",
                 "binary", "frame_time_nan"):
        assert results[name]["outcome"] == "error", (name, results[name])


def test_crafted_bvh_files_through_the_retarget(tmp_path):
    """The whole ``import CLIP.bvh`` path (parse, joint map, retarget onto the mannequin)."""
    mannequin = _mannequin_bvh().decode()
    cases = {
        "valid": mannequin.encode(),
        "offsets_all_zero": "\n".join(
            "OFFSET 0 0 0" if line.strip().startswith("OFFSET") else line
            for line in mannequin.splitlines()).encode(),
        "offsets_1e30": mannequin.replace("OFFSET 0", "OFFSET 1e30").encode(),
        "only_root": _SMALL.encode(),
    }
    results = run_cases("bvh-scene", cases, tmp_path, suffix=".bvh", timeout=180)
    assert_all_clean(results)
    assert results["valid"]["outcome"] == "ok"


def test_mutated_bvh_files(tmp_path):
    seeds = {"small.bvh": _SMALL.encode(), "mannequin.bvh": _mannequin_bvh()}
    summary = run_fuzz("bvh", seeds, tmp_path, examples=500, seed=7)
    assert summary["summary"].get("ok", 0) > 0 and summary["summary"].get("error", 0) > 0


def _video(path, fourcc: str, size=(64, 48), frames: int = 6) -> bytes:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 24.0, size)
    assert writer.isOpened(), fourcc
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))
    writer.release()
    data = path.read_bytes()
    path.unlink()
    return data


def test_crafted_and_mutated_videos(tmp_path):
    mp4 = _video(tmp_path / "a.mp4", "mp4v")
    avi = _video(tmp_path / "b.avi", "MJPG")
    cases = {
        "valid_mp4": mp4, "valid_avi": avi,
        "truncated_mp4": mp4[: len(mp4) // 3], "header_only_mp4": mp4[:64],
        "mp4_moov_zeroed": mp4.replace(b"moov", b"\0\0\0\0"),
        "avi_huge_dims": avi[:64] + (b"\xff\x7f\x00\x00" * 4) + avi[80:],
        "avi_frames_claim_16000_square": avi.replace(b"\xff\xc0\x00\x11\x08\x00\x30\x00\x40",
                                                     b"\xff\xc0\x00\x11\x08\x3e\x80\x3e\x80"),
        "empty": b"", "text": b"not a video",
        "png_named_mp4": b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
        "dev_zero": dev_zero,
    }
    results = {}
    for suffix in (".mp4", ".avi"):
        batch = tmp_path / suffix[1:]
        batch.mkdir()
        results.update(run_cases("video", {k: v for k, v in cases.items()
                                           if ("avi" in k) == (suffix == ".avi")}, batch,
                                 suffix=suffix))
    assert_all_clean(results)
    assert results["valid_mp4"]["outcome"] == "ok" and results["valid_avi"]["outcome"] == "ok"
    assert results["avi_frames_claim_16000_square"]["outcome"] == "error"
    fuzz_dir = tmp_path / "fuzz"
    fuzz_dir.mkdir()
    summary = run_fuzz("video", {"a.mp4": mp4, "b.avi": avi}, fuzz_dir, examples=150, seed=8)
    assert summary["summary"].get("ok", 0) > 0


def _frames() -> list:
    body = []
    for i in range(18):
        body += [200.0 + 10 * (i % 5), 100.0 + 20 * i, 0.9]
    frame = {"people": [{"pose_keypoints_2d": body}], "canvas_width": 512, "canvas_height": 512}
    return [frame] * 4


def test_crafted_and_mutated_keypoint_sequences(tmp_path):
    frames = _frames()
    cases = {
        "valid": json.dumps(frames).encode(),
        "empty_list": b"[]",
        "one_million_frames": json.dumps([{}] * 1_000_000).encode(),
        "frames_not_objects": json.dumps([1, 2, 3]).encode(),
        "sizes_disagree": json.dumps([frames[0], {**frames[0], "canvas_width": 9}]).encode(),
        "canvas_huge": json.dumps([{**frames[0], "canvas_width": 10**12}]).encode(),
        "nested_lists": json.dumps([[frames[0]]]).encode(),
        "deep": b"[" * 100_000 + b"]" * 100_000,
        "dev_zero": dev_zero,
    }
    results = run_cases("keypoint-frames", cases, tmp_path, suffix=".json")
    assert_all_clean(results)
    assert results["valid"]["outcome"] == "ok"
    fuzz_dir = tmp_path / "fuzz"
    fuzz_dir.mkdir()
    summary = run_fuzz("keypoint-frames", {"frames.json": json.dumps(frames).encode()}, fuzz_dir,
                       examples=300, seed=9)
    assert summary["summary"].get("ok", 0) > 0


def _keypoint_folder(files: dict[str, bytes | str]):
    def make(path) -> None:
        path.mkdir()
        for name, data in files.items():
            if data == "dev_zero":
                dev_zero(path / name)
            elif data == "folder":
                (path / name).mkdir()
            else:
                (path / name).write_bytes(data)
    return make


def test_crafted_keypoint_folders(tmp_path):
    frame = json.dumps(_frames()[0]).encode()
    cases = {
        "valid": _keypoint_folder({f"{i:03d}_keypoints.json": frame for i in range(3)}),
        "empty": _keypoint_folder({}),
        "device_frame": _keypoint_folder({"000_keypoints.json": frame,
                                          "001_keypoints.json": "dev_zero"}),
        "folder_named_like_a_frame": _keypoint_folder({"000_keypoints.json": "folder"}),
        "garbage_frame": _keypoint_folder({"000_keypoints.json": frame,
                                           "001_keypoints.json": b"\xff\xfe[[["}),
        "deep_frame": _keypoint_folder({"000_keypoints.json": b"[" * 100_000}),
        "sizes_disagree": _keypoint_folder({
            "000_keypoints.json": frame,
            "001_keypoints.json": json.dumps({**_frames()[0], "canvas_width": 9}).encode()}),
        "2000_frames": _keypoint_folder({f"{i:05d}_keypoints.json": frame for i in range(2000)}),
        "not_a_folder": b"just a file",
    }
    results = run_cases("keypoint-folder", cases, tmp_path)
    assert_all_clean(results, name_in_message=False)
    assert results["valid"]["outcome"] == "ok"
    assert results["garbage_frame"]["outcome"] == "error"
