"""Skeleton drawing styles of the presets: DWPose, MimicMotion, Wan-Animate's feet."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.body import load_body_model
from posestudio.keypoints import people_keypoints_2d
from posestudio.presets import load_pose_preset
from posestudio.render.openpose_draw import draw_openpose
from posestudio.render.pose_styles import draw_pose_style
from posestudio.scene.model import Camera, Canvas


def _people(layout="coco18"):
    pose, transl = load_pose_preset("walking")
    posed = [load_body_model("mannequin").pose(pose=pose, transl=transl)]
    camera = Camera(distance=3.2, target=(0.0, 0.9, 0.0))
    return people_keypoints_2d(posed, camera, Canvas(256, 384), layout=layout)


def test_dwpose_draws_the_controlnet_annotator_pixels():
    people = _people()
    np.testing.assert_array_equal(draw_pose_style(people, 256, 384, style="dwpose"),
                                  draw_openpose(people, 256, 384))


def test_mimicmotion_is_thin_smooth_and_channel_swapped():
    people = _people()
    plain = draw_openpose(people, 256, 384, hands=False, face=False)
    mimic = draw_pose_style(people, 256, 384, style="mimicmotion", hands=False, face=False)
    lit_plain, lit_mimic = plain.any(axis=2).sum(), mimic.any(axis=2).sum()
    assert lit_mimic < 0.6 * lit_plain                 # 4 px at 2160 is < 1 px here
    levels = np.unique(mimic[mimic.any(axis=2)].reshape(-1))
    assert len(levels) > 50                             # resized down: blended edges
    # Same colours, red and blue swapped: the channel balance flips.
    red_blue = plain[..., 0].astype(float).sum() / plain[..., 2].astype(float).sum()
    blue_red = mimic[..., 2].astype(float).sum() / mimic[..., 0].astype(float).sum()
    assert abs(red_blue - 1.0) > 0.1
    assert blue_red == pytest.approx(red_blue, rel=0.15)


def test_wan_animate_draws_thin_limbs_toes_and_no_face():
    from posestudio.render.pose_styles import WAN_TOE_COLORS, draw_wan_animate

    people = _people("body25")
    wan = draw_pose_style(people, 256, 384, style="wan-animate", face=True)
    np.testing.assert_array_equal(wan, draw_wan_animate(people, 256, 384))
    plain = draw_openpose(people, 256, 384, hands=False, face=False)
    assert wan.any(axis=2).sum() < 0.6 * plain.any(axis=2).sum()     # 1 px sticks at 256 px
    face_white = (plain == 255).all(axis=2).sum()
    assert (wan == 255).all(axis=2).sum() < face_white + 1            # no white face dots
    # Each toe point is drawn in its colour at the midpoint of the big and small toes.
    body = people[0].body
    for (big, small), color in zip(((19, 20), (22, 23)), WAN_TOE_COLORS):
        x = int((0.5 * (body[big, 0] + body[small, 0]) / 256) * 256)
        y = int((0.5 * (body[big, 1] + body[small, 1]) / 384) * 384)
        assert wan[y, x].tolist() == list(color)
    # A Wan-Animate export carries BODY_25 keypoints (toes) in its JSON.
    from sequence_helpers import animated_scene
    from posestudio.sequence.export import iter_sequence_maps

    frame = next(iter_sequence_maps(animated_scene(), preset="wan-animate", maps="openpose"))
    assert len(frame.openpose_json["people"][0]["pose_keypoints_2d"]) == 75
