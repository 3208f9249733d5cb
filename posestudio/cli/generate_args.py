"""Argument pieces shared by the generating commands (``generate``, ``generate-video``, ``repose``).

Only argparse and the standard library at import time: every command's ``--help`` loads this.
"""

from __future__ import annotations

from pathlib import Path

from posestudio.errors import InputError

# The sampling options every generating command takes: destination -> (flag, metavar, help).
# A command shows them where its --help lists them and may give one its own help text.
SAMPLING_OPTIONS: dict[str, tuple[str, str, str | None]] = {
    "prompt": ("--prompt", "TEXT", None),
    "negative_prompt": ("--negative-prompt", "TEXT", None),
    "steps": ("--steps", "N", "denoising steps (default: the family's)"),
    "guidance": ("--guidance", "G", "guidance (CFG) scale (default: the family's)"),
    "seed": ("--seed", "S", "integer seed, or 'random' (default random)"),
    "device": ("--device", "auto|cpu|cuda|mps", "default auto (CUDA if present)"),
    "precision": ("--precision", "auto|fp32|fp16|bf16",
                  "default auto: fp16/bf16 on a GPU, fp32 on the CPU"),
}


def add_sampling_args(parser, *names: str, **helps: str | None) -> None:
    """Add the sampling options ``names`` (keys of :data:`SAMPLING_OPTIONS`) to ``parser``.

    They are added in the order given, so a command keeps its own order in ``--help``; a
    keyword ``name=text`` replaces that option's help text (``None``: no help line).
    Every value stays a string or None; :func:`sampling_fields` reads them.
    """
    unknown = set(names) - SAMPLING_OPTIONS.keys() or set(helps) - set(names)
    if unknown:
        raise ValueError(f"not sampling options of this call: {sorted(unknown)}")
    for name in names:
        flag, metavar, text = SAMPLING_OPTIONS[name]
        parser.add_argument(flag, metavar=metavar, help=helps.get(name, text))


def sampling_fields(args) -> dict:
    """The sampling options of ``args`` as request fields (None where not given; no seed).

    Raises
    ------
    InputError
        ``--steps`` is not a whole number or ``--guidance`` not a number.
    """
    return {"prompt": args.prompt, "negative_prompt": args.negative_prompt,
            "steps": optional_number("--steps", args.steps),
            "guidance": optional_number("--guidance", args.guidance, float),
            "device": args.device, "precision": args.precision}


def optional_number(flag: str, text: str | None, kind=int):
    """``text`` as ``kind`` (``int`` or ``float``), or None when the option was not given.

    Raises
    ------
    InputError
        ``text`` is not a number of that kind; the message names ``flag``.
    """
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        what = "whole number" if kind is int else "number"
        raise InputError(f"{flag} {text!r}: expected a {what}") from None


def apply_seed(fields: dict, seed: str | None, reused) -> None:
    """Set ``fields["seed"]`` from ``--seed`` (an integer or 'random'); without it a reused
    request keeps its seed and a new one gets None (a random seed is drawn later)."""
    from posestudio.generate.params import parse_seed

    if seed is not None:
        fields["seed"] = parse_seed(seed)
    elif reused is None:
        fields["seed"] = None


def output_file(arg: str, suffix: str, why: str = "") -> Path:
    """``--out`` as a path, checked to end in ``suffix`` (e.g. ``".png"``) and to be writable.

    ``why`` is added to the suffix error in parentheses (e.g. where the parameters are stored).
    """
    from posestudio.export.atomic import check_output_file

    return check_output_file(arg, suffix, "--out", why)


def scene_or_reused(scene_arg: str | None, reused_scene: dict | None, missing: str):
    """The scene ``SCENE`` names, else the one stored with a reused output -> ``Scene``.

    ``reused_scene`` is the stored scene dictionary (or None); ``missing`` is the error when
    neither is there.
    """
    from posestudio.cli.scene_args import load_scene_arg

    if scene_arg is not None:
        return load_scene_arg(scene_arg)
    if reused_scene is not None:
        from posestudio.scene.file_format import scene_from_dict

        return scene_from_dict(reused_scene)
    raise InputError(missing)
