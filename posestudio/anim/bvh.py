"""BVH motion files: a hardened parser (:func:`load_bvh`, :func:`parse_bvh`) and the clip it
gives (:class:`BvhClip`).

Reads the common variants: CMU/cgspeed, Mixamo (``mixamorig:`` names), Biovision, 3ds Max
(names with spaces), any rotation channel order per joint (``Zrotation Xrotation Yrotation``,
``Xrotation Yrotation Zrotation``...), position channels on any joint, end sites, offsets in any
unit (:attr:`BvhClip.unit_scale` is detected from the figure's size: metres, centimetres,
millimetres, inches or CMU's 1/0.45 inch).

BVH conventions: rest frames are world-aligned (zero rotations = the rest pose the offsets
describe); a joint's rotation is the product of its rotation channels in file order
(``R = R_first @ R_second @ R_third``, intrinsic, degrees in the file); a child sits at
``parent_position + parent_rotation @ offset``. A joint's position channels replace its offset.

Hostile input: the file size, joint count, nesting depth and frame count are bounded and every
problem raises :class:`~posestudio.errors.ImportFormatError` with one line naming the file and the
line, before any large allocation.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posestudio.errors import ImportFormatError
from posestudio.rotations import euler_to_matrix

__all__ = ["BvhClip", "bvh_scene", "load_bvh", "parse_bvh", "MAX_BYTES", "MAX_JOINTS", "MAX_FRAMES",
           "UNIT_SCALES"]

MAX_BYTES = 512 * 1024 * 1024   # a 10k-frame full-body clip is ~10 MB
MAX_JOINTS = 1024
MAX_DEPTH = 256
MAX_FRAMES = 5_000_000
MAX_NAME = 200
MAX_ABS = 1e7                   # offsets / channel values beyond this are not motion capture

_CHANNELS = ("Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation")
_CHANNEL_BY_LOWER = {c.lower(): c for c in _CHANNELS}

#: metres per file unit for the units BVH files use, with the figure size (root to farthest
#: joint, metres) a human has; the detected unit makes the figure closest to that size.
UNIT_SCALES: dict[str, float] = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254,
                                 "cmu": 0.0254 / 0.45}
_HUMAN_SIZE = 0.9


@dataclass(frozen=True)
class BvhClip:
    """One BVH file: skeleton and motion, as in the file (file units, degrees in ``motion``).

    Attributes
    ----------
    names : tuple of str
        Joint names in file order (a parent before its children; end sites are not joints).
    parents : (J,) int
        Parent index per joint, -1 for the root.
    offsets : (J, 3) float64
        Rest offset of each joint from its parent, file units (the root's: its rest position).
    channels : tuple of tuple of str
        Per joint, its channel names in file order (``"Zrotation"``...).
    end_sites : dict of int to (3,) float64
        Joint index → offset of its end site (file units).
    frame_time : float
        Seconds per frame.
    motion : (T, C) float64
        Channel values per frame, file order (positions in file units, rotations in degrees).
    unit_scale : float
        Metres per file unit (detected).
    units : str
        Key of :data:`UNIT_SCALES` detected.
    """

    names: tuple[str, ...]
    parents: np.ndarray
    offsets: np.ndarray
    channels: tuple[tuple[str, ...], ...]
    end_sites: dict[int, np.ndarray]
    frame_time: float
    motion: np.ndarray
    unit_scale: float = 1.0
    units: str = "m"

    @property
    def num_frames(self) -> int:
        return int(self.motion.shape[0])

    @property
    def fps(self) -> float:
        """Frames per second; a whole rate when the file's rounded frame time is one
        (``0.03333333`` → 30)."""
        rate = 1.0 / self.frame_time
        whole = round(rate)
        return float(whole) if whole and abs(rate - whole) < 1e-4 * rate else rate

    def _columns(self) -> list[dict[str, int]]:
        out, col = [], 0
        for chans in self.channels:
            out.append({c: col + i for i, c in enumerate(chans)})
            col += len(chans)
        return out

    def local_rotations(self) -> np.ndarray:
        """(T, J, 3, 3) each joint's rotation in its parent's frame (from its rotation channels
        in file order; missing axes are zero)."""
        t, j = self.num_frames, len(self.names)
        out = np.empty((t, j, 3, 3))
        for i, cols in enumerate(self._columns()):
            order = [c[0] for c in self.channels[i] if c.endswith("rotation")]
            angles = [self.motion[:, cols[f"{a}rotation"]] for a in order]
            for axis in "XYZ":  # pad to three axes; a zero angle is the identity anywhere
                if axis not in order:
                    order.append(axis)
                    angles.append(np.zeros(t))
            out[:, i] = euler_to_matrix(np.radians(np.stack(angles, axis=-1)), "".join(order))
        return out

    def local_offsets(self) -> np.ndarray:
        """(T, J, 3) each joint's offset from its parent per frame, file units (position channels
        replace the rest offset)."""
        out = np.broadcast_to(self.offsets, (self.num_frames,) + self.offsets.shape).copy()
        for i, cols in enumerate(self._columns()):
            for k, axis in enumerate("XYZ"):
                col = cols.get(f"{axis}position")
                if col is not None:
                    out[:, i, k] = self.motion[:, col]
        return out

    def rest_positions(self) -> np.ndarray:
        """(J, 3) joint positions in the rest pose (offsets only), file units."""
        pos = np.zeros_like(self.offsets)
        for i, p in enumerate(self.parents):
            pos[i] = self.offsets[i] + (pos[p] if p >= 0 else 0.0)
        return pos

    def global_transforms(self) -> tuple[np.ndarray, np.ndarray]:
        """World rotations (T, J, 3, 3) and positions (T, J, 3, file units) of every joint."""
        from posestudio.kinematics.fk import chain_transforms

        offsets = self.local_offsets()
        rest = np.zeros_like(offsets)  # per-frame "rest" positions from the offsets
        for i, p in enumerate(self.parents):
            rest[:, i] = offsets[:, i] + (rest[:, p] if p >= 0 else 0.0)
        return chain_transforms(self.local_rotations(), rest, self.parents)


class _Tokens:
    """Hierarchy tokens with their line numbers; ``ROOT``/``JOINT`` names may hold spaces."""

    def __init__(self, lines: list[str], where: str) -> None:
        self.items: list[tuple[str, int]] = []
        self.where = where
        for number, line in enumerate(lines, start=1):
            words = line.split()
            if not words:
                continue
            if words[0].upper() in ("ROOT", "JOINT"):
                name = line.strip()[len(words[0]):].strip()
                brace = name.endswith("{")
                name = name[:-1].strip() if brace else name
                self.items += [(words[0].upper(), number), (name, number)]
                if brace:
                    self.items.append(("{", number))
            else:
                self.items += [(w, number) for w in words]
        self.i = 0

    def fail(self, message: str, line: int | None = None) -> ImportFormatError:
        if line is None:
            line = self.items[min(self.i, len(self.items) - 1)][1] if self.items else 1
        return ImportFormatError(f"{self.where}: line {line}: {message}")

    def next(self, what: str) -> tuple[str, int]:
        if self.i >= len(self.items):
            raise self.fail(f"the hierarchy ends early, expected {what}")
        item = self.items[self.i]
        self.i += 1
        return item

    def expect(self, word: str) -> None:
        token, line = self.next(repr(word))
        if token.upper() != word.upper():
            raise self.fail(f"expected {word!r}, got {token[:40]!r}", line)

    def number(self, what: str) -> float:
        token, line = self.next(what)
        try:
            value = float(token)
        except ValueError:
            raise self.fail(f"{what}: expected a number, got {token[:40]!r}", line) from None
        if not math.isfinite(value) or abs(value) > MAX_ABS:
            raise self.fail(f"{what}: {token[:40]} is not a usable number", line)
        return value


def _parse_hierarchy(tokens: _Tokens):
    names: list[str] = []
    parents: list[int] = []
    offsets: list[list[float]] = []
    channels: list[tuple[str, ...]] = []
    end_sites: dict[int, np.ndarray] = {}
    kind, line = tokens.next("ROOT")
    if kind != "ROOT":
        raise tokens.fail(f"expected ROOT, got {kind[:40]!r}", line)
    stack: list[int] = []          # open joints; -2 marks an open end site
    pending = ("ROOT", -1)
    while True:
        if pending is not None:
            kind, parent = pending
            pending = None
            if len(stack) >= MAX_DEPTH:
                raise tokens.fail(f"joints nested deeper than {MAX_DEPTH}")
            if kind == "END":
                tokens.expect("{")
                tokens.expect("OFFSET")
                end_sites[parent] = np.array([tokens.number(f"end site of {names[parent]} OFFSET")
                                              for _ in range(3)])
                stack.append(-2)
            else:
                name, name_line = tokens.next("a joint name")
                if not name or len(name) > MAX_NAME:
                    raise tokens.fail("a joint needs a name of 1 to 200 characters", name_line)
                if name in names:
                    raise tokens.fail(f"joint name {name!r} appears twice", name_line)
                if len(names) >= MAX_JOINTS:
                    raise tokens.fail(f"more than {MAX_JOINTS} joints")
                tokens.expect("{")
                tokens.expect("OFFSET")
                offsets.append([tokens.number(f"{name} OFFSET") for _ in range(3)])
                tokens.expect("CHANNELS")
                count_token, count_line = tokens.next("a channel count")
                if not count_token.isdigit() or int(count_token) > 6:
                    raise tokens.fail(f"{name}: CHANNELS count must be 0 to 6, got {count_token[:20]!r}",
                                      count_line)
                chans = []
                for _ in range(int(count_token)):
                    token, chan_line = tokens.next("a channel name")
                    chan = _CHANNEL_BY_LOWER.get(token.lower())
                    if chan is None or chan in chans:
                        raise tokens.fail(f"{name}: channel {token[:20]!r} is not one of "
                                          f"{', '.join(_CHANNELS)} (each once)", chan_line)
                    chans.append(chan)
                names.append(name)
                parents.append(parent)
                channels.append(tuple(chans))
                stack.append(len(names) - 1)
        token, line = tokens.next("'}' or a child joint")
        upper = token.upper()
        if upper == "}":
            stack.pop()
            if not stack:
                break
        elif upper == "JOINT" and stack[-1] >= 0:
            pending = ("JOINT", stack[-1])
        elif upper == "END" and stack[-1] >= 0:
            tokens.expect("Site")
            pending = ("END", stack[-1])
        else:
            raise tokens.fail(f"expected JOINT, End Site or '}}', got {token[:40]!r}", line)
    return names, parents, offsets, channels, end_sites


def _header_value(line: str, label: str, where: str, number: int) -> str:
    head, _, value = line.partition(":")
    if head.strip().lower() != label.lower() or not value.strip():
        raise ImportFormatError(f"{where}: line {number}: expected '{label}: ...', got "
                                f"{line.strip()[:40]!r}")
    return value.strip()


def detect_units(offsets: np.ndarray, parents, end_sites: dict[int, np.ndarray]) -> tuple[str, float]:
    """The unit (key of :data:`UNIT_SCALES`, metres per unit) that gives the rest figure a human
    size: root to farthest joint or end site ≈ 0.9 m."""
    pos = np.zeros_like(offsets)
    for i, p in enumerate(parents):
        pos[i] = offsets[i] + (pos[p] if p >= 0 else 0.0)
    points = [pos] + [pos[j] + o for j, o in end_sites.items()]
    points = np.vstack([np.atleast_2d(p) for p in points])
    size = float(np.max(np.linalg.norm(points - pos[0], axis=1))) if len(points) else 0.0
    if not size > 0:
        return "m", 1.0
    name = min(UNIT_SCALES, key=lambda k: abs(math.log(size * UNIT_SCALES[k] / _HUMAN_SIZE)))
    return name, UNIT_SCALES[name]


def parse_bvh(text: str, where: str = "BVH") -> BvhClip:
    """Parse BVH text (see the module docstring); ``where`` names the source in errors."""
    lines = text.splitlines()
    motion_at = next((i for i, line in enumerate(lines) if line.strip().upper() == "MOTION"), None)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ImportFormatError(f"{where}: the file is empty")
    if lines[first].strip().upper() != "HIERARCHY":
        raise ImportFormatError(f"{where}: line {first + 1}: not a BVH file (expected HIERARCHY, got "
                                f"{lines[first].strip()[:40]!r})")
    if motion_at is None:
        raise ImportFormatError(f"{where}: no MOTION section")
    tokens = _Tokens(lines[first + 1:motion_at], where)
    tokens.items = [(t, n + first + 1) for t, n in tokens.items]
    names, parents, offsets, channels, end_sites = _parse_hierarchy(tokens)
    if tokens.i != len(tokens.items):
        token, line = tokens.items[tokens.i]
        raise ImportFormatError(f"{where}: line {line}: unexpected {token[:40]!r} after the skeleton "
                                f"(one ROOT per file)")
    rest = [i for i in range(motion_at + 1, len(lines)) if lines[i].strip()]
    if len(rest) < 2:
        raise ImportFormatError(f"{where}: the MOTION section needs 'Frames:' and 'Frame Time:'")
    frames_text = _header_value(lines[rest[0]], "Frames", where, rest[0] + 1)
    time_text = _header_value(lines[rest[1]], "Frame Time", where, rest[1] + 1)
    if not frames_text.isdigit() or int(frames_text) > MAX_FRAMES:
        raise ImportFormatError(f"{where}: line {rest[0] + 1}: Frames must be a whole number up to "
                                f"{MAX_FRAMES}, got {frames_text[:20]!r}")
    num_frames = int(frames_text)
    try:
        frame_time = float(time_text)
    except ValueError:
        frame_time = float("nan")
    if not (math.isfinite(frame_time) and 1e-5 <= frame_time <= 60.0):
        raise ImportFormatError(f"{where}: line {rest[1] + 1}: Frame Time must be seconds per frame "
                                f"(1e-5 to 60), got {time_text[:20]!r}")
    num_channels = sum(len(c) for c in channels)
    body = lines[rest[1] + 1:]
    data_lines = [line for line in body if line.strip()]
    if len(data_lines) != num_frames:
        raise ImportFormatError(f"{where}: the file declares {num_frames} frames but holds "
                                f"{len(data_lines)} motion lines")
    try:
        motion = np.array(" ".join(data_lines).split(), dtype=np.float64)
    except ValueError:
        for k, line in enumerate(body):
            for word in line.split():
                try:
                    float(word)
                except ValueError:
                    raise ImportFormatError(f"{where}: line {rest[1] + 2 + k}: {word[:20]!r} is not a "
                                            f"number") from None
        raise ImportFormatError(f"{where}: the motion holds values that are not numbers") from None
    if motion.size != num_frames * num_channels:
        widths = [len(line.split()) for line in data_lines]
        bad = next((k for k, w in enumerate(widths) if w != num_channels), 0)
        raise ImportFormatError(f"{where}: motion frame {bad} has {widths[bad] if widths else 0} values, "
                                f"the skeleton has {num_channels} channels")
    if not np.all(np.isfinite(motion)) or (motion.size and np.max(np.abs(motion)) > MAX_ABS):
        raise ImportFormatError(f"{where}: the motion holds non-finite or absurd values")
    motion = motion.reshape(num_frames, num_channels)
    offsets_a = np.array(offsets, dtype=np.float64).reshape(-1, 3)
    parents_a = np.array(parents, dtype=np.intp)
    units, scale = detect_units(offsets_a, parents_a, end_sites)
    return BvhClip(tuple(names), parents_a, offsets_a, tuple(channels), end_sites, frame_time,
                   motion, scale, units)


def load_bvh(path: str | os.PathLike) -> BvhClip:
    """Read and parse a BVH file.

    Raises
    ------
    ImportFormatError
        Missing/unreadable/oversized file, not text, or malformed (one line naming the file and,
        where it applies, the line).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ImportFormatError(f"{path}: is a folder, not a BVH file")
        if not path.is_file():
            raise ImportFormatError(f"{path}: not a regular file (a device or a pipe)")
        if size > MAX_BYTES:
            raise ImportFormatError(f"{path}: {size / 2**20:.0f} MB is larger than the "
                                    f"{MAX_BYTES // 2**20} MB a BVH clip may be")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportFormatError(f"{path}: no such file") from None
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if b"\0" in raw:
        raise ImportFormatError(f"{path}: not a BVH file (binary data)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # old exporters write joint names in a local code page
    return parse_bvh(text, str(path))


def bvh_scene(path: str | os.PathLike, **options):
    """The clip at ``path`` as an animated scene: the mannequin performing it (see
    :func:`posestudio.anim.bvh_import.import_bvh` for ``options``: fps, start, end, joint_map,
    ground, progress, cancelled)."""
    from posestudio.anim.bvh_import import import_bvh

    return import_bvh(path, **options)
