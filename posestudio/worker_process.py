"""Start the spawned worker processes that render or generate beside a front end.

The editor keeps GL rendering and diffusers out of its own process (see ``ui/workers.py`` and
:mod:`posestudio.generate.service`). A ``spawn``-ed interpreter inherits ``os.environ`` as it is
when :meth:`multiprocessing.Process.start` runs, and it must come up with headless EGL for
pyrender even when the editor itself uses another OpenGL platform, so the environment is set for
the start only and then put back exactly as it was. No Qt here: the core and the UI share this.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

#: What every worker's interpreter starts with: pyrender on headless EGL.
WORKER_ENV: Mapping[str, str] = {"PYOPENGL_PLATFORM": "egl"}


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set ``values`` in ``os.environ`` for the ``with`` block, then restore each variable
    (unset again if it was unset before)."""
    old = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def spawn_worker(target: Callable[..., None], args: tuple = (), *, name: str,
                 ctx=None, env: Mapping[str, str] = WORKER_ENV) -> mp.Process:
    """Start ``target(*args)`` in a new daemon interpreter with ``env`` set; returns the process.

    Parameters
    ----------
    target : a module-level function (``spawn`` pickles it by name)
    args : picklable arguments, e.g. the context's queues and events
    name : the process name shown by ``ps`` and in error messages
    ctx : the ``multiprocessing`` context the queues were made with (default: ``spawn``)
    env : variables the child starts with; this process's environment is unchanged afterwards
    """
    ctx = ctx if ctx is not None else mp.get_context("spawn")
    with environment(env):
        process = ctx.Process(target=target, args=args, daemon=True, name=name)
        process.start()
    return process
