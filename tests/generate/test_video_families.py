"""Video families: detection from the folder, refusals in one line, segments, and every family's
preset frames going through its real (tiny) diffusers pipeline."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from posestudio.errors import Cancelled, GenerationError, InputError
from posestudio.generate.video_families import inspect_video_model
from posestudio.generate.video_params import VideoRequest, plan_segments, round_up_to_rule

# family key → (tiny builder, extra request fields, control size, reference image?)
CASES = {
    "wan-vace": ("wan-vace", {"segment_frames": 9, "overlap": 5}, 16, True),
    "wan-animate": ("wan-animate", {"segment_frames": 5, "overlap": 1}, 16, True),
    "animatediff": ("animatediff", {"segment_frames": 4, "overlap": 1}, 32, False),
    "animatediff-sparse": ("animatediff", {"segment_frames": 4, "overlap": 1}, 32, False),
    "cogvideox-fun": ("cogvideox-fun", {"segment_frames": 9, "overlap": 4}, 16, False),
    "ltx": ("ltx", {"segment_frames": 17, "overlap": 9}, 32, True),
}


def request_for(tiny_video, family, **extra):
    builder, fields, _, _ = CASES[family]
    parts = tiny_video[builder]
    models = {"base": str(parts["base"])}
    if builder == "animatediff":
        models["motion_adapter"] = str(parts["motion_adapter"])
        models["controlnet"] = str(parts["sparse_controlnet" if family.endswith("sparse")
                                         else "controlnet"])
    return VideoRequest(**models, prompt="a dancer", steps=2, seed=3, device="cpu",
                        **{**fields, **extra})


def animated_scene(size: int, seconds: float = 1.0):
    """The bundled walking example at size x size, its right arm rising over ``seconds``."""
    from posestudio.anim import Animation, PoseKey
    from posestudio.cli.scene_args import load_scene_arg
    from posestudio.scene.model import Canvas

    scene = load_scene_arg("walking")
    scene.canvas = Canvas(size, size)
    person = scene.people[0]
    raised = person.pose.copy()
    raised[17] = [0.0, 0.0, 1.2]
    scene.animation = Animation(fps=16.0, tracks=[[
        PoseKey(0.0, person.pose.copy(), person.transl.copy()),
        PoseKey(seconds, raised, person.transl.copy())]], camera_keys=[])
    return scene


# --- segments ------------------------------------------------------------------------------


def test_round_up_to_rule():
    assert [round_up_to_rule(n, (4, 1)) for n in (1, 2, 5, 6, 9)] == [1, 5, 5, 9, 9]
    assert round_up_to_rule(7, None) == 7


def test_segments_cover_the_clip_with_the_overlap_and_the_frame_rule():
    assert plan_segments(13, 9, 5, (4, 1)) == [(0, 9), (4, 13)]
    assert plan_segments(5, 81, 5, (4, 1)) == [(0, 5)]
    assert plan_segments(6, 81, 5, (4, 1)) == [(0, 9)]          # padded by holding, trimmed
    segments = plan_segments(200, 81, 5, (4, 1))
    assert segments[0] == (0, 81) and segments[-1][1] >= 200
    for (a0, a1), (b0, b1) in zip(segments, segments[1:]):
        assert a1 - b0 == 5 and (b1 - b0 - 1) % 4 == 0
    assert plan_segments(40, 16, 4, None) == [(0, 16), (12, 28), (24, 40)]


def test_blend_cross_fades_the_overlap():
    from posestudio.generate.video_engine import blend_into

    out = np.zeros((6, 1, 1, 3), np.uint8)
    filled = blend_into(out, 0, 0, np.full((4, 1, 1, 3), 200, np.uint8))
    filled = blend_into(out, filled, 2, np.full((4, 1, 1, 3), 100, np.uint8))
    assert filled == 6
    assert out[:, 0, 0, 0].tolist() == [200, 200, 167, 133, 100, 100]


# --- detection and refusals ----------------------------------------------------------------


@pytest.mark.parametrize("family", list(CASES))
def test_family_detected_from_the_folder(tiny_video, family):
    request = request_for(tiny_video, family)
    info = inspect_video_model(request.base, request.controlnet, request.motion_adapter)
    assert info.family == family


def one_line(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_incomplete_folder_names_the_missing_part(tiny_video, tmp_path):
    copy = shutil.copytree(tiny_video["wan-vace"]["base"], tmp_path / "vace")
    for weights in (copy / "transformer").glob("*.safetensors"):
        weights.unlink()
    with pytest.raises(GenerationError) as exc:
        inspect_video_model(copy)
    assert "incomplete" in one_line(exc) and "transformer/" in str(exc.value)
    shutil.rmtree(copy / "tokenizer")
    (copy / "tokenizer").mkdir()
    with pytest.raises(GenerationError, match="tokenizer"):
        inspect_video_model(copy)


def test_wrong_pairings_are_refused_in_one_line(tiny_video, tiny, tmp_path):
    parts = tiny_video["animatediff"]
    with pytest.raises(GenerationError) as exc:          # an SD base alone is no video model
        inspect_video_model(parts["base"])
    assert "--motion-adapter" in one_line(exc)
    with pytest.raises(GenerationError) as exc:          # ControlNet given to Wan
        inspect_video_model(tiny_video["wan-vace"]["base"], controlnet=parts["controlnet"])
    assert "--controlnet does not fit" in one_line(exc)
    # A motion adapter made for another UNet width (config checked, weights never read).
    other = tmp_path / "adapter-sdxl"
    other.mkdir()
    (other / "config.json").write_text(json.dumps({"_class_name": "MotionAdapter",
                                                   "block_out_channels": [320, 640, 1280]}))
    (other / "diffusion_pytorch_model.safetensors").write_bytes(b"")
    with pytest.raises(GenerationError) as exc:
        inspect_video_model(parts["base"], parts["controlnet"], other)
    assert "does not fit" in one_line(exc)
    with pytest.raises(GenerationError) as exc:          # an SDXL ControlNet beside SD 1.5
        inspect_video_model(parts["base"], tiny["sdxl"][1], parts["motion_adapter"])
    assert "does not fit" in one_line(exc)
    with pytest.raises(GenerationError) as exc:          # an image model is not a video model
        inspect_video_model(tiny["flux"][0])
    assert "FluxPipeline" in one_line(exc)
    with pytest.raises(GenerationError) as exc:
        inspect_video_model(tmp_path / "nowhere")
    assert "does not exist" in one_line(exc)


def test_reference_rules_checked_before_denoising(tiny_video):
    from posestudio.generate.video_engine import generate_frames

    control = [np.zeros((16, 16, 3), np.uint8)] * 5
    with pytest.raises(InputError, match="needs a reference image"):
        generate_frames(request_for(tiny_video, "wan-animate"), control,
                        face=[np.zeros((16, 16, 3), np.uint8)] * 5)
    with pytest.raises(InputError, match="takes no reference image"):
        generate_frames(request_for(tiny_video, "cogvideox-fun"), control,
                        reference=Image.new("RGB", (16, 16)))
    with pytest.raises(InputError, match="multiple of 16"):
        generate_frames(request_for(tiny_video, "wan-vace"), [np.zeros((24, 24, 3), np.uint8)] * 5)


# --- the preset frames through each real pipeline ------------------------------------------


@pytest.mark.parametrize("family", list(CASES))
def test_preset_frames_run_through_the_family_pipeline(tiny_video, family):
    """The scene exported with the family's preset, in memory, is accepted by the pipeline's own
    checks and gives one frame per control frame; the same seed gives the same frames."""
    from posestudio.generate.video import export_control, face_crop
    from posestudio.generate.video_engine import generate_frames, load_video_pipeline

    size, with_reference = CASES[family][2], CASES[family][3]
    request = request_for(tiny_video, family, end=7)
    scene = animated_scene(size)
    loaded = load_video_pipeline(request)
    plan, frames, keyframes = export_control(scene, request, family)
    assert len(frames) == 7 and plan.frames.size == (size, size)
    control = [np.asarray(f.maps["openpose"])[:, :, :3] for f in frames]
    assert control[0].max() > 0                          # the skeleton is drawn
    face = None
    if family == "wan-animate":
        face = [face_crop(f.maps["mannequin"], f.openpose_json, 16) for f in frames]
    if keyframes is not None:
        assert keyframes == [0]                          # the second key lies past frame 7
    reference = Image.new("RGB", (size, size), (180, 40, 40)) if with_reference else None
    steps = []
    first = generate_frames(request, control, reference=reference, face=face,
                            progress=lambda f, m: steps.append(m), loaded=loaded)
    again = generate_frames(request, control, reference=reference, face=face, loaded=loaded)
    assert first.frames.shape == (7, size, size, 3) and first.frames.dtype == np.uint8
    assert np.array_equal(first.frames, again.frames)
    assert steps[-1].endswith("step 2/2") and steps[-1].startswith("segment ")
    other = generate_frames(VideoRequest(**{**request.to_dict(), "seed": 4}), control,
                            reference=reference, face=face, loaded=loaded)
    assert not np.array_equal(first.frames, other.frames)


def test_cancel_stops_within_a_step(tiny_video):
    from posestudio.generate.video_engine import generate_frames

    calls = []
    with pytest.raises(Cancelled):
        generate_frames(request_for(tiny_video, "cogvideox-fun"),
                        [np.zeros((16, 16, 3), np.uint8)] * 13,
                        progress=lambda f, m: calls.append(m), cancelled=lambda: bool(calls))
    assert calls == ["segment 1/2, step 1/2"]


def test_face_crop_follows_the_head():
    from posestudio.generate.video import face_crop

    image = np.zeros((64, 64, 3), np.uint8)
    image[10:20, 40:50] = 255                            # the "head"
    keypoints = [0.0] * 54
    keypoints[0:3] = [45.0, 15.0, 1.0]                   # nose
    keypoints[3:6] = [45.0, 20.0, 1.0]                   # neck
    crop = face_crop(image, {"people": [{"pose_keypoints_2d": keypoints}]}, 16)
    assert crop.shape == (16, 16, 3) and crop.mean() > 100
    assert face_crop(image, {"people": []}, 16).shape == (16, 16, 3)
