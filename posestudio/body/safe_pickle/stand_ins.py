"""Inert stand-ins for the foreign classes a body-model pickle may name (chumpy arrays, scipy
sparse matrices): they keep the state the file gives them and run none of that class's code."""

from __future__ import annotations

from typing import Any


class Stateful:
    """Inert stand-in for a pickled object of an allowed foreign class: it only keeps its state."""

    module = ""
    name = ""
    state: Any = None  # NEWOBJ makes instances without calling __init__

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.state = None

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def state_dict(self) -> dict:
        """The state as a dict (``{}`` when it is anything else)."""
        state = self.state
        if isinstance(state, tuple) and state and isinstance(state[0], dict):
            state = state[0]  # (dict, slots) form
        return state if isinstance(state, dict) else {}


class ChumpyObject(Stateful):
    """A chumpy array (``chumpy.ch.Ch`` and friends); its value is ``state['x']``."""


class SparseMatrix(Stateful):
    """A scipy.sparse matrix as pickled (``data``/``indices``/``indptr``/``_shape`` state)."""


def stand_in(kind: type[Stateful], module: str, name: str) -> type:
    """A subclass of ``kind`` that records the ``module`` and ``name`` the file named."""
    return type(name, (kind,), {"module": module, "name": name})
