"""BVH import of a 10,000-frame clip made from real motion capture.

The motion comes from the DeepMimic humanoid clips that pybullet ships (walk, run, jump, kicks,
dances, cartwheel, get-ups... recorded mocap retargeted to DeepMimic's humanoid), concatenated
until the clip has ``--frames`` frames and written as a BVH file in centimetres with Mixamo-style
joint names and the humanoid's own rest pose (arms hanging down, facing +X): the import has to
detect the units, map the names, align an arms-down rest pose to the mannequin's T-pose and turn
the figure to face +Z. Nothing of the data is kept in the repository: it is read from the
installed ``pybullet_data`` package, or from a pybullet wheel given with ``--wheel``
(``pip download --no-deps pybullet``, about 100 MB); without either the bench says so and exits 0.

Printed: seconds and frames per second for parsing (``load_bvh``) and for the whole import
(``import_bvh``: map, align, convert, put on the floor, build the keys), the file size, and as a
check on real motion the worst angle between a bone of the imported mannequin and the same bone
of the clip over every frame.

    OMP_NUM_THREADS=1 python bench/bench_bvh.py [--frames 10000] [--wheel PYBULLET.whl]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

MOTIONS = "pybullet_data/data/motions/"
# DeepMimic humanoid3d: (name, parent, offset metres, frame slice kind); offsets from its
# character file; rest pose has the arms hanging down; +X forward, +Y up, +Z the right side.
SKELETON = [
    ("Hips", -1, (0.0, 0.0, 0.0), "root"),
    ("Spine", 0, (0.0, 0.236151, 0.0), "quat"),
    ("Neck", 1, (0.0, 0.223894, 0.0), "quat"),
    ("RightUpLeg", 0, (0.0, 0.0, 0.084887), "quat"),
    ("RightLeg", 3, (0.0, -0.421546, 0.0), "angle"),
    ("RightFoot", 4, (0.0, -0.40987, 0.0), "quat"),
    ("RightArm", 1, (-0.02405, 0.2435, 0.18311), "quat"),
    ("RightForeArm", 6, (0.0, -0.274788, 0.0), "angle"),
    ("LeftUpLeg", 0, (0.0, 0.0, -0.084887), "quat"),
    ("LeftLeg", 8, (0.0, -0.421546, 0.0), "angle"),
    ("LeftFoot", 9, (0.0, -0.40987, 0.0), "quat"),
    ("LeftArm", 1, (-0.02405, 0.2435, -0.18311), "quat"),
    ("LeftForeArm", 11, (0.0, -0.274788, 0.0), "angle"),
]
END_SITES = {"Neck": (0.0, 0.2, 0.0), "RightFoot": (0.16, -0.055, 0.0), "LeftFoot": (0.16, -0.055, 0.0),
             "RightForeArm": (0.0, -0.258947, 0.0), "LeftForeArm": (0.0, -0.258947, 0.0)}
# order of the values in a DeepMimic frame after the duration and the root position
FRAME_ORDER = ["Hips", "Spine", "Neck", "RightUpLeg", "RightLeg", "RightFoot", "RightArm",
               "RightForeArm", "LeftUpLeg", "LeftLeg", "LeftFoot", "LeftArm", "LeftForeArm"]


def read_clips(wheel: str | None) -> list[list[list[float]]] | None:
    """The humanoid clips' frames, from pybullet_data or a wheel; None when neither is there."""
    spec = importlib.util.find_spec("pybullet_data")
    texts = []
    if spec is not None and spec.submodule_search_locations:
        folder = Path(list(spec.submodule_search_locations)[0]) / "data" / "motions"
        texts = [p.read_text() for p in sorted(folder.glob("humanoid3d_*.txt"))]
    elif wheel and Path(wheel).is_file():
        with zipfile.ZipFile(wheel) as archive:
            texts = [archive.read(n).decode() for n in sorted(archive.namelist())
                     if n.startswith(MOTIONS + "humanoid3d_") and n.endswith(".txt")]
    return [json.loads(t)["Frames"] for t in texts] or None


def clip_bvh(frames: list[list[float]]) -> str:
    """BVH text (centimetres, ZXY channels) of DeepMimic humanoid frames."""
    from posestudio.rotations import axis_angle_to_matrix, matrix_to_euler, quaternion_to_matrix

    lines = ["HIERARCHY"]
    children = {i: [j for j, s in enumerate(SKELETON) if s[1] == i] for i in range(len(SKELETON))}
    order: list[int] = []

    def write(i: int, depth: int) -> None:
        name, parent, offset, _ = SKELETON[i]
        pad = "  " * depth
        lines.append(f"{pad}{'ROOT' if parent < 0 else 'JOINT'} {name}")
        lines.append(pad + "{")
        lines.append(f"{pad}  OFFSET " + " ".join(f"{100 * v:.5f}" for v in offset))
        lines.append(f"{pad}  CHANNELS " + ("6 Xposition Yposition Zposition " if parent < 0 else "3 ")
                     + "Zrotation Xrotation Yrotation")
        order.append(i)
        for c in children[i]:
            write(c, depth + 1)
        if name in END_SITES:
            lines.append(f"{pad}  End Site")
            lines.append(f"{pad}  {{ OFFSET " + " ".join(f"{100 * v:.5f}" for v in END_SITES[name]) + " }")
        lines.append(pad + "}")

    write(0, 0)
    data = np.array(frames, dtype=np.float64)
    count = len(data)
    rotations = np.empty((count, len(SKELETON), 3, 3))
    col = 4
    for name in FRAME_ORDER:
        i = [s[0] for s in SKELETON].index(name)
        if SKELETON[i][3] == "angle":
            rotations[:, i] = axis_angle_to_matrix(data[:, col:col + 1] * [0.0, 0.0, 1.0])
            col += 1
        else:
            rotations[:, i] = quaternion_to_matrix(data[:, col:col + 4])
            col += 4
    euler = np.degrees(matrix_to_euler(rotations[:, order], "ZXY")).reshape(count, -1)
    values = np.concatenate([data[:, 1:4] * 100.0, euler], axis=1)
    lines += ["MOTION", f"Frames: {count}", f"Frame Time: {np.median(data[:, 0]):.6f}"]
    lines += [" ".join(f"{v:.4f}" for v in row) for row in values]
    return "\n".join(lines) + "\n"


def bone_check(clip, scene) -> float:
    """Worst angle (degrees) between an imported mannequin bone and the clip's, all frames."""
    from posestudio.anim.retarget import joint_positions
    from posestudio.body import load_body_model
    from posestudio.skeletons import SMPLX_JOINT_INDEX as IDX

    pairs = [("RightUpLeg", "RightLeg", "right_hip", "right_knee"),
             ("RightLeg", "RightFoot", "right_knee", "right_ankle"),
             ("LeftUpLeg", "LeftLeg", "left_hip", "left_knee"),
             ("LeftLeg", "LeftFoot", "left_knee", "left_ankle"),
             ("RightArm", "RightForeArm", "right_shoulder", "right_elbow"),
             ("LeftArm", "LeftForeArm", "left_shoulder", "left_elbow")]
    _, clip_pos = clip.global_transforms()
    names = {n: i for i, n in enumerate(clip.names)}
    track = scene.animation.tracks[0]
    poses = np.stack([k.pose for k in track])
    transl = np.stack([k.transl for k in track])
    rest = load_body_model("mannequin").rest_joints(scene.people[0].betas)
    ours = joint_positions(poses, transl, rest)
    # the clip's world (+X forward, Z right) seen from the mannequin's (+Z forward, X left)
    turn = np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    worst = 0.0
    for a, b, s, e in pairs:
        want = (clip_pos[:, names[b]] - clip_pos[:, names[a]]) @ turn.T
        got = ours[:, IDX[e]] - ours[:, IDX[s]]
        cos = (want * got).sum(1) / np.linalg.norm(want, axis=1) / np.linalg.norm(got, axis=1)
        worst = max(worst, float(np.degrees(np.arccos(np.clip(cos.min(), -1, 1)))))
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--wheel", help="a pybullet wheel to read the motions from (if pybullet "
                                        "is not installed)")
    args = parser.parse_args(argv)
    clips = read_clips(args.wheel)
    if clips is None:
        print("bench_bvh: skipped: no real motion data. Install pybullet (its pybullet_data holds "
              "the DeepMimic mocap clips, ~100 MB) or pass --wheel PATH to a pybullet wheel "
              "(pip download --no-deps pybullet).")
        return 0
    frames: list[list[float]] = []
    while len(frames) < args.frames:
        for clip_frames in clips:
            frames.extend(clip_frames)
    frames = frames[:args.frames]

    from posestudio.anim.bvh import load_bvh
    from posestudio.anim.bvh_import import import_bvh
    from posestudio.body import load_body_model

    load_body_model("mannequin")  # warm: the rig load is not part of an import
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deepmimic_concat.bvh"
        path.write_text(clip_bvh(frames))
        size_mb = path.stat().st_size / 2**20
        t0 = time.perf_counter()
        clip = load_bvh(path)
        parse_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        scene = import_bvh(path)
        import_s = time.perf_counter() - t0
    count = len(scene.animation.tracks[0])
    print(f"clip: {len(clips)} DeepMimic humanoid clips concatenated, {clip.num_frames} frames, "
          f"{len(clip.names)} joints, {size_mb:.1f} MB, units detected: {clip.units}, "
          f"{clip.fps:g} fps")
    print(f"joint map: {scene.animation.bvh_map}")
    print(f"load_bvh (parse):  {parse_s:.3f} s  ({clip.num_frames / parse_s:,.0f} frames/s)")
    print(f"import_bvh (all):  {import_s:.3f} s  ({count / import_s:,.0f} frames/s)")
    print(f"worst bone direction difference, mannequin vs clip, all frames: {bone_check(clip, scene):.4f}°")
    return 0


if __name__ == "__main__":
    sys.exit(main())
