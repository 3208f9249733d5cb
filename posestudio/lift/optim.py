"""Small optimisers for the fits, in numpy, with their state in the open.

The fits' objectives come with hand-written gradients (numpy), so neither ``torch.optim``
(whose first use imports the compiler stack, ~1.5–2 s) nor ``scipy.optimize`` (with
``scipy.sparse`` and ``scipy.spatial``, half a second of a cold photo import) is needed:

* :class:`Adam`: batched first-order steps over a few arrays whose rows are independent
  hypotheses; the moments are attributes, so dropping hypotheses (:meth:`Adam.keep_rows`) keeps
  the moments of the rows that stay;
* :func:`lbfgs`: a quasi-Newton polish to convergence: L-BFGS (Nocedal & Wright, algorithms
  7.4 and 3.5/3.6: the two-loop recursion and a strong-Wolfe line search with cubic
  interpolation) in float64 over a flat vector.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np


class Adam:
    """Adam (Kingma & Ba) over numpy arrays, the same update as ``torch.optim.Adam``.

    Parameters
    ----------
    params : sequence of float arrays, updated in place by :meth:`step`
    lr : step size (may be changed between steps through the ``lr`` attribute)
    betas, eps : Adam's decay rates and denominator guard

    Attributes
    ----------
    params : list of arrays being optimised (replaced by :meth:`keep_rows`)
    moments : list of ``(m, v)`` array pairs, the running first and second moments per parameter
    steps : int, steps taken (the bias correction's t)
    """

    def __init__(self, params: Sequence[np.ndarray], lr: float,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.params = list(params)
        self.lr = float(lr)
        self.betas = betas
        self.eps = eps
        self.moments = [(np.zeros_like(p), np.zeros_like(p)) for p in self.params]
        self.steps = 0

    def step(self, grads: Sequence[np.ndarray | None]) -> None:
        """One update from ``grads`` (one per parameter; None leaves that parameter alone)."""
        b1, b2 = self.betas
        self.steps += 1
        c1 = 1 - b1 ** self.steps
        c2 = math.sqrt(1 - b2 ** self.steps)
        for p, (m, v), g in zip(self.params, self.moments, grads):
            if g is None:
                continue
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= (self.lr / c1) * m / (np.sqrt(v) / c2 + self.eps)

    def keep_rows(self, rows: np.ndarray) -> list[np.ndarray]:
        """Keep only ``rows`` (along axis 0) of every parameter and of its moments.

        Returns the new arrays (also in ``params``), in the order given.
        """
        self.params = [p[rows].copy() for p in self.params]
        self.moments = [(m[rows].copy(), v[rows].copy()) for m, v in self.moments]
        return self.params


def lbfgs(value_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray,
          max_iter: int, *, check: Callable[[], None] | None = None, tolerance: float = 1e-12,
          history: int = 20) -> tuple[np.ndarray, int]:
    """Minimise a function of a float64 vector with L-BFGS.

    Parameters
    ----------
    value_and_grad : x (N,) -> (value, gradient (N,))
    x0 : (N,) start
    max_iter : iterations at most (the function is evaluated at most ``1.25 × max_iter`` times)
    check : called before every evaluation (may raise, e.g. :class:`~posestudio.errors.Cancelled`)
    tolerance : relative decrease of the objective in one iteration below which it stops
    history : correction pairs kept (the m of L-BFGS)

    Returns
    -------
    x : (N,) the best point evaluated (never worse than ``x0``); evaluations : int

    An evaluation that is not finite counts as +inf (the line search backs off from it).
    """
    x0 = np.asarray(x0, dtype=np.float64)
    if max_iter < 1 or x0.size == 0:
        return x0.copy(), 0
    history = max(1, int(history))
    max_calls = int(math.ceil(1.25 * max_iter))
    calls = [0]
    best = [math.inf, None]

    def fg(x: np.ndarray) -> tuple[float, np.ndarray]:
        if check is not None:
            check()
        calls[0] += 1
        f, grad = value_and_grad(x)
        f = float(f)
        grad = np.asarray(grad, dtype=np.float64)
        if not math.isfinite(f) or not np.all(np.isfinite(grad)):
            return math.inf, np.zeros_like(x)
        if f < best[0]:
            best[0], best[1] = f, x.copy()
        return f, grad

    x = x0.copy()
    f, g = fg(x)
    s_hist: list[np.ndarray] = []
    y_hist: list[np.ndarray] = []
    rho_hist: list[float] = []
    for _ in range(int(max_iter)):
        if not math.isfinite(f) or np.max(np.abs(g)) <= 1e-9 or calls[0] >= max_calls:
            break
        d = _two_loop(g, s_hist, y_hist, rho_hist)
        slope = float(g @ d)
        if slope >= 0:                       # not a descent direction: restart from -g
            s_hist.clear(); y_hist.clear(); rho_hist.clear()
            d, slope = -g, -float(g @ g)
        # No curvature known yet: try a step of at most unit length along -g.
        step0 = min(1.0, 1.0 / max(float(np.linalg.norm(g)), 1e-300)) if not s_hist else 1.0
        step, f_new, g_new = _strong_wolfe(fg, x, f, g, d, slope, step0, max_calls - calls[0])
        if step == 0.0:
            break
        x_new = x + step * d
        s_k, y_k = x_new - x, g_new - g
        sy = float(s_k @ y_k)
        if sy > 1e-10 * float(y_k @ y_k):    # keep the pair only where curvature is positive
            if len(s_hist) == history:
                s_hist.pop(0); y_hist.pop(0); rho_hist.pop(0)
            s_hist.append(s_k); y_hist.append(y_k); rho_hist.append(1.0 / sy)
        decrease = f - f_new
        x, f, g = x_new, f_new, g_new
        if decrease <= tolerance * max(abs(f), abs(f + decrease), 1.0):
            break
    return (best[1] if best[1] is not None else x0.copy()), calls[0]


def _two_loop(g: np.ndarray, s_hist: list, y_hist: list, rho_hist: list) -> np.ndarray:
    """The L-BFGS direction −H·g by the two-loop recursion, H₀ = (sᵀy / yᵀy)·I."""
    q = -g.copy()
    alphas = []
    for s, y, rho in zip(reversed(s_hist), reversed(y_hist), reversed(rho_hist)):
        a = rho * float(s @ q)
        alphas.append(a)
        q -= a * y
    if s_hist:
        q *= float(s_hist[-1] @ y_hist[-1]) / float(y_hist[-1] @ y_hist[-1])
    for s, y, rho, a in zip(s_hist, y_hist, rho_hist, reversed(alphas)):
        q += (a - rho * float(y @ q)) * s
    return q


def _cubic_min(a: float, fa: float, da: float, b: float, fb: float, db: float) -> float:
    """Minimiser of the cubic through (a, fa, da) and (b, fb, db), kept inside [a, b] (either
    order); bisection where the cubic has none."""
    lo, hi = min(a, b), max(a, b)
    d1 = da + db - 3 * (fa - fb) / (a - b)
    disc = d1 * d1 - da * db
    if disc >= 0:
        d2 = math.sqrt(disc) * (1.0 if b > a else -1.0)
        t = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2) if db - da + 2 * d2 != 0 else math.nan
        if math.isfinite(t):
            return min(max(t, lo), hi)
    return 0.5 * (lo + hi)


def _strong_wolfe(fg, x: np.ndarray, f0: float, g0: np.ndarray, d: np.ndarray, slope0: float,
                  step: float, budget: int, c1: float = 1e-4, c2: float = 0.9,
                  max_evals: int = 25) -> tuple[float, float, np.ndarray]:
    """A step along ``d`` satisfying the strong Wolfe conditions (bracket, then zoom with cubic
    interpolation). Returns (step, f, g) at the step taken; step 0 when none was found within
    ``min(budget, max_evals)`` evaluations that lowers the objective."""
    evals = 0
    limit = min(budget, max_evals)
    prev_step, prev_f, prev_slope, prev_g = 0.0, f0, slope0, g0
    best = (0.0, f0, g0)
    bracket = None
    while evals < limit:
        f, g = fg(x + step * d)
        evals += 1
        slope = float(g @ d) if math.isfinite(f) else math.inf
        if math.isfinite(f) and f < best[1]:
            best = (step, f, g)
        if not math.isfinite(f) or f > f0 + c1 * step * slope0 or (evals > 1 and f >= prev_f):
            bracket = [(prev_step, prev_f, prev_slope, prev_g), (step, f, slope, g)]
            break
        if abs(slope) <= -c2 * slope0:
            return step, f, g
        if slope >= 0:
            bracket = [(step, f, slope, g), (prev_step, prev_f, prev_slope, prev_g)]
            break
        # Still going down: extrapolate (at most 10× further).
        prev_step, prev_f, prev_slope, prev_g = step, f, slope, g
        step *= 2.5
    else:
        return best
    # Zoom: bracket[0] is the low end (lowest f satisfying sufficient decrease so far).
    while evals < limit:
        (a, fa, da, _), (b, fb, db, _) = bracket
        if abs(b - a) * np.max(np.abs(d)) < 1e-12:
            break
        if math.isfinite(fb) and math.isfinite(db):
            step = _cubic_min(a, fa, da, b, fb, db)
        else:
            step = 0.5 * (a + b)
        lo, hi = min(a, b), max(a, b)
        margin = 0.1 * (hi - lo)
        step = min(max(step, lo + margin), hi - margin)   # stay clear of the ends
        f, g = fg(x + step * d)
        evals += 1
        slope = float(g @ d) if math.isfinite(f) else math.inf
        if math.isfinite(f) and f < best[1]:
            best = (step, f, g)
        if not math.isfinite(f) or f > f0 + c1 * step * slope0 or f >= fa:
            bracket[1] = (step, f, slope, g)
            continue
        if abs(slope) <= -c2 * slope0:
            return step, f, g
        if slope * (b - a) >= 0:
            bracket[1] = bracket[0]
        bracket[0] = (step, f, slope, g)
    return best
