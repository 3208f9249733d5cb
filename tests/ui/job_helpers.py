"""Helpers of the Generate Video and Re-pose panel tests: the tiny real pipelines the generate
tests build (``tests/generate/tiny_*_models.py``, loaded from there, never copied), and waiting
for a panel's run while recording what it reported."""

from __future__ import annotations

import sys
from pathlib import Path

GENERATE_TESTS = Path(__file__).resolve().parents[1] / "generate"


def tiny_builders(module: str):
    """The builders module ``tiny_video_models`` or ``tiny_edit_models`` of tests/generate."""
    if str(GENERATE_TESTS) not in sys.path:
        sys.path.insert(0, str(GENERATE_TESTS))      # they import their sibling tiny_models
    import importlib

    return importlib.import_module(module)


def build_tiny(tmp_path_factory, module: str, table: str, family: str) -> dict:
    """``{"base": folder, ...}`` of one tiny family, built once in a fresh folder."""
    import torch

    torch.set_num_threads(1)
    builders = getattr(tiny_builders(module), table)
    return builders[family](tmp_path_factory.mktemp(f"tiny-{family}"))


def install_panel(window, install, scene, output_dir: Path, base: Path):
    """Put ``scene`` in ``window``, install a job panel with ``install(window)``, send its
    outputs to ``output_dir`` and point it at the model folder ``base`` (as if typed)."""
    window.doc.replace_scene(scene, None)
    panel = install(window)
    panel.output_dir = output_dir
    panel.show_output_dir()
    panel.base.set_text(str(base))
    panel.base.changed.emit(str(base))
    return panel


def click(qtbot, button) -> None:
    """A left click on ``button``."""
    from PySide6.QtCore import Qt

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


class Recorder:
    """What a JobPanel's runner reported: stage texts and progress (done, total)."""

    def __init__(self, panel) -> None:
        self.stages: list[str] = []
        self.progress: list[tuple[int, int]] = []
        panel.runner.stage.connect(self.stages.append)
        panel.runner.progress.connect(lambda d, t: self.progress.append((d, t)))
