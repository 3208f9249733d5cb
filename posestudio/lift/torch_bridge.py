"""Numpy maths as differentiable torch operations.

The fit's maths (forward kinematics of the keypoint model, the reprojection, the pose priors)
is written once, in float64 numpy, each piece as a function that returns its outputs and a
vector-Jacobian product (``vjp``) that maps gradients of the outputs to gradients of the inputs.
Hand-written gradients of a whole piece cost a few numpy operations, where torch's autograd
records and replays a hundred tiny operations per step (the fit's tensors are a few hundred
numbers: autograd's bookkeeping, not arithmetic, was its cost). :func:`apply` lets code written
with torch tensors (the optimisers, the temporal fit's smoothness terms) use such a piece as if
it were one torch operation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import torch

# fn(*arrays) -> (outputs tuple of arrays, vjp); vjp(*output_grads) -> input grads (arrays or None)
NumpyPiece = Callable[..., tuple[tuple[np.ndarray, ...], Callable[..., tuple]]]

_FUNCTION = None


def _function_class():
    """The torch.autograd.Function, defined on first use (torch is imported lazily)."""
    global _FUNCTION
    if _FUNCTION is None:
        import torch

        class NumpyFunction(torch.autograd.Function):
            @staticmethod
            def forward(ctx, piece, *inputs):
                arrays = [t.detach().double().numpy() for t in inputs]
                outputs, vjp = piece(*arrays)
                ctx.vjp = vjp
                ctx.dtypes = [t.dtype for t in inputs]
                dtype = inputs[0].dtype
                return tuple(torch.from_numpy(np.ascontiguousarray(o)).to(dtype) for o in outputs)

            @staticmethod
            def backward(ctx, *grads):
                arrays = [None if g is None else g.detach().double().numpy() for g in grads]
                result = ctx.vjp(*arrays)
                return (None,) + tuple(
                    None if g is None else torch.from_numpy(np.ascontiguousarray(g)).to(dtype)
                    for g, dtype in zip(result, ctx.dtypes))

        _FUNCTION = NumpyFunction
    return _FUNCTION


def apply(piece: NumpyPiece, *inputs: "torch.Tensor") -> tuple["torch.Tensor", ...]:
    """Run the numpy ``piece`` on torch tensors as one differentiable torch operation.

    Parameters
    ----------
    piece : ``piece(*arrays) -> (outputs, vjp)``; ``vjp(*grads)`` receives one float64 array
        per output (None for an output nothing depended on) and returns one gradient per input
        (None where there is none)
    inputs : tensors (any float dtype; the outputs take the first input's dtype)

    Returns
    -------
    tuple of tensors, the piece's outputs
    """
    import torch

    if not torch.is_grad_enabled() or not any(t.requires_grad for t in inputs):
        outputs, _ = piece(*(t.detach().double().numpy() for t in inputs))
        dtype = inputs[0].dtype
        return tuple(torch.from_numpy(np.ascontiguousarray(o)).to(dtype) for o in outputs)
    return _function_class().apply(piece, *inputs)


def zeros_if_none(grad: np.ndarray | None, like: np.ndarray) -> np.ndarray:
    """``grad``, or zeros shaped like ``like`` when an output received no gradient."""
    return np.zeros_like(like) if grad is None else grad
