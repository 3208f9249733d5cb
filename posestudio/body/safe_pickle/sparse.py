"""Dense arrays from pickled scipy.sparse state (CSR, CSC, COO), rebuilt with numpy from checked
index arrays (pointers consistent, indices inside the shape, size bounded), never by scipy."""

from __future__ import annotations

import numpy as np

from posestudio.body.safe_pickle.limits import MAX_DENSE_ELEMENTS, Budget, Refused


def _vector(st: dict, key: str, kinds: str) -> np.ndarray:
    value = st.get(key)
    if not isinstance(value, np.ndarray) or value.ndim != 1 or value.dtype.kind not in kinds:
        raise Refused(f"sparse matrix field {key!r} that is not a 1-D numeric array")
    return value


def densify(fmt: str, st: dict, budget: Budget) -> np.ndarray:
    """A dense array from a sparse matrix's checked ``data``/index arrays (duplicates add up).

    Parameters
    ----------
    fmt : {"csr", "csc", "coo"}
    st : dict
        The matrix state with its arrays already plain: ``data``, ``_shape`` (or ``shape``) and
        ``indices``/``indptr`` (CSR, CSC) or ``row``/``col``/``coords`` (COO).
    budget : Budget
        Charged with the dense size.

    Returns
    -------
    (rows, cols) array of ``data``'s dtype.
    """
    shape = st.get("_shape", st.get("shape"))
    if (not isinstance(shape, tuple) or len(shape) != 2
            or not all(isinstance(d, (int, np.integer)) and d >= 0 for d in shape)):
        raise Refused("a sparse matrix without a valid 2-D shape")
    rows, cols = int(shape[0]), int(shape[1])
    data = _vector(st, "data", "biuf")
    if rows * cols > MAX_DENSE_ELEMENTS:
        raise Refused(f"a sparse matrix of shape ({rows}, {cols}) (too large to expand)")
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
            raise Refused("a sparse matrix with inconsistent index pointers")
        outer = np.repeat(np.arange(major), steps)
        row, col = (indices, outer) if fmt == "csc" else (outer, indices)
    if not len(row) == len(col) == len(data):
        raise Refused("a sparse matrix whose index and data lengths differ")
    if len(data) and (row.min() < 0 or col.min() < 0 or row.max() >= rows or col.max() >= cols):
        raise Refused("a sparse matrix with indices outside its shape")
    dense = np.zeros((rows, cols), dtype=data.dtype)
    np.add.at(dense, (row.astype(np.intp), col.astype(np.intp)), data)
    return dense
