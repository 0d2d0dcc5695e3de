r"""Numerical slopes: the gradient by finite differences, seed 004's first method.

    forward (the seed's slope):   dL/dw ~= (L(w + delta) - L(w)) / delta             error O(delta)
    central:                      dL/dw ~= (L(w + delta) - L(w - delta)) / (2 delta) error O(delta^2)

(Seed 004 writes pendiente(w, delta) = (L(w) - L(w + delta)) / delta: that is minus the slope,
and with it the update w = w - lr * pw would climb the loss. The slope is (L(w + delta) - L(w)) / delta.)

Each entry of each parameter is moved in turn, so a parameter of n entries costs n (forward) or
2n (central) evaluations of L: a check for small models, not a way to train large ones.
"""
from __future__ import annotations

import numpy as np

from ..validation import check_number
from .tensor import Tensor

_METHODS = ("forward", "central")


def _scalar(value, where) -> float:
    array = np.asarray(value.data if isinstance(value, Tensor) else value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(f"{where}: f must return a scalar (the loss); it returned shape {array.shape}.")
    return float(array.reshape(()))


def numerical_gradient(f, params, delta: float = 1e-6, method: str = "forward"):
    r"""df/dp for each array p of ``params``, by finite differences; f(*params) is a scalar.

    params   one array (or number, or Tensor) -> one gradient; a list / tuple of them -> a list
    delta    the step; 1e-6 suits float64 (the parameters are copied to float64 first)
    method   "forward" (the seeds' slope) or "central" (two evaluations per entry, far more exact)

        gw, gb = numerical_gradient(lambda w, b: np.mean((y - (x * w + b)) ** 2), [w, b])
    """
    if not callable(f):
        raise TypeError(f"numerical_gradient needs a function f(*params) -> scalar; got {type(f).__name__}.")
    check_number("numerical_gradient", "delta", delta, 0, low_open=True)
    if method not in _METHODS:
        raise ValueError(f"The 'method' argument of numerical_gradient must be 'forward' or 'central'; got {method!r}.")
    single = not isinstance(params, (list, tuple))
    arrays = [np.array(p.data if isinstance(p, Tensor) else p, dtype=np.float64)
              for p in ([params] if single else params)]
    base = _scalar(f(*arrays), "numerical_gradient") if method == "forward" else None
    grads = []
    for array in arrays:
        grad = np.zeros_like(array)
        flat, flat_grad = array.reshape(-1), grad.reshape(-1)     # views: moving flat moves array
        for i in range(flat.size):
            original = flat[i]
            try:
                flat[i] = original + delta
                plus = _scalar(f(*arrays), "numerical_gradient")
                if method == "forward":
                    flat_grad[i] = (plus - base) / delta
                else:
                    flat[i] = original - delta
                    flat_grad[i] = (plus - _scalar(f(*arrays), "numerical_gradient")) / (2 * delta)
            finally:
                flat[i] = original
        grads.append(grad)
    return grads[0] if single else grads


def relative_error(a, b, floor: float = 1e-12) -> float:
    r"""max |a - b| / max(max |a|, max |b|, floor): the largest difference relative to the largest
    entry of either array (so entries near 0 do not inflate it); 0 for equal arrays. Gradients
    smaller than ``floor`` are compared in absolute terms (a true 0 against rounding noise)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs arrays of one shape; got {a.shape} and {b.shape}.")
    if a.size == 0:
        return 0.0
    scale = np.max([floor, np.max(np.abs(a)), np.max(np.abs(b))])
    return float(np.max(np.abs(a - b)) / scale)
