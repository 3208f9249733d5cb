"""Pose descriptions for re-pose prompts: limbs in the body's own frame, view from the camera."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from posestudio.generate.describe import describe_body, describe_limbs, describe_view


def skeleton(**moved) -> dict[str, np.ndarray]:
    """A person standing at the origin facing +Z (left side at +X), arms hanging; ``moved``
    replaces joints (``left_wrist=(x, y, z)``)."""
    joints = {
        "pelvis": (0, 1.0, 0), "neck": (0, 1.5, 0),
        "left_hip": (0.1, 0.95, 0), "right_hip": (-0.1, 0.95, 0),
        "left_knee": (0.1, 0.52, 0), "right_knee": (-0.1, 0.52, 0),
        "left_ankle": (0.1, 0.08, 0), "right_ankle": (-0.1, 0.08, 0),
        "left_shoulder": (0.18, 1.45, 0), "right_shoulder": (-0.18, 1.45, 0),
        "left_elbow": (0.2, 1.17, 0), "right_elbow": (-0.2, 1.17, 0),
        "left_wrist": (0.21, 0.92, 0), "right_wrist": (-0.21, 0.92, 0),
    }
    joints.update(moved)
    return {k: np.asarray(v, float) for k, v in joints.items()}


FRONT = np.array([0.0, 1.2, 3.0])


def test_standing_seen_from_the_front():
    assert describe_body(skeleton(), FRONT) == "standing, seen from the front"


@pytest.mark.parametrize("moved, phrase", [
    ({"left_elbow": (0.2, 1.72, 0), "left_wrist": (0.21, 1.98, 0)}, "left arm raised"),
    ({"left_elbow": (0.2, 1.72, 0), "left_wrist": (0.21, 1.98, 0),
      "right_elbow": (-0.2, 1.72, 0), "right_wrist": (-0.21, 1.98, 0)}, "both arms raised"),
    ({"right_elbow": (-0.46, 1.45, 0), "right_wrist": (-0.72, 1.45, 0)},
     "right arm stretched out to the side"),
    ({"left_elbow": (0.18, 1.45, 0.28), "left_wrist": (0.18, 1.45, 0.54)},
     "left arm reaching forward"),
    ({"left_knee": (0.1, 0.8, 0.35), "left_ankle": (0.1, 0.4, 0.4)}, "left leg lifted"),
    ({"right_knee": (-0.1, 0.6, 0.25), "right_ankle": (-0.1, 0.15, 0.0)}, "right knee bent"),
    ({"neck": (0, 1.35, 0.3)}, "leaning forward"),
])
def test_limbs(moved, phrase):
    assert phrase in describe_limbs(skeleton(**moved))


def test_left_is_the_persons_own_left_whichever_way_they_face():
    # Turned to face -Z: the left hip is now at -X; raising the arm at -X is still "left".
    turned = {k: v * np.array([-1.0, 1.0, -1.0]) for k, v in
              skeleton(left_elbow=(0.2, 1.72, 0), left_wrist=(0.21, 1.98, 0)).items()}
    assert describe_limbs(turned)[0] == "left arm raised"
    assert describe_view(turned, FRONT) == "seen from behind"


@pytest.mark.parametrize("eye, view", [
    ((3.0, 1.2, 0.0), "seen from the side"),
    ((-2.0, 1.2, 2.0), "seen in three-quarter view"),
    ((0.0, 1.2, -3.0), "seen from behind"),
    ((0.0, 5.0, 1.0), "seen from the front, from above"),
])
def test_view_from_the_camera(eye, view):
    assert describe_view(skeleton(), np.array(eye)) == view


def test_scene_description_from_the_posed_body():
    from posestudio.cli.scene_args import load_scene_arg
    from posestudio.generate.describe import describe_scene

    scene = load_scene_arg("waving")
    text = describe_scene(scene)
    assert text.startswith("the same person, ") and "arm raised" in text
    scene.camera = dataclasses.replace(scene.camera, yaw_deg=90.0)
    assert describe_scene(scene).endswith("seen from the side")
    assert describe_scene(load_scene_arg("two_people")).startswith("the same people; first: ")
