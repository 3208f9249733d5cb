"""``posestudio-gui [SCENE]``: opens the scene in a window and exits 0 when it closes; a bad file
is one line on stderr and exit status 2, with no window."""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

pytestmark = pytest.mark.gui


def _close_soon():
    def close_all():
        for widget in QtWidgets.QApplication.topLevelWidgets():
            if widget.isVisible() and type(widget).__name__ == "MainWindow":
                assert widget.windowTitle().startswith("two.pose.json")
                widget.close()

    QtCore.QTimer.singleShot(1500, close_all)
    QtCore.QTimer.singleShot(20000, QtWidgets.QApplication.quit)     # backstop: never hang


def test_gui_opens_a_scene_and_exits_cleanly(qapp, data_dir, tmp_path, modals):
    from posestudio.scene.file_format import save_scene
    from posestudio.scene.model import Person, Scene
    from posestudio.ui import app, files
    from posestudio.ui.autosave import autosave_root

    path = tmp_path / "two.pose.json"
    save_scene(Scene(people=[Person(name="A"), Person(name="B")]), path)
    _close_soon()
    assert app.main([str(path)]) == 0
    assert files.recent_files()[0] == str(path.absolute())
    assert not autosave_root().exists() or not any(autosave_root().iterdir()), \
        "a clean exit leaves no autosave behind"


def test_gui_refuses_a_bad_scene_with_one_line(qapp, data_dir, tmp_path, capsys):
    from posestudio.ui import app

    bad = tmp_path / "bad.pose.json"
    bad.write_text('{"format": "posestudio-scene", "version": 1, "canvas": {"width": -3}}')
    assert app.main([str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("posestudio-gui:") and "canvas" in err[0]
