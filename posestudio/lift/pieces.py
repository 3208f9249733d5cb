"""The fit's maths as *pieces*: a function of float64 arrays that returns its outputs and a
vector-Jacobian product.

A piece is ``piece(*arrays) -> (outputs, vjp)``: ``outputs`` a tuple of arrays, ``vjp(*grads)``
maps one gradient per output (None for an output nothing depended on) to one gradient per input
(None where there is none). The keypoint model's forward kinematics, the reprojection, the pose
priors, the detector-3D term and the temporal fit's cross-frame terms are each written once this
way, their gradients by hand: a whole piece costs a few numpy operations, where an autograd
engine would record and replay a hundred tiny ones per step (the fits' arrays hold a few hundred
numbers: bookkeeping, not arithmetic, was the cost). Composition is explicit: a caller runs the
pieces forward, then their ``vjp`` in reverse order. ``tests/lift/test_gradients.py`` checks
every piece against central finite differences.
"""

from __future__ import annotations

import numpy as np


def zeros_if_none(grad: np.ndarray | None, like: np.ndarray) -> np.ndarray:
    """``grad``, or zeros shaped like ``like`` when an output received no gradient."""
    return np.zeros_like(like) if grad is None else grad
