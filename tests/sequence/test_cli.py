"""``posestudio export-sequence``: one-line errors with nothing written, and a real export."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posestudio.cli import main
from posestudio.scene.file_format import save_scene
from sequence_helpers import animated_scene


@pytest.fixture(scope="module")
def scene_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("scene") / "clip.pose.json"
    save_scene(animated_scene(fps=8.0, seconds=1.0), path)
    return path


@pytest.mark.parametrize("extra, message", [
    (["--preset", "nope"], "unknown, choose from"),
    (["--preset", "wan-vace", "--fps", "30"], "runs at 16 fps"),
    (["--maps", "openpose,bogus"], "unknown map 'bogus'"),
    (["--start", "4", "--end", "2"], "must be after --start"),
    (["--start", "-1"], "must be 0 or more"),
    (["--fps", "abc"], "expected a number"),
    (["--keyframes", "50"], "outside the 9 frames"),
    (["--size", "20x5"], "--size"),
])
def test_bad_options_are_one_line_and_write_nothing(scene_file, tmp_path, capsys, extra, message):
    out = tmp_path / "out"
    code = main(["export-sequence", str(scene_file), "--out", str(out)] + extra)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err
    assert list(tmp_path.iterdir()) == []


def test_missing_scene_and_bvh(tmp_path, capsys):
    for source in (tmp_path / "none.pose.json", tmp_path / "clip.bvh"):
        assert main(["export-sequence", str(source), "--out", str(tmp_path / "o")]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_export_with_preset_and_plain_progress_lines(scene_file, tmp_path, capsys):
    out = tmp_path / "frames"
    code = main(["export-sequence", str(scene_file), "--out", str(out), "--preset",
                 "animatediff", "--maps", "openpose,depth,mask", "--size", "130x190",
                 "--no-preview"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "16 frames" in captured.out
    lines = captured.err.strip().splitlines()
    assert lines[-1].startswith("export-sequence: 100%") and "\r" not in captured.err
    manifest = json.loads((out / "sequence.json").read_text())
    assert (manifest["frame_count"], manifest["fps"], manifest["width"], manifest["height"]) == (
        16, 8.0, 128, 192)
    assert manifest["held_frames"] == 7                   # 9 source frames at 8 fps, held to 16
    assert len(list((out / "mask").iterdir())) == 16
    assert not list(out.glob("*.mp4"))


def test_ctrl_c_stops_cleanly_with_no_partial_output(scene_file, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    out = tmp_path / "interrupted"
    env = dict(os.environ, PYOPENGL_PLATFORM="egl")
    proc = subprocess.Popen(
        [sys.executable, "-m", "posestudio", "export-sequence", str(scene_file), "--out",
         str(out), "--fps", "120", "--size", "512x768"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    # Wait until frames are being rendered (progress lines on stderr), then interrupt.
    for line in proc.stderr:
        if " frame " in line:
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "posestudio export-sequence: interrupted"
    assert list(tmp_path.iterdir()) == []


def test_progress_bar_redraws_one_line_on_a_terminal():
    import io

    from posestudio.cli.export_sequence_cmd import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = ProgressBar(stream, width=10)
    for i in range(1, 5):
        bar(i / 4, f"frame {i}/4")
    text = stream.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n") and text.count("\n") == 1
    assert "[##########] 100.0% frame 4/4" in text


_BVH_HEAD = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT LeftUpLeg
  {
    OFFSET 10 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT LeftLeg
    {
      OFFSET 0 -45 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 -45 0
      }
    }
  }
  JOINT RightUpLeg
  {
    OFFSET -10 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT RightLeg
    {
      OFFSET 0 -45 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 -45 0
      }
    }
  }
  JOINT Spine
  {
    OFFSET 0 10 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT Head
    {
      OFFSET 0 50 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 0 15 0
      }
    }
  }
}
MOTION
Frames: 9
Frame Time: 0.0333333
"""


def test_bvh_clip_exports_on_the_mannequin(tmp_path, capsys):
    # The left leg lifts forward over 9 frames at 30 fps (cm units, Y up).
    lines = []
    for i in range(9):
        values = [0.0] * 24
        values[1] = 90.0                       # hips 90 cm up
        values[7] = -10.0 * i                  # LeftUpLeg X rotation
        values[10] = 8.0 * i                   # LeftLeg X rotation
        lines.append(" ".join(f"{v:g}" for v in values))
    clip = tmp_path / "kick.bvh"
    clip.write_text(_BVH_HEAD + "\n".join(lines) + "\n")
    out = tmp_path / "frames"
    code = main(["export-sequence", str(clip), "--out", str(out), "--preset", "wan-vace",
                 "--maps", "openpose", "--size", "256x384", "--no-preview"])
    assert code == 0, capsys.readouterr().err
    jsons = sorted((out / "openpose_json").iterdir())
    assert len(jsons) == 5                               # 0.27 s at 16 fps = 5 = 4 + 1 frames
    first, last = (json.loads(p.read_text())["people"][0]["pose_keypoints_2d"]
                   for p in (jsons[0], jsons[-1]))
    # COCO-18 left knee (index 12) rises as the thigh swings forward; the right one stays.
    assert last[12 * 3 + 1] < first[12 * 3 + 1] - 5
    assert abs(last[9 * 3 + 1] - first[9 * 3 + 1]) < 3


def test_a_broken_video_is_one_line_from_the_video_import(tmp_path, capsys):
    video = tmp_path / "broken.mp4"
    video.write_bytes(b"not a video at all")
    assert main(["export-sequence", str(video), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "broken.mp4" in err[0] and "scene" not in err[0], err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_video_source_is_tracked_lifted_and_exported(tmp_path, capsys):
    import cv2

    skimage_data = pytest.importorskip("skimage.data")
    person = skimage_data.astronaut()[60:420, 70:430]          # a real photo of a person
    video = tmp_path / "walk.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 6.0, (440, 400))
    for i in range(6):                                        # drifting right, 1 s at 6 fps
        frame = np.full((400, 440, 3), 200, np.uint8)
        frame[:360, 8 * i:8 * i + 360] = person
        writer.write(np.ascontiguousarray(frame[..., ::-1]))
    writer.release()
    out = tmp_path / "frames"
    code = main(["export-sequence", str(video), "--out", str(out), "--maps", "openpose,mask",
                 "--no-preview"])
    assert code == 0, capsys.readouterr().err
    jsons = sorted((out / "openpose_json").iterdir())
    assert len(jsons) == 6
    necks = [json.loads(p.read_text())["people"][0]["pose_keypoints_2d"][3] for p in jsons]
    assert necks[-1] - necks[0] > 20                          # the lifted person follows the video
