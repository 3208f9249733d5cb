"""Sequence export on real animated scenes: frames, files, depth scale, identity, cancel."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from PIL import Image

from sequence_helpers import animated_scene
from posestudio.errors import Cancelled
from posestudio.render.maps import PEOPLE_PALETTE
from posestudio.sequence.export import export_sequence, iter_sequence_maps, plan_sequence


def _still(xs_zs, size=(128, 192)):
    """A still scene with one standing person per (x, z), camera in front."""
    from posestudio.presets import load_pose_preset
    from posestudio.scene.model import Camera, Canvas, Person, RenderSettings, Scene

    pose, transl = load_pose_preset("standing")
    people = [Person(name=f"P{i}", pose=pose, transl=transl + np.array([x, 0.0, z]))
              for i, (x, z) in enumerate(xs_zs)]
    return Scene(canvas=Canvas(*size), camera=Camera(distance=6.0, target=(0.0, 0.9, 0.0)),
                 people=people, render=RenderSettings(seg_palette="people"))


def test_wan_vace_export_writes_exactly_the_planned_frames(tmp_path):
    scene = animated_scene(fps=10.0, seconds=1.0)             # 11 source frames at 10 fps
    out = tmp_path / "wan"
    result = export_sequence(scene, out, preset="wan-vace", size=(250, 390))
    plan = result.plan
    assert (plan.frames.fps, plan.frames.count, plan.canvas.width, plan.canvas.height) == (
        16.0, 17, 256, 384)                                    # 1 s at 16 fps = 17 = 4·4 + 1
    for name in ("openpose", "depth"):
        files = sorted((out / name).iterdir())
        assert [f.name for f in files] == [f"{i:06d}.png" for i in range(17)]
        assert Image.open(files[0]).size == (256, 384)
    jsons = sorted((out / "openpose_json").iterdir())
    assert [f.name for f in jsons] == [f"{i:06d}_keypoints.json" for i in range(17)]
    data = json.loads(jsons[5].read_text())
    assert (data["canvas_width"], data["canvas_height"]) == (256, 384)
    assert [p["person_id"] for p in data["people"]] == [[0], [1]]
    assert len(data["people"][0]["pose_keypoints_2d"]) == 54
    assert data["people"][0]["hand_left_keypoints_2d"] == []      # Wan VACE: no hands
    assert len(data["people"][0]["face_keypoints_2d"]) == 210
    manifest = json.loads((out / "sequence.json").read_text())
    assert manifest["frame_count"] == 17 and manifest["fps"] == 16.0
    # The mp4 previews hold every frame at the preset's rate.
    import av

    with av.open(str(out / "openpose.mp4")) as video:
        stream = video.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in video.decode(stream)]
        assert float(stream.average_rate) == 16.0
    assert len(frames) == 17 and frames[0].shape == (384, 256, 3)
    png = np.asarray(Image.open(out / "openpose" / "000008.png"))
    assert np.abs(frames[8].astype(int) - png).mean() < 6      # same picture, lossy codec


def test_depth_is_scaled_over_the_whole_sequence():
    # Frame 0: one person; frame 1: the same person plus one far behind. Per-frame scaling
    # would darken the first person in frame 1; the sequence scale keeps every pixel.
    frames = [_still([(0.0, 0.0)]), _still([(0.0, 0.0), (0.6, -4.0)])]
    out = list(iter_sequence_maps(frames, maps=("depth", "mask"), fps=1.0))
    d0, d1 = out[0].maps["depth"], out[1].maps["depth"]
    first = out[0].maps["mask"] > 0
    assert first.sum() > 500
    np.testing.assert_array_equal(d0[first], d1[first])
    assert d1[(out[1].maps["mask"] > 0) & ~first].max() < d0[first].min()   # far = darker
    assert d0.max() == 255 and d0[~first].max() == 0


def test_people_keep_identity_and_colour_when_they_swap_places():
    # Person 0 walks from the left to the right of person 1.
    frames = [_still([(-0.5, 0.0), (0.5, 0.0)]), _still([(0.5, 0.0), (-0.5, 0.0)])]
    out = list(iter_sequence_maps(frames, maps=("openpose", "seg"), fps=1.0))
    for frame, left_person in zip(out, (0, 1)):
        seg = frame.maps["seg"]
        left = seg[:, : seg.shape[1] // 2].reshape(-1, 3)
        colours = {tuple(c) for c in left[left.any(axis=1)]}
        assert colours == {PEOPLE_PALETTE[left_person]}
        ids = [p["person_id"][0] for p in frame.openpose_json["people"]]
        assert ids == [0, 1]
        x0 = frame.openpose_json["people"][0]["pose_keypoints_2d"][3]   # neck x
        x1 = frame.openpose_json["people"][1]["pose_keypoints_2d"][3]
        assert (x0 < x1) == (left_person == 0)


def test_hidden_person_keeps_its_id():
    scene = _still([(-0.5, 0.0), (0.5, 0.0)])
    scene.people[0] = dataclasses.replace(scene.people[0], visible=False)
    frame = next(iter_sequence_maps(scene, maps=("openpose", "seg")))
    assert [p["person_id"] for p in frame.openpose_json["people"]] == [[1]]
    seg = frame.maps["seg"].reshape(-1, 3)
    assert {tuple(c) for c in seg[seg.any(axis=1)]} == {PEOPLE_PALETTE[1]}


def test_cancel_leaves_nothing(tmp_path):
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 3

    out = tmp_path / "cancelled"
    with pytest.raises(Cancelled):
        export_sequence(animated_scene(), out, maps=("openpose", "depth"), cancelled=cancelled)
    assert list(tmp_path.iterdir()) == []


def test_sparse_keyframes_write_only_the_key_frames(tmp_path):
    scene = animated_scene(fps=10.0, seconds=1.0)        # keys at 0, 1/3, 2/3, 1 s
    out = tmp_path / "keys"
    export_sequence(scene, out, preset="ltx-video", maps=("openpose",), keyframes="keys")
    keys = json.loads((out / "keyframes.json").read_text())
    assert keys["frame_count"] == 25 and keys["fps"] == 24.0          # 8·3 + 1
    assert keys["frames"] == [0, 8, 16, 24]
    assert sorted(p.name for p in (out / "openpose").iterdir()) == [
        f"{k:06d}.png" for k in keys["frames"]]
    assert not (out / "openpose.mp4").exists()
    plan = plan_sequence(scene, preset="ltx-video", keyframes="0,3")
    assert plan.written == (0, 3)


def test_every_map_of_a_two_person_frame(tmp_path):
    frame = next(iter_sequence_maps(animated_scene(), start=3, end=4))
    maps = frame.maps
    assert list(maps) == ["openpose", "depth", "normal", "seg", "champ", "iuv", "mask",
                          "mannequin"]
    body = maps["mask"] > 0
    np.testing.assert_array_equal(body, maps["depth"] > 0)
    iuv = maps["iuv"]
    assert set(np.unique(iuv[..., 0][body])) <= set(range(1, 25))
    assert len(np.unique(iuv[..., 0][body])) >= 12               # most DensePose parts show
    assert iuv[~body].max() == 0 and iuv[..., 1][body].std() > 20   # U varies over the body
    assert (maps["champ"][body].any(axis=1)).mean() > 0.9
    assert frame.time == pytest.approx(0.3)


def test_custom_preset_follows_the_scene_openpose_settings():
    scene = animated_scene()
    scene.render = dataclasses.replace(scene.render, openpose_hands=False, openpose_face=False)
    frame = next(iter_sequence_maps(scene, maps="openpose", end=1))
    person = frame.openpose_json["people"][0]
    assert person["hand_left_keypoints_2d"] == [] and person["face_keypoints_2d"] == []
    frame = next(iter_sequence_maps(scene, preset="animate-anyone", maps="openpose", end=1))
    assert len(frame.openpose_json["people"][0]["face_keypoints_2d"]) == 210
