"""A bounded editor soak: random actions through the real mouse, keys, menus and dialogs, the
scene valid after every step, no exception or Qt critical message in the log, the preview
worker killed halfway and previews back by themselves (``bench/soak_editor.py`` runs ≥ 10,000)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.gui

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

ACTIONS = 250


def test_random_actions_keep_the_editor_sound(qtbot, data_dir, modals, tmp_path):
    from gui_helpers import close_window, open_window
    from soak_editor import LogWatch, Soak, run_soak

    window = open_window(qtbot, modals, previews=True)
    qtbot.waitUntil(lambda: window.preview.running(), timeout=30000)
    modals.answers.update(Soak(window, tmp_path).dialog_answers())
    watch = LogWatch()
    watch.install()
    try:
        result = run_soak(window, tmp_path, ACTIONS, seed=7, kill_at=ACTIONS // 2,
                          watch=watch, export_every=100)
    finally:
        watch.uninstall()
    counts = result["counts"]
    print(f"\n{dict(counts)}\nRSS {result['memory']}, second half "
          f"{100 * result['growth_second_half']:+.1f} %, previews back after the kill in "
          f"{result['preview_recovery_s']:.1f} s")
    assert watch.errors == []
    assert sum(counts.values()) == ACTIONS + 1 and counts["kill preview worker"] == 1
    assert counts["export"] == 2 and counts["drag joint"] > 20 and counts["undo"] > 20
    assert result["scene_changes"] > ACTIONS // 4, "the actions reach the document"
    assert result["previews"] > 0
    assert result["growth_second_half"] < 0.10
    window.doc.undo_stack.setClean()
    close_window(window)
