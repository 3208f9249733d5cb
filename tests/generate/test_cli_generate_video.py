"""``posestudio generate-video`` end to end: animated scene file → tiny real video pipeline → mp4,
sidecar and frame PNGs with the parameters; --reuse makes the same frames again."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from test_cli_generate import pixels
from test_video_families import animated_scene


@pytest.fixture(scope="module")
def scene_file(tmp_path_factory):
    from posestudio.scene.file_format import save_scene

    path = tmp_path_factory.mktemp("scenes") / "dance.pose.json"
    save_scene(animated_scene(32), path)
    return path


def args_for(tiny_video, scene_file, out, *extra):
    return ("generate-video", scene_file, "--base", tiny_video["wan-vace"]["base"],
            "--prompt", "a dancer", "--out", out, "--steps", "2", "--seed", "5", "--end", "13",
            "--segment-frames", "9", "--overlap", "5", "--device", "cpu", *extra)


def test_writes_mp4_sidecar_and_frames_with_parameters(tiny_video, scene_file, cli, tmp_path):
    import av

    reference = tmp_path / "character.png"
    Image.new("RGB", (40, 40), (200, 40, 40)).save(reference)
    out = tmp_path / "out" / "dance.mp4"
    code, stdout, stderr = cli(*args_for(tiny_video, scene_file, out, "--image", reference))
    assert code == 0, stderr
    assert "13 frames, 32x32 at 16 fps" in stdout and "2 segment(s)" in stdout
    assert all(line.startswith("generate-video: ") for line in stderr.splitlines())
    assert "segment 2/2, step 2/2" in stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["dance.frames", "dance.json",
                                                            "dance.mp4"]
    with av.open(str(out)) as container:
        tags = dict(container.metadata)
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(decoded) == 13 and decoded[0].shape == (32, 32, 3)
    generation = json.loads(tags["comment"])
    assert generation["family"] == "wan-vace" and generation["request"]["seed"] == 5
    assert tags["description"].startswith("a dancer\n")
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["format"] == "posestudio-video" and sidecar["frames"] == 13
    assert sidecar["scene"]["animation"] is not None
    assert sidecar["request"]["reference_image"] == str(reference)
    frames = sorted((out.parent / "dance.frames").glob("*.png"))   # + the export manifest
    assert [f.name for f in frames[:2]] == ["000000.png", "000001.png"] and len(frames) == 13
    with Image.open(frames[3]) as image:
        text = dict(image.text)
    assert json.loads(text["posestudio-generation"])["frame"] == 3
    assert "Frames: 13" in text["parameters"]
    with Image.open(frames[0]) as image:
        assert "posestudio-scene" in image.text


def test_reuse_makes_the_same_frames(tiny_video, scene_file, cli, tmp_path):
    first = tmp_path / "a.mp4"
    assert cli(*args_for(tiny_video, scene_file, first))[0] == 0
    again = tmp_path / "b.mp4"
    code, _, stderr = cli("generate-video", "--reuse", first, "--out", again)   # scene from it
    assert code == 0, stderr
    for name in ("000000.png", "000012.png"):
        assert np.array_equal(pixels(tmp_path / "a.frames" / name),
                              pixels(tmp_path / "b.frames" / name))
    other = tmp_path / "c.mp4"
    assert cli("generate-video", "--reuse", first, "--seed", "6", "--out", other)[0] == 0
    assert not np.array_equal(pixels(tmp_path / "a.frames" / "000012.png"),
                              pixels(tmp_path / "c.frames" / "000012.png"))


@pytest.mark.parametrize("extra, message", [
    (("--controlnet", "CN"), "--controlnet does not fit"),
    (("--steps", "many"), "--steps 'many'"),
    (("--preset", "nope"), "unknown, choose from"),
])
def test_bad_input_is_one_line_and_leaves_nothing(tiny_video, scene_file, cli, tmp_path, extra,
                                                  message):
    if extra[0] == "--controlnet":
        extra = ("--controlnet", str(tiny_video["animatediff"]["controlnet"]))
    out = tmp_path / "out" / "x.mp4"
    code, _, stderr = cli(*args_for(tiny_video, scene_file, out, *extra))
    assert code == 2
    errors = [line for line in stderr.splitlines() if not line.startswith("generate-video: ")]
    assert len(errors) == 1 and message in errors[0]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_animatediff_sparsectrl_with_keyframes(tiny_video, scene_file, cli, tmp_path):
    parts = tiny_video["animatediff"]
    out = tmp_path / "sparse.mp4"
    code, stdout, stderr = cli(
        "generate-video", scene_file, "--base", parts["base"], "--motion-adapter",
        parts["motion_adapter"], "--controlnet", parts["sparse_controlnet"], "--keyframes", "0,3",
        "--prompt", "a dancer", "--out", out, "--steps", "2", "--seed", "1", "--end", "7",
        "--segment-frames", "4", "--overlap", "1", "--device", "cpu")
    assert code == 0, stderr
    assert "7 frames, 32x32 at 8 fps" in stdout and "animatediff-sparse" in stdout
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["request"]["keyframes"] == [0, 3] and sidecar["segments"] == [[0, 4], [3, 7]]
