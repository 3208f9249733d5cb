"""A restricted unpickler for SMPL-family ``.pkl`` files: plain numeric data in, nothing else.

Official SMPL / SMPL+H / SMPL-X pickles hold numpy arrays, ``scipy.sparse`` matrices (the joint
regressor) and, in the old SMPL releases, ``chumpy`` objects (``chumpy.ch.Ch`` and subclasses)
whose value is the array in their state's ``x``. This module rebuilds exactly those, without
importing chumpy or scipy and without calling anything the file names.

What a file can and cannot do:

* Every global it names is looked up in a fixed allow-list; ``os.system``, ``builtins.eval``,
  ``numpy.ndarray(...)`` called directly and everything else raise
  :class:`~posestudio.errors.UnsafeFileError` before anything runs. The allowed names resolve to
  our own checking functions and inert stand-ins, never to numpy's or scipy's constructors.
* Arrays are built by us from checked parts only: a dtype from a short type string of kind
  bool / int / uint / float / complex / bytes / str (no object dtype, no fields, no sub-arrays,
  whatever the pickled dtype state claims), a shape of non-negative ints, and raw bytes whose
  length is exactly ``prod(shape) * itemsize`` — so an array can never be larger than the bytes
  the file holds.
* Allocation is bounded per file (:data:`ALLOCATION_SLACK` + twice the file size), nesting depth
  is bounded (:data:`MAX_DEPTH`, checked on the opcode stream *before* unpickling, since even
  plain ``pickle`` crashes the interpreter on a tuple nested a few hundred thousand deep, and
  again on the built objects), as are the opcode count and memo indices. Opcodes that exist only
  to build foreign objects (``INST``, ``OBJ``, persistent ids, the extension registry,
  out-of-band buffers) are refused outright.
* Sparse matrices and chumpy objects are rebuilt from checked numeric arrays with numpy
  (indices bounds-checked), never by scipy's or chumpy's own code.

Never use :func:`pickle.load` on a user's file; use :func:`load_safe_pickle`.
"""

from __future__ import annotations

import io
import pickle
import pickletools
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np

from posestudio.errors import BodyModelError, UnsafeFileError

MAX_DEPTH = 64                 # nesting levels of containers/objects (real files use < 10)
MAX_OPCODES = 200_000          # real files have a few hundred (arrays are one opcode each)
MAX_NDIM = 32
MAX_DIM = 1 << 32
ALLOCATION_SLACK = 64 << 20    # bytes any file may allocate on top of twice its own size
MAX_DENSE_ELEMENTS = 1 << 26   # a densified sparse matrix (official J_regressor: 55 x 10475)
MAX_FILE_BYTES = 2 << 30       # official pickles are 40-300 MB

# Opcodes only foreign objects need; a numeric pickle never contains them.
_REFUSED_OPCODES = {
    "INST": "INST (old-style class instance)", "OBJ": "OBJ (old-style class instance)",
    "PERSID": "persistent ids", "BINPERSID": "persistent ids",
    "EXT1": "the copyreg extension registry", "EXT2": "the copyreg extension registry",
    "EXT4": "the copyreg extension registry",
    "NEXT_BUFFER": "out-of-band buffers", "READONLY_BUFFER": "out-of-band buffers",
}
# Opcodes that add to a container (or set an object's state) already on the stack.
_GROWING_OPCODES = {"APPEND", "APPENDS", "SETITEM", "SETITEMS", "ADDITEMS", "BUILD"}
_TYPE_STRING = re.compile(r"[<>|=]?[a-zA-Z?][0-9]{0,4}")
_ALLOWED_KINDS = "biufcSU"


class _Refused(Exception):
    """Internal: what was refused, without the file name (added by :func:`load_safe_pickle`)."""


# ---------------------------------------------------------------------------------------------
# Opcode scan: depth, size and opcode checks before a single object is built.

def _opcode_effects() -> dict[str, tuple[bool, int, int]]:
    """Per opcode name: (pops down to a MARK, items popped below it, items pushed)."""
    effects = {}
    for op in pickletools.opcodes:
        before = op.stack_before
        marked = pickletools.markobject in before
        below = before.index(pickletools.markobject) if marked else len(before)
        effects[op.name] = (marked, below, len(op.stack_after))
    return effects


_EFFECTS = _opcode_effects()


def _scan_opcodes(data: bytes) -> None:
    """Refuse forbidden opcodes, too many opcodes, absurd memo indices and deep nesting.

    The nesting depth of every stack item is simulated (a container is one deeper than its
    deepest item); a memo entry keeps the depth its object had when stored. Raises ``_Refused``;
    a stream pickletools cannot parse raises ``ValueError`` (reported as corrupt).
    """
    stack: list[int] = []   # depth per item, -1 for a MARK
    memo: dict[int, int] = {}
    for count, (opcode, arg, _pos) in enumerate(pickletools.genops(io.BytesIO(data))):
        name = opcode.name
        if count >= MAX_OPCODES:
            raise _Refused(f"a pickle of more than {MAX_OPCODES} opcodes")
        if name in _REFUSED_OPCODES:
            raise _Refused(f"opcode {name}: a body model pickle may not use "
                           f"{_REFUSED_OPCODES[name]}")
        if name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
            index = len(memo) if name == "MEMOIZE" else int(arg)
            if index > MAX_OPCODES:
                raise _Refused(f"memo index {index}")
            memo[index] = max(stack[-1], 0) if stack else 0
            continue
        if name in ("GET", "BINGET", "LONG_BINGET"):
            stack.append(memo.get(int(arg), 0))
            continue
        if name == "MARK":
            stack.append(-1)
            continue
        if name == "DUP":
            stack.append(stack[-1] if stack else 0)
            continue
        marked, below, after = _EFFECTS[name]
        deepest = container = 0
        if marked:
            while stack and stack[-1] >= 0:
                deepest = max(deepest, stack.pop() + 1)
            if stack:
                stack.pop()  # the MARK
        for i in range(below):
            if stack:
                item = max(stack.pop(), 0)
                if name in _GROWING_OPCODES and i == below - 1:
                    container = item  # the deepest-down item is the container
                else:
                    deepest = max(deepest, item + 1)
        if not after:
            continue
        if name in _GROWING_OPCODES:
            depth = max(container, deepest)
        elif deepest or name.startswith("EMPTY_") or marked:
            depth = max(deepest, 1)
        else:
            depth = 0
        if depth > MAX_DEPTH:
            raise _Refused(f"data nested deeper than {MAX_DEPTH} levels")
        stack.extend([depth] * after)


# ---------------------------------------------------------------------------------------------
# Checked builders the allowed globals resolve to.

class _Budget:
    """Bytes a file may still make us allocate."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, nbytes: int, what: str) -> None:
        if nbytes > self.left:
            raise _Refused(f"{what} needing {nbytes} bytes (over the allocation bound of this "
                           f"file)")
        self.left -= nbytes


class _Global:
    """A callable the pickle may name; it can be called, never given a state."""

    __slots__ = ("label", "fn")

    def __init__(self, label: str, fn: Callable[..., Any]) -> None:
        self.label, self.fn = label, fn

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __setstate__(self, state: Any) -> None:
        raise _Refused(f"setting the state of {self.label}")


class _Marker:
    """A global that may only be passed as an argument (``numpy.ndarray`` to ``_reconstruct``)."""

    __slots__ = ("label",)

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise _Refused(f"a direct call of {self.label}")

    def __setstate__(self, state: Any) -> None:
        raise _Refused(f"setting the state of {self.label}")


class _DtypeSpec:
    """A dtype the pickle asked for: a plain kind from a short type string, nothing else."""

    __slots__ = ("dtype",)

    def __init__(self, obj: Any, align: Any = False, copy: Any = True) -> None:
        if not isinstance(obj, str) or not _TYPE_STRING.fullmatch(obj):
            raise _Refused(f"dtype {_short(obj)} (only plain numeric and string dtypes)")
        try:
            dtype = np.dtype(obj)
        except TypeError:
            raise _Refused(f"dtype {obj!r} (not a numpy type string)") from None
        _check_dtype(dtype)
        self.dtype = dtype

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (8, 9):
            raise _Refused("a dtype state that is not numpy's")
        endian, subarray, names, fields = state[1:5]
        if subarray is not None or names is not None or fields is not None:
            raise _Refused("a structured or sub-array dtype")
        if len(state) == 9 and state[8] is not None:
            raise _Refused("a dtype with metadata")
        if endian not in ("<", ">", "|", "="):
            raise _Refused(f"dtype byte order {_short(endian)}")
        if endian in "<>" and self.dtype.itemsize > 1:
            self.dtype = self.dtype.newbyteorder(endian)


def _check_dtype(dtype: np.dtype) -> None:
    if (dtype.kind not in _ALLOWED_KINDS or dtype.hasobject or dtype.fields is not None
            or dtype.subdtype is not None or dtype.itemsize <= 0):
        raise _Refused(f"dtype {dtype.str!r} (kind {dtype.kind!r}; only plain numeric and string "
                       f"dtypes, never objects)")


def _short(value: Any) -> str:
    """A bounded description of a value from the file (never its full repr)."""
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        if isinstance(value, (str, bytes)):
            value = value[:41]
        text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge int"
        return text if len(text) <= 40 else text[:37] + "..."
    return f"a {type(value).__name__}"


def _raw_bytes(raw: Any) -> bytes | bytearray:
    if isinstance(raw, (bytes, bytearray)):
        return raw
    if isinstance(raw, str):  # Python 2 str, read back as latin-1 text
        try:
            return raw.encode("latin-1")
        except UnicodeEncodeError:
            raise _Refused("array data that is not bytes") from None
    raise _Refused(f"array data given as {_short(raw)} (only raw bytes; object arrays are "
                   f"pickled as lists)")


def _checked_array(shape: Any, spec: Any, fortran: Any, raw: Any, budget: _Budget) -> np.ndarray:
    """An array built by us from a checked dtype, shape and exactly-sized raw bytes."""
    if not isinstance(spec, _DtypeSpec):
        raise _Refused(f"an array whose dtype is {_short(spec)}")
    if isinstance(shape, int) and not isinstance(shape, bool):
        shape = (shape,)
    if (not isinstance(shape, tuple) or len(shape) > MAX_NDIM
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_DIM
                       for d in shape)):
        raise _Refused(f"an array shape that is not a tuple of at most {MAX_NDIM} ints "
                       f"in [0, {MAX_DIM}]")
    data = _raw_bytes(raw)
    count = 1
    for d in shape:
        count *= d
    need = count * spec.dtype.itemsize
    if need != len(data):
        raise _Refused(f"an array of shape {shape[:8]} that needs {need} bytes but its data "
                       f"holds {len(data)}")
    budget.take(need, f"an array of shape {shape[:8]}")
    order = "F" if fortran is True else "C"
    if count == 0:
        return np.zeros(shape, spec.dtype, order=order)
    return np.frombuffer(data, spec.dtype, count).reshape(shape, order=order).copy(order="K")


class _Stateful:
    """Inert stand-in for a pickled object of an allowed foreign class: it only keeps its state."""

    module = ""
    name = ""
    state: Any = None  # NEWOBJ makes instances without calling __init__

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.state = None

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


class _ArraySpec:
    """What ``numpy.core.multiarray._reconstruct`` returns; the BUILD state makes the array."""

    __slots__ = ("array", "budget")

    def __init__(self, budget: _Budget) -> None:
        self.array: np.ndarray | None = None
        self.budget = budget

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise _Refused("an array state that is not numpy's")
        if len(state) == 5:
            if state[0] != 1:
                raise _Refused(f"array state version {_short(state[0])}")
            state = state[1:]
        shape, spec, fortran, raw = state
        self.array = _checked_array(shape, spec, fortran, raw, self.budget)


class _Built:
    """An array or numpy scalar we built; a pickle cannot give it a state afterwards."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __setstate__(self, state: Any) -> None:
        raise _Refused("setting the state of a finished array")


def _stand_in(kind: type[_Stateful], module: str, name: str) -> type:
    return type(name, (kind,), {"module": module, "name": name})


class _Builders:
    """The allowed globals of one load, sharing its allocation budget."""

    def __init__(self, budget: _Budget) -> None:
        self.budget = budget
        self.ndarray = _Marker("numpy.ndarray")

    def reconstruct(self, cls: Any, shape: Any = (0,), typecode: Any = b"b") -> _ArraySpec:
        if cls is not self.ndarray:
            raise _Refused(f"numpy _reconstruct of {_short(cls)} (only plain numpy arrays)")
        return _ArraySpec(self.budget)

    def frombuffer(self, buf: Any, spec: Any, shape: Any, order: Any = "C") -> _Built:
        if order not in ("C", "F"):
            raise _Refused(f"array order {_short(order)}")
        return _Built(_checked_array(shape, spec, order == "F", buf, self.budget))

    def scalar(self, spec: Any, raw: Any = None) -> _Built:
        if not isinstance(spec, _DtypeSpec):
            raise _Refused(f"a numpy scalar of {_short(spec)}")
        return _Built(_checked_array((), spec, False, raw, self.budget)[()])

    @staticmethod
    def reconstructor(cls: Any, base: Any, state: Any = None) -> Any:
        """``copyreg._reconstructor`` restricted to our stand-ins (protocol 0/1 objects)."""
        if not (isinstance(cls, type) and issubclass(cls, _Stateful)) or base is not object:
            raise _Refused(f"copyreg reconstruction of {_short(cls)}")
        return cls()

    @staticmethod
    def latin1_bytes(text: Any, encoding: Any = "latin1") -> bytes:
        """``_codecs.encode`` as Python 3 pickles bytes at protocols 0-2, only str -> latin-1."""
        if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
            raise _Refused(f"_codecs.encode({_short(text)}, {_short(encoding)})")
        try:
            return text.encode("latin-1")
        except UnicodeEncodeError:
            raise _Refused("_codecs.encode of text that is not latin-1") from None

    @staticmethod
    def plain_complex(real: Any = 0.0, imag: Any = 0.0) -> complex:
        if not all(isinstance(v, (int, float)) for v in (real, imag)):
            raise _Refused(f"complex() of {_short(real)}, {_short(imag)}")
        return complex(real, imag)

    @staticmethod
    def plain_set(kind: type) -> Callable[..., Any]:
        def build(items: Any = ()) -> Any:
            if not isinstance(items, (list, tuple, set, frozenset)):
                raise _Refused(f"{kind.__name__}() of {_short(items)}")
            return kind(items)
        return build

    def find(self, module: str, name: str) -> Any:
        multiarray = ("numpy.core.multiarray", "numpy._core.multiarray")
        if module in ("numpy",) + multiarray and name == "ndarray":
            return self.ndarray
        if module in ("numpy",) + multiarray and name == "dtype":
            return _Global("numpy.dtype", _DtypeSpec)
        if module in multiarray and name == "_reconstruct":
            return _Global("numpy _reconstruct", self.reconstruct)
        if module in multiarray and name == "scalar":
            return _Global("numpy scalar", self.scalar)
        if module in ("numpy.core.numeric", "numpy._core.numeric") and name == "_frombuffer":
            return _Global("numpy _frombuffer", self.frombuffer)
        if module in ("copy_reg", "copyreg") and name == "_reconstructor":
            return _Global("copyreg._reconstructor", self.reconstructor)
        if module == "_codecs" and name == "encode":
            return _Global("_codecs.encode", self.latin1_bytes)
        if module in ("__builtin__", "builtins"):
            if name == "object":
                return object  # only as copyreg's base; object() itself is inert
            if name == "complex":
                return _Global("builtins.complex", self.plain_complex)
            if name in ("set", "frozenset"):
                kind = set if name == "set" else frozenset
                return _Global(f"builtins.{name}", self.plain_set(kind))
        if module == "chumpy" or module.startswith("chumpy."):
            return _stand_in(_ChumpyObject, module, name)
        if module.startswith("scipy.sparse") and name in (
                "csc_matrix", "csr_matrix", "coo_matrix", "csc_array", "csr_array", "coo_array"):
            return _stand_in(_SparseMatrix, module, name)
        raise _Refused(f"{module}.{name}: a body model pickle may only contain arrays")


class SafeUnpickler(pickle.Unpickler):
    """Unpickler whose globals are only the checked builders of :class:`_Builders`.

    Use :func:`load_safe_pickle`; this class alone does not scan depth or convert stand-ins.
    """

    def __init__(self, file: io.BytesIO, budget: _Budget) -> None:
        super().__init__(file, encoding="latin1")
        self._builders = _Builders(budget)

    def find_class(self, module: str, name: str) -> Any:
        return self._builders.find(str(module), str(name))

    def persistent_load(self, pid: Any) -> Any:
        raise _Refused("a pickle with persistent ids")


# ---------------------------------------------------------------------------------------------
# From the unpickled graph to plain data.

def _children(obj: Any) -> list:
    kind = type(obj)
    if kind is dict:
        return [*obj.keys(), *obj.values()]
    if kind in (list, tuple, set, frozenset):
        return list(obj)
    if isinstance(obj, _Stateful):
        return [obj.state]
    return []


def _check_graph(root: Any) -> None:
    """Refuse cycles and nesting deeper than :data:`MAX_DEPTH`, without recursion.

    Shared sub-objects are visited once (a depth per object id), so a graph that references one
    list many times costs its size, not its number of paths.
    """
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    work: list[tuple[Any, bool]] = [(root, False)]
    while work:
        obj, done = work.pop()
        key = id(obj)
        if done:
            on_path.discard(key)
            depth[key] = 1 + max((depth[id(c)] for c in _children(obj)), default=0)
            if depth[key] > MAX_DEPTH:
                raise _Refused(f"data nested deeper than {MAX_DEPTH} levels")
            continue
        if key in depth:
            continue
        if key in on_path:
            raise _Refused("a self-referencing structure")
        children = _children(obj)
        if not children:
            depth[key] = 1
            continue
        on_path.add(key)
        work.append((obj, True))
        work.extend((c, False) for c in children if id(c) not in depth)
        if len(on_path) > MAX_DEPTH:
            raise _Refused(f"data nested deeper than {MAX_DEPTH} levels")


_PLAIN_SCALARS = (str, bytes, int, float, complex, bool, type(None), np.generic)


def _vector(st: dict, key: str, kinds: str) -> np.ndarray:
    value = st.get(key)
    if not isinstance(value, np.ndarray) or value.ndim != 1 or value.dtype.kind not in kinds:
        raise _Refused(f"sparse matrix field {key!r} that is not a 1-D numeric array")
    return value


def _densify(fmt: str, st: dict, budget: _Budget) -> np.ndarray:
    """A dense array from a sparse matrix's checked ``data``/index arrays (duplicates add up)."""
    shape = st.get("_shape", st.get("shape"))
    if (not isinstance(shape, tuple) or len(shape) != 2
            or not all(isinstance(d, (int, np.integer)) and d >= 0 for d in shape)):
        raise _Refused("a sparse matrix without a valid 2-D shape")
    rows, cols = int(shape[0]), int(shape[1])
    data = _vector(st, "data", "biuf")
    if rows * cols > MAX_DENSE_ELEMENTS:
        raise _Refused(f"a sparse matrix of shape ({rows}, {cols}) (too large to expand)")
    budget.take(rows * cols * data.dtype.itemsize, f"a sparse matrix of shape ({rows}, {cols})")
    if fmt == "coo":
        coords = st.get("coords")
        if isinstance(coords, tuple) and len(coords) == 2:
            st = {"row": coords[0], "col": coords[1]}
        row, col = _vector(st, "row", "iu"), _vector(st, "col", "iu")
    else:
        indices, indptr = _vector(st, "indices", "iu"), _vector(st, "indptr", "iu")
        major = cols if fmt == "csc" else rows
        steps = np.diff(indptr.astype(np.int64))
        if (len(indptr) != major + 1 or indptr[0] != 0 or np.any(steps < 0)
                or indptr[-1] != len(indices)):
            raise _Refused("a sparse matrix with inconsistent index pointers")
        outer = np.repeat(np.arange(major), steps)
        row, col = (indices, outer) if fmt == "csc" else (outer, indices)
    if not len(row) == len(col) == len(data):
        raise _Refused("a sparse matrix whose index and data lengths differ")
    if len(data) and (row.min() < 0 or col.min() < 0 or row.max() >= rows or col.max() >= cols):
        raise _Refused("a sparse matrix with indices outside its shape")
    dense = np.zeros((rows, cols), dtype=data.dtype)
    np.add.at(dense, (row.astype(np.intp), col.astype(np.intp)), data)
    return dense


def _to_plain(obj: Any, budget: _Budget, done: dict[int, Any]) -> Any:
    """Stand-ins to arrays through dicts, lists and tuples (depth already bounded)."""
    key = id(obj)
    if key in done:
        return done[key]
    kind = type(obj)
    if isinstance(obj, _ArraySpec):
        out: Any = obj.array
    elif isinstance(obj, _Built):
        out = obj.value
    elif isinstance(obj, np.ndarray):
        _check_dtype(obj.dtype)
        out = obj
    elif isinstance(obj, _ChumpyObject):
        x = _to_plain(obj.state_dict().get("x"), budget, done)
        out = x if isinstance(x, np.ndarray) else None  # a derived expression: no value
    elif isinstance(obj, _SparseMatrix):
        state = {k: _to_plain(v, budget, done) for k, v in obj.state_dict().items()
                 if k in ("data", "indices", "indptr", "row", "col", "coords", "_shape", "shape")}
        out = _densify(obj.name[:3], state, budget)
    elif kind is dict:
        out = {}
        for k, v in obj.items():
            if not isinstance(k, (str, bytes, int, float, bool)):
                raise _Refused(f"a dictionary key that is {_short(k)}")
            out[k] = _to_plain(v, budget, done)
    elif kind in (list, tuple):
        out = kind(_to_plain(v, budget, done) for v in obj)
    elif kind in (set, frozenset):
        out = obj if all(isinstance(v, _PLAIN_SCALARS) for v in obj) else None
    elif isinstance(obj, bytearray):
        out = bytes(obj)
    elif isinstance(obj, _PLAIN_SCALARS):
        out = obj
    else:  # dtypes, uncalled globals, bare objects: no data to give
        out = None
    done[key] = out
    return out


def load_safe_pickle(path: Path | str) -> Any:
    """Unpickle a body-model file with the allow-list and limits; stand-ins become arrays.

    Returns
    -------
    The pickled dict (or other container) with every array a plain numeric ``np.ndarray``;
    scipy sparse matrices come back dense, chumpy objects as their ``x`` array (``None`` for a
    derived expression).

    Raises
    ------
    UnsafeFileError
        The pickle asked for something outside the allow-list or the limits (a foreign global,
        an object dtype, an array larger than its data, nesting too deep...); nothing of it ran.
        The message names the file and what was refused, on one line.
    BodyModelError
        The file is missing, truncated or not a pickle.
    """
    path = Path(path)
    try:
        if not path.exists():
            raise BodyModelError(f"body model file {path} does not exist")
        if not path.is_file():  # a folder, a FIFO or a device like /dev/zero
            raise BodyModelError(f"body model file {path} is not a regular file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BodyModelError(f"body model file {path} is {size >> 20} MiB, more than the "
                                 f"{MAX_FILE_BYTES >> 20} MiB a model file may be")
        data = path.read_bytes()
    except OSError as e:
        raise BodyModelError(f"cannot read body model file {path}: {e.strerror or e}") from None
    budget = _Budget(2 * len(data) + ALLOCATION_SLACK)
    try:
        _scan_opcodes(data)
        raw = SafeUnpickler(io.BytesIO(data), budget).load()
        _check_graph(raw)
        return _to_plain(raw, budget, {})
    except _Refused as e:
        raise UnsafeFileError(f"body model file {path}: refused {_one_line(str(e))}") from None
    except Exception as e:  # noqa: BLE001 - parsing hostile bytes: any other failure = corrupt
        raise BodyModelError(f"body model file {path} is corrupt or truncated "
                             f"({type(e).__name__}: {_one_line(str(e))})") from None


def _one_line(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 3] + "..."
