"""Sequence export and batch view rendering, seconds per frame / per view with the writing.

Run: ``PYOPENGL_PLATFORM=egl python bench/bench_sequence.py [--frames 120] [--views 25]
[--bvh CLIP.bvh]``

* Sequence: a real animation (two mannequins going through the bundled standing → walking →
  running → waving → jumping poses, interpolated on the sphere, while the camera turns 90°; or a
  BVH clip retargeted to the mannequin) exported at 512×768 for ``--frames`` frames:
  skeleton + depth, all maps (with mp4 previews), and the five maps the single-frame renderer
  had, against the old path on the same frames in the same run: ``render_scene`` once per map
  per frame, PNGs written one after another with Pillow (zlib level 1).
* Views: ``render --views N --size 1024x1024`` (all maps, written and committed) through the
  CLI, per view in CPU and wall ms, against the old loop (``render_scene`` per view, sequential
  Pillow writes) and as a ratio to one plain pyrender depth render of the same people and
  cameras measured in the same run (stock ``pyrender.OffscreenRenderer``, its own 4× MSAA and
  full depth read-back; ``batch_view_figures``, also used by ``bench_maps.py``).

Wall time is what a user waits on this shared 2-core machine; CPU time (all threads of the
process) is the cost without the other processes' load. Both are printed; the load average
at the start says how busy the machine was.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

OLD_MAPS = ("openpose", "depth", "normal", "seg", "mannequin")
ALL_MAPS = ("openpose", "depth", "normal", "seg", "champ", "iuv", "mask", "mannequin")


def demo_scene(frames: int, fps: float = 30.0):
    """Two people through five bundled poses over ``frames`` frames, camera turning 90°."""
    from posestudio.anim import Animation, CameraKey, PoseKey
    from posestudio.presets import load_pose_preset
    from posestudio.scene.model import Camera, Canvas, Person, Scene

    names = ("standing", "walking", "running", "waving", "jumping")
    poses = [load_pose_preset(n) for n in names]
    seconds = (frames - 1) / fps
    times = np.linspace(0.0, seconds, len(names))
    tracks, people = [], []
    for p in range(2):
        offset = np.array([1.3 * p, 0.0, -0.4 * p])
        keys = [PoseKey(float(t), poses[(k + 2 * p) % 5][0], poses[(k + 2 * p) % 5][1] + offset)
                for k, t in enumerate(times)]
        tracks.append(keys)
        people.append(Person(name=f"Person {p + 1}", pose=keys[0].pose, transl=keys[0].transl))
    camera = Camera(yaw_deg=-20.0, pitch_deg=8.0, distance=5.0, target=(0.65, 0.9, -0.2))
    scene = Scene(canvas=Canvas(512, 768), camera=camera, people=people)
    scene.animation = Animation(fps=fps, tracks=tracks, camera_keys=[
        CameraKey(0.0, camera), CameraKey(seconds, dataclasses.replace(camera, yaw_deg=70.0))])
    return scene


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


_PEER_RENDERERS: list = []


def plain_depth_ms(posed, cameras, canvas, runs: int = 2) -> tuple[float, float]:
    """(CPU, wall) ms of one plain pyrender depth render, averaged over ``runs`` passes over
    ``cameras``: a stock ``pyrender.OffscreenRenderer`` (created here, deleted last), the
    people as ``Mesh.from_trimesh`` in a fresh ``Scene`` per render, ``DEPTH_ONLY``."""
    import pyrender
    import trimesh

    from posestudio import camera as camera_math
    from posestudio.render.maps import view_matrices

    renderer = pyrender.OffscreenRenderer(canvas.width, canvas.height)
    meshes = [trimesh.Trimesh(b.vertices, b.faces, process=False) for b in posed]

    def render(camera):
        K = view_matrices(camera, canvas)[0]
        scene = pyrender.Scene()
        for mesh in meshes:
            scene.add(pyrender.Mesh.from_trimesh(mesh, smooth=False))
        scene.add(pyrender.IntrinsicsCamera(K[0, 0], K[1, 1], K[0, 2], K[1, 2],
                                            znear=camera.znear, zfar=camera.zfar),
                  pose=camera_math.camera_to_world(camera))
        return renderer.render(scene, flags=pyrender.RenderFlags.DEPTH_ONLY)

    render(cameras[0])
    wall, cpu, _ = _timed(lambda: [render(c) for _ in range(runs) for c in cameras])
    # Kept alive, never deleted: pyrender's EGL platform would terminate the display that
    # PoseStudio's renderer shares.
    _PEER_RENDERERS.append(renderer)
    n = runs * len(cameras)
    return 1e3 * cpu / n, 1e3 * wall / n


def batch_view_figures(scene, views: int, root: Path) -> dict[str, float]:
    """``render SCENE --views N`` through the CLI (all maps, written and committed into
    ``root``) and a plain pyrender depth render of the same people and cameras, in one run.

    Returns
    -------
    dict: ``cpu_ms``/``wall_ms`` per view (writing included), ``peer_cpu_ms``/``peer_wall_ms``
    per plain depth render, ``x_cpu``/``x_wall`` the ratios.
    """
    from posestudio.body import pose_people
    from posestudio.cli import main as cli_main
    from posestudio.cli.render_cmd import view_cameras
    from posestudio.scene.file_format import save_scene

    path = root / "views.pose.json"
    save_scene(scene, path)
    assert cli_main(["render", str(path), "--out", str(root / "warm"), "--views", "1"]) == 0
    wall, cpu, code = _timed(lambda: cli_main(
        ["render", str(path), "--out", str(root / "views"), "--views", str(views)]))
    assert code == 0
    peer_cpu, peer_wall = plain_depth_ms(pose_people(scene), view_cameras(scene, views),
                                         scene.canvas)
    out = {"cpu_ms": 1e3 * cpu / views, "wall_ms": 1e3 * wall / views,
           "peer_cpu_ms": peer_cpu, "peer_wall_ms": peer_wall}
    out["x_cpu"] = out["cpu_ms"] / peer_cpu
    out["x_wall"] = out["wall_ms"] / peer_wall
    return out


def print_batch_views(figures: dict[str, float], views: int, canvas) -> None:
    f = figures
    print(f"render --views {views} --size {canvas.width}x{canvas.height}, all maps, written, "
          f"per view: {f['cpu_ms']:.0f} ms CPU / {f['wall_ms']:.0f} ms wall; plain pyrender "
          f"depth render {f['peer_cpu_ms']:.0f} / {f['peer_wall_ms']:.0f} ms; "
          f"= {f['x_cpu']:.2f}x CPU, {f['x_wall']:.2f}x wall (target <= 100 ms per view)")


def old_per_map(scene, times, maps, out: Path) -> None:
    """The old way: one render_scene per map and frame, PNGs written one after another."""
    from PIL import Image

    from posestudio.anim import scene_at
    from posestudio.export.atomic import atomic_output_dir
    from posestudio.render.openpose_json import to_openpose_json
    from posestudio.render.pipeline import render_scene

    with atomic_output_dir(out) as tmp:
        for name in maps:
            (tmp / name).mkdir()
        for i, t in enumerate(times):
            frame = scene_at(scene, float(t))
            for name in maps:
                result = render_scene(frame, maps=(name,))
                Image.fromarray(result.maps[name]).save(tmp / name / f"{i:06d}.png",
                                                        compress_level=1)
                if name == "openpose":
                    (tmp / name / f"{i:06d}_keypoints.json").write_text(
                        json.dumps(to_openpose_json(result.people, result.canvas)))


def old_views(scene, cameras, out: Path) -> None:
    """The old turntable loop: render_scene per view, sequential Pillow writes."""
    from PIL import Image

    from posestudio.export.atomic import atomic_output_dir
    from posestudio.render.openpose_json import to_openpose_json
    from posestudio.render.pipeline import render_scene

    with atomic_output_dir(out) as tmp:
        for i, camera in enumerate(cameras):
            folder = tmp / f"view_{i:03d}"
            folder.mkdir()
            result = render_scene(scene, camera=camera)
            for name, image in result.maps.items():
                if name == "depth_metric":
                    np.save(folder / "depth_metric.npy", image)
                else:
                    Image.fromarray(image).save(folder / f"{name}.png", compress_level=1)
            (folder / "openpose.json").write_text(
                json.dumps(to_openpose_json(result.people, result.canvas)))
            (folder / "camera.json").write_text(json.dumps(result.camera_json()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--views", type=int, default=25)
    parser.add_argument("--bvh", help="use this BVH clip (retargeted to the mannequin)")
    args = parser.parse_args(argv)

    from posestudio.anim import frame_times
    from posestudio.render.gl import shared_renderer
    from posestudio.sequence.export import export_sequence

    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores)")
    if args.bvh:
        from posestudio.anim.bvh_import import import_bvh

        scene = import_bvh(args.bvh)
        scene.canvas = dataclasses.replace(scene.canvas, width=512, height=768)
        label = f"BVH {Path(args.bvh).name}"
    else:
        scene = demo_scene(args.frames)
        label = "two people, 5 keyed poses, camera turning 90°"
    end = min(args.frames, len(frame_times(scene)))
    times = frame_times(scene)[:end]
    # Warm up: GL context, body model, surface charts.
    with tempfile.TemporaryDirectory() as warm:
        export_sequence(scene, Path(warm) / "w", maps=ALL_MAPS, end=2)
    shared_renderer()
    print(f"sequence: {end} frames at 512x768 ({label})")
    rows = []
    with tempfile.TemporaryDirectory() as root:
        root = Path(root)
        for name, maps, previews in (("skeleton+depth", ("openpose", "depth"), False),
                                     ("skeleton+depth + mp4", ("openpose", "depth"), True),
                                     ("5 old maps", OLD_MAPS, False),
                                     ("all 8 maps + mp4", ALL_MAPS, True)):
            out = root / name.replace(" ", "_").replace("+", "")
            wall, cpu, _ = _timed(lambda: export_sequence(scene, out, maps=maps, end=end,
                                                          previews=previews))
            rows.append((name, wall / end, cpu / end))
        wall, cpu, _ = _timed(lambda: old_per_map(scene, times, OLD_MAPS, root / "old"))
        old = (wall / end, cpu / end)
    print(f"{'export':28s} {'s/frame wall':>13s} {'s/frame CPU':>12s}")
    for name, w, c in rows:
        print(f"{name:28s} {w:13.3f} {c:12.3f}")
    print(f"{'old per-map path, 5 maps':28s} {old[0]:13.3f} {old[1]:12.3f}")
    five = rows[2]
    print(f"speed-up on the same 5 maps: {old[0] / five[1]:.2f}x wall, {old[1] / five[2]:.2f}x CPU")

    # render --views N --size 1024x1024, all maps, written.
    from posestudio.cli.render_cmd import view_cameras

    still = demo_scene(2)
    still.animation = None
    still.canvas = dataclasses.replace(still.canvas, width=1024, height=1024)
    cameras = view_cameras(still, args.views)
    n = args.views
    with tempfile.TemporaryDirectory() as root:
        root = Path(root)
        figures = batch_view_figures(still, n, root)
        wall_old, cpu_old, _ = _timed(lambda: old_views(still, cameras, root / "old"))
    print_batch_views(figures, n, still.canvas)
    print(f"  old loop (render_scene per view, Pillow writes): {1e3 * cpu_old / n:.0f} ms CPU / "
          f"{1e3 * wall_old / n:.0f} ms wall per view; new is "
          f"{1e3 * cpu_old / n / figures['cpu_ms']:.2f}x CPU, "
          f"{1e3 * wall_old / n / figures['wall_ms']:.2f}x wall faster")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
