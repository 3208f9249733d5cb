"""PoseStudio's Qt front end (installed as ``posestudio.ui``)."""

import sys as _sys

if _sys.version_info < (3, 12):
    # PySide6/shiboken6 6.12 assume Python 3.12's immortal None and drop one reference to it on
    # every call of a void C++ method; on 3.11 None's count reaches zero after a few thousand
    # calls and the interpreter aborts ("none_dealloc"). Give None a count it cannot exhaust,
    # as 3.12 does. Harmless with fixed PySide6 versions.
    import ctypes as _ctypes

    _ctypes.c_ssize_t.from_address(id(None)).value += 1 << 48
