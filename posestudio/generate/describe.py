"""Words for a pose: "left arm raised, right knee bent, seen from the side".

Editing models follow text more than any reference image, so a re-pose whose prompt is left empty
gets one made from the scene: each visible person's joints (posed by the body model) are read in
their own body frame (left = the person's own left) and the camera's direction relative to the
way they face gives the view. numpy only; no torch.
"""

from __future__ import annotations

import math

import numpy as np

UP = np.array([0.0, 1.0, 0.0])


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 else v


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    """Angle in degrees between vectors a and b."""
    return math.degrees(math.acos(float(np.clip(np.dot(_unit(a), _unit(b)), -1.0, 1.0))))


def body_frame(joints: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(left, forward) horizontal unit vectors of a body: ``left`` from the right hip to the left
    hip, ``forward`` = left x up (a person at rest faces +Z with the left hip at +X)."""
    left = joints["left_hip"] - joints["right_hip"]
    left = _unit(left - UP * float(np.dot(left, UP)))
    return left, _unit(np.cross(left, UP))


def describe_limbs(joints: dict[str, np.ndarray]) -> list[str]:
    """Phrases for arms, legs and torso of one body.

    Parameters
    ----------
    joints : SMPL-X joint name → (3,) world position, metres, Y up (at least pelvis, neck, hips,
        knees, ankles, shoulders, elbows, wrists)
    """
    left, forward = body_frame(joints)
    phrases: list[str] = []
    raised = []
    for side in ("left", "right"):
        shoulder, elbow, wrist = (joints[f"{side}_{j}"] for j in ("shoulder", "elbow", "wrist"))
        reach = wrist - shoulder
        length = float(np.linalg.norm(elbow - shoulder) + np.linalg.norm(wrist - elbow)) or 1.0
        outward = float(np.dot(reach, left if side == "left" else -left)) / length
        ahead = float(np.dot(reach, forward)) / length
        if reach[1] > 0.1 * length:
            raised.append(side)
        elif outward > 0.6 and abs(reach[1]) < 0.35 * length:
            phrases.append(f"{side} arm stretched out to the side")
        elif ahead > 0.6:
            phrases.append(f"{side} arm reaching forward")
        elif ahead < -0.5:
            phrases.append(f"{side} arm behind the back")
        elif 180.0 - _angle(shoulder - elbow, wrist - elbow) > 75.0:
            phrases.append(f"{side} elbow bent")
    if len(raised) == 2:
        phrases.insert(0, "both arms raised")
    elif raised:
        phrases.insert(0, f"{raised[0]} arm raised")

    thighs_level = []
    bent = []
    for side in ("left", "right"):
        hip, knee, ankle = (joints[f"{side}_{j}"] for j in ("hip", "knee", "ankle"))
        thigh = knee - hip
        thighs_level.append(abs(thigh[1]) < 0.5 * float(np.linalg.norm(thigh)))
        if 180.0 - _angle(hip - knee, ankle - knee) > 50.0:
            bent.append(side)
    lift = joints["left_ankle"][1] - joints["right_ankle"][1]
    if all(thighs_level):
        phrases.append("sitting")
    elif len(bent) == 2 and not abs(lift) > 0.15:
        phrases.append("crouching")
    else:
        if abs(lift) > 0.15:
            phrases.append(f"{'left' if lift > 0 else 'right'} leg lifted")
        phrases.extend(f"{side} knee bent" for side in bent
                       if not (abs(lift) > 0.15 and side == ("left" if lift > 0 else "right")))

    spine = joints["neck"] - joints["pelvis"]
    tilt = _angle(spine, UP)
    if tilt > 60.0:
        phrases.append("lying down")
    elif tilt > 20.0:
        lean_ahead = float(np.dot(_unit(spine), forward))
        lean_side = float(np.dot(_unit(spine), left))
        if abs(lean_ahead) >= abs(lean_side):
            phrases.append("leaning forward" if lean_ahead > 0 else "leaning back")
        else:
            phrases.append(f"leaning to the {'left' if lean_side > 0 else 'right'}")
    return phrases


def describe_view(joints: dict[str, np.ndarray], camera_position: np.ndarray) -> str:
    """"seen from the front / in three-quarter view / from the side / from behind", plus "from
    above/below" when the camera looks down or up steeply at the body."""
    left, forward = body_frame(joints)
    to_camera = np.asarray(camera_position, float) - joints["pelvis"]
    flat = to_camera - UP * float(np.dot(to_camera, UP))
    yaw = _angle(flat, forward) if np.linalg.norm(flat) > 1e-6 else 0.0
    if yaw < 25.0:
        view = "seen from the front"
    elif yaw < 65.0:
        view = "seen in three-quarter view"
    elif yaw < 125.0:
        view = "seen from the side"
    elif yaw < 155.0:
        view = "seen in three-quarter view from behind"
    else:
        view = "seen from behind"
    pitch = 90.0 - _angle(to_camera, UP)
    if pitch > 35.0:
        view += ", from above"
    elif pitch < -30.0:
        view += ", from below"
    return view


def describe_body(joints: dict[str, np.ndarray], camera_position: np.ndarray) -> str:
    """One body's pose and view as a phrase ("standing" when nothing stands out)."""
    limbs = describe_limbs(joints) or ["standing"]
    return ", ".join(limbs + [describe_view(joints, camera_position)])


def describe_scene(scene) -> str:
    """The pose of the scene's visible people, as a repose prompt fragment.

    One person: ``"the same person, left arm raised, seen from the side"``; several:
    ``"the same people; first: ...; second: ..."`` in scene order.
    """
    from posestudio.body import pose_people
    from posestudio.camera import camera_position

    eye = camera_position(scene.camera)
    bodies = pose_people(scene)
    texts = [describe_body({n: np.asarray(j, float) for n, j in zip(b.joint_names, b.joints)}, eye)
             for b in bodies]
    if not texts:
        return "the same scene"
    if len(texts) == 1:
        return f"the same person, {texts[0]}"
    ordinals = ("first", "second", "third", "fourth", "fifth", "sixth")
    return "the same people; " + "; ".join(
        f"{ordinals[i] if i < len(ordinals) else f'person {i + 1}'}: {t}"
        for i, t in enumerate(texts))
