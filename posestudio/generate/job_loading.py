"""Loading and keeping the pipelines of the video and re-pose jobs (local files only).

:class:`ModelCache` keeps the last pipeline a job loaded, keyed by its folders (and their
modification times), device and dtype; asking for another frees the old one first. torch and
diffusers are imported inside functions.
"""

from __future__ import annotations

import gc
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from posestudio.errors import Cancelled, GenerationError, InputError
from posestudio.generate.loading import (_dtype_kw, _load_failure, _offline, _quiet_loading,
                                         resolve_device)

ProgressFn = Callable[[float, str], None]
CancelFn = Callable[[], bool]


def resolve_job_dtype(precision: str, device: str):
    """fp32 on the CPU; on a GPU bf16 where supported (the video/editing transformers overflow
    in fp16), else fp16; an explicit ``fp32``/``fp16``/``bf16`` is taken as asked."""
    import torch

    if precision == "auto":
        if device == "cpu":
            return torch.float32
        if device == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float16
    if device == "cpu" and precision == "fp16":
        raise InputError("precision fp16 needs a GPU; on the CPU use fp32 or bf16")
    return {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}[precision]


def cache_key(paths: list[Path | None], device: str, dtype, *extra) -> tuple:
    """A key that changes when a model folder is rewritten, or device/dtype change."""
    files = tuple((str(Path(p).resolve()), Path(p).stat().st_mtime) for p in paths if p is not None)
    return (files, device, str(dtype), *extra)


class ModelCache:
    """Holds the most recently loaded pipeline of a job kind; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._value: Any = None

    def get(self, key: tuple, build: Callable[[], Any]) -> Any:
        with self._lock:
            if self._key == key and self._value is not None:
                return self._value
            self.clear()
            self._value = build()
            self._key = key
            return self._value

    def clear(self) -> None:
        """Drop the cached pipeline and give its memory back (GPU memory included)."""
        self._key = self._value = None
        gc.collect()
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def load_pipeline(class_name: str, path: Path, device: str, dtype, variant: str | None = None,
                  **components):
    """``diffusers.<class_name>.from_pretrained(path)`` from local files, moved to ``device``.

    ``components`` replace parts of the folder (a ControlNet, a motion adapter). Load failures
    become one-line :class:`GenerationError`.
    """
    _offline()
    _quiet_loading()
    import diffusers

    cls = getattr(diffusers, class_name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            pipe = cls.from_pretrained(str(path), local_files_only=True, variant=variant,
                                       **_dtype_kw(dtype), **components)
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise GenerationError(_load_failure("model", path, exc)) from None
    except (ImportError, AttributeError) as exc:
        # transformers builds some processors (Qwen2-VL's video part) only with torchvision.
        raise GenerationError(f"cannot load model {path}: a component needs a library that is "
                              f"not installed ({type(exc).__name__}: {str(exc)[:160]})") from None
    pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def load_part(class_name: str, path: Path, dtype):
    """One model (ControlNet, motion adapter) from its local folder."""
    _offline()
    import diffusers

    try:
        return getattr(diffusers, class_name).from_pretrained(str(path), local_files_only=True,
                                                              **_dtype_kw(dtype))
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise GenerationError(_load_failure(class_name, path, exc)) from None


def step_callback(total: int, progress: ProgressFn | None, cancelled: CancelFn | None,
                  label: Callable[[int], str], start: int = 0):
    """A diffusers ``callback_on_step_end`` that reports ``progress(fraction, message)`` and stops
    the run with :class:`Cancelled` as soon as ``cancelled()`` is true. ``state["done"]`` counts
    steps over several pipeline calls (segments)."""
    state = {"done": start}

    def on_step_end(pipeline, step, timestep, callback_kwargs):
        state["done"] += 1
        if progress is not None:
            progress(state["done"] / total, label(state["done"]))
        if cancelled is not None and cancelled():
            pipeline._interrupt = True
            raise Cancelled("generation cancelled")
        return callback_kwargs

    on_step_end.state = state
    return on_step_end


def run_pipeline(pipe, device: str, seed: int, **kwargs):
    """Call ``pipe`` with a CPU generator seeded ``seed`` (the same noise on every device) and the
    global RNG forked and seeded too; out-of-memory becomes a one-line GenerationError."""
    import torch

    generator = torch.Generator("cpu").manual_seed(seed)
    devices = [torch.cuda.current_device()] if device == "cuda" else []
    try:
        with torch.random.fork_rng(devices=devices), torch.inference_mode():
            torch.manual_seed(seed)
            return pipe(generator=generator, **kwargs)
    except torch.OutOfMemoryError:
        raise GenerationError(f"out of {device.upper()} memory; try a smaller size or fewer "
                              f"frames per segment") from None


__all__ = ["CancelFn", "ModelCache", "ProgressFn", "cache_key", "load_part", "load_pipeline",
           "resolve_device", "resolve_job_dtype", "run_pipeline", "step_callback"]
