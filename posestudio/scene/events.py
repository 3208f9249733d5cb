"""A small Qt-free event emitter: the model tells its views that something changed.

Views (Qt widgets, GL items) subscribe with :meth:`EventEmitter.connect`. Bound methods are held
through :class:`weakref.WeakMethod`, so a widget that is deleted without disconnecting simply stops
being called; plain functions and lambdas are held strongly (a weak reference to a lambda would die
at once) and must be disconnected by their owner.

A view that writes to the model blocks its own echo with ``with emitter.blocker(self._on_change):``;
``with emitter.blocker():`` silences the emitter for everyone (e.g. during a batch update, after
which the caller emits once).

Example
-------
>>> changed = EventEmitter("changed")
>>> seen = []
>>> _ = changed.connect(lambda event: seen.append(event.index))
>>> changed.emit(index=3)
>>> seen
[3]
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Callback = Callable[["Event"], Any]


class Event:
    """What :meth:`EventEmitter.emit` hands to each callback.

    Every keyword given to ``emit`` becomes an attribute (``event.index``); ``event.type`` is the
    emitter's name and ``event.info`` the keywords as a dict.
    """

    __slots__ = ("type", "info")

    def __init__(self, type: str, info: dict[str, Any]) -> None:
        self.type = type
        self.info = info

    def __getattr__(self, name: str) -> Any:
        try:
            return self.info[name]
        except KeyError:
            raise AttributeError(f"{self.type} event has no {name!r}; it has {sorted(self.info)}") from None

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in self.info.items())
        return f"Event({self.type!r}, {items})"


class EventEmitter:
    """Calls every connected callback with one :class:`Event` on :meth:`emit`.

    Parameters
    ----------
    name : str
        Shown as ``event.type`` and in error messages.

    Notes
    -----
    Callbacks run synchronously, in the order they were connected, on the thread that emits.
    An exception in a callback propagates to the emitter's caller (a broken view is a bug to see,
    not to hide); the model has already changed by then.
    """

    def __init__(self, name: str = "changed") -> None:
        self.name = name
        # Each entry is a zero-argument function returning the callback, or None once it is dead.
        self._slots: list[Callable[[], Callback | None]] = []
        self._blocked_all = 0
        self._blocked: dict[int, int] = {}  # id(callback) -> nesting depth

    # -- subscription -------------------------------------------------------------------------
    def connect(self, callback: Callback) -> Callback:
        """Subscribe ``callback(event)``; returns it (usable as a decorator).

        Bound methods are referenced weakly, anything else strongly. Connecting the same callback
        twice has no further effect.
        """
        if not callable(callback):
            raise TypeError(f"{self.name}.connect needs a callable, got {callback!r}")
        if self._index(callback) is not None:
            return callback
        if hasattr(callback, "__self__") and hasattr(callback, "__func__"):
            ref: Callable[[], Callback | None] = weakref.WeakMethod(callback)  # type: ignore[arg-type]
        else:
            ref = (lambda cb=callback: cb)
        self._slots.append(ref)
        return callback

    def disconnect(self, callback: Callback | None = None) -> None:
        """Unsubscribe ``callback`` (no error if it was not connected); ``None`` removes all."""
        if callback is None:
            self._slots.clear()
            return
        index = self._index(callback)
        if index is not None:
            del self._slots[index]

    def __len__(self) -> int:
        """Number of live callbacks."""
        self._prune()
        return len(self._slots)

    # -- emitting ----------------------------------------------------------------------------
    def emit(self, **info: Any) -> None:
        """Call each live, unblocked callback with ``Event(self.name, info)``."""
        if self._blocked_all or not self._slots:
            return
        event = Event(self.name, info)
        for ref in list(self._slots):
            callback = ref()
            if callback is None:
                continue
            if self._blocked and self._blocked.get(_identity(callback), 0):
                continue
            callback(event)
        self._prune()

    @contextmanager
    def blocker(self, callback: Callback | None = None) -> Iterator[None]:
        """Within the ``with`` block, do not call ``callback`` (or anyone, when ``None``).

        Blockers nest; each one lifts only its own block on exit, even on an exception.
        """
        if callback is None:
            self._blocked_all += 1
            try:
                yield
            finally:
                self._blocked_all -= 1
            return
        ident = _identity(callback)
        self._blocked[ident] = self._blocked.get(ident, 0) + 1
        try:
            yield
        finally:
            depth = self._blocked[ident] - 1
            if depth:
                self._blocked[ident] = depth
            else:
                del self._blocked[ident]

    # -- internals ---------------------------------------------------------------------------
    def _index(self, callback: Callback) -> int | None:
        ident = _identity(callback)
        for i, ref in enumerate(self._slots):
            live = ref()
            if live is not None and _identity(live) == ident:
                return i
        return None

    def _prune(self) -> None:
        self._slots = [ref for ref in self._slots if ref() is not None]


def _identity(callback: Callback) -> Any:
    """Equal for two bound-method objects of the same instance and function."""
    owner = getattr(callback, "__self__", None)
    func = getattr(callback, "__func__", None)
    if owner is not None and func is not None:
        return (id(owner), id(func))
    return id(callback)
