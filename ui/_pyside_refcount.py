"""Guard against a reference-count bug of PySide6 6.12 on Python < 3.12.

PySide6 6.12.0 drops one reference to the object a Python override returns to C++ (``None``
from ``paintGL``, ``redo``, an event handler; ``True`` from ``mergeWith``) and one reference to
``True`` on every ``Signal.emit``. ``None``, ``True`` and ``False`` are shared singletons, so
after a few thousand signals or repaints their count reaches zero and the interpreter aborts
("Fatal Python error: bool_dealloc" / "none_dealloc") — the editor dies mid-drag. Python 3.12
made these objects immortal, where the bug is harmless, and PySide6 6.11 does not have it.

The guard gives the three singletons a reference count no session can spend (2**48); they are
never freed anyway, so nothing else changes.
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1 << 48
_done = False


def affected() -> bool:
    import PySide6

    major_minor = tuple(int(x) for x in PySide6.__version__.split(".")[:2])
    return sys.version_info < (3, 12) and major_minor >= (6, 12)


def protect_singletons() -> None:
    """Top up the reference counts of None, True and False once per process (CPython only)."""
    global _done
    if _done or sys.implementation.name != "cpython" or not affected():
        return
    for obj in (None, True, False):
        # ob_refcnt is the first field of every CPython object (Py_ssize_t)
        ctypes.c_ssize_t.from_address(id(obj)).value += RESERVE
    _done = True
