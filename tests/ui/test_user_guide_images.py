"""The screenshots of docs/user-guide.md, made by walking through each task with real widgets.

They are written into ``docs/images/`` only when ``POSESTUDIO_DOC_IMAGES=1`` (so an ordinary test
run, as in CI, leaves the tree clean); otherwise into a temporary folder, which still runs every
step and checks each image was made::

    POSESTUDIO_DOC_IMAGES=1 xvfb-run -a -s "-screen 0 1920x1080x24" \\
        .venv/bin/python -m pytest -q -m slow tests/ui/test_user_guide_images.py
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import close_window, drag, joint_px, open_window, save_screenshot
from PySide6 import QtWidgets

from posestudio.skeletons import SMPLX_JOINT_INDEX as J

# about 40 s (a preview worker, a photo fit): outside the default run, which stays fast
pytestmark = [pytest.mark.gui, pytest.mark.slow]
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
WIDTH = 1000              # pixels; the guide shows them at page width
JOB_TIMEOUT_MS = 120_000


@pytest.fixture
def out_dir(tmp_path) -> Path:
    return DOCS_IMAGES if os.environ.get("POSESTUDIO_DOC_IMAGES") == "1" else tmp_path


def _small_png(path: Path) -> None:
    """Re-save as a 256-colour PNG (screenshots of flat UI lose nothing visible)."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def _shot(window, path: Path) -> None:
    QtWidgets.QApplication.processEvents()
    save_screenshot(window, path, WIDTH)
    _small_png(path)
    assert path.stat().st_size > 10_000


def _grab(widget, path: Path) -> None:
    widget.adjustSize()
    assert widget.grab().save(str(path))
    _small_png(path)


def _previews_caught_up(qtbot, win) -> None:
    qtbot.wait(100)
    qtbot.waitUntil(lambda: not win.preview._sent, timeout=30_000)   # the newest scene shown
    qtbot.wait(100)


def _path(start, offset, steps: int = 10) -> list[np.ndarray]:
    return [np.asarray(start, float) + np.asarray(offset, float) * k / steps
            for k in range(steps + 1)]


def test_user_guide_images(qtbot, data_dir, modals, out_dir, tmp_path, monkeypatch):
    from PIL import Image
    from skimage import data

    from posestudio.ui.export_dialog import ExportDialog
    from posestudio.ui.photo_import.ask import ImportTargetDialog

    win = open_window(qtbot, modals, extras=True, previews=True)
    try:
        with qtbot.waitSignal(win.preview.ready, timeout=90_000):
            pass                                                  # the previews are up
        # 1. pose: press on the hand and drag (IK), no selection first
        win.frame_people()
        win.actions["frame_all"].trigger()
        start = joint_px(win, 0, J["left_wrist"])
        drag(qtbot, win.viewport, _path(start, (60, -140)))
        assert win.doc.joint == J["left_wrist"]
        _previews_caught_up(qtbot, win)
        _shot(win, out_dir / "pose-drag.png")

        # 2. timeline: two keys, scrubbed half-way, onion skin on
        tl = win.timeline
        win.doc.undo_stack.undo()
        win.doc.select(0, -1)
        tl.set_key()
        tl.go_to(24)
        drag(qtbot, win.viewport, _path(joint_px(win, 0, J["left_wrist"]), (60, -140)))
        drag(qtbot, win.viewport, _path(joint_px(win, 0, J["right_ankle"]), (-30, -60)))
        win.doc.select(0, -1)
        tl.set_key()
        tl.go_to(12)
        tl.panel.onion.setChecked(True)
        assert tl.onion.count() > 0
        _previews_caught_up(qtbot, win)
        _shot(win, out_dir / "timeline.png")
        tl.panel.onion.setChecked(False)

        # 3. export: the defaults (a neutral home folder in the picture)
        monkeypatch.setenv("HOME", "/home/you")
        dialog = ExportDialog(win.doc, win)
        _grab(dialog, out_dir / "export.png")
        dialog.deleteLater()

        # 4. photo import: the question over an open scene, then the photo behind the fit
        _grab(ImportTargetDialog("astronaut.png", True, win), out_dir / "import-ask.png")
        photo = tmp_path / "astronaut.png"
        Image.fromarray(data.astronaut()).save(photo)
        modals.answers["ImportTargetDialog"] = 1                  # replace
        with qtbot.waitSignal(win.photo_import.jobFinished, timeout=JOB_TIMEOUT_MS) as done:
            assert win.photo_import.import_file(photo)
        assert done.args[0] == "imported"
        _previews_caught_up(qtbot, win)
        _shot(win, out_dir / "photo.png")
    finally:
        close_window(win)
    for name in ("pose-drag", "timeline", "export", "import-ask", "photo"):
        assert (out_dir / f"{name}.png").is_file(), name
