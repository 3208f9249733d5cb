"""What a generation asks for, as plain validated data that round-trips through JSON.

A :class:`GenerationRequest` holds everything that decides the pixels (models, prompt, steps,
guidance, seed, size, scheduler, per-ControlNet map/scale/start/end) plus how to run it (device,
precision, memory options). Saved with an image (see ``metadata``), it regenerates that image.
No torch or diffusers imports here: the CLI and the UI build requests cheaply.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import asdict, dataclass, field, replace
from typing import Self

from posestudio.errors import InputError

CONTROL_MAPS = ("openpose", "depth", "normal", "canny", "seg", "mannequin")
SCHEDULERS = ("default", "euler", "euler_a", "dpm++_2m", "dpm++_2m_karras", "ddim", "unipc", "pndm")
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "fp16", "bf16")
OFFLOADS = ("none", "model", "sequential")
MAX_SEED = 2**32 - 1
MAX_BATCH = 64


def _number(name: str, value, lo: float, hi: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise InputError(f"{name} must be from {lo:g} to {hi:g}, got {value!r}")
    return value


def _integer(name: str, value, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InputError(f"{name} must be an integer from {lo} to {hi}, got {value!r}")
    return value


def guess_map(path: str) -> str:
    """The control map a ControlNet most likely wants, from words in its file or folder name.

    ``.../control_v11f1p_sd15_depth`` → ``"depth"``; no known word → ``"openpose"``.
    """
    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower()
    for word, map_name in (("openpose", "openpose"), ("pose", "openpose"), ("depth", "depth"),
                           ("normal", "normal"), ("canny", "canny"), ("lineart", "canny"),
                           ("seg", "seg")):
        if word in name:
            return map_name
    return "openpose"


@dataclass
class ControlSpec:
    """One ControlNet and how it conditions: which control map, how strongly, over which steps.

    ``scale`` multiplies the ControlNet residuals (0 = off, 1 = as trained); ``start``/``end`` are
    the fractions of the denoising steps during which the ControlNet is applied (0..1).
    """

    path: str
    map: str = ""
    scale: float = 1.0
    start: float = 0.0
    end: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path:
            raise InputError(f"controlnet path must be a file or folder path, got {self.path!r}")
        self.map = self.map or guess_map(self.path)
        if self.map not in CONTROL_MAPS:
            raise InputError(f"controlnet map must be one of {', '.join(CONTROL_MAPS)}, "
                             f"got {self.map!r}")
        self.scale = _number("controlnet scale", self.scale, 0.0, 5.0)
        self.start = _number("controlnet start", self.start, 0.0, 1.0)
        self.end = _number("controlnet end", self.end, 0.0, 1.0)
        if self.start >= self.end:
            raise InputError(f"controlnet start must be below end, got {self.start} and {self.end}")


def parse_control_arg(text: str) -> ControlSpec:
    """Parse the CLI form ``PATH[:MAP[:SCALE[:START[:END]]]]``.

    A Windows drive letter (``C:\\models\\cn``) stays part of the path: fields are split from the
    right and only taken while they look like a map name or a number.
    """
    parts = text.split(":")
    numbers: list[float] = []
    while len(parts) > 1 and len(numbers) < 3 and _is_number(parts[-1]):
        numbers.insert(0, float(parts.pop()))
    spec: dict = {}
    if len(parts) > 1 and parts[-1] in CONTROL_MAPS:
        spec["map"] = parts.pop()
    elif len(parts) > 1 and parts[-1].isalpha() and len(parts[-1]) > 1:
        raise InputError(f"--controlnet {text!r}: {parts[-1]!r} is not a control map; "
                         f"use one of {', '.join(CONTROL_MAPS)}")
    spec["path"] = ":".join(parts)
    spec.update(zip(("scale", "start", "end"), numbers))
    return ControlSpec(**spec)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def parse_size(text: str) -> tuple[int, int]:
    """``"768x1024"`` → ``(768, 1024)`` (width, height in pixels)."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise InputError(f"--size must look like WIDTHxHEIGHT, e.g. 768x1024, got {text!r}") from None
    return w, h


def generation_size(canvas: tuple[int, int], long_side: int | None,
                    multiple: int) -> tuple[int, int]:
    """The output size for a scene canvas: its aspect, scaled so that the longer side is
    ``long_side`` pixels (``None``/0: the canvas size itself), each side rounded to the nearest
    ``multiple`` the model family needs (see ``families.size_multiple``).

    ``(768, 1024), 512, 8`` → ``(384, 512)``; ``(1500, 950), None, 16`` → ``(1504, 944)``.
    """
    from posestudio.sequence.presets import round_size

    width, height = canvas
    if long_side:
        scale = long_side / max(width, height)
        width, height = width * scale, height * scale
    return round_size(round(width), round(height), multiple)


def parse_seed(text: str | int | None) -> int | None:
    """A seed from the CLI/UI: an integer 0..2**32-1, or ``"random"``/``None`` for a fresh one."""
    if text is None or (isinstance(text, str) and text.strip().lower() in ("random", "-1", "")):
        return None
    try:
        seed = int(text)
    except (TypeError, ValueError):
        raise InputError(f"seed must be an integer from 0 to {MAX_SEED} or 'random', got {text!r}") from None
    return _integer("seed", seed, 0, MAX_SEED)


def random_seed() -> int:
    return secrets.randbelow(MAX_SEED + 1)


def check_sampling(steps, guidance, seed) -> float | None:
    """Validate the sampling fields every request has (each may be None: the model's default,
    or a random seed) and return ``guidance`` as a float (None stays None)."""
    if steps is not None:
        _integer("steps", steps, 1, 1000)
    if guidance is not None:
        guidance = _number("guidance", guidance, 0.0, 100.0)
    if seed is not None:
        _integer("seed", seed, 0, MAX_SEED)
    return guidance


def check_choices(*choices: tuple[str, object, tuple[str, ...]]) -> None:
    """Check each ``(name, value, allowed)``: ``value`` must be one of ``allowed``."""
    for name, value, allowed in choices:
        if value not in allowed:
            raise InputError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


class SavedRequest:
    """What the request dataclasses share: a concrete seed, and a JSON round trip.

    A subclass sets ``_kind`` (not annotated, so not a field), the words its messages use.
    """

    _kind = "generation"

    def with_seed(self) -> Self:
        """This request with a concrete seed (a random one drawn if it had none)."""
        return self if self.seed is not None else replace(self, seed=random_seed())

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Self:
        """Rebuild a request saved by :meth:`to_dict`; unknown keys are an error naming them."""
        if not isinstance(data, dict):
            raise InputError(f"{cls._kind} parameters must be a JSON object")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise InputError(f"unknown {cls._kind} parameter(s): {', '.join(unknown)}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise InputError(f"{cls._kind} parameters incomplete: {exc}") from None


@dataclass
class MemoryOptions:
    """Options for small GPUs: model CPU offload ("model": whole models move to the GPU in turn;
    "sequential": layer by layer, slowest, least memory) and VAE tiling/slicing."""

    offload: str = "none"
    vae_tiling: bool = False
    vae_slicing: bool = False

    def __post_init__(self) -> None:
        if self.offload not in OFFLOADS:
            raise InputError(f"offload must be one of {', '.join(OFFLOADS)}, got {self.offload!r}")
        self.vae_tiling = bool(self.vae_tiling)
        self.vae_slicing = bool(self.vae_slicing)


@dataclass
class GenerationRequest(SavedRequest):
    """Everything one press of Generate (or one ``posestudio generate``) needs, validated.

    ``width``/``height`` are the output size in pixels (the control maps are rendered at it, the
    scene canvas by default: see :func:`generation_size`); ``guidance`` and
    ``steps`` of ``None`` take the family's default (e.g. 0 guidance, 8 steps for Z-Image Turbo);
    ``seed`` of ``None`` draws a random one, which is recorded with every image. Image *i* of a
    batch uses ``seed + i``.
    """

    base: str
    controlnets: list[ControlSpec]
    prompt: str
    negative_prompt: str = ""
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None
    batch_count: int = 1
    width: int = 768
    height: int = 1024
    scheduler: str = "default"
    device: str = "auto"
    precision: str = "auto"
    memory: MemoryOptions = field(default_factory=MemoryOptions)
    base_config: str | None = None   # local diffusers folder with the configs of a single-file base

    def __post_init__(self) -> None:
        if not isinstance(self.base, str) or not self.base:
            raise InputError(f"base model path must be a file or folder path, got {self.base!r}")
        self.controlnets = [c if isinstance(c, ControlSpec) else ControlSpec(**c)
                            for c in self.controlnets]
        if not self.controlnets:
            raise InputError("at least one controlnet is needed")
        if not isinstance(self.prompt, str):
            raise InputError(f"prompt must be text, got {self.prompt!r}")
        if not isinstance(self.negative_prompt, str):
            raise InputError(f"negative prompt must be text, got {self.negative_prompt!r}")
        self.guidance = check_sampling(self.steps, self.guidance, self.seed)
        _integer("batch count", self.batch_count, 1, MAX_BATCH)
        _integer("width", self.width, 16, 8192)
        _integer("height", self.height, 16, 8192)
        check_choices(("scheduler", self.scheduler, SCHEDULERS), ("device", self.device, DEVICES),
                      ("precision", self.precision, PRECISIONS))
        if isinstance(self.memory, dict):
            self.memory = MemoryOptions(**self.memory)
