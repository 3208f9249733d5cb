"""BVH files the tests write themselves: a skeleton, per-joint channel orders, known rotations."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation


@dataclass
class Joint:
    name: str
    parent: int
    offset: tuple[float, float, float]
    order: str = "ZXY"           # rotation channel order
    position: bool = False       # has X/Y/Zposition channels (before the rotations)
    end_site: tuple[float, float, float] | None = None
    children: list[int] = field(default_factory=list)


def bvh_text(joints: list[Joint], rotations: np.ndarray, positions: np.ndarray | None = None,
             frame_time: float = 1 / 30, digits: int = 9) -> str:
    """BVH text of ``joints`` (parents before children) moving by ``rotations`` (T, J, 3, 3)
    (each joint's local rotation matrix) and root/joint ``positions`` (T, J, 3) file units."""
    for j in joints:
        j.children = []
    for i, j in enumerate(joints):
        if j.parent >= 0:
            joints[j.parent].children.append(i)
    lines = ["HIERARCHY"]
    order: list[int] = []

    def write(i: int, depth: int) -> None:
        j = joints[i]
        pad = "\t" * depth
        lines.append(f"{pad}{'ROOT' if j.parent < 0 else 'JOINT'} {j.name}")
        lines.append(f"{pad}{{")
        lines.append(f"{pad}\tOFFSET " + " ".join(f"{v:.{digits}f}" for v in j.offset))
        chans = (["Xposition", "Yposition", "Zposition"] if j.position else []) + [
            f"{a}rotation" for a in j.order]
        lines.append(f"{pad}\tCHANNELS {len(chans)} " + " ".join(chans))
        order.append(i)
        for c in j.children:
            write(c, depth + 1)
        if j.end_site is not None:
            lines.extend([f"{pad}\tEnd Site", f"{pad}\t{{",
                          f"{pad}\t\tOFFSET " + " ".join(f"{v:.{digits}f}" for v in j.end_site),
                          f"{pad}\t}}"])
        lines.append(f"{pad}}}")

    write(0, 0)
    count = len(rotations)
    lines += ["MOTION", f"Frames: {count}", f"Frame Time: {frame_time:.8f}"]
    for t in range(count):
        values = []
        for i in order:
            j = joints[i]
            if j.position:
                values += list(positions[t, i])
            with warnings.catch_warnings():  # gimbal lock: the triple is still the rotation
                warnings.simplefilter("ignore", UserWarning)
                euler = Rotation.from_matrix(rotations[t, i]).as_euler(j.order, degrees=True)
            values += list(euler)
        lines.append(" ".join(f"{v:.{digits}f}" for v in values))
    return "\n".join(lines) + "\n"


def mannequin_joints(rest: np.ndarray, names: dict[str, str] | None = None, scale: float = 1.0,
                     orders: str | list[str] = "ZXY", body_only: bool = True) -> list[Joint]:
    """A BVH skeleton with the mannequin's geometry (rest joints (55, 3) metres × ``scale``; a
    leaf's end site points at its first SMPL-X child, e.g. a wrist's at the middle finger);
    ``names`` renames SMPL-X joints (others keep their SMPL-X names)."""
    from posestudio.anim.bvh_import import main_child
    from posestudio.skeletons import SMPLX_JOINT_NAMES, SMPLX_PARENTS

    count = 22 if body_only else 55
    out = []
    for j in range(count):
        p = SMPLX_PARENTS[j]
        offset = rest[j] - (rest[p] if p >= 0 else 0.0)
        order = orders if isinstance(orders, str) else orders[j % len(orders)]
        name = (names or {}).get(SMPLX_JOINT_NAMES[j], SMPLX_JOINT_NAMES[j])
        leaf = not any(SMPLX_PARENTS[c] == j for c in range(count))
        child = main_child(j)  # the bone's direction the importer reads from an end site
        tip = (tuple((rest[child] - rest[j]) * scale) if child is not None
               else tuple(0.5 * offset * scale)) if leaf else None
        out.append(Joint(name, p, tuple(offset * scale), order, position=p < 0, end_site=tip))
    return out
