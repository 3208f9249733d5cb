"""Video → 3D motion benchmark: clips rendered from real motion capture, with known truth.

Motion: the DeepMimic humanoid clips that ship inside pybullet's
``pybullet_data/data/motions`` — real mocap. Get them without installing pybullet:

    pip download --no-deps pybullet==3.2.7 -d /tmp/pb      # ~100 MB wheel, read as a zip

and pass ``--motions /tmp/pb/pybullet-3.2.7-*.whl`` (or a folder holding ``humanoid3d_*.txt``,
or nothing when pybullet is installed or the wheel lies in /tmp/pybullet_wheel). Each clip is
retargeted to the mannequin (DeepMimic's joints are SMPL's minus hands: root, chest → spine,
neck, hips, knees, ankles, shoulders, elbows; its frame faces +X with arms hanging, ours faces
+Z in a T-pose), ``--frames`` frames at 30 fps (a cyclic clip looped, another played once).

The figures come from held-out clips (``motion_clips.TEST_CLIPS``): none of them is among the
clips the pose prior was fitted on, and the temporal fit's settings were tuned on training
clips only (``--train`` measures those instead).

Two parts:

* **keypoints** (every clip, the mannequin and a differently shaped body): the true 2D
  keypoints through a fixed camera plus 3 px of noise, 5 % of the frames missed → the temporal
  fit (``lift.temporal``) vs. lifting each frame as a photo (``lift.lift``): PA-MPJPE (mm),
  acceleration error (mm/frame², hip-centred joints), foot skating (mm/frame of the ankles and
  feet where the truth's are planted, ``lift.metrics.foot_skate_mm``) and CPU seconds per frame,
  beside the acceleration error an ideal smoother of that noise would leave
  (``smoothing_floor``); at 30 fps, or at ``--fps`` for the clips recorded that fast;
* **video** (``--video``): 1920x1080 frames — the mannequin performing the clip rendered over a
  photo background (scikit-image's samples) with a second, differently shaped person walking
  across in front of it — written as an mp4 and imported with ``posestudio.video.import_video``
  (decode, MediaPipe video mode, tracking, temporal fit, people side by side in fitting
  workers): seconds per frame (wall, and CPU of this process and its workers; with
  ``--compare-workers`` also with everyone fitted in this process, in the same run), whether
  the performer's identity is kept through the crossing, and accuracy against the truth; the per-photo path (``lift.import_photo`` on each frame, the performer
  picked as the person nearest the truth) for comparison.

    OMP_NUM_THREADS=1 python bench/bench_video.py --motions WHEEL [--frames 60] [--video]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

from posestudio import camera as cam  # noqa: E402
from posestudio.body import load_body_model  # noqa: E402
from posestudio.keypoints import people_keypoints_2d  # noqa: E402
from posestudio.lift.metrics import EVAL_JOINTS as EVAL  # noqa: E402
from posestudio.lift.metrics import accel_error_mm as accel_error  # noqa: E402
from posestudio.lift.metrics import foot_skate_mm  # noqa: E402
from posestudio.lift.metrics import mean_pa_mpjpe_mm as pa_mpjpe  # noqa: E402
from posestudio.lift.metrics import to_camera as to_cam  # noqa: E402
from posestudio.rotations import (  # noqa: E402
    axis_angle_to_matrix, matrix_to_axis_angle, quaternion_to_matrix,
)
from posestudio.scene.model import Camera, Canvas  # noqa: E402
from posestudio.skeletons import SMPLX_JOINT_INDEX as J  # noqa: E402

FPS = 30.0
CLIPS = ("run", "kick", "dance_b")        # held out: see motion_clips.TEST_CLIPS
TRAIN = ("walk", "punch", "dance_a")       # for tuning: see motion_clips.TRAIN_CLIPS
NOISE_PX = 3.0                             # the keypoint part's detector-like noise
SHAPED = np.array([2.0, -1.5, 1.0, 0.5, -1.0, 0.8, 0.0, -0.5, 0.3, 0.0])  # a different body

# DeepMimic humanoid3d frame: [duration, root pos (3), root quat (4), chest (4), neck (4),
# r hip (4), r knee (1), r ankle (4), r shoulder (4), r elbow (1), l hip (4), l knee (1),
# l ankle (4), l shoulder (4), l elbow (1)]; quaternions (w, x, y, z); revolute joints about z.
_LAYOUT = (("root", 4), ("chest", 4), ("neck", 4), ("right_hip", 4), ("right_knee", 1),
           ("right_ankle", 4), ("right_shoulder", 4), ("right_elbow", 1), ("left_hip", 4),
           ("left_knee", 1), ("left_ankle", 4), ("left_shoulder", 4), ("left_elbow", 1))
# DeepMimic's frame (faces +X, its left is −Z) → ours (faces +Z, left is +X): −90° about Y.
_C = axis_angle_to_matrix(np.array([0.0, -np.pi / 2, 0.0]))
# Arms: ours point sideways at rest, DeepMimic's hang down.
_ARM_REST = {"left": axis_angle_to_matrix(np.array([0.0, 0.0, -np.pi / 2])),
             "right": axis_angle_to_matrix(np.array([0.0, 0.0, np.pi / 2]))}


def read_motion(source: str | None, clip: str) -> dict:
    """The DeepMimic clip ``humanoid3d_<clip>.txt`` from a pybullet wheel, a folder, or the
    installed ``pybullet_data``."""
    name = f"humanoid3d_{clip}.txt"
    if source is None:
        try:
            import pybullet_data  # type: ignore
        except ImportError:
            sys.exit("no motion source: pass --motions PYBULLET_WHEEL (pip download --no-deps "
                     "pybullet==3.2.7 -d /tmp/pb)")
        source = os.path.join(pybullet_data.getDataPath(), "data", "motions")
    if str(source).endswith(".whl"):
        with zipfile.ZipFile(source) as wheel:
            return json.load(io.TextIOWrapper(wheel.open(f"pybullet_data/data/motions/{name}")))
    return json.loads(Path(source, name).read_text())


def clip_frames(motion: dict, frames: int, fps: float = FPS) -> int:
    """``frames``, or the clip's own length when it does not loop (no jump back to its start)."""
    if motion.get("Loop", "wrap") == "wrap":
        return frames
    duration = float(sum(row[0] for row in motion["Frames"][:-1]))
    return max(3, min(frames, int(duration * fps)))


def recorded_fps(motion: dict) -> float:
    """The clip's slowest frame rate: the rate it can be played at without showing a recorded
    frame twice (``retarget`` holds each frame, it does not interpolate)."""
    return 1.0 / max(float(row[0]) for row in motion["Frames"][:-1])


def retarget(motion: dict, frames: int, fps: float = FPS) -> tuple[np.ndarray, np.ndarray]:
    """Mannequin poses (T, 55, 3) and root positions (T, 3) (ours, metres) at ``fps``, each
    recorded frame held until the next one's time, the clip looped (root moved on by one
    cycle's displacement each loop)."""
    data = np.array(motion["Frames"], dtype=np.float64)
    times = np.concatenate([[0.0], np.cumsum(data[:-1, 0])])
    cycle = times[-1]
    shift = data[-1, 1:4] - data[0, 1:4]
    shift[1] = 0.0
    poses = np.zeros((frames, 55, 3))
    roots = np.zeros((frames, 3))
    for f in range(frames):
        t = f / fps
        loop, local = divmod(t, cycle) if cycle > 0 else (0, 0.0)
        i = min(int(np.searchsorted(times, local, side="right")) - 1, len(data) - 1)
        row = data[i]
        roots[f] = _C @ (row[1:4] + loop * shift)
        k = 4
        rot = {}
        for joint, size in _LAYOUT:
            if size == 4:
                rot[joint] = quaternion_to_matrix(row[k:k + 4])
            else:
                rot[joint] = axis_angle_to_matrix(np.array([0.0, 0.0, row[k]]))
            k += size
        ours = {j: _C @ r @ _C.T for j, r in rot.items()}
        poses[f, 0] = matrix_to_axis_angle(ours["root"])
        chest = matrix_to_axis_angle(ours["chest"]) / 3.0
        for spine in ("spine1", "spine2", "spine3"):
            poses[f, J[spine]] = chest
        for joint in ("neck", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee",
                      "left_ankle"):
            poses[f, J[joint]] = matrix_to_axis_angle(ours[joint])
        for side in ("left", "right"):
            rest = _ARM_REST[side]
            poses[f, J[f"{side}_shoulder"]] = matrix_to_axis_angle(ours[f"{side}_shoulder"] @ rest)
            poses[f, J[f"{side}_elbow"]] = matrix_to_axis_angle(rest.T @ ours[f"{side}_elbow"] @ rest)
    return poses, roots


def place(body, betas, poses, roots) -> np.ndarray:
    """Translations (T, 3) putting the pelvis on the mocap root, the lowest foot on y = 0."""
    j0 = body.pose(betas=betas, pose=np.zeros((55, 3))).joints[0]
    transl = roots - j0
    lowest = min(float(body.pose(betas=betas, pose=p, transl=t).vertices[:, 1].min())
                 for p, t in zip(poses[::5], transl[::5]))
    transl[:, 1] -= lowest
    transl[:, [0, 2]] -= transl[0, [0, 2]]
    return transl


def accel_magnitude(truth: np.ndarray) -> float:
    j = truth[:, EVAL] - truth[:, EVAL][:, 8:10].mean(1, keepdims=True)
    return float(1000 * np.linalg.norm(j[2:] - 2 * j[1:-1] + j[:-2], axis=-1).mean())


def smoothing_floor(truth: np.ndarray, focal: float, noise_px: float = NOISE_PX,
                    draws: int = 5) -> float:
    """The acceleration error (mm/frame²) left by an ideal smoother of the keypoints' noise: the
    true joints (T, J, 3, camera frame) moved by ``noise_px`` in the image plane at each joint's
    depth and not at all in depth, then Gaussian-smoothed along time with the width that fits
    the truth best (chosen by looking at it). A reference, not a strict bound: it knows depth
    exactly and is tuned on the answer, but smooths each joint alone, where a body fit also
    ties the joints together by their bone lengths (and so can beat it in the image plane)."""
    rng = np.random.default_rng(0)
    depth = -truth[..., 2:3]
    best = float("inf")
    for sigma in (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0):
        radius = int(3 * sigma + 1)
        kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
        kernel /= kernel.sum()
        errors = []
        for _ in range(draws):
            noisy = truth + rng.normal(0, noise_px, truth.shape) * depth / focal * [1, 1, 0]
            padded = np.concatenate([noisy[:1].repeat(radius, 0), noisy,
                                     noisy[-1:].repeat(radius, 0)])
            smooth = sum(w * padded[i:i + len(truth)] for i, w in enumerate(kernel))
            errors.append(accel_error(smooth, truth))
        best = min(best, float(np.mean(errors)))
    return best


def framing_camera(body, betas, poses, transl, canvas: Canvas, yaw: float) -> Camera:
    verts = np.concatenate([body.pose(betas=betas, pose=p, transl=t).vertices
                            for p, t in zip(poses[::6], transl[::6])])
    return cam.frame_points(Camera(yaw_deg=yaw, pitch_deg=8.0, fov_y_deg=45.0), canvas, verts,
                            margin=0.1)


def keypoints_part(args, body) -> list[dict]:
    from posestudio.lift import _keypoint_model, targets_of
    from posestudio.lift.fit import selection_matrix
    from posestudio.lift.temporal import TemporalSettings, fit_sequence

    canvas = Canvas(1920, 1080)
    _, model = _keypoint_model("mannequin")
    selection, available = selection_matrix(model.landmark_names,
                                            ("body", "hand_left", "hand_right", "face"))
    rows = []
    for clip in args.clips:
        rng = np.random.default_rng([args.seed, zlib.crc32(clip.encode())])
        motion = read_motion(args.motions, clip)
        if recorded_fps(motion) < 0.98 * args.fps:
            print(f"{clip}: recorded at {recorded_fps(motion):.0f} fps, slower than --fps "
                  f"{args.fps:g}: skipped", flush=True)
            continue
        poses, roots = retarget(motion, clip_frames(motion, args.frames, args.fps), args.fps)
        for shape_name, betas in (("mannequin", np.zeros(10)), ("shaped", SHAPED)):
            transl = place(body, betas, poses, roots)
            camera = framing_camera(body, betas, poses, transl, canvas, yaw=float(rng.uniform(-60, 60)))
            focal = float(cam.intrinsics(camera, canvas)[0, 0])
            kps, truth = [], []
            for p, t in zip(poses, transl):
                posed = body.pose(betas=betas, pose=p, transl=t)
                kp = people_keypoints_2d([posed], camera, canvas, hands=False, face=False)[0]
                present = kp.body[:, 2] > 0
                kp.body[present, :2] += rng.normal(0, NOISE_PX, (int(present.sum()), 2))
                kps.append(kp)
                truth.append(to_cam(posed.joints, camera))
            truth = np.stack(truth)
            missed = rng.random(len(kps)) < 0.05
            targets = np.stack([targets_of(k) for k in kps])
            targets[:, ~available] = 0.0
            targets[missed] = 0.0
            row = dict(clip=clip, body=shape_name, frames=len(kps), missed=int(missed.sum()),
                       truth_acc=accel_magnitude(truth), floor=smoothing_floor(truth, focal))
            variants = [("t", TemporalSettings())]
            if args.before is not None:
                variants.append(("b", replace(TemporalSettings(), **args.before)))
            for prefix, settings in variants:
                c0 = time.process_time()
                fit = fit_sequence(model, targets, selection, focal=focal,
                                   size=(canvas.width, canvas.height), fps=args.fps, settings=settings)
                cpu = (time.process_time() - c0) / len(kps)
                pred = np.stack([body.pose(betas=fit.betas, pose=p, transl=t).joints
                                 for p, t in zip(fit.poses, fit.transl)])
                row.update({f"{prefix}_pa": pa_mpjpe(pred, truth),
                            f"{prefix}_acc": accel_error(pred, truth), f"{prefix}_cpu": cpu,
                            f"{prefix}_skate": foot_skate_mm(pred, truth, args.fps)})
            if not args.no_per_photo:
                cached = None
                if args.cache:
                    rate = "" if args.fps == FPS else f"_{args.fps:g}fps"
                    cached = Path(args.cache,
                                  f"{clip}_{shape_name}_{len(kps)}_{args.seed}{rate}.npz")
                if cached is not None and cached.exists():
                    saved = np.load(cached)
                    per, p_cpu = saved["joints"], float(saved["cpu"])
                else:
                    c0 = time.process_time()
                    per = per_photo_keypoints(kps, missed, canvas, focal, body)
                    p_cpu = (time.process_time() - c0) / len(kps)
                    if cached is not None:
                        cached.parent.mkdir(parents=True, exist_ok=True)
                        np.savez(cached, joints=per, cpu=p_cpu)
                row.update(p_pa=pa_mpjpe(per, truth), p_acc=accel_error(per, truth), p_cpu=p_cpu,
                           p_skate=foot_skate_mm(per, truth, args.fps))
            rows.append(row)
            print(_row_text(row), flush=True)
    return rows


def per_photo_keypoints(kps, missed, canvas: Canvas, focal: float, body) -> np.ndarray:
    """(T, J, 3) camera-frame joints of ``lift.lift`` on each frame's keypoints; a missed frame
    (a photo with nobody found) keeps the previous pose."""
    from posestudio.lift import lift

    per = []
    for t, kp in enumerate(kps):
        if missed[t]:
            per.append(per[-1] if per else None)
            continue
        result = lift([kp], (canvas.width, canvas.height), focal_px=focal)
        p = result.people[0]
        per.append(to_cam(body.pose(betas=p.betas, pose=p.pose, transl=p.transl).joints,
                          result.camera))
    first = next(p for p in per if p is not None)
    return np.stack([first if p is None else p for p in per])


def _row_text(row: dict) -> str:
    text = (f"{row['clip']:<8} {row['body']:<9} {row['frames']:3d} fr ({row['missed']} missed)  "
            f"truth acc {row['truth_acc']:5.1f}, floor {row['floor']:4.1f}  temporal: PA "
            f"{row['t_pa']:5.1f} mm, acc "
            f"{row['t_acc']:5.1f}, skate {row['t_skate']:4.1f}, {row['t_cpu']:.3f} CPU s/frame")
    if "b_pa" in row:
        text += (f"  | before: PA {row['b_pa']:5.1f} mm, acc {row['b_acc']:5.1f}, skate "
                 f"{row['b_skate']:4.1f}, {row['b_cpu']:.3f} CPU s/frame")
    if "p_pa" in row:
        text += (f"  | per-photo: PA {row['p_pa']:5.1f}, acc {row['p_acc']:6.1f}, skate "
                 f"{row['p_skate']:4.1f}, {row['p_cpu']:.2f} CPU s/frame  | acc ratio "
                 f"{row['t_acc'] / row['p_acc']:.3f}")
    return text


def _background(index: int, size: tuple[int, int]) -> np.ndarray:
    import skimage.data
    from PIL import Image

    photos = (skimage.data.coffee, skimage.data.chelsea, skimage.data.rocket,
              skimage.data.astronaut)
    image = Image.fromarray(photos[index % len(photos)]()).convert("RGB")
    return np.asarray(image.resize(size, Image.Resampling.BICUBIC))


def _face_sprite():
    """A real face (scikit-image's astronaut) with a soft elliptical alpha, and where its eyes'
    midpoint lies (pixels): the mannequin has no face, and MediaPipe's person detector looks
    for one."""
    import skimage.data
    from PIL import Image

    crop = skimage.data.astronaut()[15:195, 155:300]
    h, w = crop.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    ell = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    alpha = np.clip((1.0 - ell) * 4.0, 0.0, 1.0)
    rgba = np.dstack([crop, (255 * alpha).astype(np.uint8)])
    return Image.fromarray(rgba), np.array([69.0, 85.0]), 0.3 / w   # metres per sprite pixel


def _paste_faces(frame: np.ndarray, posed, camera, canvas, sprite) -> np.ndarray:
    """Paste the face sprite on every head that faces the camera (scaled to the head's
    distance, rolled with the eye line)."""
    from PIL import Image

    from posestudio.keypoints import openpose_points_3d

    image, eyes_at, metres_per_px = sprite
    out = Image.fromarray(frame)
    f = float(cam.intrinsics(camera, canvas)[0, 0])
    m = cam.world_to_camera(camera)
    for p in sorted(posed, key=lambda p: float((p.joints[15] @ m[:3, :3].T + m[:3, 3])[2])):
        pts, _ = openpose_points_3d(p, "coco18", hands=False, face=False)["body"]
        pts = pts @ m[:3, :3].T + m[:3, 3]
        nose, r_eye, l_eye, r_ear, l_ear = pts[[0, 14, 15, 16, 17]]
        ears = (r_ear + l_ear) / 2
        if float((nose - ears) @ (-ears / np.linalg.norm(ears))) < 0.03:
            continue   # the face looks away from the camera
        eyes = (r_eye + l_eye) / 2
        z = -eyes[2]
        uv = lambda q: np.array([canvas.width / 2 + f * q[0] / -q[2],   # noqa: E731
                                 canvas.height / 2 - f * q[1] / -q[2]])
        scale = f * metres_per_px / z
        roll = np.degrees(np.arctan2(*(uv(l_eye) - uv(r_eye))[::-1]))
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        sprite = image.resize(size, Image.Resampling.BILINEAR)
        centre = eyes_at * scale
        rotated = sprite.rotate(-roll, resample=Image.Resampling.BILINEAR, expand=False,
                                center=tuple(centre))
        corner = uv(eyes) - centre
        out.paste(rotated, (int(round(corner[0])), int(round(corner[1]))), rotated)
    return np.asarray(out)


def render_clip(body, people, camera, canvas, background, path: Path) -> None:
    """Render ``people`` ((betas, poses (T, 55, 3), transl (T, 3)) each) over ``background``
    frame by frame into an mp4 at ``path``."""
    import cv2

    from posestudio.render.pipeline import render_bodies
    from posestudio.scene.model import RenderSettings

    sprite = _face_sprite()

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS,
                             (canvas.width, canvas.height))
    settings = RenderSettings()
    colors = [(0.75, 0.62, 0.5), (0.35, 0.45, 0.7)]
    for t in range(len(people[0][1])):
        posed = [body.pose(betas=b, pose=p[t], transl=x[t]) for b, p, x in people]
        result = render_bodies(posed, camera, canvas, settings, maps=("mannequin", "depth"),
                               colors=colors[:len(posed)])
        shaded = result.maps["mannequin"][..., :3]
        mask = result.maps["depth_metric"] > 0
        frame = background.copy()
        frame[mask] = shaded[mask]
        frame = _paste_faces(frame, posed, camera, canvas, sprite)
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()


def _crosser(args, body, camera, transl, frames: int):
    """A second, differently shaped person moving across the picture behind the performer
    (``--crosser-clip``, its root path turned along the camera's x axis): betas, poses,
    translations."""
    c_poses, c_roots = retarget(read_motion(args.motions, args.crosser_clip), frames)
    crosser_betas = np.array([-1.0, 1.0, 0, 0, 0, 0, 0, 0, 0, 0])
    c_transl = place(body, crosser_betas, c_poses, c_roots)
    m = cam.world_to_camera(camera)
    right = m[0, :3]                         # the camera's x axis in the world
    toward = -m[2, :3]                       # from the camera towards the scene
    centre = transl[len(transl) // 2] + np.array([0.0, 0.0, 0.0])
    heading = np.arctan2(right[0], right[2])  # walk along the camera's x axis
    turn = axis_angle_to_matrix(np.array([0.0, heading - np.pi / 2, 0.0]))
    c_poses[:, 0] = matrix_to_axis_angle(turn @ axis_angle_to_matrix(c_poses[:, 0]))
    path = (c_transl - c_transl[0]) @ turn.T
    # the crossing centred on the performer, so a fast crosser stays in view too
    start = centre - 0.5 * max(1.3, float(np.linalg.norm(path[-1, [0, 2]]))) * right + 1.2 * toward
    c_transl = path + start
    c_transl[:, 1] = c_transl[:, 1] - start[1] + place(body, crosser_betas, c_poses[:1],
                                                              c_roots[:1])[0, 1]
    return crosser_betas, c_poses, c_transl


def video_part(args, body) -> None:
    from posestudio.lift.fit_pool import cpu_seconds
    from posestudio.video.importer import import_video

    canvas = Canvas(1920, 1080)
    clip = args.video_clip
    motion = read_motion(args.motions, clip)
    poses, roots = retarget(motion, clip_frames(motion, args.frames))
    betas = SHAPED if args.video_body == "shaped" else np.zeros(10)
    transl = place(body, betas, poses, roots)
    camera = framing_camera(body, betas, poses, transl, canvas, yaw=-30.0)
    people = [(betas, poses, transl)]
    if args.crosser_clip != "none":
        people.append(_crosser(args, body, camera, transl, len(poses)))
    tmp = Path(tempfile.mkdtemp())
    video = tmp / f"{clip}.mp4"
    t0 = time.perf_counter()
    render_clip(body, people, camera, canvas,
                _background(args.seed, (canvas.width, canvas.height)), video)
    print(f"rendered {len(poses)} frames of {clip} ({len(people)} people) at 1920x1080 in "
          f"{time.perf_counter() - t0:.0f} s -> {video} ({video.stat().st_size / 1e6:.1f} MB)",
          flush=True)
    truth = np.stack([to_cam(body.pose(betas=betas, pose=p, transl=t).joints, camera)
                      for p, t in zip(poses, transl)])
    truth2d = _project(truth, camera, canvas)
    focal = float(cam.intrinsics(camera, canvas)[0, 0])
    for workers in ([0] if args.compare_workers else []) + [None]:
        w0, c0 = time.perf_counter(), cpu_seconds()
        scene, report = import_video(video, focal_px=focal, workers=workers)
        wall, cpu = time.perf_counter() - w0, cpu_seconds() - c0
        n = report.num_frames
        print(f"video import{' (one process)' if workers == 0 else ''}: {len(scene.people)} "
              f"people, {n} frames; {wall / n:.2f} s/frame wall, {cpu / n:.2f} CPU s/frame of "
              f"this process and its workers (detect {report.seconds['detect']:.1f} s, fit "
              f"{report.seconds['fit']:.1f} s wall; detect {report.seconds['detect_cpu'] / n:.2f}, "
              f"fit {report.seconds['fit_cpu'] / n:.2f} CPU s/frame; camera turn measured "
              f"{report.camera_turn_deg:.2f}°, the camera is fixed)", flush=True)
    # Which scene person is the performer: the one whose detections follow its true 2D pelvis.
    best, kept = None, None
    for i, track in enumerate(report.tracks):
        hits = []
        for frame, person in track.detections.items():
            body2d = np.asarray(person.body)
            present = body2d[:, 2] > 0
            hips = body2d[[8, 11]][present[[8, 11]]]
            if len(hips):
                hits.append(np.linalg.norm(hips[:, :2].mean(0) - truth2d[frame, 0]) < 60.0)
        share = float(np.mean(hits)) if hits else 0.0
        if best is None or share > kept:
            best, kept = i, share
    print(f"identity: person {best} follows the performer in {100 * kept:.0f} % of the frames it "
          f"was seen in ({len(report.tracks[best].detections)}/{n} frames seen)")
    track = scene.animation.tracks[best]
    pred = np.stack([to_cam(body.pose(betas=scene.people[best].betas, pose=k.pose,
                                      transl=k.transl).joints, scene.camera) for k in track])
    print(f"temporal (video): PA-MPJPE {pa_mpjpe(pred, truth):.1f} mm, accel error "
          f"{accel_error(pred, truth):.1f} mm/frame² (truth's own {accel_magnitude(truth):.1f})")
    if not args.no_per_photo:
        per_photo(video, body, truth, truth2d, camera, focal, n)


def _project(joints_cam: np.ndarray, camera, canvas: Canvas) -> np.ndarray:
    """Pelvis pixels (T, 1, 2) of camera-frame joints (T, J, 3)."""
    f = float(cam.intrinsics(camera, canvas)[0, 0])
    p = joints_cam[:, :1]
    z = -p[..., 2]
    return np.stack([canvas.width / 2 + f * p[..., 0] / z, canvas.height / 2 - f * p[..., 1] / z], -1)


def per_photo(video: Path, body, truth, truth2d, camera, focal: float, n: int) -> None:
    from posestudio.detect.video import search_frame
    from posestudio.lift import lift
    from posestudio.video.decode import FrameRange, iter_frames, probe_video

    info = probe_video(video)
    w0, c0 = time.perf_counter(), time.process_time()
    per, missed = [], 0
    for i, _, rgb in iter_frames(info, FrameRange(info.fps)):
        people = search_frame(rgb, 2)   # the photo detector, on the frame and its square tiles
        if not people:                   # nobody found: the previous pose stays
            per.append(per[-1] if per else None)
            missed += 1
            continue
        pelvis = [np.asarray(p.body)[[8, 11], :2].mean(0) for p in people]
        pick = int(np.argmin([np.linalg.norm(c - truth2d[i, 0]) for c in pelvis]))
        result = lift([people[pick]], (info.width, info.height), focal_px=focal)
        p = result.people[0]
        per.append(to_cam(body.pose(betas=p.betas, pose=p.pose, transl=p.transl).joints,
                          result.camera))
    first = next(p for p in per if p is not None)
    per = np.stack([first if p is None else p for p in per])
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(f"per-photo (video): PA-MPJPE {pa_mpjpe(per, truth[:len(per)]):.1f} mm, accel error "
          f"{accel_error(per, truth[:len(per)]):.1f} mm/frame²; {wall / n:.2f} s/frame wall, "
          f"{cpu / n:.2f} CPU s/frame; nobody found in {missed} frames (previous pose held)")


def print_means(rows: list[dict]) -> None:
    """The mean of every row's figures (skating over the rows where a foot is planted)."""
    def mean(key: str) -> float:
        return float(np.nanmean([r[key] for r in rows]))

    per_photo = "p_acc" in rows[0]
    if "b_pa" in rows[0]:
        print(f"mean before: temporal PA {mean('b_pa'):.1f} mm, acc {mean('b_acc'):.1f}, skate "
              f"{mean('b_skate'):.1f}, {mean('b_cpu'):.3f} CPU s/frame"
              + (f"; acc ratio {mean('b_acc') / mean('p_acc'):.3f}" if per_photo else ""))
    line = (f"mean: temporal PA {mean('t_pa'):.1f} mm, acc {mean('t_acc'):.1f} (an ideal smoother's "
            f"floor {mean('floor'):.1f}), skate {mean('t_skate'):.1f}, {mean('t_cpu'):.3f} CPU s/frame")
    if per_photo:
        line += (f"; per-photo PA {mean('p_pa'):.1f} mm, acc {mean('p_acc'):.1f}, skate "
                 f"{mean('p_skate'):.1f}; acc ratio {mean('t_acc') / mean('p_acc'):.3f} (target ≤ 0.2;"
                 f" the floor's {mean('floor') / mean('p_acc'):.3f})")
    print(line)


def _settings_overrides(text: str) -> dict:
    """``KEY=VALUE,...`` → TemporalSettings overrides (values as Python literals)."""
    import ast
    from dataclasses import fields

    from posestudio.lift.temporal import TemporalSettings

    known = {f.name for f in fields(TemporalSettings)}
    out = {}
    for item in filter(None, text.split(",")):
        key, _, value = (part.strip() for part in item.partition("="))
        if key not in known:
            raise argparse.ArgumentTypeError(f"no temporal setting {key!r}")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise argparse.ArgumentTypeError(f"not a value: {item!r}") from None
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--motions", help="pybullet wheel, folder of humanoid3d_*.txt (default: "
                                      "the installed pybullet_data)")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--fps", type=float, default=FPS,
                    help="keypoint part's frame rate (default %(default)g); clips recorded "
                         "slower are skipped (at 60: dance_b, getup_faceup held out)")
    ap.add_argument("--clips", default=",".join(CLIPS),
                    help="held-out clips to measure (default %(default)s)")
    ap.add_argument("--train", action="store_true",
                    help=f"measure the tuning clips {','.join(TRAIN)} instead of --clips")
    ap.add_argument("--cache", help="folder keeping the per-photo joints between runs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-per-photo", action="store_true", help="skip the per-photo comparison")
    ap.add_argument("--no-keypoints", action="store_true", help="skip the keypoint part")
    ap.add_argument("--video", action="store_true", help="also render and import a 1080p video")
    ap.add_argument("--video-clip", default="run", help="the performer's clip (held out)")
    ap.add_argument("--crosser-clip", default="run",
                    help="the clip of the person crossing behind ('none': the performer alone)")
    ap.add_argument("--video-body", default="shaped", choices=("mannequin", "shaped"))
    ap.add_argument("--compare-workers", action="store_true",
                    help="also import the video with every person fitted in this process "
                         "(no fitting workers), first, in the same run")
    ap.add_argument("--before", type=_settings_overrides, metavar="KEY=VALUE[,...]",
                    help="also fit with these TemporalSettings changed (e.g. backtrack=0), in "
                         "the same run: the figures to compare against")
    args = ap.parse_args(argv)
    args.clips = list(TRAIN) if args.train else [c for c in args.clips.split(",") if c]
    if args.motions is None:
        from motion_clips import find_source

        args.motions = find_source(None)
    try:   # earlier versions of the fit ran on torch: one thread, as the import pinned it
        import torch

        torch.set_num_threads(1)
    except ImportError:
        pass
    body = load_body_model("mannequin")
    print(f"video benchmark: {args.frames} frames at {args.fps:g} fps per clip; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    if not args.no_keypoints:
        rows = keypoints_part(args, body)
        if rows:
            print_means(rows)
    if args.video:
        video_part(args, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
