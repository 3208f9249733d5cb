"""Video import end to end on a tiny clip made at test time: decode (range, rate), MediaPipe in
video mode, tracking, the temporal fit, the CLI's one-line errors and all-or-nothing output."""

from __future__ import annotations

import numpy as np
import pytest

from motion_cases import brick_wall, write_video
from posestudio.errors import ImportFormatError, InputError
from posestudio.video.decode import FrameRange, iter_frames, probe_video


@pytest.fixture(scope="module")
def counter_video(tmp_path_factory):
    """20 frames at 20 fps whose grey level encodes the frame index (10 × index)."""
    path = tmp_path_factory.mktemp("video") / "counter.mp4"
    write_video(path, [np.full((48, 64, 3), 10 * i, dtype=np.uint8) for i in range(20)], 20.0)
    return path


@pytest.fixture(scope="module")
def astronaut_video(tmp_path_factory):
    """The astronaut photo drifting right and down a little over a still brick wall (a fixed
    camera), 12 frames at 12 fps."""
    skimage_data = pytest.importorskip("skimage.data")
    photo = skimage_data.astronaut()
    wall = brick_wall(640, 480)
    frames = []
    for i in range(12):
        canvas = wall.copy()
        dx, dy = 6 * i, 2 * i
        canvas[dy:dy + 360, dx:dx + 360] = photo[60:420, 70:430]
        frames.append(canvas)
    path = tmp_path_factory.mktemp("video") / "astronaut.mp4"
    write_video(path, frames, 12.0)
    return path


def _index(rgb: np.ndarray) -> int:
    return int(round(float(rgb.mean()) / 10))


def test_decode_range_and_rate(counter_video):
    info = probe_video(counter_video)
    assert (info.width, info.height, info.fps) == (64, 48, 20.0)
    every = [_index(f) for _, _, f in iter_frames(info, FrameRange(20.0))]
    assert every == list(range(20))
    half = [(i, t, _index(f)) for i, t, f in iter_frames(info, FrameRange(10.0, start=4, end=12))]
    assert [s for _, _, s in half] == [4, 6, 8, 10]
    assert [i for i, _, _ in half] == [0, 1, 2, 3] and half[1][1] == pytest.approx(0.1)
    faster = [_index(f) for _, _, f in iter_frames(info, FrameRange(30.0, end=4))]
    assert faster == [0, 1, 1, 2, 3, 3]


def test_not_a_video_and_bad_ranges(counter_video, tmp_path):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"this is no video" * 50)
    with pytest.raises(ImportFormatError, match="not a video"):
        probe_video(fake)
    from posestudio.video.importer import import_video

    with pytest.raises(InputError, match="--start 30"):
        import_video(counter_video, start=30)
    with pytest.raises(InputError, match="empty frame range"):
        import_video(counter_video, start=5, end=5)


def test_video_becomes_an_animated_scene(astronaut_video, tmp_path, capsys):
    from posestudio.cli import main
    from posestudio.scene.file_format import load_scene

    out = tmp_path / "astronaut.pose.json"
    assert main(["import", str(astronaut_video), "--out", str(out), "--fps", "6"]) == 0
    printed = capsys.readouterr()
    assert "1 person, 6 frames at 6 fps" in printed.out, printed
    scene = load_scene(out)
    assert (scene.canvas.width, scene.canvas.height) == (640, 480)
    assert scene.animation.fps == 6.0 and len(scene.animation.tracks[0]) == 6
    assert scene.animation.camera_keys == [] and "camera turned" not in printed.out  # still wall
    # The person drifts right in the picture: the lifted body moves towards +X.
    xs = [k.transl[0] for k in scene.animation.tracks[0]]
    assert xs[-1] - xs[0] > 0.05
    # A bad --person fails in one line and writes nothing.
    again = tmp_path / "again.pose.json"
    assert main(["import", str(astronaut_video), "--out", str(again), "--person", "3"]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if not line.startswith("import: ")]  # progress
    assert errors == [line for line in errors if "--person 3" in line] and len(errors) == 1
    assert not again.exists()


def _other_sources(tmp_path):
    """Sources that are not videos: a single-pose OpenPose JSON, a scene, a keypoint folder (one
    empty frame)."""
    from posestudio.scene.file_format import save_scene
    from posestudio.scene.model import Scene

    single = tmp_path / "one_keypoints.json"
    single.write_text('{"people": []}')
    scene = tmp_path / "a.pose.json"
    save_scene(Scene(), scene)
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "a_000_keypoints.json").write_text('{"people": []}')
    return single, scene, frames


def test_smoothing_is_refused_for_a_single_pose_and_checked_for_a_clip(tmp_path, cli):
    """``--smoothing`` shapes a clip's temporal fit: refused in one line for a single pose (an
    OpenPose JSON, a scene), a bad value refused before anything is read; nothing written."""
    single, scene, frames = _other_sources(tmp_path)
    out = tmp_path / "b.pose.json"
    for source, value, message in ((single, "2", "--smoothing applies to a video"),
                                   (scene, "2", "--smoothing applies to a video"),
                                   (frames, "0", "--smoothing 0: must be more than 0"),
                                   (frames, "50", "at most 20"),
                                   (frames, "soft", "expected a number")):
        result = cli("import", source, "--out", out, "--smoothing", value)
        assert result.code == 2 and not out.exists(), (source, value, result)
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], result.err


def test_fixed_camera_applies_to_a_video_only(tmp_path, cli):
    """``--fixed-camera`` is a video's: refused in one line for a single pose, a scene and a
    keypoint sequence; nothing written."""
    out = tmp_path / "b.pose.json"
    for source in _other_sources(tmp_path):
        result = cli("import", source, "--out", out, "--fixed-camera", "--size", "64x64")
        assert result.code == 2 and not out.exists(), (source, result)
        lines = [line for line in result.err.strip().splitlines() if not line.startswith("import: ")]
        assert lines == ["posestudio import: error: --fixed-camera applies to a video"], result.err


def test_video_detector_says_which_graph_found_each_person_and_restarts_one(astronaut_video):
    """The importer turns a graph's detection down when the tracker does (the graph latched
    onto something else) and restarts that graph: the detector names, per person found, the
    key of the graph that followed them (None for the whole-frame search), and a restarted
    graph finds its person again from scratch."""
    from posestudio.detect.video import VideoPoseDetector

    frames = [rgb for _, _, rgb in iter_frames(probe_video(astronaut_video), FrameRange(12.0))]
    with VideoPoseDetector(search_every=100) as detector:
        first = detector.detect(frames[0], [])
        assert len(first) == 1 and detector.sources == [None]
        box = first[0].bbox()
        found = detector.detect(frames[1], [(7, box)])
        assert len(found) == 1 and detector.sources == [7]
        detector.restart(7)
        detector.restart(99)                       # nobody followed under that key: nothing
        again = detector.detect(frames[2], [(7, box)])
        assert len(again) == 1 and detector.sources == [7]
        shift = np.asarray(again[0].body)[:, :2] - np.asarray(found[0].body)[:, :2]
        present = (np.asarray(again[0].body)[:, 2] > 0) & (np.asarray(found[0].body)[:, 2] > 0)
        assert np.abs(np.median(shift[present], axis=0)).max() < 20   # the same person
