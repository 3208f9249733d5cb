"""Automatic mapping of BVH joint names onto the mannequin's SMPL-X joints.

Names are split into words (``mixamorig:LeftUpLeg`` → left, up, leg; ``Bip01 L Thigh`` → l,
thigh; ``thigh.L`` → thigh, l) after dropping namespaces (``mixamorig:``, ``Armature|``) and rig
prefixes (``Bip01``); the side words (left/l, right/r) are taken out and the rest is looked up
in a table of the names CMU/cgspeed, Mixamo, Biovision, 3ds Max biped and Blender rigs use. The
spine between the pelvis and the neck is spread over ``spine1..3`` by its order in the chain.
Joints nothing matches (CMU's ``LHipJoint``, Mixamo's ``*_End``) stay unmapped: their rotation
still reaches the mannequin through the mapped joints below them (see
:mod:`posestudio.anim.bvh_import`). The map is plain data (BVH name → SMPL-X name) that the
user can edit and that the scene file saves (``Animation.bvh_map``).
"""

from __future__ import annotations

import re

from posestudio.errors import InputError
from posestudio.skeletons import SMPLX_JOINT_INDEX

__all__ = ["auto_map", "check_map", "name_words"]

# side-less key → SMPL-X joint (without the side prefix for sided joints)
_SIDED = {
    "upleg": "hip", "thigh": "hip", "upperleg": "hip", "hip": "hip", "uplegroll": None,
    "leg": "knee", "lowleg": "knee", "lowerleg": "knee", "shin": "knee", "calf": "knee",
    "knee": "knee", "foot": "ankle", "ankle": "ankle", "toebase": "foot", "toe": "foot",
    "toes": "foot", "ball": "foot", "collar": "collar", "clavicle": "collar",
    "shoulder": "shoulder?", "arm": "shoulder", "uparm": "shoulder", "upperarm": "shoulder",
    "forearm": "elbow", "lowarm": "elbow", "lowerarm": "elbow", "elbow": "elbow",
    "hand": "wrist", "wrist": "wrist", "eye": "eye_smplhf",
}
_FINGERS = ("thumb", "index", "middle", "ring", "pinky")
_FINGER_ALIASES = {"pinkie": "pinky", "little": "pinky", "pointer": "index"}
_CENTER = {"hips": "pelvis", "pelvis": "pelvis", "root": "pelvis", "neck": "neck", "head": "head",
           "jaw": "jaw"}
_SPINE = {"spine", "chest", "upperchest", "lowerback", "torso", "abdomen", "back", "upperback",
          "waist", "belly", "chest2", "spine1", "spine2", "spine3", "spine4"}
_PREFIXES = ("mixamorig", "bip", "biped", "character", "def", "mch", "org", "b")


def name_words(name: str) -> list[str]:
    """Lower-case words of a joint name (namespaces and rig prefixes dropped)."""
    name = re.split(r"[:|]", name)[-1]
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+", name)
    words = [w.lower() for w in words]
    while len(words) > 1 and (words[0] in _PREFIXES or words[0].startswith("mixamorig")):
        words.pop(0)
        while len(words) > 1 and words[0].isdigit():  # Bip01
            words.pop(0)
    return words


def _side(words: list[str]) -> tuple[str | None, list[str]]:
    for i, w in enumerate(words):
        for side, tags in (("left", ("left", "l", "lft")), ("right", ("right", "r", "rt", "rgt"))):
            if w in tags:
                return side, words[:i] + words[i + 1:]
            if w.startswith(side) and len(w) > len(side):  # "lefthand" written as one word
                return side, words[:i] + [w[len(side):]] + words[i + 1:]
    return None, words


def _classify(name: str) -> str | None:
    """SMPL-X joint for one name, ``"spine"`` for a spine joint, ``"shoulder?"`` (with side)
    for a shoulder that may be the clavicle, or None."""
    if name in SMPLX_JOINT_INDEX:
        return name
    side, words = _side(name_words(name))
    digits = [w for w in words if w.isdigit()]
    letters = [w for w in words if not w.isdigit()]
    key = "".join(letters)
    if side is None:
        if key in _CENTER and not digits:
            return _CENTER[key]
        if key in _SPINE or (letters and letters[0] in ("spine", "chest") and len(letters) == 1):
            return "spine"
        return None
    letters = [_FINGER_ALIASES.get(w, w) for w in letters]
    finger = next((f for f in _FINGERS if f in letters), None)
    if finger is not None:
        number = int(digits[-1]) if digits else 1
        return f"{side}_{finger}{number}" if 1 <= number <= 3 else None
    key = "".join(letters)
    if key.startswith("hand") and len(key) > 4:  # "HandThumb" spelled as one word
        return None
    part = _SIDED.get(key)
    if part is None or digits and part != "shoulder?":
        return None
    return f"{side}_{part}"


def auto_map(names, parents) -> dict[str, str]:
    """BVH joint name → SMPL-X joint name for every joint that can be recognised.

    Parameters
    ----------
    names : sequence of str
        BVH joint names in file order.
    parents : sequence of int
        Parent index per joint (-1 for the root).

    Returns
    -------
    dict
        One BVH joint per SMPL-X joint at most (the first in file order wins).
    """
    labels = [_classify(n) for n in names]
    has_upper_arm = {side: any(l == f"{side}_shoulder" for l in labels) for side in ("left", "right")}
    for i, label in enumerate(labels):
        if label and label.endswith("_shoulder?"):
            side = label.split("_")[0]
            labels[i] = f"{side}_collar" if has_upper_arm[side] else f"{side}_shoulder"
    out: dict[str, str] = {}
    taken: set[str] = set()

    def take(i: int, joint: str) -> None:
        if joint not in taken and joint in SMPLX_JOINT_INDEX:
            out[names[i]] = joint
            taken.add(joint)

    for i, label in enumerate(labels):
        if label and label != "spine":
            take(i, label)
    if "pelvis" not in taken and len(names):
        take(0, "pelvis")
    # the spine: joints between the pelvis and the neck (or the collars' parent), in order
    spine = [i for i, label in enumerate(labels) if label == "spine"]
    pelvis = next((i for i, n in enumerate(names) if out.get(n) == "pelvis"), None)
    if spine and pelvis is not None:
        chain = [i for i in spine if _descends(i, pelvis, parents)]
        if len(chain) >= 3:
            picks = {"spine1": chain[0], "spine2": chain[len(chain) // 2], "spine3": chain[-1]}
        elif len(chain) == 2:
            picks = {"spine1": chain[0], "spine3": chain[1]}
        elif chain:
            picks = {"spine3": chain[0]}
        else:
            picks = {}
        for joint, i in picks.items():
            take(i, joint)
    return out


def _descends(i: int, ancestor: int, parents) -> bool:
    j = int(parents[i])
    while j >= 0:
        if j == ancestor:
            return True
        j = int(parents[j])
    return False


def check_map(joint_map, names) -> dict[str, str]:
    """Validate a user-edited map: BVH names of the clip onto distinct SMPL-X joints.

    Raises
    ------
    InputError
        Naming the first bad entry.
    """
    if not isinstance(joint_map, dict):
        raise InputError("the BVH joint map must map BVH joint names to SMPL-X joint names")
    seen: dict[str, str] = {}
    known = set(names)
    for bvh_name, joint in joint_map.items():
        if bvh_name not in known:
            raise InputError(f"BVH joint map: the clip has no joint {bvh_name!r}")
        if joint not in SMPLX_JOINT_INDEX:
            raise InputError(f"BVH joint map: {bvh_name!r} → {joint!r} is not an SMPL-X joint name")
        if joint in seen:
            raise InputError(f"BVH joint map: {joint!r} is the target of both {seen[joint]!r} and "
                             f"{bvh_name!r}")
        seen[joint] = bvh_name
    return dict(joint_map)
