"""From the unpickled object graph to plain data: cycles and depth refused without recursion,
then stand-ins replaced by arrays (chumpy objects by their ``x``, sparse matrices densified)."""

from __future__ import annotations

from typing import Any

import numpy as np

from posestudio.body.safe_pickle.arrays import ArraySpec, Built, check_dtype
from posestudio.body.safe_pickle.limits import MAX_DEPTH, Budget, Refused, describe
from posestudio.body.safe_pickle.sparse import densify
from posestudio.body.safe_pickle.stand_ins import ChumpyObject, SparseMatrix, Stateful

_PLAIN_SCALARS = (str, bytes, int, float, complex, bool, type(None), np.generic)


def _children(obj: Any) -> list:
    kind = type(obj)
    if kind is dict:
        return [*obj.keys(), *obj.values()]
    if kind in (list, tuple, set, frozenset):
        return list(obj)
    if isinstance(obj, Stateful):
        return [obj.state]
    return []


def check_graph(root: Any) -> None:
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
                raise Refused(f"data nested deeper than {MAX_DEPTH} levels")
            continue
        if key in depth:
            continue
        if key in on_path:
            raise Refused("a self-referencing structure")
        children = _children(obj)
        if not children:
            depth[key] = 1
            continue
        on_path.add(key)
        work.append((obj, True))
        work.extend((c, False) for c in children if id(c) not in depth)
        if len(on_path) > MAX_DEPTH:
            raise Refused(f"data nested deeper than {MAX_DEPTH} levels")


def to_plain(obj: Any, budget: Budget, done: dict[int, Any]) -> Any:
    """Stand-ins to arrays through dicts, lists and tuples (depth already bounded by
    :func:`check_graph`); ``done`` maps object ids already converted to their result."""
    key = id(obj)
    if key in done:
        return done[key]
    kind = type(obj)
    if isinstance(obj, ArraySpec):
        out: Any = obj.array
    elif isinstance(obj, Built):
        out = obj.value
    elif isinstance(obj, np.ndarray):
        check_dtype(obj.dtype)
        out = obj
    elif isinstance(obj, ChumpyObject):
        x = to_plain(obj.state_dict().get("x"), budget, done)
        out = x if isinstance(x, np.ndarray) else None  # a derived expression: no value
    elif isinstance(obj, SparseMatrix):
        state = {k: to_plain(v, budget, done) for k, v in obj.state_dict().items()
                 if k in ("data", "indices", "indptr", "row", "col", "coords", "_shape", "shape")}
        out = densify(obj.name[:3], state, budget)
    elif kind is dict:
        out = {}
        for k, v in obj.items():
            if not isinstance(k, (str, bytes, int, float, bool)):
                raise Refused(f"a dictionary key that is {describe(k)}")
            out[k] = to_plain(v, budget, done)
    elif kind in (list, tuple):
        out = kind(to_plain(v, budget, done) for v in obj)
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
