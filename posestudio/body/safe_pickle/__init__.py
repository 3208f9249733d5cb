"""A restricted unpickler for SMPL-family ``.pkl`` files: plain numeric data in, nothing else.

Official SMPL / SMPL+H / SMPL-X pickles hold numpy arrays, ``scipy.sparse`` matrices (the joint
regressor) and, in the old SMPL releases, ``chumpy`` objects (``chumpy.ch.Ch`` and subclasses)
whose value is the array in their state's ``x``. This package rebuilds exactly those, without
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

The package, one job a module: ``limits`` (the bounds, the refusal, the allocation budget),
``opcode_scan`` (the byte-stream pre-scan), ``unpickler`` (the allow-list and
:class:`SafeUnpickler`), ``arrays`` (checked dtypes and arrays), ``stand_ins`` (inert chumpy and
sparse objects), ``sparse`` (densifying), ``plain`` (graph checks and conversion to plain data).

Never use :func:`pickle.load` on a user's file; use :func:`load_safe_pickle`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from posestudio.body.safe_pickle.limits import (ALLOCATION_SLACK, MAX_DENSE_ELEMENTS, MAX_DEPTH,
                                                MAX_DIM, MAX_FILE_BYTES, MAX_NDIM, MAX_OPCODES,
                                                Budget, Refused)
from posestudio.body.safe_pickle.opcode_scan import scan_opcodes
from posestudio.body.safe_pickle.plain import check_graph, to_plain
from posestudio.body.safe_pickle.unpickler import SafeUnpickler
from posestudio.errors import BodyModelError, UnsafeFileError

__all__ = ["load_safe_pickle", "SafeUnpickler", "ALLOCATION_SLACK", "MAX_DENSE_ELEMENTS",
           "MAX_DEPTH", "MAX_DIM", "MAX_FILE_BYTES", "MAX_NDIM", "MAX_OPCODES"]


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
    budget = Budget(2 * len(data) + ALLOCATION_SLACK)
    try:
        scan_opcodes(data)
        raw = SafeUnpickler(io.BytesIO(data), budget).load()
        check_graph(raw)
        return to_plain(raw, budget, {})
    except Refused as e:
        raise UnsafeFileError(f"body model file {path}: refused {_one_line(str(e))}") from None
    except Exception as e:  # noqa: BLE001 - parsing hostile bytes: any other failure = corrupt
        raise BodyModelError(f"body model file {path} is corrupt or truncated "
                             f"({type(e).__name__}: {_one_line(str(e))})") from None


def _one_line(text: str, limit: int = 160) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 3] + "..."
