"""Control-map benchmark: all maps of one person at 1024² (design target: <= 100 ms).

Times each stage of ``render_bodies`` on an already posed mannequin (median of ``--runs``):
keypoints + OpenPose drawing, the one data pass (depth + normals + labels), the maps derived
from it (depth, normal, seg, canny), and the shaded mannequin pass; then the whole
``render_bodies`` call with every map, and ``render_scene`` (posing included).

Peers, timed the same way on the same mesh and canvas:
* plain pyrender depth: ``pyrender.Mesh.from_trimesh`` + a ``Scene`` + ``render(DEPTH_ONLY)``
  per call, as a straightforward script would do it (and, for reference, the render alone with
  the scene built once);
* plain ``smplx.SMPLX`` forward of the same model (torch, no_grad), against our posing
  (``BodyModel.pose``), the part of ``render_scene`` before the maps.

The "x peer" column is min / min against the plain pyrender depth render.

Batch: ``render EXAMPLE --views N`` at the same size through the CLI, every map written and
committed, per view in CPU ms (all threads of the process: llvmpipe's and the PNG writers')
and wall ms, against a stock pyrender depth render of the same person and cameras measured in
the same run (``bench_sequence.batch_view_figures``). On a shared machine CPU time is the cost
of the work; wall time also carries the other processes' load.

    PYOPENGL_PLATFORM=egl python bench/bench_maps.py [--runs 20] [--size 1024x1024] [--views 10]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from timing import timed_ms  # noqa: E402  (bench/timing.py, beside this script)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", default="1024x1024")
    parser.add_argument("--example", default="waving", help="bundled example scene")
    parser.add_argument("--views", type=int, default=10,
                        help="views of the batch render (0 = skip it)")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    import trimesh
    from OpenGL import GL

    from posestudio.body import load_body_model, pose_people
    from posestudio.cli.render_cmd import load_scene_arg
    from posestudio.keypoints import people_keypoints_2d
    from posestudio.render import maps as m
    from posestudio.render.gl import OffscreenRenderer, import_pyrender
    from posestudio.render.openpose_draw import draw_openpose
    from posestudio.render.pipeline import render_bodies, render_scene
    from posestudio.scene.model import Canvas

    width, height = (int(v) for v in args.size.lower().split("x"))
    scene = load_scene_arg(args.example)
    scene.canvas = canvas = Canvas(width, height)
    posed = pose_people(scene)
    camera, settings = scene.camera, scene.render
    renderer = OffscreenRenderer()
    pyrender = import_pyrender()

    geometry = m.render_geometry(posed, camera, canvas, renderer=renderer)  # warm the context
    print(f"GL: {GL.glGetString(GL.GL_RENDERER).decode()} | {width}x{height} | "
          f"{len(posed[0].vertices)} vertices, {len(posed[0].faces)} faces | runs {args.runs} | "
          f"load average {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")

    normal = m.normal_map(geometry)
    stages = {
        "openpose (keypoints + draw)": lambda: draw_openpose(
            people_keypoints_2d(posed, camera, canvas), width, height),
        "openpose, hide occluded (given depth)": lambda: draw_openpose(
            people_keypoints_2d(posed, camera, canvas, hide_occluded=True,
                                depth=geometry.depth), width, height),
        "data pass (depth+normal+labels)": lambda: m.render_geometry(posed, camera, canvas,
                                                                     renderer=renderer),
        "  depth 8-bit from pass": lambda: m.depth_map(geometry),
        "  normal from pass": lambda: m.normal_map(geometry),
        "  seg from pass": lambda: m.seg_map(geometry),
        "  canny from normal (in the box)": lambda: m.canny_map(normal, box=geometry.box),
        "mannequin (shaded, 4x MSAA)": lambda: m.render_mannequin(posed, camera, canvas,
                                                                  renderer=renderer),
    }
    results = {name: timed_ms(fn, args.runs) for name, fn in stages.items()}
    results["ALL maps, render_bodies"] = timed_ms(
        lambda: render_bodies(posed, camera, canvas, settings, renderer=renderer), args.runs)
    results["ALL maps + posing, render_scene"] = timed_ms(
        lambda: render_scene(scene, renderer=renderer), args.runs)

    # Peer 1: plain pyrender depth of the same world-space mesh.
    K = m.view_matrices(camera, canvas)[0]
    from posestudio import camera as camera_math

    pose = camera_math.camera_to_world(camera)
    tm = trimesh.Trimesh(posed[0].vertices, posed[0].faces, process=False)
    # Through the same GL context (a second pyrender renderer would share, and on delete
    # terminate, the EGL display): pyrender's own default of 4x MSAA, no patch of ours involved.
    depth_only = pyrender.RenderFlags.DEPTH_ONLY
    def plain_scene():
        s = pyrender.Scene()
        s.add(pyrender.Mesh.from_trimesh(tm, smooth=False))
        s.add(pyrender.IntrinsicsCamera(K[0, 0], K[1, 1], K[0, 2], K[1, 2],
                                        znear=camera.znear, zfar=camera.zfar), pose=pose)
        return s

    def plain_depth():
        return renderer.render(plain_scene(), width, height, depth_only, samples=4)

    built = plain_scene()
    baseline = timed_ms(plain_depth, args.runs)
    baseline_reused = timed_ms(
        lambda: renderer.render(built, width, height, depth_only, samples=4), args.runs)

    # Peer 2: plain smplx forward of the same model (torch, no_grad, batch 1), and our posing.
    model = load_body_model(scene.people[0].rig)
    person = scene.people[0]
    posing = timed_ms(lambda: model.pose_person(person), args.runs)
    forward = None
    smplx_model = getattr(model, "smplx_model", None)
    if smplx_model is not None:
        p = person.pose
        t = lambda a: torch.tensor(np.asarray(a, dtype=np.float32))[None]  # noqa: E731
        kw = dict(betas=t(person.betas), global_orient=t(p[0]), body_pose=t(p[1:22].ravel()),
                  transl=t(person.transl), left_hand_pose=t(p[25:40].ravel()),
                  right_hand_pose=t(p[40:].ravel()), jaw_pose=t(p[22]), leye_pose=t(p[23]),
                  reye_pose=t(p[24]))

        def smplx_forward():
            with torch.no_grad():
                return smplx_model(**kw)

        forward = timed_ms(smplx_forward, args.runs)
    renderer.delete()

    print(f"{'stage':40s} {'median ms':>10s} {'min ms':>8s} {'x peer':>7s}")
    rows = list(results.items()) + [
        ("peer: plain pyrender depth (build+render)", baseline),
        ("peer: plain pyrender depth, scene reused", baseline_reused),
        ("posing: BodyModel.pose", posing)]
    if forward is not None:
        rows.append(("peer: plain smplx.SMPLX forward", forward))
    for name, (med, low) in rows:
        print(f"{name:40s} {med:10.1f} {low:8.1f} {low / baseline[1]:7.2f}")
    total = results["ALL maps, render_bodies"]
    print(f"all maps of one person at {width}x{height}: median {total[0]:.1f} ms, min "
          f"{total[1]:.1f} ms (target <= 100 ms) = {total[1] / baseline[1]:.2f}x one plain "
          f"pyrender depth render (min/min)")
    if forward is not None:
        print(f"posing for the maps: {posing[1]:.2f} ms = {posing[1] / forward[1]:.2f}x a plain "
              f"smplx forward ({forward[1]:.2f} ms)")
    if args.views:
        import tempfile
        from pathlib import Path

        from bench_sequence import batch_view_figures, print_batch_views

        with tempfile.TemporaryDirectory() as root:
            figures = batch_view_figures(scene, args.views, Path(root))
        print_batch_views(figures, args.views, canvas)
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
