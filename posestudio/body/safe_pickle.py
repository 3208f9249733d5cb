"""A restricted unpickler for SMPL-family ``.pkl`` files: arrays in, nothing else.

Official SMPL / SMPL+H / SMPL-X pickles hold numpy arrays, ``scipy.sparse`` matrices (the joint
regressor) and, in the old SMPL releases, ``chumpy`` objects (``chumpy.ch.Ch`` and subclasses)
whose value is the array in their state's ``x``. This module rebuilds exactly those, without
importing chumpy and without calling anything the file names: every global a pickle asks for is
looked up in a fixed allow-list, and anything else (``os.system``, ``builtins.eval``,
``subprocess.Popen``...) raises :class:`~posestudio.errors.UnsafeFileError` before it can run.

Never use :func:`pickle.load` on a user's file; use :func:`load_safe_pickle`.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from posestudio.errors import BodyModelError, UnsafeFileError


class _Stateful:
    """Inert stand-in for a pickled object of an allowed foreign class: it only keeps its state."""

    module = ""
    name = ""

    def __init__(self, *args: Any) -> None:
        self.args = args
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def state_dict(self) -> dict:
        state = self.state
        if isinstance(state, tuple) and state and isinstance(state[0], dict):
            state = state[0]  # (dict, slots) form
        return state if isinstance(state, dict) else {}


class _ChumpyObject(_Stateful):
    """A chumpy array (``chumpy.ch.Ch`` and friends); its value is ``state['x']``."""


class _SparseMatrix(_Stateful):
    """A scipy.sparse matrix as pickled (``data``/``indices``/``indptr``/``_shape`` state)."""


def _reconstructor(cls: Any, base: Any, state: Any) -> Any:
    """``copyreg._reconstructor`` restricted to our stand-ins (protocol 0/1 objects)."""
    if not (isinstance(cls, type) and issubclass(cls, _Stateful)) or base is not object:
        raise UnsafeFileError(f"pickle tries to build {cls!r} via copyreg")
    obj = cls()
    if state is not None:
        obj.args = (state,)
    return obj


def _latin1_bytes(text: Any, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` as Python 3 pickles bytes at protocols 0-2, limited to str -> latin-1."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise UnsafeFileError(f"refusing _codecs.encode({type(text).__name__}, {encoding!r})")
    return text.encode("latin-1")


def _stand_in(kind: type[_Stateful], module: str, name: str) -> type:
    return type(name, (kind,), {"module": module, "name": name})


def _numpy_core(submodule: str):
    try:  # numpy >= 2
        return __import__(f"numpy._core.{submodule}", fromlist=["_"])
    except ImportError:  # pragma: no cover - numpy 1.x
        return __import__(f"numpy.core.{submodule}", fromlist=["_"])


def _numpy_global(module: str, name: str) -> Any:
    """The numpy callables array pickles use (any numpy version's module path), else None."""
    multiarray = ("numpy.core.multiarray", "numpy._core.multiarray")
    if module in ("numpy",) + multiarray and name in ("ndarray", "dtype"):
        return getattr(np, name)
    if module in multiarray and name in ("_reconstruct", "scalar"):
        return getattr(_numpy_core("multiarray"), name)
    if module in ("numpy.core.numeric", "numpy._core.numeric") and name == "_frombuffer":
        return _numpy_core("numeric")._frombuffer
    return None


# Plain data constructors that old pickles name as globals (chumpy state holds sets, etc.).
_PLAIN_BUILTINS = {"object": object, "set": set, "frozenset": frozenset, "slice": slice,
                   "complex": complex, "bytearray": bytearray, "list": list, "dict": dict,
                   "tuple": tuple}


class SafeUnpickler(pickle.Unpickler):
    """Unpickler whose ``find_class`` only knows arrays, sparse matrices and chumpy stand-ins."""

    def find_class(self, module: str, name: str) -> Any:
        found = _numpy_global(module, name)
        if found is not None:
            return found
        if module in ("copy_reg", "copyreg") and name == "_reconstructor":
            return _reconstructor
        if module == "_codecs" and name == "encode":
            return _latin1_bytes
        if module in ("__builtin__", "builtins") and name in _PLAIN_BUILTINS:
            return _PLAIN_BUILTINS[name]
        if module == "chumpy" or module.startswith("chumpy."):
            return _stand_in(_ChumpyObject, module, name)
        if (module.startswith("scipy.sparse") and name in (
                "csc_matrix", "csr_matrix", "coo_matrix", "csc_array", "csr_array", "coo_array")):
            return _stand_in(_SparseMatrix, module, name)
        raise UnsafeFileError(
            f"refusing to load {module}.{name}: a body model pickle may only contain arrays")

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafeFileError("refusing a pickle with persistent ids")


def _sparse_to_dense(obj: _SparseMatrix) -> np.ndarray:
    import scipy.sparse as sp

    st = obj.state_dict()
    shape = st.get("_shape", st.get("shape"))
    fmt = obj.name[:3]
    if shape is None:
        raise ValueError("sparse matrix without a shape")
    if fmt == "coo":
        row, col = st.get("row", st.get("coords", (None, None))[0]), st.get("col")
        return sp.coo_matrix((st["data"], (row, col)), shape=shape).toarray()
    cls = sp.csc_matrix if fmt == "csc" else sp.csr_matrix
    return cls((st["data"], st["indices"], st["indptr"]), shape=shape).toarray()


def to_plain(obj: Any) -> Any:
    """Replace stand-ins by numpy arrays, recursively through dicts, lists and tuples.

    A chumpy object without an ``x`` array (a derived expression) becomes ``None``; callers
    report the key as missing if they need it.
    """
    if isinstance(obj, _ChumpyObject):
        x = obj.state_dict().get("x")
        return np.asarray(x) if isinstance(x, np.ndarray) else None
    if isinstance(obj, _SparseMatrix):
        return _sparse_to_dense(obj)
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_plain(v) for v in obj)
    return obj


def load_safe_pickle(path: Path | str) -> Any:
    """Unpickle a body-model file with the allow-list, then convert stand-ins to arrays.

    Raises
    ------
    UnsafeFileError
        The pickle names a global outside the allow-list (nothing of it was run).
    BodyModelError
        The file is missing, truncated or not a pickle.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BodyModelError(f"cannot read body model file {path}: {e.strerror or e}") from None
    try:
        raw = SafeUnpickler(io.BytesIO(data), encoding="latin1").load()
    except UnsafeFileError as e:
        raise UnsafeFileError(f"{path}: {e}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError,
            AttributeError, ImportError, MemoryError) as e:
        raise BodyModelError(
            f"body model file {path} is corrupt or truncated ({type(e).__name__}: {e})") from None
    try:
        return to_plain(raw)
    except (ValueError, KeyError, TypeError) as e:
        raise BodyModelError(f"body model file {path}: unreadable sparse matrix ({e})") from None
