r"""Numerical gradients for the gradient-check tests (a helper module, not a test file).

    from gradcheck import central_difference, relative_error

    numeric = central_difference(lambda w: loss(y, w), w0)
    assert relative_error(analytic, numeric) < 1e-6

``central_difference`` perturbs the entries of ``x`` *in place* and restores each one right
after, so ``x`` may be a parameter array that ``f`` reads through some other reference (a
layer's kernel, say): ``central_difference(lambda _: objective(), layer.kernel)``.
"""
from __future__ import annotations

import numpy as np


def central_difference(f, x, eps=1e-6):
    r"""The numerical gradient df/dx of a scalar function ``f`` at ``x``.

    Each entry x_i in turn is moved to x_i + eps and x_i - eps and

        df/dx_i ~= (f(x + eps e_i) - f(x - eps e_i)) / (2 eps),

    whose truncation error is O(eps^2). ``x`` must be a float64 array to be perturbed in place
    (and then restored); anything else is first copied to a new float64 array, which is what
    ``f`` then receives. Returns a float64 array of the shape of ``x``.
    """
    if not (isinstance(x, np.ndarray) and x.dtype == np.float64):
        x = np.array(x, dtype=np.float64)
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + eps
            f_plus = float(f(x))
            x[index] = original - eps
            f_minus = float(f(x))
        finally:
            x[index] = original
        grad[index] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def elementwise_central_difference(f, x, eps=1e-6):
    r"""The derivative f'(x) of an elementwise function, at every entry of ``x`` at once:

        f'(x) ~= (f(x + eps) - f(x - eps)) / (2 eps).

    The same central difference as ``central_difference`` applied to each entry alone, without
    summing f over the array first (so the rounding error does not grow with the array's size).
    """
    x = np.asarray(x, dtype=np.float64)
    return (np.asarray(f(x + eps), dtype=np.float64) - np.asarray(f(x - eps), dtype=np.float64)) / (2.0 * eps)


def relative_error(a, b):
    r"""max |a - b| / max(1e-12, max |a|, max |b|): the largest difference, relative to the
    largest entry of either array (so entries near 0 do not blow it up). 0 for equal arrays."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs arrays of one shape; got {a.shape} and {b.shape}.")
    if a.size == 0:
        return 0.0
    scale = max(1e-12, float(np.max(np.abs(a))), float(np.max(np.abs(b))))
    return float(np.max(np.abs(a - b))) / scale
