"""Keypoint sequences other tools made → an animated scene, through ``posestudio import``:
a folder of per-frame OpenPose JSON, a ComfyUI list of frames; bad inputs fail in one line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "video"))

from motion_cases import keypoint_frames, walk_motion  # noqa: E402
from posestudio.body import load_body_model  # noqa: E402
from posestudio.render.openpose_json import to_openpose_json  # noqa: E402
from posestudio.scene.file_format import load_scene  # noqa: E402
from posestudio.scene.model import Camera, Canvas  # noqa: E402

CANVAS = Canvas(640, 480)
FRAMES = 8


@pytest.fixture(scope="module")
def frames_json():
    """OpenPose JSON (pixels, with canvas size) of two people walking past each other."""
    body = load_body_model("mannequin")
    camera = Camera(yaw_deg=0.0, pitch_deg=5.0, distance=6.0, target=(0.0, 0.9, 0.0), fov_y_deg=50.0)
    a, _ = keypoint_frames(body, *walk_motion(FRAMES, 30.0, start=(-1.0, 0, 0)), np.zeros(10),
                           camera, CANVAS, noise=1.0)
    b, _ = keypoint_frames(body, *walk_motion(FRAMES, 30.0, direction=np.pi, start=(1.0, 0, -0.8)),
                           np.zeros(10), camera, CANVAS, noise=1.0, seed=1)
    # The order of the people changes from frame to frame (as detectors give them).
    return [to_openpose_json([a[t], b[t]] if t % 2 else [b[t], a[t]], CANVAS) for t in range(FRAMES)]


def _no_canvas(frame: dict) -> dict:
    return {k: v for k, v in frame.items() if not k.startswith("canvas_")}


def test_openpose_folder_becomes_an_animated_scene(frames_json, tmp_path, cli):
    folder = tmp_path / "kp"
    folder.mkdir()
    for t, frame in enumerate(frames_json):          # name order: 2 before 10
        (folder / f"clip_{t}_keypoints.json").write_text(json.dumps(_no_canvas(frame)))
    (folder / "notes.txt").write_text("not a frame")
    out = tmp_path / "walk.pose.json"
    missing = cli("import", folder, "--out", out)
    assert missing.code == 2 and missing.err.count("\n") == 1 and "--size" in missing.err
    assert not out.exists()
    ok = cli("import", folder, "--out", out, "--size", "640x480", "--fps", "24",
                 "--person", "1")
    assert ok.code == 0, ok.err
    assert f"{FRAMES} frames at 24 fps" in ok.out
    progress = ok.err.splitlines()                   # not a terminal: plain lines, no bar
    assert progress and all(line.startswith("import: ") for line in progress), ok.err
    assert "\r" not in ok.err
    scene = load_scene(out)
    assert len(scene.people) == 1 and scene.animation is not None
    assert scene.animation.fps == 24.0 and len(scene.animation.tracks[0]) == FRAMES
    times = [k.time for k in scene.animation.tracks[0]]
    assert times[0] == 0.0 and abs(times[-1] - (FRAMES - 1) / 24.0) < 1e-9


def test_comfyui_frame_list_normalised_and_nested(frames_json, tmp_path, cli):
    frames = []
    for frame in frames_json:
        people = []
        for person in frame["people"]:
            flat = np.array(person["pose_keypoints_2d"]).reshape(-1, 3)
            flat[:, 0] /= CANVAS.width
            flat[:, 1] /= CANVAS.height
            people.append({"pose_keypoints_2d": flat.tolist(), "face_keypoints_2d": [],
                           "hand_left_keypoints_2d": [], "hand_right_keypoints_2d": []})
        frames.append({"people": people, "canvas_width": CANVAS.width, "canvas_height": CANVAS.height})
    path = tmp_path / "pose_keypoints.json"
    path.write_text(json.dumps(frames))
    out = tmp_path / "comfy.pose.json"
    result = cli("import", path, "--out", out, "--start", "2")
    assert result.code == 0, result.err
    scene = load_scene(out)
    assert len(scene.people) == 2 and (scene.canvas.width, scene.canvas.height) == (640, 480)
    assert scene.animation.fps == 30.0
    assert all(len(track) == FRAMES - 2 for track in scene.animation.tracks)
    # The two tracks stay apart: person A walks +X, B walks −X, all along.
    xs = np.array([[k.transl[0] for k in track] for track in scene.animation.tracks])
    assert np.sign(xs[0, -1] - xs[0, 0]) != np.sign(xs[1, -1] - xs[1, 0])


@pytest.mark.parametrize("make, expected", [
    (lambda d: d.mkdir(), "no *_keypoints.json"),
    (lambda d: (d.mkdir(), (d / "a_keypoints.json").write_text("{oops")), "not valid JSON"),
    (lambda d: (d.mkdir(), (d / "a_keypoints.json").write_text('{"people": [{"pose_keypoints_2d": [1, 2]}], '
                                                               '"canvas_width": 64, "canvas_height": 64}')),
     "pose_keypoints_2d"),
])
def test_bad_keypoint_folders_fail_in_one_line(make, expected, tmp_path, cli):
    folder = tmp_path / "kp"
    make(folder)
    out = tmp_path / "x.pose.json"
    result = cli("import", folder, "--out", out)
    assert result.code == 2 and result.err.count("\n") == 1 and expected in result.err, result.err
    assert "Traceback" not in result.err and not out.exists()


def test_bad_frame_lists_and_options_fail_in_one_line(frames_json, tmp_path, cli):
    out = tmp_path / "x.pose.json"
    cases = [
        ([frames_json[0], {"people": "nobody"}], [], "frame 1"),
        ([frames_json[0], dict(frames_json[1], canvas_width=100)], [], "different canvas sizes"),
        (frames_json, ["--start", "50"], "--start 50"),
        (frames_json, ["--person", "5"], "--person 5"),
        (frames_json, ["--fps", "-3"], "--fps"),
        ([{"people": [], "canvas_width": 64, "canvas_height": 64}] * 4, [], "nobody stays in view"),
        # seen in 3 frames of 20, then lost: said with how far they were followed
        (frames_json[:3] + [dict(frames_json[0], people=[])] * 17, [],
         "at most 3 of 20 frames, 10 needed"),
    ]
    for frames, options, expected in cases:
        path = tmp_path / "frames.json"
        path.write_text(json.dumps(frames))
        result = cli("import", path, "--out", out, *options)
        # one error line; before it, at most the plain progress lines of work already begun
        errors = [line for line in result.err.splitlines() if not line.startswith("import: ")]
        assert result.code == 2 and len(errors) == 1, result.err
        assert expected in result.err, result.err
        assert options[:1] == ["--fps"] or "frames.json" in result.err, result.err  # names the file
        assert not out.exists()


def test_ctrl_c_during_a_two_person_fit_stops_every_process(tmp_path):
    """Ctrl+C reaches the whole process group, the fitting workers too: the import ends with
    its one line, writes nothing, and leaves no worker behind."""
    import os
    import signal
    import subprocess

    body = load_body_model("mannequin")
    camera = Camera(yaw_deg=0.0, pitch_deg=5.0, distance=6.0, target=(0.0, 0.9, 0.0), fov_y_deg=50.0)
    frames = 60
    a, _ = keypoint_frames(body, *walk_motion(frames, 30.0, start=(-1.0, 0, 0)), np.zeros(10),
                           camera, CANVAS, noise=1.0)
    b, _ = keypoint_frames(body, *walk_motion(frames, 30.0, direction=np.pi, start=(1.0, 0, -0.8)),
                           np.zeros(10), camera, CANVAS, noise=1.0, seed=1)
    path = tmp_path / "two.json"
    path.write_text(json.dumps([to_openpose_json([a[t], b[t]], CANVAS) for t in range(frames)]))
    out = tmp_path / "two.pose.json"
    proc = subprocess.Popen([sys.executable, "-m", "posestudio", "import", str(path), "--out",
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    for line in proc.stderr:                      # both people are being fitted
        if "person 2" in line:
            break
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "posestudio import: interrupted", err
    assert "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two.json"]
    with pytest.raises(ProcessLookupError):       # nobody left in the process group
        os.killpg(proc.pid, 0)
