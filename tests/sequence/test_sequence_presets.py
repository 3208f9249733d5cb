"""Presets give exactly the frame count, frame rate and size each video model accepts."""

from __future__ import annotations

import pytest

from posestudio.errors import InputError
from posestudio.sequence.presets import PRESETS, get_preset, plan_frames, round_size


@pytest.mark.parametrize("n", [1, 2, 5, 16, 17, 40, 81, 100])
def test_wan_vace_counts_are_4k_plus_1_at_16fps(n):
    plan = plan_frames("wan-vace", n, (833, 479))
    assert plan.count % 4 == 1 and plan.count <= max(n, 1)
    assert plan.count > n - 4
    assert plan.fps == 16.0
    assert plan.size == (832, 480)


@pytest.mark.parametrize("n", [1, 9, 10, 96, 97, 120])
def test_ltx_counts_are_8k_plus_1_sizes_div32(n):
    plan = plan_frames("ltx-video", n, (700, 500))
    assert plan.count % 8 == 1 and plan.count <= n and plan.count > n - 8
    assert plan.size == (704, 512)
    assert plan.fps == 24.0
    assert plan_frames("ltx-video", n, (704, 512), fps=25).fps == 25.0
    with pytest.raises(InputError, match="24 or 25"):
        plan_frames("ltx-video", n, (704, 512), fps=30)


def test_clip_presets_have_exact_lengths_and_hold_short_ranges():
    for name, length in (("animatediff", 16), ("cogvideox-fun", 49)):
        assert plan_frames(name, 200, (512, 512)).count == length
        short = plan_frames(name, 5, (512, 512))
        assert short.count == length and short.held == length - 5
    assert plan_frames("animatediff", 16, (513, 771)).size == (512, 768)
    assert plan_frames("cogvideox-fun", 49, (720, 480)).size == (720, 480)


def test_wan_animate_fills_77_frame_segments_without_padding():
    assert plan_frames("wan-animate", 10, (512, 512)).count == 77
    assert plan_frames("wan-animate", 160, (512, 512)).count == 153      # 77 + 76
    plan = plan_frames("wan-animate", 300, (512, 512))
    assert (plan.count - 1) % 76 == 0 and plan.fps == 30.0


def test_styles_and_custom():
    assert get_preset("wan-vace").openpose == {"hands": False, "face": True, "toes": False,
                                               "style": "openpose"}
    assert get_preset("wan-animate").openpose["toes"] and get_preset("wan-animate").openpose["hands"]
    assert not get_preset("wan-animate").openpose["face"]
    assert get_preset("mimicmotion").openpose["style"] == "mimicmotion"
    assert get_preset("animate-anyone").openpose["style"] == "dwpose"
    assert "hands" not in get_preset("custom").openpose        # the scene's settings
    custom = plan_frames("custom", 37, (501, 333), scene_fps=12.5)
    assert (custom.count, custom.fps, custom.size) == (37, 12.5, (501, 333))
    assert plan_frames("custom", 37, (501, 333), fps=7).fps == 7.0
    assert set(PRESETS) >= {"wan-vace", "wan-animate", "animatediff", "cogvideox-fun",
                            "ltx-video", "mimicmotion", "animate-anyone", "custom"}


def test_bad_preset_and_fps_are_one_clear_error():
    with pytest.raises(InputError, match="wan-vace"):
        get_preset("wan")
    with pytest.raises(InputError, match="16 fps"):
        plan_frames("wan-vace", 10, (512, 512), fps=24)
    with pytest.raises(InputError, match="positive"):
        plan_frames("custom", 10, (512, 512), fps=-1)
    assert round_size(7, 9, 16) == (16, 16)
