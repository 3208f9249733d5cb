"""Command line: ``posestudio COMMAND ...`` (see ``posestudio --help``).

Argument parsing only. Each command lives in its own module ``posestudio/cli/<name>_cmd.py`` with
``register(subparsers)`` (adds its parser and sets ``func``) and a ``run(args) -> int`` that imports
what it needs inside, so ``posestudio --help`` stays fast. A :class:`PoseStudioError` is printed as
one line on stderr with exit status 2; commands that write files write them atomically or clean up.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from posestudio import __version__
from posestudio.errors import PoseStudioError

# Order is the order shown by --help.
COMMAND_MODULES = ("render", "joints", "export_mesh", "import", "generate", "export_sequence",
                   "generate_video", "repose", "export_bvh")


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line on stderr, like every other CLI error."""

    def error(self, message: str):  # argparse prints the usage block first; we point to --help
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="posestudio",
        description="Pose a 3D mannequin and export ControlNet control maps "
        "(OpenPose, depth, normal, canny, segmentation), or generate images from them.",
        epilog="Example: posestudio render examples/standing.pose.json --out out/   "
        "(bundled examples: see 'posestudio render --help')",
    )
    parser.add_argument("--version", action="version", version=f"posestudio {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"posestudio.cli.{name}_cmd")
        except ModuleNotFoundError as exc:  # a command still being written: leave it out
            if exc.name == f"posestudio.cli.{name}_cmd":
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except PoseStudioError as exc:
        print(f"posestudio {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"posestudio {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
