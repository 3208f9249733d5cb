"""Small optimisers for the fits, on plain torch tensors, with their state in the open.

``torch.optim`` wraps every optimiser method in ``torch._disable_dynamo``, whose first call
imports the compiler stack (``torch._dynamo``, ~1.5–2 s of a cold photo import) for nothing we
use. The fits need two things only:

* :class:`Adam`: batched first-order steps over a few leaf tensors whose rows are independent
  hypotheses; the moments are attributes, so dropping hypotheses (:meth:`Adam.keep_rows`) keeps
  the moments of the rows that stay;
* :func:`minimize_lbfgs`: a quasi-Newton polish to convergence, through SciPy's L-BFGS-B (a
  few ms of import once ``scipy.spatial`` is loaded), the objective and its gradient from torch.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import torch


class Adam:
    """Adam (Kingma & Ba) over leaf tensors, the same update as ``torch.optim.Adam``.

    Parameters
    ----------
    params : sequence of leaf tensors with ``requires_grad``; a tensor without it is left alone
    lr : step size (may be changed between steps through the ``lr`` attribute)
    betas, eps : Adam's decay rates and denominator guard

    Attributes
    ----------
    params : list of tensors being optimised (replaced by :meth:`keep_rows`)
    moments : list of ``(m, v)`` tensor pairs, the running first and second moments per parameter
    steps : int, steps taken (the bias correction's t)
    """

    def __init__(self, params: Sequence["torch.Tensor"], lr: float,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        import torch

        self.params = list(params)
        self.lr = float(lr)
        self.betas = betas
        self.eps = eps
        self.moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in self.params]
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One update from the gradients in ``p.grad`` (a parameter with none is skipped)."""
        import torch

        b1, b2 = self.betas
        self.steps += 1
        c1 = 1 - b1 ** self.steps
        c2 = math.sqrt(1 - b2 ** self.steps)
        with torch.no_grad():
            for p, (m, v) in zip(self.params, self.moments):
                if p.grad is None or not p.requires_grad:
                    continue
                g = p.grad
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                p.addcdiv_(m, (v.sqrt() / c2).add_(self.eps), value=-self.lr / c1)

    def keep_rows(self, rows: "torch.Tensor") -> list["torch.Tensor"]:
        """Keep only ``rows`` (along dim 0) of every parameter and of its moments.

        Returns the new leaf tensors (also in ``params``), in the order given.
        """
        kept, moments = [], []
        for p, (m, v) in zip(self.params, self.moments):
            kept.append(p.detach()[rows].clone().requires_grad_(p.requires_grad))
            moments.append((m[rows].clone(), v[rows].clone()))
        self.params, self.moments = kept, moments
        return kept


def minimize_lbfgs(objective: Callable[[], "torch.Tensor"], params: Sequence["torch.Tensor"],
                   max_iter: int, *, check: Callable[[], None] | None = None,
                   tolerance: float = 1e-12) -> int:
    """Minimise a scalar torch objective of ``params`` in place with L-BFGS (SciPy L-BFGS-B).

    Parameters
    ----------
    objective : () -> 0-dim tensor, evaluated at the current values of ``params``
    params : leaf tensors (any shape and float dtype); those without ``requires_grad`` stay fixed
    max_iter : iterations at most (the function is evaluated at most ``1.25 × max_iter`` times)
    check : called before every evaluation (may raise, e.g. :class:`~posestudio.errors.Cancelled`)
    tolerance : relative change of the objective below which it stops

    Returns
    -------
    int : evaluations of the objective
    """
    import torch
    from scipy.optimize import minimize

    free = [p for p in params if p.requires_grad]
    if not free or max_iter < 1:
        return 0
    sizes = [p.numel() for p in free]
    calls = [0]
    best = [math.inf, None]

    def load(x: np.ndarray) -> None:
        with torch.no_grad():
            offset = 0
            for p, n in zip(free, sizes):
                p.copy_(torch.from_numpy(x[offset:offset + n]).reshape(p.shape).to(p.dtype))
                offset += n

    def value_and_grad(x: np.ndarray):
        if check is not None:
            check()
        calls[0] += 1
        load(x)
        for p in free:
            p.grad = None
        value = objective()
        value.backward()
        grad = np.concatenate([(p.grad if p.grad is not None else torch.zeros_like(p))
                               .detach().double().reshape(-1).numpy() for p in free])
        f = float(value.detach())
        if not math.isfinite(f) or not np.all(np.isfinite(grad)):
            return math.inf, np.zeros_like(x)
        if f < best[0]:
            best[0], best[1] = f, x.copy()
        return f, grad

    x0 = np.concatenate([p.detach().double().reshape(-1).numpy() for p in free])
    minimize(value_and_grad, x0, jac=True, method="L-BFGS-B",
             options={"maxiter": int(max_iter), "maxfun": int(math.ceil(1.25 * max_iter)),
                      "maxcor": 20, "ftol": tolerance, "gtol": 1e-9})
    load(best[1] if best[1] is not None else x0)   # the best point seen, never a worse one
    for p in free:
        p.grad = None
    return calls[0]
