"""Lifting on real motion the prior never saw: DeepMimic mocap clips, cameras all around.

Motion: the DeepMimic humanoid clips inside pybullet's wheel (``bench/motion_clips.py``: read
and retargeted to the mannequin by ``bench_video``). The data-driven pose prior
(``rigs/pose_prior_gmm.npz``) is fitted on ``motion_clips.TRAIN_CLIPS``; this bench tests on
``motion_clips.TEST_CLIPS`` only. The search's settings are tuned with ``--clips val``: the
training clips in two folds, each scored with a prior fitted on the other fold's clips only
(``motion_clips.VALIDATION_FOLDS``), so no figure of the test clips chooses a setting. Frames are sampled evenly from each clip; each gets a random camera: yaw 0–360°
around the person, pitch −20..60°, distance 2–6 m, focal length 24–85 mm (full-frame, 24 mm
sensor height) on a 1024×1024 canvas, aimed at the pelvis; a camera that sees fewer than 12
of the 18 body points is drawn again. The true 2D keypoints (body, hands, face;
``keypoints.people_keypoints_2d``), clean, or with 5 px Gaussian noise and 15 % of the body
points dropped, are lifted with the focal length given (as EXIF gives it).

Measured on 14 joints, camera frame: PA-MPJPE (mm) of the plain fit (``fit.fit_person``) and of
the lift after the depth-ambiguity search (``lift.ambiguity``: the best alternative), mean,
median, 90th percentile and worst, per joint group; the share of frames whose correct depth
configuration (every limb segment whose true depth direction is clear, ≥ 0.3 of its length
along the view, on the right side) is among the top 1 / 3 alternatives; CPU seconds per
lift. Then the synthetic pose families of ``bench/bench_lift.py`` as the second table.

    OMP_NUM_THREADS=1 python bench/bench_lift_real.py [--motions WHEEL] [--per-clip 12]
    OMP_NUM_THREADS=1 python bench/bench_lift_real.py --clips val --set gmm_weight=4e-5 --cache /tmp/fits
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from motion_clips import TEST_CLIPS, TRAIN_CLIPS, VALIDATION_FOLDS, find_source, load_clip  # noqa: E402

from posestudio import camera as cam  # noqa: E402
from posestudio.lift.metrics import EVAL_JOINTS, procrustes  # noqa: E402
from posestudio.scene.model import Camera, Canvas  # noqa: E402
from posestudio.skeletons import SMPLX_JOINT_INDEX as J  # noqa: E402

CANVAS = Canvas(1024, 1024)
CONDITIONS = ("clean", "noise5_drop15")
GROUPS = {  # positions in EVAL_JOINTS
    "torso+head": [0, 1, 2, 3, 8, 9],
    "arms": [4, 5, 6, 7],
    "legs": [10, 11, 12, 13],
}
CLEAR = 0.3  # a segment's depth direction counts when it is this share of its length


def random_camera(rng, pelvis: np.ndarray) -> Camera:
    focal_mm = rng.uniform(24, 85)
    return Camera(yaw_deg=rng.uniform(0, 360), pitch_deg=rng.uniform(-20, 60),
                  distance=rng.uniform(2, 6), target=tuple(pelvis),
                  fov_y_deg=cam.fov_from_focal_mm(focal_mm))


def make_case(body, rng, pose, root, condition: str):
    """(targets (130,3), focal px, truth joints (55,3) camera frame) or None (too few points
    seen, or left after dropping)."""
    from posestudio.keypoints import people_keypoints_2d
    from posestudio.lift import targets_of
    from posestudio.lift.fit import has_enough_keypoints

    transl = root - body.pose(pose=np.zeros((55, 3))).joints[0]
    posed = body.pose(pose=pose, transl=transl)
    for _ in range(20):
        camera = random_camera(rng, posed.joints[0])
        kp = people_keypoints_2d([posed], camera, CANVAS)[0]
        if np.count_nonzero(kp.body[:, 2] > 0) >= 12:
            break
    else:
        return None
    if condition != "clean":
        for part in ("body", "hand_left", "hand_right", "face"):
            arr = getattr(kp, part)
            if arr is None:
                continue
            present = arr[:, 2] > 0
            arr[present, :2] += rng.normal(0, 5.0, (present.sum(), 2))
            if part == "body":
                arr[present & (rng.random(len(arr)) < 0.15)] = 0.0
    targets = targets_of(kp)
    if not has_enough_keypoints(targets[:, 2]):
        return None            # too few points left to lift (the importer says so)
    m = cam.world_to_camera(camera)
    truth = posed.joints @ m[:3, :3].T + m[:3, 3]
    return targets, cam.intrinsics(camera, CANVAS)[0, 0], truth


def pa_per_joint(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """(14,) mm after similarity alignment of the 14 evaluation joints."""
    p, g = pred[EVAL_JOINTS], truth[EVAL_JOINTS]
    return 1000 * np.linalg.norm(procrustes(p, g) - g, axis=1)


def plain_fit(model, selection, targets, focal, cache: Path | None, fit_settings=None):
    """The plain fit (``fit.fit_person``) and its CPU seconds; with ``cache``, read from / kept in
    that folder by the targets' hash (for tuning the search on the same fits)."""
    import hashlib

    from posestudio.lift.fit import FitResult, fit_person

    size = (CANVAS.width, CANVAS.height)
    path = None
    if cache is not None:
        key = hashlib.sha1(targets.tobytes() + np.float64(focal).tobytes()).hexdigest()[:20]
        path = cache / f"{key}.npz"
        if path.exists():
            with np.load(path) as d:
                return FitResult(d["pose"], d["betas"], d["transl"], float(d["loss"]),
                                 d["keypoints2d"]), float(d["cpu"])
    c0 = time.process_time()
    fit = fit_person(model, targets, selection, focal=focal, size=size, settings=fit_settings)
    cpu = time.process_time() - c0
    if path is not None:
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, pose=fit.pose, betas=fit.betas, transl=fit.transl, loss=fit.loss,
                 keypoints2d=fit.keypoints2d, cpu=cpu)
    return fit, cpu


def run_case(body, model, selection, available, case, *, priors=(None, None), settings=None,
             cache=None, shape=False, plain_settings=None):
    from posestudio.lift.ambiguity import SEGMENTS, best_fit_and_alternatives, depth_signs

    targets, focal, truth = case
    targets = targets.copy()
    targets[~available] = 0.0
    size = (CANVAS.width, CANVAS.height)
    plain, fit_cpu = plain_fit(model, selection, targets, focal, cache, plain_settings)
    c1 = time.process_time()
    start, fit_settings = plain, None
    if shape:
        from posestudio.lift.shape_from_bones import fit_with_bone_shape

        start, fit_settings = fit_with_bone_shape(model, body, targets, selection, plain,
                                                  focal=focal, size=size)
    best, alts = best_fit_and_alternatives(model, targets, selection, start, focal=focal, size=size,
                                           settings=fit_settings, ambiguity=settings,
                                           gmm=priors[0], limbs=priors[1])
    c2 = time.process_time()

    def joints(f):
        return body.pose(betas=f.betas, pose=f.pose, transl=f.transl).joints.astype(np.float64)

    seg_len = np.array([np.linalg.norm(truth[J[c]] - truth[J[p]]) for _, p, c in SEGMENTS])
    par = truth[[J[p] for _, p, _ in SEGMENTS]]
    ray = par / np.linalg.norm(par, axis=1, keepdims=True)
    along = ((truth[[J[c] for _, _, c in SEGMENTS]] - par) * ray).sum(1)
    clear = np.abs(along) >= CLEAR * seg_len
    want = depth_signs(truth)
    alt_joints = [joints(a) for a in alts]

    def wrong(j):
        return [name for (name, _, _), bad in zip(SEGMENTS, (depth_signs(j) != want) & clear) if bad]

    correct = [not wrong(j) for j in alt_joints]
    return dict(plain=pa_per_joint(joints(plain), truth), best=pa_per_joint(joints(best), truth),
                top1=any(correct[:1]), top3=any(correct[:3]), found=any(correct),
                plain_ok=not wrong(joints(plain)), plain_wrong=wrong(joints(plain)),
                fit_cpu=fit_cpu, search_cpu=c2 - c1,
                alternatives=[dict(score=a.score, terms=a.terms, correct=c, changed=list(a.changed),
                                   wrong=wrong(j), pa=float(pa_per_joint(j, truth).mean()))
                              for a, c, j in zip(alts, correct, alt_joints)])


def sample_frames(source, clips, per_clip: int):
    """(clip name, pose (55, 3), root (3,)) sampled evenly from each clip."""
    frames = []
    for name in clips:
        poses, roots = load_clip(source, name)
        for i in np.linspace(0, len(poses) - 1, per_clip).astype(int):
            frames.append((name, poses[i], roots[i]))
    return frames


def settings_from(pairs, kind=None) -> "object":
    """AmbiguitySettings (or ``kind``) with ``name=value`` overrides (``--set``, ``--fit-set``)."""
    from dataclasses import fields

    from posestudio.lift.ambiguity import AmbiguitySettings

    s = (kind or AmbiguitySettings)()
    kinds = {f.name: type(getattr(s, f.name)) for f in fields(s)}
    for pair in pairs or ():
        name, _, value = pair.partition("=")
        if name not in kinds:
            raise SystemExit(f"--set: no setting {name!r} (one of {', '.join(kinds)})")
        setattr(s, name, kinds[name](value))
    return s


def stats(values: np.ndarray) -> str:
    return (f"{values.mean():6.1f} {np.median(values):6.1f} {np.percentile(values, 90):6.1f} "
            f"{values.max():6.1f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--motions", help="pybullet wheel or folder of humanoid3d_*.txt")
    ap.add_argument("--clips", default="test",
                    help="test | val (the training clips by folds, each with a prior fitted on the "
                         "other fold: for tuning) | train | comma-separated names")
    ap.add_argument("--per-clip", type=int, default=12, help="frames sampled per clip")
    ap.add_argument("--conditions", default=",".join(CONDITIONS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", action="append", metavar="NAME=VALUE",
                    help="a search setting (lift.ambiguity.AmbiguitySettings), repeatable")
    ap.add_argument("--fit-set", action="append", metavar="NAME=VALUE",
                    help="a setting of the plain fit (lift.fit.FitSettings), repeatable")
    ap.add_argument("--cache", help="folder keeping the plain fits (tuning the search only)")
    ap.add_argument("--dump", help="JSON file: every frame's alternatives with their terms")
    ap.add_argument("--shape-from-bones", action="store_true",
                    help="refit with the proportions the bone lengths show before the search "
                         "(lift(shape_from_bones=True); its cost counts as the search's)")
    ap.add_argument("--synthetic", type=int, default=12, help="cases of the synthetic table (0: skip)")
    args = ap.parse_args(argv)
    source = find_source(args.motions)
    if source is None:
        print("bench_lift_real: skipped: no motion clips (pass --motions PATH to a pybullet wheel: "
              "pip download --no-deps pybullet)")
        return 0
    settings = settings_from(args.set)
    from posestudio.lift.fit import FitSettings

    fit_settings = settings_from(args.fit_set, FitSettings) if args.fit_set else None
    cache = Path(args.cache) if args.cache else None

    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "rigs"))
    from build_pose_prior import build_prior

    from posestudio.body import load_body_model
    from posestudio.lift import _keypoint_model
    from posestudio.lift.fit import selection_matrix

    torch.set_num_threads(1)
    body = load_body_model("mannequin")
    _, model = _keypoint_model("mannequin")
    selection, available = selection_matrix(model.landmark_names, ("body", "hand_left", "hand_right", "face"))
    if args.clips == "val":
        frames, priors = [], []
        for prior_clips, val_clips in VALIDATION_FOLDS:
            gmm, limbs, _ = build_prior(source, prior_clips)
            fold = sample_frames(source, val_clips, args.per_clip)
            frames += fold
            priors += [(gmm, limbs)] * len(fold)
        what = "validation: training clips, each scored with a prior fitted on the other fold"
    else:
        clips = {"test": TEST_CLIPS, "train": TRAIN_CLIPS}.get(args.clips) or tuple(args.clips.split(","))
        frames = sample_frames(source, clips, args.per_clip)
        priors = [(None, None)] * len(frames)
        what = ("held out: the pose prior is fitted on " + ", ".join(TRAIN_CLIPS)
                if args.clips == "test" else "NOT held out")
    print(f"real-motion lifting bench: {len(frames)} frames from clips "
          f"{', '.join(dict.fromkeys(f[0] for f in frames))} ({what}); "
          f"canvas {CANVAS.width}x{CANVAS.height}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.set:
        print("search settings:", ", ".join(args.set))
    if args.fit_set:
        print("fit settings:", ", ".join(args.fit_set))
    print("PA-MPJPE mm: mean median p90 worst")
    ok = True
    dump = []
    for condition in args.conditions.split(","):
        rng = np.random.default_rng(args.seed)
        rows = []
        for (name, pose, root), prior in zip(frames, priors):
            case = make_case(body, rng, pose, root, condition)
            if case is not None:
                rows.append(run_case(body, model, selection, available, case, priors=prior,
                                     settings=settings, cache=cache, shape=args.shape_from_bones,
                                     plain_settings=fit_settings))
                dump.append(dict(condition=condition, clip=name, **{
                    k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in rows[-1].items()}))
        plain = np.array([r["plain"] for r in rows]); best = np.array([r["best"] for r in rows])
        print(f"\n{condition} ({len(rows)} frames)          plain fit                   with ambiguity search")
        for group, idx in [("all 14 joints", list(range(14)))] + list(GROUPS.items()):
            print(f"  {group:<14} {stats(plain[:, idx].mean(1))}   |  {stats(best[:, idx].mean(1))}")
        share = {k: 100 * np.mean([r[k] for r in rows]) for k in ("plain_ok", "top1", "top3", "found")}
        fit_cpu = np.median([r["fit_cpu"] for r in rows]); s_cpu = np.median([r["search_cpu"] for r in rows])
        print(f"  correct depth configuration: plain fit {share['plain_ok']:.0f} %, best alternative "
              f"{share['top1']:.0f} %, among the top 3 {share['top3']:.0f} % (target ≥ 95 %), "
              f"among all alternatives {share['found']:.0f} %")
        print(f"  CPU s per lift (median): fit {fit_cpu:.2f} + search "
              f"{s_cpu:.2f} (p90 {np.percentile([r['search_cpu'] for r in rows], 90):.2f})")
        mean, p90 = best.mean(1).mean(), np.percentile(best.mean(1), 90)
        if condition == "clean":
            met = mean <= 60 and p90 <= 100
            print(f"  target mean ≤ 60, p90 ≤ 100: {'met' if met else 'MISSED'}")
        else:
            met = mean <= 75
            print(f"  target mean ≤ 75: {'met' if met else 'MISSED'}")
        ok &= met and share["top3"] >= 95
    if args.dump:
        import json

        Path(args.dump).write_text(json.dumps(dump))
    if args.synthetic:
        print("\nsynthetic pose families (bench/bench_lift.py, the lift with the search):")
        import bench_lift

        bench_lift.main(["--samples", str(args.synthetic), "--conditions", "clean,noise5,noise5_drop15",
                         "--no-photo", "--no-refit"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
