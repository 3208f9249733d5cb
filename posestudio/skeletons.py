"""Fixed skeleton tables: joint orders, parents, OpenPose layouts and where each OpenPose keypoint
comes from on the body. Every renderer, exporter, detector and fitter imports these; nothing else
defines a joint order.

Keypoint sources
----------------
An OpenPose keypoint is taken from the posed body in one of three ways:

``("joint", name)``
    a kinematic joint of the body model (SMPL-X names, ``SMPLX_JOINT_NAMES``);
``("landmark", name)``
    a named surface point of the mesh (``LANDMARK_NAMES``): a vertex or a barycentric point that
    the rig defines (nose, eyes, ears, toes, heels, fingertips, the 70 face points);
``("mid", a, b)``
    the midpoint of two other keypoints of the same set, given by their OpenPose names.

A source the body model lacks (SMPL has no fingers, a rig may lack face points) gives an absent
keypoint (confidence 0), never a guess.
"""

from __future__ import annotations

# --- SMPL-X kinematic tree (55 joints, smplx.joint_names order) -------------------------------

SMPLX_JOINT_NAMES: tuple[str, ...] = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar",
    "right_collar", "head", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "jaw", "left_eye_smplhf", "right_eye_smplhf",
    "left_index1", "left_index2", "left_index3", "left_middle1", "left_middle2", "left_middle3",
    "left_pinky1", "left_pinky2", "left_pinky3", "left_ring1", "left_ring2", "left_ring3",
    "left_thumb1", "left_thumb2", "left_thumb3",
    "right_index1", "right_index2", "right_index3", "right_middle1", "right_middle2",
    "right_middle3", "right_pinky1", "right_pinky2", "right_pinky3", "right_ring1", "right_ring2",
    "right_ring3", "right_thumb1", "right_thumb2", "right_thumb3",
)

SMPLX_PARENTS: tuple[int, ...] = (
    -1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 15, 15, 15,
    20, 25, 26, 20, 28, 29, 20, 31, 32, 20, 34, 35, 20, 37, 38,
    21, 40, 41, 21, 43, 44, 21, 46, 47, 21, 49, 50, 21, 52, 53,
)

SMPLX_JOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(SMPLX_JOINT_NAMES)}

NUM_BODY_JOINTS = 21  # joints 1..21: SMPL-X ``body_pose``
LEFT_HAND_JOINTS = tuple(range(25, 40))  # SMPL-X ``left_hand_pose`` order
RIGHT_HAND_JOINTS = tuple(range(40, 55))
FOOT_JOINTS: tuple[int, ...] = tuple(  # ankles and feet: what a planted foot holds still
    SMPLX_JOINT_INDEX[n] for n in ("left_ankle", "right_ankle", "left_foot", "right_foot"))

# SMPL (24 joints): the first 22 SMPL-X joints, then two hand joints.
SMPL_JOINT_NAMES: tuple[str, ...] = SMPLX_JOINT_NAMES[:22] + ("left_hand", "right_hand")
SMPL_PARENTS: tuple[int, ...] = SMPLX_PARENTS[:22] + (20, 21)


def mirror_name(name: str) -> str:
    """Name of the left/right counterpart of a joint or keypoint (itself when central)."""
    for a, b in (("left", "right"), ("right", "left")):
        if name.startswith(a + "_"):
            return b + name[len(a):]
    for a, b in (("l_", "r_"), ("r_", "l_")):
        if name.startswith(a):
            return b + name[len(a):]
    return name


# --- Surface landmarks every rig should define (vertex or barycentric point on the mesh) -------

FINGERS: tuple[str, ...] = ("thumb", "index", "middle", "ring", "pinky")

BODY_LANDMARK_NAMES: tuple[str, ...] = (
    "nose", "right_eye", "left_eye", "right_ear", "left_ear",
    "left_big_toe", "left_small_toe", "left_heel", "right_big_toe", "right_small_toe", "right_heel",
) + tuple(f"{side}_{f}_tip" for side in ("left", "right") for f in FINGERS)

# OpenPose face-70: the 68 iBUG/dlib points (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47,
# mouth 48-67) then right pupil (68) and left pupil (69). "Right" is the subject's right.
FACE_LANDMARK_NAMES: tuple[str, ...] = tuple(f"face_{i:02d}" for i in range(70))

LANDMARK_NAMES: tuple[str, ...] = BODY_LANDMARK_NAMES + FACE_LANDMARK_NAMES

# --- OpenPose layouts ---------------------------------------------------------------------------

COCO18_NAMES: tuple[str, ...] = (
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder",
    "left_elbow", "left_wrist", "right_hip", "right_knee", "right_ankle", "left_hip",
    "left_knee", "left_ankle", "right_eye", "left_eye", "right_ear", "left_ear",
)

BODY25_NAMES: tuple[str, ...] = (
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder",
    "left_elbow", "left_wrist", "mid_hip", "right_hip", "right_knee", "right_ankle", "left_hip",
    "left_knee", "left_ankle", "right_eye", "left_eye", "right_ear", "left_ear",
    "left_big_toe", "left_small_toe", "left_heel", "right_big_toe", "right_small_toe",
    "right_heel",
)

# OpenPose hand-21: wrist, then four points per finger from the base to the tip.
HAND21_NAMES: tuple[str, ...] = ("wrist",) + tuple(
    f"{f}_{k}" for f in FINGERS for k in (1, 2, 3, "tip")
)

Source = tuple  # ("joint", name) | ("landmark", name) | ("mid", a, b)

_BODY_SOURCES: dict[str, Source] = {
    "nose": ("landmark", "nose"),
    # OpenPose's neck is the point between the shoulders, not SMPL's neck joint (which sits
    # higher, at the base of the skull); the midpoint matches what detectors were trained on.
    "neck": ("mid", "right_shoulder", "left_shoulder"),
    "mid_hip": ("mid", "right_hip", "left_hip"),
    "right_eye": ("landmark", "right_eye"),
    "left_eye": ("landmark", "left_eye"),
    "right_ear": ("landmark", "right_ear"),
    "left_ear": ("landmark", "left_ear"),
}
for _side in ("left", "right"):
    for _part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle"):
        _BODY_SOURCES[f"{_side}_{_part}"] = ("joint", f"{_side}_{_part}")
    for _part in ("big_toe", "small_toe", "heel"):
        _BODY_SOURCES[f"{_side}_{_part}"] = ("landmark", f"{_side}_{_part}")

COCO18_SOURCES: tuple[Source, ...] = tuple(_BODY_SOURCES[n] for n in COCO18_NAMES)
BODY25_SOURCES: tuple[Source, ...] = tuple(_BODY_SOURCES[n] for n in BODY25_NAMES)


def hand21_sources(side: str) -> tuple[Source, ...]:
    """Sources of the 21 OpenPose hand points of ``side`` ("left" or "right").

    SMPL-X finger joints 1, 2, 3 are the MCP, PIP and DIP joints (for the thumb: CMC, MCP, IP),
    which is exactly OpenPose's points 1-3 of each finger; the tip is a mesh landmark.
    """
    sources: list[Source] = [("joint", f"{side}_wrist")]
    for finger in FINGERS:
        sources += [("joint", f"{side}_{finger}{k}") for k in (1, 2, 3)]
        sources.append(("landmark", f"{side}_{finger}_tip"))
    return tuple(sources)


FACE70_SOURCES: tuple[Source, ...] = tuple(("landmark", n) for n in FACE_LANDMARK_NAMES)

# --- OpenPose drawing tables (controlnet_aux 0.0.10, ``open_pose/util.py``) ----------------------
# What ControlNet OpenPose models were trained on. Indices are 0-based into COCO18_NAMES /
# HAND21_NAMES (controlnet_aux writes them 1-based). Colours are RGB: controlnet_aux draws into
# an RGB canvas, so its ``(0, 0, 255)`` hand points come out blue.

# The 17 limbs drawn, in drawing order; limb i is drawn in OPENPOSE_COLORS[i]. controlnet_aux
# zips 17 limbs with 18 colours, so the ear-shoulder limbs of the original OpenPose (3-17, 6-18)
# are never drawn.
OPENPOSE_LIMBS: tuple[tuple[int, int], ...] = (
    (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11),
    (11, 12), (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17),
)
# Keypoint i is drawn in OPENPOSE_COLORS[i]; limbs in the same list dimmed by OPENPOSE_LIMB_ALPHA.
OPENPOSE_COLORS: tuple[tuple[int, int, int], ...] = (
    (255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0),
    (0, 255, 0), (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255),
    (0, 0, 255), (85, 0, 255), (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85),
)
OPENPOSE_STICK_WIDTH = 4      # half-width (px) of the ellipse polygon of a limb
OPENPOSE_POINT_RADIUS = 4     # body and hand points
OPENPOSE_LIMB_ALPHA = 0.6     # limb colour = int(0.6 * point colour)
OPENPOSE_FACE_RADIUS = 3      # face dots (controlnet_aux draws them 3 px, white)
OPENPOSE_FACE_COLOR = (255, 255, 255)
OPENPOSE_HAND_POINT_COLOR = (0, 0, 255)
OPENPOSE_HAND_LINE_WIDTH = 2
# 20 hand edges, wrist to each finger base then along the finger; edge i coloured
# hsv_to_rgb(i / 20, 1, 1) (a rainbow).
OPENPOSE_HAND_EDGES: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (0, 9), (9, 10),
    (10, 11), (11, 12), (0, 13), (13, 14), (14, 15), (15, 16), (0, 17), (17, 18), (18, 19),
    (19, 20),
)
