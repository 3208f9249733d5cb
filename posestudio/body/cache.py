"""Where the body layer keeps the files it writes for ``smplx`` to read.

``smplx.SMPLX`` only loads by path, with ``np.load(allow_pickle=True)``; we therefore only ever
hand it ``.npz`` files that we wrote ourselves from plain arrays (no object arrays), in this cache.
The folder is ``$POSESTUDIO_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/posestudio`` (default
``~/.cache/posestudio``); files are keyed by a hash of what they were made from and written
atomically, so several processes can share the cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from posestudio.errors import BodyModelError


def cache_dir() -> Path:
    """The cache folder (created on demand)."""
    env = os.environ.get("POSESTUDIO_CACHE_DIR")
    if env:
        root = Path(env)
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "posestudio"
    return root / "body"


def digest(*parts: bytes) -> str:
    """Short content hash used in cache file names."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
        h.update(b"\0")
    return h.hexdigest()[:20]


def write_plain_npz(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write ``arrays`` (no object dtypes allowed) to ``path`` atomically, compressed."""
    for key, value in arrays.items():
        if np.asarray(value).dtype.hasobject:
            raise TypeError(f"refusing to cache object array {key!r}")
    from posestudio.export.atomic import atomic_output_file

    with atomic_output_file(path, "cannot write the body model cache", error=BodyModelError) as tmp:
        with open(tmp, "wb") as f:
            np.savez_compressed(f, **arrays)
    return path
