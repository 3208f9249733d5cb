"""Build the bundled pose presets, hand presets and example scenes from the values below.

Run from the checkout after changing a pose or the mannequin rig::

    python resources/presets/build_presets.py          # rewrite the files
    python resources/presets/build_presets.py --check  # exit 1 if a file is out of date

Writes ``resources/presets/hands.json``, ``resources/presets/poses/<name>.pose.json`` and
``resources/examples/<name>.pose.json``. The angles here are in degrees and were worked out by
posing the mannequin and looking at renders (see ``tests/test_presets.py`` for what is checked).

Sign conventions of SMPL-X axis-angle, measured on the mannequin (rest = T-pose facing +Z, left
arm along +X; every joint frame is parallel to the world at rest):

* hip ``x < 0`` swings the thigh forward; knee ``x > 0`` bends the shin backwards; ankle
  ``x > 0`` points the toes down; hip ``z > 0`` moves the left leg out (right leg: ``z < 0``).
* shoulder ``z < 0`` lowers the left arm (right arm: ``z > 0``); for a lowered arm, ``x < 0``
  swings it forward; shoulder ``y < 0`` brings the left arm forward (right arm: ``y > 0``).
* elbow ``y < 0`` bends the left forearm forward (right: ``y > 0``).
* left fingers curl with ``z < 0`` (right: ``z > 0``); spine/neck ``x > 0`` bends forward;
  head ``y < 0`` turns the face to the person's right.

Every pose gets a ``transl`` that puts the mannequin (betas = 0) on the ground y = 0 (lowest
vertex at 0; ``jumping`` floats ``LIFT`` above it) and centres its bounding box over x = z = 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from posestudio.anim import Animation, CameraKey, PoseKey
from posestudio.body import load_body_model
from posestudio.camera import frame_points
from posestudio.presets import HAND_JOINT_NAMES, HANDS_FORMAT, HANDS_VERSION
from posestudio.scene.file_format import json_text, pose_to_dict, scene_to_dict
from posestudio.scene.model import Camera, Canvas, Person, Scene
from posestudio.skeletons import LEFT_HAND_JOINTS, RIGHT_HAND_JOINTS, SMPLX_JOINT_INDEX

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
DECIMALS = 5  # radians and metres: 1e-5 is far below anything visible


def rv(*steps: tuple[str, float]) -> np.ndarray:
    """Axis-angle (3,) radians of rotations ``(axis, degrees)`` applied in order about the
    parent's fixed axes (the first step is applied first)."""
    rotation = Rotation.identity()
    for axis, degrees in steps:
        rotation = Rotation.from_rotvec(np.radians(degrees) * np.eye(3)["xyz".index(axis)]) * rotation
    return rotation.as_rotvec()


# --- hands (LEFT hand; the right hand is the mirror image) --------------------------------------

def _hand(fingers, thumb) -> np.ndarray:
    """(15, 3) left-hand pose. ``fingers``: index, middle, pinky, ring as (curl1, curl2, curl3
    [, spread]) in degrees; ``thumb``: three axis-angle vectors."""
    hand = np.zeros((15, 3))
    for k, finger in enumerate(fingers):
        curl1, curl2, curl3 = finger[:3]
        spread = finger[3] if len(finger) > 3 else 0.0
        hand[3 * k] = rv(("y", spread), ("z", -curl1))
        hand[3 * k + 1] = rv(("z", -curl2))
        hand[3 * k + 2] = rv(("z", -curl3))
    hand[12:15] = thumb
    return hand


_CURL = (80, 95, 60)
_THUMB_OVER_FINGERS = [rv(("x", 60), ("y", 20)), rv(("y", 30)), rv(("y", 40))]
HANDS: dict[str, np.ndarray] = {
    "relaxed": _hand([(12, 18, 10, -2), (18, 22, 12), (28, 32, 15, 4), (23, 27, 14, 2)],
                     [rv(("x", 15)), rv(("y", 10)), rv(("y", 12))]),
    "fist": _hand([_CURL] * 4, _THUMB_OVER_FINGERS),
    "open": np.zeros((15, 3)),
    "point": _hand([(0, 0, 0), _CURL, _CURL, _CURL], _THUMB_OVER_FINGERS),
    # thumb tip meets the index tip (found by minimising their distance on the mannequin)
    "pinch": _hand([(37, 50, 34), (20, 25, 15), (30, 35, 20), (25, 30, 18)],
                   [rv(("x", 40.5), ("y", 13)), rv(("y", 13)), rv(("y", 18.5))]),
    "peace": _hand([(0, 0, 0, -10), (0, 0, 0, 8), _CURL, _CURL], _THUMB_OVER_FINGERS),
}


# --- whole-body poses ---------------------------------------------------------------------------

def _pose(**joints: list[tuple[str, float]]) -> np.ndarray:
    pose = np.zeros((55, 3))
    for name, steps in joints.items():
        pose[SMPLX_JOINT_INDEX[name]] = rv(*steps)
    return pose


LIFT = {"jumping": 0.3}  # metres between the lowest vertex and the ground
# name -> (pose, hand preset name or (left, right) or None)
POSES: dict[str, tuple[np.ndarray, str | tuple[str, str] | None]] = {
    "t_pose": (_pose(), None),
    "a_pose": (_pose(left_shoulder=[("z", -45)], right_shoulder=[("z", 45)]), None),
    "standing": (_pose(
        left_shoulder=[("z", -75)], right_shoulder=[("z", 75)],
        left_elbow=[("y", -10)], right_elbow=[("y", 10)],
        left_hip=[("z", 3)], right_hip=[("z", -3)]), "relaxed"),
    "relaxed": (_pose(  # weight on the left leg, right knee loose, head tilted
        pelvis=[("z", 4)], spine1=[("z", -3)], spine2=[("z", -2)], neck=[("z", -3)],
        head=[("z", 4), ("y", -8)],
        left_shoulder=[("z", -78), ("x", 5)], right_shoulder=[("z", 72), ("x", -5)],
        left_elbow=[("y", -15)], right_elbow=[("y", 20)],
        left_hip=[("z", -4), ("x", -3)], right_hip=[("z", -6), ("x", -8)],
        right_knee=[("x", 14)], right_ankle=[("x", 4)], left_ankle=[("z", 4)]), "relaxed"),
    "walking": (_pose(  # left heel strike, right arm forward
        left_hip=[("x", -25)], left_knee=[("x", 8)], left_ankle=[("x", -10)],
        right_hip=[("x", 15)], right_knee=[("x", 25)], right_ankle=[("x", 12)],
        spine2=[("y", 4)],
        left_shoulder=[("z", -75), ("x", 18)], right_shoulder=[("z", 75), ("x", -18)],
        left_elbow=[("y", -10)], right_elbow=[("y", 25)]), "relaxed"),
    "running": (_pose(
        spine1=[("x", 8)], spine2=[("y", 6)], head=[("x", -8)],
        left_hip=[("x", -60)], left_knee=[("x", 75)], left_ankle=[("x", 10)],
        right_hip=[("x", 20)], right_knee=[("x", 95)], right_ankle=[("x", 25)],
        left_shoulder=[("z", -72), ("x", 40)], right_shoulder=[("z", 72), ("x", -40)],
        left_elbow=[("y", -85)], right_elbow=[("y", 90)]), "fist"),
    "sitting": (_pose(  # thighs level at chair height, feet flat, hands on the knees
        left_hip=[("x", -90), ("z", 4)], right_hip=[("x", -90), ("z", -4)],
        left_knee=[("x", 90)], right_knee=[("x", 90)],
        left_shoulder=[("z", -75), ("x", -25)], right_shoulder=[("z", 75), ("x", -25)],
        left_elbow=[("y", -45)], right_elbow=[("y", 45)]), "relaxed"),
    "kneeling": (_pose(  # upright on both knees, insteps flat behind
        left_knee=[("x", 90)], right_knee=[("x", 90)],
        left_ankle=[("x", 70)], right_ankle=[("x", 70)],
        left_shoulder=[("z", -75), ("x", -15)], right_shoulder=[("z", 75), ("x", -15)],
        left_elbow=[("y", -30)], right_elbow=[("y", 30)]), "relaxed"),
    "jumping": (_pose(
        left_shoulder=[("z", 50)], right_shoulder=[("z", -50)],
        left_hip=[("x", -35), ("z", 8)], right_hip=[("x", -35), ("z", -8)],
        left_knee=[("x", 60)], right_knee=[("x", 60)],
        left_ankle=[("x", 30)], right_ankle=[("x", 30)]), "open"),
    "waving": (_pose(  # right upper arm out, turned so the forearm bends up, palm forward
        right_shoulder=[("x", -90), ("z", -15)], right_elbow=[("y", 100)], right_wrist=[("z", -10)],
        left_shoulder=[("z", -75)], left_elbow=[("y", -10)]), ("relaxed", "open")),
    "pointing": (_pose(  # right arm forward-right, head turned to look along it
        right_shoulder=[("y", 55), ("z", -8)], head=[("y", -25)], spine2=[("y", -5)],
        left_shoulder=[("z", -75)], left_elbow=[("y", -10)]), ("relaxed", "point")),
    "fighting_stance": (_pose(  # orthodox guard: left foot forward, fists by the chin
        pelvis=[("y", -25)], spine2=[("y", 10)], head=[("y", 12)],
        left_hip=[("x", -25), ("z", 10)], left_knee=[("x", 25)],
        right_hip=[("x", 14), ("z", -10)], right_knee=[("x", 6)], right_ankle=[("x", -20)],
        left_shoulder=[("z", -70), ("x", -55), ("y", -20)],
        right_shoulder=[("z", 70), ("x", -40), ("y", 20)],
        left_elbow=[("y", -115)], right_elbow=[("y", 130)]), "fist"),
    "lying": (_pose(  # on the back, head towards −Z
        pelvis=[("x", -90)], left_shoulder=[("z", -70)], right_shoulder=[("z", 70)],
        left_knee=[("x", 8)], right_knee=[("x", 4)], head=[("x", 5)]), "relaxed"),
}


def full_pose(name: str) -> np.ndarray:
    """(55, 3) pose of preset ``name`` with its hands set, rounded as stored."""
    pose, hands = POSES[name]
    pose = pose.copy()
    if hands is not None:
        left, right = (hands, hands) if isinstance(hands, str) else hands
        pose[list(LEFT_HAND_JOINTS)] = HANDS[left]
        pose[list(RIGHT_HAND_JOINTS)] = HANDS[right] * np.array([1.0, -1.0, -1.0])
    return np.round(pose, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def grounded_transl(pose: np.ndarray, lift: float = 0.0) -> np.ndarray:
    """(3,) transl putting the default mannequin's lowest vertex at y = lift, centred in x/z."""
    vertices = load_body_model("mannequin").pose(pose=pose).vertices.astype(np.float64)
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    centre = (lo + hi) / 2.0
    return np.round([-centre[0], lift - lo[1], -centre[2]], DECIMALS) + 0.0


# --- example scenes -----------------------------------------------------------------------------

# name -> canvas, camera (yaw, pitch, fov), people [(preset, x, z, turn_deg)]
SCENES = {
    "standing": ((768, 1024), (0.0, 5.0, 40.0), [("standing", 0.0, 0.0, 0.0)]),
    "walking": ((768, 1024), (55.0, 5.0, 40.0), [("walking", 0.0, 0.0, 0.0)]),
    "sitting": ((768, 1024), (35.0, 10.0, 40.0), [("sitting", 0.0, 0.0, 0.0)]),
    "running": ((768, 1024), (65.0, 5.0, 40.0), [("running", 0.0, 0.0, 0.0)]),
    "waving": ((768, 1024), (15.0, 5.0, 40.0), [("waving", 0.0, 0.0, 0.0)]),
    "two_people": ((1024, 768), (0.0, 8.0, 40.0),
                   [("waving", -0.6, 0.0, 15.0), ("pointing", 0.6, 0.1, 20.0)]),
}


def _place(preset: str, x: float, z: float, turn_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """A preset turned ``turn_deg`` about the vertical through the pelvis and moved to (x, z)."""
    pose = full_pose(preset)
    transl = grounded_transl(pose, LIFT.get(preset, 0.0))
    if turn_deg:
        # Turn the placed body about the world's vertical axis: the mannequin's pelvis joint is
        # at the model origin, so v -> R v + R transl; a turn about Y keeps the feet on the ground.
        turn = Rotation.from_rotvec(np.radians(turn_deg) * np.array([0.0, 1.0, 0.0]))
        pose[0] = np.round((turn * Rotation.from_rotvec(pose[0])).as_rotvec(), DECIMALS) + 0.0
        transl = turn.apply(transl)
    return pose, np.round(transl + [x, 0.0, z], DECIMALS) + 0.0


def build_scene(name: str) -> Scene:
    (width, height), (yaw, pitch, fov), placements = SCENES[name]
    canvas = Canvas(width, height)
    people = []
    for i, placement in enumerate(placements):
        pose, transl = _place(*placement)
        people.append(Person(name=f"Person {i + 1}", pose=pose, transl=transl))
    model = load_body_model("mannequin")
    vertices = np.concatenate([model.pose(pose=p.pose, transl=p.transl).vertices for p in people])
    camera = frame_points(Camera(yaw_deg=yaw, pitch_deg=pitch, fov_y_deg=fov), canvas,
                          vertices, margin=0.08)
    camera = Camera(yaw_deg=yaw, pitch_deg=pitch, fov_y_deg=fov,
                    distance=round(camera.distance, 4),
                    target=tuple(round(v, 4) for v in camera.target))
    return Scene(canvas=canvas, camera=camera, people=people)


# The animated example: keyed presets (seconds, preset, interpolation to the next key) and a
# camera that turns by DANCE_TURN_DEG over the clip, on the standing example's framing.
DANCE_KEYS = ((0.0, "relaxed", "smooth"), (0.8, "waving", "ease"), (1.6, "walking", "smooth"),
              (2.4, "pointing", "ease"), (3.2, "relaxed", "smooth"))
DANCE_FPS = 24.0
DANCE_TURN_DEG = 60.0


def build_dance() -> Scene:
    """The ``dance`` example: one person keyed through :data:`DANCE_KEYS`, a turning camera."""
    scene = build_scene("standing")
    keys = []
    for time, preset, interp in DANCE_KEYS:
        pose = full_pose(preset)
        keys.append(PoseKey(time=time, pose=pose, transl=grounded_transl(pose, LIFT.get(preset, 0.0)),
                            interp=interp))
    end = dataclasses.replace(scene.camera, yaw_deg=scene.camera.yaw_deg + DANCE_TURN_DEG)
    scene.animation = Animation(fps=DANCE_FPS, tracks=[keys], camera_keys=[
        CameraKey(0.0, scene.camera), CameraKey(DANCE_KEYS[-1][0], end)])
    return scene


def build_all() -> dict[Path, dict]:
    """Every file this script writes: path -> JSON content."""
    files: dict[Path, dict] = {
        HERE / "hands.json": {
            "format": HANDS_FORMAT, "version": HANDS_VERSION, "side": "left",
            "joints": list(HAND_JOINT_NAMES),
            "presets": {name: (np.round(hand, DECIMALS) + 0.0).tolist()
                        for name, hand in HANDS.items()},
        }
    }
    for name in POSES:
        pose = full_pose(name)
        files[HERE / "poses" / f"{name}.pose.json"] = pose_to_dict(
            name, pose, grounded_transl(pose, LIFT.get(name, 0.0)))
    for name in SCENES:
        files[EXAMPLES / f"{name}.pose.json"] = scene_to_dict(build_scene(name))
    files[EXAMPLES / "dance.pose.json"] = scene_to_dict(build_dance())
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report out-of-date files")
    args = parser.parse_args(argv)
    stale = []
    for path, content in build_all().items():
        text = json_text(content)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path.relative_to(HERE.parent.parent)}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
