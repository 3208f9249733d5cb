"""Arrays built by us from checked parts: a plain dtype, a shape of bounded ints and raw bytes of
exactly ``prod(shape) * itemsize``, so an array can never be larger than the bytes the file holds
nor hold objects, whatever the pickled dtype state claims."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from posestudio.body.safe_pickle.limits import MAX_DIM, MAX_NDIM, Budget, Refused, describe

_TYPE_STRING = re.compile(r"[<>|=]?[a-zA-Z?][0-9]{0,4}")
_ALLOWED_KINDS = "biufcSU"


def check_dtype(dtype: np.dtype) -> None:
    """Refuse any dtype but a plain bool / int / uint / float / complex / bytes / str kind."""
    if (dtype.kind not in _ALLOWED_KINDS or dtype.hasobject or dtype.fields is not None
            or dtype.subdtype is not None or dtype.itemsize <= 0):
        raise Refused(f"dtype {dtype.str!r} (kind {dtype.kind!r}; only plain numeric and string "
                      f"dtypes, never objects)")


class DtypeSpec:
    """A dtype the pickle asked for: a plain kind from a short type string, nothing else."""

    __slots__ = ("dtype",)

    def __init__(self, obj: Any, align: Any = False, copy: Any = True) -> None:
        if not isinstance(obj, str) or not _TYPE_STRING.fullmatch(obj):
            raise Refused(f"dtype {describe(obj)} (only plain numeric and string dtypes)")
        try:
            dtype = np.dtype(obj)
        except TypeError:
            raise Refused(f"dtype {obj!r} (not a numpy type string)") from None
        check_dtype(dtype)
        self.dtype = dtype

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (8, 9):
            raise Refused("a dtype state that is not numpy's")
        endian, subarray, names, fields = state[1:5]
        if subarray is not None or names is not None or fields is not None:
            raise Refused("a structured or sub-array dtype")
        if len(state) == 9 and state[8] is not None:
            raise Refused("a dtype with metadata")
        if endian not in ("<", ">", "|", "="):
            raise Refused(f"dtype byte order {describe(endian)}")
        if endian in "<>" and self.dtype.itemsize > 1:
            self.dtype = self.dtype.newbyteorder(endian)


def _raw_bytes(raw: Any) -> bytes | bytearray:
    if isinstance(raw, (bytes, bytearray)):
        return raw
    if isinstance(raw, str):  # Python 2 str, read back as latin-1 text
        try:
            return raw.encode("latin-1")
        except UnicodeEncodeError:
            raise Refused("array data that is not bytes") from None
    raise Refused(f"array data given as {describe(raw)} (only raw bytes; object arrays are "
                  f"pickled as lists)")


def checked_array(shape: Any, spec: Any, fortran: Any, raw: Any, budget: Budget) -> np.ndarray:
    """An array built by us from a checked dtype, shape and exactly-sized raw bytes.

    Parameters
    ----------
    shape : int or tuple of int
        At most :data:`MAX_NDIM` dimensions, each in ``[0, MAX_DIM]``.
    spec : DtypeSpec
    fortran : bool
        ``True`` for column-major data.
    raw : bytes, bytearray or str
        Exactly ``prod(shape) * itemsize`` bytes (a str is Python 2 data read as latin-1).
    budget : Budget
        Charged with the array's size.
    """
    if not isinstance(spec, DtypeSpec):
        raise Refused(f"an array whose dtype is {describe(spec)}")
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    if (not isinstance(shape, tuple) or len(shape) > MAX_NDIM
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_DIM
                       for d in shape)):
        raise Refused(f"an array shape that is not a tuple of at most {MAX_NDIM} ints "
                      f"in [0, {MAX_DIM}]")
    data = _raw_bytes(raw)
    count = 1
    for d in shape:
        count *= d
    need = count * spec.dtype.itemsize
    if need != len(data):
        raise Refused(f"an array of shape {shape[:8]} that needs {need} bytes but its data "
                      f"holds {len(data)}")
    budget.take(need, f"an array of shape {shape[:8]}")
    order = "F" if fortran is True else "C"
    if count == 0:
        return np.zeros(shape, spec.dtype, order=order)
    return np.frombuffer(data, spec.dtype, count).reshape(shape, order=order).copy(order="K")


class ArraySpec:
    """What ``numpy.core.multiarray._reconstruct`` returns; the BUILD state makes the array."""

    __slots__ = ("array", "budget")

    def __init__(self, budget: Budget) -> None:
        self.array: np.ndarray | None = None
        self.budget = budget

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise Refused("an array state that is not numpy's")
        if len(state) == 5:
            if state[0] != 1:
                raise Refused(f"array state version {describe(state[0])}")
            state = state[1:]
        shape, spec, fortran, raw = state
        self.array = checked_array(shape, spec, fortran, raw, self.budget)


class Built:
    """An array or numpy scalar we built; a pickle cannot give it a state afterwards."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __setstate__(self, state: Any) -> None:
        raise Refused("setting the state of a finished array")
