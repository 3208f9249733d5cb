"""Retargeting: a person's motion on another body, and alignment to a reference character.

The motion is rotations, so a new body (``betas``) performs it with its own bone lengths in every
frame (the kinematic chain is rigid). What has to be fixed is where the body goes:

* the root path is scaled by the ratio of the leg lengths (Everybody Dance Now's global
  normalisation): horizontal moves about the first frame, height above the floor;
* the lowest the feet get over the clip is put on the floor (y = 0), soles included;
* feet in contact with the floor (low and slow) are locked in place for each contact phase with
  two-bone leg IK (hip–knee–ankle, the foot keeping its orientation), blended in and out over a
  few frames, so a planted foot does not slide when the legs' proportions change.

:func:`align_to_reference` does what pose-driven video models call "pose alignment" on the 3D
body instead of on 2D bones: the animated person takes a reference person's shape (e.g. lifted
from a photo by :func:`posestudio.lift.importer.import_photo`), stands where the reference stands
at the first frame, and the scene takes the reference scene's camera and canvas. The skeleton the
model sees then has the character's limb lengths in every frame.
"""

from __future__ import annotations

import numpy as np

from posestudio.errors import InputError
from posestudio.kinematics.fk import chain_transforms
from posestudio.rotations import axis_angle_to_matrix
from posestudio.skeletons import SMPLX_JOINT_INDEX, SMPLX_PARENTS

__all__ = ["joint_positions", "foot_points", "sole_offset", "ground_transl", "contact_phases", "lock_contacts",
           "retarget_person", "align_to_reference", "CONTACT_HEIGHT", "CONTACT_SPEED"]

FEET = ("left_ankle", "right_ankle", "left_foot", "right_foot")
_FOOT_IDX = [SMPLX_JOINT_INDEX[n] for n in FEET]
CONTACT_HEIGHT = 0.05   # metres above the foot's lowest height over the clip
CONTACT_SPEED = 0.3     # metres per second, horizontal
_BLEND = 4              # frames over which a contact lock fades in and out


def joint_positions(poses: np.ndarray, transl: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """World joint positions (T, 55, 3) of a pose sequence (T, 55, 3) with translations (T, 3)."""
    _, pos = chain_transforms(axis_angle_to_matrix(poses), rest, SMPLX_PARENTS)
    return pos + np.asarray(transl)[:, None, :]


def foot_points(poses: np.ndarray, transl: np.ndarray, rest: np.ndarray) -> np.ndarray:
    """(T, 4, 3) world positions of the ankles and toe joints (``FEET`` order)."""
    return joint_positions(poses, transl, rest)[:, _FOOT_IDX]


def sole_offset(body, betas) -> float:
    """How far (metres, >= 0) the soles reach below the lowest foot joint at rest."""
    rest = body.rest_joints(betas)
    lowest_joint = float(np.min(rest[_FOOT_IDX, 1]))
    return max(0.0, lowest_joint - float(np.min(body.rest_vertices(betas)[:, 1])))


def ground_transl(poses: np.ndarray, transl: np.ndarray, body, betas) -> np.ndarray:
    """``transl`` (T, 3) moved up or down so the lowest foot point of the whole clip, soles
    included, is on the floor y = 0."""
    rest = body.rest_joints(betas)
    lowest = float(np.min(foot_points(poses, transl, rest)[..., 1])) - sole_offset(body, betas)
    out = np.array(transl, dtype=np.float64)
    out[:, 1] -= lowest
    return out


def contact_phases(points: np.ndarray, fps: float, height: float = CONTACT_HEIGHT,
                   speed: float = CONTACT_SPEED) -> list[tuple[int, int]]:
    """Frame ranges ``[start, stop)`` where one foot point (T, 3) is on the floor: within
    ``height`` of its lowest height over the clip and moving slower than ``speed`` m/s
    horizontally. Phases shorter than two frames are dropped."""
    points = np.asarray(points, dtype=np.float64)
    if len(points) < 2:
        return []
    velocity = np.zeros(len(points))
    step = np.linalg.norm(np.diff(points[:, [0, 2]], axis=0), axis=1) * fps
    velocity[1:] = step
    velocity[0] = step[0]
    velocity[1:-1] = np.minimum(step[:-1], step[1:])  # either side slow: the foot is down
    on = (points[:, 1] <= points[:, 1].min() + height) & (velocity < speed)
    phases, start = [], None
    for i, flag in enumerate(np.append(on, False)):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= 2:
                phases.append((start, i))
            start = None
    return phases


def lock_contacts(poses: np.ndarray, transl: np.ndarray, rest: np.ndarray, fps: float,
                  phases: dict[str, list[tuple[int, int]]] | None = None) -> np.ndarray:
    """Poses (T, 55, 3) whose planted ankles stay put during each contact phase.

    ``phases`` maps ``"left_ankle"``/``"right_ankle"`` to frame ranges (default: detected on
    this motion by :func:`contact_phases`). In a phase the ankle is held at the phase's mean
    horizontal position (its height follows the motion); the correction fades out over a few
    frames on both sides. The legs are re-solved by two-bone IK, the foot keeping its world
    orientation.
    """
    from posestudio.kinematics.ik import solve_ik

    poses = np.array(poses, dtype=np.float64)
    count = len(poses)
    ankles = joint_positions(poses, transl, rest)
    for name in ("left_ankle", "right_ankle"):
        j = SMPLX_JOINT_INDEX[name]
        found = (phases or {}).get(name) if phases is not None else contact_phases(ankles[:, j], fps)
        offset = np.zeros((count, 3))
        weight = np.zeros(count)
        for start, stop in found or []:
            anchor = ankles[start:stop, j].mean(axis=0)
            for t in range(max(0, start - _BLEND), min(count, stop + _BLEND)):
                w = 1.0 if start <= t < stop else 1.0 - (
                    (start - t) if t < start else (t - stop + 1)) / (_BLEND + 1)
                if w > weight[t]:
                    key = t if start <= t < stop else (start if t < start else stop - 1)
                    target = anchor - ankles[key, j]
                    target[1] = 0.0
                    offset[t], weight[t] = target, w
        for t in np.flatnonzero(weight > 0):
            goal = ankles[t, j] + weight[t] * offset[t]
            poses[t], _ = solve_ik(rest, SMPLX_PARENTS, poses[t], transl[t], name, goal,
                                   use_limits=False, keep_orientation=True)
    return poses


def _dense(scene, person: int):
    """The person's track sampled at its keys: times (K,), poses (K, 55, 3), transl (K, 3)."""
    track = scene.animation.tracks[person] if scene.animation is not None else []
    if not track:
        p = scene.people[person]
        return np.zeros(1), p.pose[None].copy(), p.transl[None].copy(), ["linear"]
    return (np.array([k.time for k in track]), np.stack([k.pose for k in track]),
            np.stack([k.transl for k in track]), [k.interp for k in track])


def retarget_person(scene, person: int, betas, *, body=None, lock_feet: bool = True):
    """A copy of ``scene`` where ``scene.people[person]`` has the shape ``betas`` and performs
    the same motion on it (root path scaled by leg length, feet on the floor, contacts locked).

    Parameters
    ----------
    scene : Scene
    person : int
        0-based index.
    betas : (10,) float
        The target body's shape.
    body : BodyModel or None
        The person's body model (default: loaded from ``Person.rig``).
    lock_feet : bool
        Lock planted feet (a few IK solves per contact frame).

    Returns
    -------
    Scene (the input is not changed).
    """
    from posestudio.anim.bvh_import import leg_length
    from posestudio.anim.model import PoseKey
    from posestudio.body import load_body_model
    from posestudio.scene.model import checked_array

    if not 0 <= person < len(scene.people):
        raise InputError(f"person {person} is out of range (the scene has {len(scene.people)} people)")
    betas = checked_array("target betas", betas, (len(scene.people[person].betas),))
    out = scene.copy()
    who = out.people[person]
    body = body or load_body_model(who.rig)
    rest_old, rest_new = body.rest_joints(who.betas), body.rest_joints(betas)
    index = dict(SMPLX_JOINT_INDEX)
    old_leg, new_leg = leg_length(rest_old, index), leg_length(rest_new, index)
    ratio = new_leg / old_leg if old_leg and new_leg else 1.0
    times, poses, transl, interps = _dense(out, person)
    pelvis = transl + rest_old[0]
    scaled = pelvis.copy()
    scaled[:, [0, 2]] = pelvis[0, [0, 2]] + ratio * (pelvis[:, [0, 2]] - pelvis[0, [0, 2]])
    scaled[:, 1] = ratio * pelvis[:, 1]
    new_transl = ground_transl(poses, scaled - rest_new[0], body, betas)
    if lock_feet and len(times) > 2:
        fps = out.animation.fps if out.animation is not None else 30.0
        rate = 1.0 / float(np.median(np.diff(times))) if len(times) > 1 else fps
        poses = lock_contacts(poses, new_transl, rest_new, rate)
    who.betas = betas.copy()
    who.pose, who.transl = poses[0].copy(), new_transl[0].copy()
    if out.animation is not None and out.animation.tracks[person]:
        out.animation.tracks[person] = [PoseKey(t, p, tr, i) for t, p, tr, i in
                                        zip(times, poses, new_transl, interps)]
    return out


def align_to_reference(scene, reference_scene, *, person: int = 0, reference: int = 0,
                       body=None, lock_feet: bool = True):
    """A copy of ``scene`` whose person takes the shape, place and framing of a reference.

    Parameters
    ----------
    scene : Scene
        The animated scene.
    reference_scene : Scene
        A scene holding the reference character, e.g. the result of
        :func:`posestudio.lift.importer.import_photo` on the character's image.
    person, reference : int
        Who is aligned, and to whom (0-based).

    Returns
    -------
    Scene
        ``scene.people[person]`` with the reference's betas (and rig), retargeted
        (:func:`retarget_person`), its first frame's pelvis moved horizontally onto the
        reference's; canvas and camera from ``reference_scene``.
    """
    if not 0 <= reference < len(reference_scene.people):
        raise InputError(f"reference person {reference} is out of range (the reference scene has "
                         f"{len(reference_scene.people)} people)")
    target = reference_scene.people[reference]
    if 0 <= person < len(scene.people) and scene.people[person].rig != target.rig:
        scene = scene.copy()
        scene.people[person].rig = target.rig
    out = retarget_person(scene, person, target.betas, body=body, lock_feet=lock_feet)
    from posestudio.body import load_body_model

    body = body or load_body_model(target.rig)
    rest = body.rest_joints(target.betas)
    who = out.people[person]
    shift = (target.transl + rest[0]) - (who.transl + rest[0])
    shift[1] = 0.0
    who.transl = who.transl + shift
    if out.animation is not None:
        for key in out.animation.tracks[person]:
            key.transl = key.transl + shift
    out.canvas = reference_scene.canvas
    out.camera = reference_scene.camera
    return out
