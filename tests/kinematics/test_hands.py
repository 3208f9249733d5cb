"""Hands: curl/spread sliders and the bundled presets give finger poses within the limits that
look like what their names say (measured on the mannequin's fingertips)."""

from __future__ import annotations

import numpy as np
import pytest

from posestudio.errors import InputError
from posestudio.kinematics import apply_hand_shape, hand_shape
from posestudio.kinematics.hands import hand_rows
from posestudio.kinematics.limits import DEFAULT_LIMITS
from posestudio.kinematics.mirror import MIRROR_PERMUTATION, mirror_pose
from posestudio.presets import apply_hand_preset, hand_preset, list_hand_presets

FINGERS = ("thumb", "index", "middle", "ring", "pinky")
REFLECT = np.array([-1.0, 1.0, 1.0])


def _pose_with(hand, side):
    pose = np.zeros((55, 3))
    pose[hand_rows(side)] = hand
    return pose


def _tips(mannequin, hand, side="left"):
    """Fingertip distances to the wrist (cm); thumb-index, index-pinky, index-middle tip gaps."""
    body = mannequin.pose(pose=_pose_with(hand, side))
    wrist = body.joint(f"{side}_wrist")
    tip = {f: body.landmark(f"{side}_{f}_tip") for f in FINGERS}
    out = {f: 100 * np.linalg.norm(tip[f] - wrist) for f in FINGERS}
    out["pinch"] = 100 * np.linalg.norm(tip["thumb"] - tip["index"])
    out["fan"] = 100 * np.linalg.norm(tip["index"] - tip["pinky"])
    out["vee"] = 100 * np.linalg.norm(tip["index"] - tip["middle"])
    return out


def test_sliders_at_zero_give_back_the_base():
    rng = np.random.default_rng(0)
    for side in ("left", "right"):
        base = DEFAULT_LIMITS.clamp(rng.normal(0, 0.4, (55, 3)))[hand_rows(side)]
        np.testing.assert_array_equal(hand_shape(side, 0.0, 0.0, base=base), base)
    assert not hand_shape("left").any()  # no base: the flat open hand


@pytest.mark.parametrize("side", ["left", "right"])
def test_every_slider_setting_is_within_limits(side):
    rng = np.random.default_rng(1)
    bases = [None, hand_preset("fist", side), hand_preset("relaxed", side),
             DEFAULT_LIMITS.clamp(rng.normal(0, 1.0, (55, 3)))[hand_rows(side)]]
    for base in bases:
        for curl in np.linspace(-1, 1, 9):
            for spread in np.linspace(-1, 1, 9):
                hand = hand_shape(side, curl, spread, base=base)
                assert DEFAULT_LIMITS.within(_pose_with(hand, side)), (curl, spread)


def test_curl_closes_the_fingers_monotonically(mannequin):
    gaps = [_tips(mannequin, hand_shape("left", c)) for c in (0.0, 0.25, 0.5, 0.75, 1.0)]
    for finger in ("index", "middle", "ring", "pinky"):
        d = [g[finger] for g in gaps]
        assert np.all(np.diff(d) < 0), (finger, d)
        assert d[-1] < 0.5 * d[0]  # a fist: the tips come back to the palm
    back = _tips(mannequin, hand_shape("left", -1.0))
    assert back["pinch"] > gaps[0]["pinch"]  # extension opens the thumb away


def test_spread_fans_the_fingers_monotonically(mannequin):
    fans = [_tips(mannequin, hand_shape("left", 0.0, s))["fan"] for s in (-0.6, 0.0, 0.5, 1.0)]
    assert np.all(np.diff(fans) > 0), fans
    assert fans[-1] > 1.25 * fans[1]


def test_right_hand_is_the_mirror_of_the_left(mannequin):
    for curl, spread in ((0.6, 0.3), (-0.2, -0.5), (1.0, 1.0)):
        left = hand_shape("left", curl, spread)
        right = hand_shape("right", curl, spread)
        np.testing.assert_allclose(right, left * [1, -1, -1])
        a = mannequin.pose(pose=_pose_with(left, "left"))
        b = mannequin.pose(pose=mirror_pose(_pose_with(left, "left")))
        np.testing.assert_allclose(b.joints, a.joints[MIRROR_PERMUTATION] * REFLECT, atol=2e-5)
        np.testing.assert_allclose(mirror_pose(_pose_with(left, "left")),
                                   _pose_with(right, "right"))


def test_apply_hand_shape_touches_only_the_hands():
    rng = np.random.default_rng(2)
    pose = DEFAULT_LIMITS.clamp(rng.normal(0, 0.3, (55, 3)))
    out = apply_hand_shape(pose, "both", curl=0.5)
    hands = hand_rows("left") + hand_rows("right")
    body = sorted(set(range(55)) - set(hands))
    np.testing.assert_array_equal(out[body], pose[body])
    np.testing.assert_allclose(out[hand_rows("left")],
                               hand_shape("left", 0.5, base=pose[hand_rows("left")]))
    with pytest.raises(InputError):
        hand_shape("middle")
    with pytest.raises(InputError):
        hand_shape("left", curl=2.0)
    with pytest.raises(InputError):
        hand_shape("left", base=np.zeros((5, 3)))


def test_bundled_presets_exist_and_are_within_limits():
    assert {"relaxed", "fist", "open", "point", "pinch", "peace"} <= set(list_hand_presets())
    for name in list_hand_presets():
        pose = apply_hand_preset(np.zeros((55, 3)), name, "both")
        assert DEFAULT_LIMITS.within(pose), (name, DEFAULT_LIMITS.violations(pose))
        np.testing.assert_allclose(hand_preset(name, "right"),
                                   hand_preset(name, "left") * [1, -1, -1])


@pytest.mark.parametrize("side", ["left", "right"])
def test_presets_look_like_their_names(mannequin, side):
    t = {name: _tips(mannequin, hand_preset(name, side), side) for name in list_hand_presets()}
    curled, straight = 10.0, 16.0  # cm from the wrist; the open hand's tips are 16-19.5 cm
    long4 = ("index", "middle", "ring", "pinky")
    assert all(t["open"][f] > straight for f in long4)
    assert all(t["fist"][f] < curled for f in long4)
    assert t["point"]["index"] > straight and all(t["point"][f] < curled
                                                  for f in ("middle", "ring", "pinky"))
    assert all(t["peace"][f] > straight for f in ("index", "middle"))
    assert all(t["peace"][f] < curled for f in ("ring", "pinky"))
    assert t["peace"]["vee"] > 1.5 * t["open"]["vee"]  # the V
    assert t["pinch"]["pinch"] < 2.0 < t["open"]["pinch"]  # thumb meets index
    assert all(curled < t["relaxed"][f] < t["open"][f] for f in long4)  # slightly bent
