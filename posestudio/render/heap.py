"""Keep freed image buffers inside the process during batch renders.

A batch render (``render --views``) allocates the same whole-image arrays for every view: at
1024² about 30 MB of maps, read-backs and PNG rows. glibc hands large freed blocks back to the
kernel (blocks above the mmap threshold are unmapped, and free space above the trim threshold
at the top of the heap is released), so every view faults all of those pages in again and the
kernel zeroes them: ~4 600 page faults and ~12 ms of system time per 1024² view
(``bench/RESULTS_render.md``). Raising both thresholds keeps the freed blocks for the next
view; the peak memory is the same, it is only returned to the system at exit.
"""

from __future__ import annotations

import ctypes
import functools

__all__ = ["retain_freed_memory"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: glibc's largest mmap threshold on 64-bit (``DEFAULT_MMAP_THRESHOLD_MAX``): blocks up to this
#: size come from the heap and are reused.
MMAP_THRESHOLD = 32 * 1024 * 1024
#: Free memory kept at the top of the heap before glibc returns it.
TRIM_THRESHOLD = 256 * 1024 * 1024


@functools.cache
def retain_freed_memory() -> bool:
    """Make glibc's ``malloc`` keep freed blocks up to ``MMAP_THRESHOLD`` each and up to
    ``TRIM_THRESHOLD`` in all for reuse, for the rest of the process.

    Returns
    -------
    bool: True when set; False where the C library is not glibc (nothing changes).
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt       # the C library the interpreter runs on
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
