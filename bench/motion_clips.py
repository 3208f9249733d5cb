"""Real motion for the benches and the pose prior: the DeepMimic humanoid clips of pybullet.

One place that knows where the clips are and how they are split: the clips the pose prior
(``rigs/build_pose_prior.py``) is fitted on, and the clips the lifting bench
(``bench/bench_lift_real.py``) tests on — never the same clip in both —, and the folds that
tune the lift's settings on the training clips alone. Reading a clip and
retargeting it to the mannequin is ``bench_video.read_motion`` / ``bench_video.retarget``.

A source is a pybullet wheel (``pip download --no-deps pybullet``, read as a zip), a folder
holding ``humanoid3d_*.txt``, or None for an installed ``pybullet_data``.
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_video import FPS, read_motion, retarget  # noqa: E402

# Fitted on (the prior) ... and tested on (the bench): disjoint.
TRAIN_CLIPS = ("walk", "jump", "punch", "dance_a", "spinkick", "cartwheel", "crawl",
               "getup_facedown")
TEST_CLIPS = ("run", "kick", "dance_b", "spin", "roll", "backflip", "getup_faceup")
# Tuning without the test clips: each fold fits a prior on the training clips it leaves out of
# its validation set (prior clips, validation clips).
VALIDATION_FOLDS = (
    (("walk", "punch", "spinkick", "crawl"), ("jump", "dance_a", "cartwheel", "getup_facedown")),
    (("jump", "dance_a", "cartwheel", "getup_facedown"), ("walk", "punch", "spinkick", "crawl")),
)


def find_source(source: str | None) -> str | None:
    """The motion source to use: ``source`` itself, an installed ``pybullet_data``'s motions
    folder, or a wheel left in /tmp/pybullet_wheel; None when there is none."""
    if source:
        return source if Path(source).exists() else None
    try:
        import pybullet_data  # type: ignore

        return os.path.join(pybullet_data.getDataPath(), "data", "motions")
    except ImportError:
        wheels = sorted(Path("/tmp/pybullet_wheel").glob("pybullet-*.whl"))
        return str(wheels[-1]) if wheels else None


def clip_names(source: str) -> list[str]:
    """Names of the humanoid clips in ``source`` (``humanoid3d_<name>.txt``)."""
    if str(source).endswith(".whl"):
        with zipfile.ZipFile(source) as wheel:
            names = [Path(n).name for n in wheel.namelist()]
    else:
        names = [p.name for p in Path(source).iterdir()]
    return sorted(n[len("humanoid3d_"):-4] for n in names
                  if n.startswith("humanoid3d_") and n.endswith(".txt"))


def load_clip(source: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """One clip played once at ``FPS``: mannequin poses (T, 55, 3) and root positions (T, 3)."""
    motion = read_motion(source, name)
    duration = float(sum(row[0] for row in motion["Frames"][:-1]))
    frames = max(1, int(duration * FPS))
    return retarget(motion, frames)
