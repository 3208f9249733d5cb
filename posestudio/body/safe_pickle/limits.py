"""The bounds a body-model pickle is held to, the refusal it raises, and its allocation budget.

Standard library only: every other module of the package imports this one.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 64                 # nesting levels of containers/objects (real files use < 10)
MAX_OPCODES = 200_000          # real files have a few hundred (arrays are one opcode each)
MAX_NDIM = 32
MAX_DIM = 1 << 32
ALLOCATION_SLACK = 64 << 20    # bytes any file may allocate on top of twice its own size
MAX_DENSE_ELEMENTS = 1 << 26   # a densified sparse matrix (official J_regressor: 55 x 10475)
MAX_FILE_BYTES = 2 << 30       # official pickles are 40-300 MB


class Refused(Exception):
    """What was refused, without the file name (added by ``load_safe_pickle``)."""


class Budget:
    """Bytes a file may still make us allocate (every array and densified matrix takes some)."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, nbytes: int, what: str) -> None:
        """Spend ``nbytes`` on ``what``, or raise :class:`Refused` naming it."""
        if nbytes > self.left:
            raise Refused(f"{what} needing {nbytes} bytes (over the allocation bound of this "
                          f"file)")
        self.left -= nbytes


def describe(value: Any) -> str:
    """A bounded description of a value from the file (never its full repr)."""
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        if isinstance(value, (str, bytes)):
            value = value[:41]
        text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge int"
        return text if len(text) <= 40 else text[:37] + "..."
    return f"a {type(value).__name__}"
