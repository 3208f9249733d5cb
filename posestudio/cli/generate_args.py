"""Argument pieces shared by the generating commands (``generate``, ``generate-video``, ``repose``)."""

from __future__ import annotations

from pathlib import Path

from posestudio.errors import InputError


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
    from posestudio.export.atomic import check_writable_file

    out = Path(arg)
    if out.suffix.lower() != suffix:
        reason = f" ({why})" if why else ""
        raise InputError(f"--out {arg}: must end in {suffix}{reason}")
    check_writable_file(out)
    return out


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
