"""The core (everything in ``posestudio`` except ``posestudio.ui``) never loads Qt.

Runs in a fresh interpreter so that nothing the test session imported (pytest-qt) can hide or
fake a Qt import.
"""

from __future__ import annotations

import json
import subprocess
import sys

QT_PREFIXES = ("PySide6", "pyqtgraph", "shiboken6", "PyQt5", "PyQt6")

SCRIPT = r"""
import importlib, json, pkgutil, sys

import posestudio

SKIP = ("posestudio.ui", "posestudio.__main__")  # the GUI itself; __main__ runs the CLI
roots = ["posestudio", "posestudio.rigs", "posestudio.resources"]
imported, failed = [], {}
for root in roots:
    try:
        package = importlib.import_module(root)
    except ModuleNotFoundError:
        continue
    imported.append(root)
    for info in pkgutil.walk_packages(package.__path__, root + "."):
        name = info.name
        if name.startswith(SKIP) or ".tests" in name:
            continue
        try:
            importlib.import_module(name)
            imported.append(name)
        except Exception as exc:  # reported, so a broken module cannot hide a Qt import
            failed[name] = f"{type(exc).__name__}: {exc}"
qt = sorted(m for m in sys.modules if m.split(".")[0] in QT_PREFIXES)
print(json.dumps({"imported": imported, "failed": failed, "qt": qt}))
"""


def test_core_imports_no_qt():
    script = f"QT_PREFIXES = {QT_PREFIXES!r}\n" + SCRIPT
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not report["failed"], f"core modules failed to import: {report['failed']}"
    assert report["qt"] == [], f"core imported Qt modules: {report['qt']}"
    # The walk really covered the core, not just the top package.
    for module in ("posestudio.cli", "posestudio.scene.model", "posestudio.errors",
                   "posestudio.export.atomic", "posestudio.cli.render_cmd"):
        assert module in report["imported"]
