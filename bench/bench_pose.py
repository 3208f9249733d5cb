"""Pose-update benchmark for the default rig (design target: <= 5 ms on one core).

One "pose update" is what the UI does per mouse move: ``BodyModel.pose`` (shape blend when betas
change, rodrigues, forward kinematics, rigid skinning, joints, landmarks) plus projecting the
joints and landmarks to pixels through ``posestudio.camera.project``. Also measured: the same with
new betas on every call (a body-shape slider drag, no shape cache), projecting every vertex, and
one step of an IK wrist drag (``solve_ik`` + pose update). The peer is a plain
``smplx.SMPLX`` forward of the same model (``torch.no_grad``, batch 1), which is what a naive
implementation would call; we report the ratio.

    OMP_NUM_THREADS=1 python bench/bench_pose.py [--runs 200] [--rig mannequin|FILE]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from timing import timed_ms  # noqa: E402  (bench/timing.py, beside this script)


def median_ms(fn, runs: int, warmup: int = 10) -> float:
    return timed_ms(fn, runs, warmup)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rig", default="mannequin")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    from posestudio.body import load_body_model

    t0 = time.perf_counter()
    model = load_body_model(args.rig)
    load_s = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    poses = rng.normal(0.0, 0.3, (args.runs + 20, 55, 3))
    betas = rng.normal(0.0, 1.0, 10)
    transl = np.array([0.0, 0.975, 0.0])
    state = {"i": 0}

    def pose_only():
        state["i"] = (state["i"] + 1) % len(poses)
        return model.pose(betas, poses[state["i"]], transl)

    try:
        from posestudio import camera as cam
        from posestudio.scene.model import Camera, Canvas
    except ImportError:
        cam = None
    ms_pose = median_ms(pose_only, args.runs)
    ms_full = ms_shape = ms_verts = ms_ik = ms_far = None
    if cam is not None:
        camera, canvas = Camera(distance=3.0, target=(0.0, 1.0, 0.0)), Canvas(768, 1024)

        def pose_and_project():
            body = pose_only()
            return cam.project(np.concatenate([body.joints, body.landmarks]), camera, canvas)

        ms_full = median_ms(pose_and_project, args.runs)
        shapes = rng.normal(0.0, 1.0, (len(poses), 10))

        def shape_pose_and_project():  # a body-shape slider drag: new betas every call
            state["i"] = (state["i"] + 1) % len(poses)
            body = model.pose(shapes[state["i"]], poses[state["i"]], transl)
            return cam.project(np.concatenate([body.joints, body.landmarks]), camera, canvas)

        ms_shape = median_ms(shape_pose_and_project, args.runs)

        def pose_and_project_vertices():
            return cam.project(pose_only().vertices, camera, canvas)

        ms_verts = median_ms(pose_and_project_vertices, args.runs)

        if model.kind != "smpl":
            from posestudio.kinematics.ik import solve_ik

            rest = model.rest_joints(betas)
            drag = {"pose": np.zeros((55, 3)), "t": 0.0}
            wrist0 = model.pose(betas, drag["pose"], transl).joint("left_wrist").astype(float)

            def ik_drag_step():  # one mouse move of a wrist drag: IK, then the pose update
                drag["t"] += 0.05
                target = wrist0 + [-0.15, -0.1 + 0.08 * np.sin(drag["t"]),
                                   0.2 + 0.08 * np.cos(drag["t"])]
                drag["pose"], t_new = solve_ik(rest, model.parents, drag["pose"], transl,
                                               "left_wrist", target)
                body = model.pose(betas, drag["pose"], t_new)
                return cam.project(np.concatenate([body.joints, body.landmarks]), camera, canvas)

            ms_ik = median_ms(ik_drag_step, args.runs)
            far = {"pose": np.zeros((55, 3)), "t": 0.0}

            def ik_far_step():  # the mouse dragged past the arm's reach: DLS on the head chain
                far["t"] += 0.05
                target = wrist0 + [0.0, 1.0 + 0.1 * np.sin(far["t"]), 1.0]
                far["pose"], _ = solve_ik(rest, model.parents, far["pose"], transl, "head",
                                          target)
                return far["pose"]

            ms_far = median_ms(ik_far_step, args.runs)

    m = model.smplx_model
    t = lambda a: torch.tensor(np.asarray(a, dtype=np.float32))[None]  # noqa: E731

    def smplx_forward():
        state["i"] = (state["i"] + 1) % len(poses)
        p = poses[state["i"]]
        kw = dict(betas=t(betas), global_orient=t(p[0]), body_pose=t(p[1:22].ravel()),
                  transl=t(transl))
        if model.kind in ("smplh", "smplx", "mannequin"):
            kw.update(left_hand_pose=t(p[25:40].ravel()), right_hand_pose=t(p[40:].ravel()))
        if model.kind in ("smplx", "mannequin"):
            kw.update(jaw_pose=t(p[22]), leye_pose=t(p[23]), reye_pose=t(p[24]))
        with torch.no_grad():
            return m(**kw)

    if model.kind == "smpl":
        raise SystemExit("the smplx peer for SMPL needs a 23-joint body pose; use smplh/smplx")
    ms_smplx = median_ms(smplx_forward, args.runs)
    print(f"rig: {model!r}")
    print(f"load (first, incl. torch/smplx import): {load_s:.2f} s")
    print(f"BodyModel.pose (LBS + joints + landmarks):   median {ms_pose:.3f} ms "
          f"over {args.runs} runs, 1 thread")
    if ms_full is not None:
        print(f"pose + camera.project (joints + landmarks):  median {ms_full:.3f} ms "
              f"(target <= 5 ms)")
    else:
        print("posestudio.camera not available: projection not measured")
    if ms_shape is not None:
        print(f"  ... with new betas every call (shape drag): median {ms_shape:.3f} ms")
        print(f"  ... projecting all {model.num_vertices} vertices instead:  "
              f"median {ms_verts:.3f} ms")
    if ms_ik is not None:
        print(f"IK wrist drag step (solve_ik + pose + project): median {ms_ik:.3f} ms")
        print(f"IK head drag step, target out of reach (DLS):  median {ms_far:.3f} ms")
    print(f"plain smplx.SMPLX forward (no_grad):         median {ms_smplx:.3f} ms")
    print(f"ratio pose update / smplx forward:           {(ms_full or ms_pose) / ms_smplx:.3f}")
    if ms_shape is not None:
        print(f"ratio shape-drag update / smplx forward:     {ms_shape / ms_smplx:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
