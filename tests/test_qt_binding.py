"""The Qt binding must not leak references to Python singletons.

PySide6 6.12.0 drops one reference to ``True`` per ``Signal.emit`` and one to ``None`` per call of a
Qt method returning nothing; after ~10^4–10^5 calls CPython aborts ("bool_dealloc"/"none_dealloc"),
killing the editor mid-session. pyproject.toml pins PySide6 below 6.12 for that reason.
"""

import subprocess
import sys

_SCRIPT = """
import sys
from PySide6 import QtCore
class Emitter(QtCore.QObject):
    changed = QtCore.Signal(int)
app = QtCore.QCoreApplication([])
emitter = Emitter()
emitter.changed.connect(lambda value: None)
timer = QtCore.QTimer()
true_before, none_before = sys.getrefcount(True), sys.getrefcount(None)
for i in range(20000):
    emitter.changed.emit(i)
    timer.setInterval(i % 100)
    app.processEvents()
print(sys.getrefcount(True) - true_before, sys.getrefcount(None) - none_before)
"""


def test_signals_and_void_calls_keep_singleton_refcounts():
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    true_delta, none_delta = map(int, done.stdout.split())
    assert abs(true_delta) < 100 and abs(none_delta) < 100, (true_delta, none_delta)
