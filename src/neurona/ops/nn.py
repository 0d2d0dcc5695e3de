r"""The neural-network functions of ``keras.ops`` (``keras.ops.nn``) and its linear algebra
(``keras.ops.linalg``) that ``neurona.ops`` did not have: normalisations, the less common
activations, and the matrix factorisations (these give arrays, without a gradient).

    mean, variance = ops.moments(x, axes=[0])
    y = ops.batch_normalization(x, mean, variance, axis=-1, offset=beta, scale=gamma, epsilon=1e-3)
"""
from __future__ import annotations

import numpy as np

from ..autodiff import ops as _ad
from .recording import make_aware
from .core import _data, _dual, softplus


_IMPORTED = set(globals())
def _tensor(x):
    return _ad.as_tensor(x)


# -- normalisation -----------------------------------------------------------------------------
def moments(x, axes, keepdims=False, synchronized=False):
    r"""(mean, variance) of x over ``axes``: mu = mean(x), sigma^2 = mean((x - mu)^2)."""
    from .core import mean, var
    axes = tuple(np.atleast_1d(axes).tolist())
    return mean(x, axis=axes, keepdims=keepdims), var(x, axis=axes, keepdims=keepdims)


@_dual
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    r"""(x - mean) / sqrt(variance + epsilon) * scale + offset, the statistics laid along ``axis``."""
    x = _tensor(x)
    axis = axis % x.ndim
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def along(v):
        v = _tensor(v)
        return _ad.reshape(v, tuple(shape)) if v.ndim == 1 else v

    out = _ad.divide(_ad.subtract(x, along(mean)), _ad.sqrt(_ad.add(along(variance), epsilon)))
    if scale is not None:
        out = _ad.multiply(out, along(scale))
    if offset is not None:
        out = _ad.add(out, along(offset))
    return out


@_dual
def normalize(x, axis=-1, order=2, epsilon=None):
    r"""x / max(||x||_order, epsilon) along ``axis`` (epsilon = 1e-12 by default): rows of unit norm."""
    from .numpy import norm
    x = _tensor(x)
    size = norm(x, ord=order, axis=axis, keepdims=True)
    return _ad.divide(x, _ad.maximum(size, 1e-12 if epsilon is None else epsilon))


@_dual
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **keras_arguments):
    r"""(x - mu) / sqrt(sigma^2 + epsilon) gamma + beta, mu and sigma^2 over ``axis`` (epsilon 1e-3)."""
    from .core import mean, var
    x = _tensor(x)
    mu, sigma2 = mean(x, axis=axis, keepdims=True), var(x, axis=axis, keepdims=True)
    out = _ad.divide(_ad.subtract(x, mu), _ad.sqrt(_ad.add(sigma2, 1e-3 if epsilon is None else epsilon)))
    if gamma is not None:
        out = _ad.multiply(out, gamma)
    if beta is not None:
        out = _ad.add(out, beta)
    return out


@_dual
def rms_normalization(x, scale=1, axis=-1, epsilon=None):
    r"""x / sqrt(mean(x^2) + epsilon) scale over ``axis`` (epsilon: ``config.epsilon()``)."""
    from .. import config
    from .core import mean
    x = _tensor(x)
    eps = config.epsilon() if epsilon is None else epsilon
    return _ad.multiply(_ad.divide(x, _ad.sqrt(_ad.add(mean(_ad.power(x, 2), axis=axis, keepdims=True), eps))), scale)


@_dual
def psnr(x1, x2, max_val):
    r"""Peak signal-to-noise ratio 20 log10(max_val) - 10 log10(mean((x1 - x2)^2)), in dB."""
    mse = _ad.mean(_ad.power(_ad.subtract(x1, x2), 2))
    return _ad.subtract(20.0 * np.log10(max_val), _ad.multiply(10.0 / np.log(10.0), _ad.log(mse)))


# -- activations ---------------------------------------------------------------------------------
@_dual
def celu(x, alpha=1.0):
    r"""max(0, x) + min(0, alpha (e^{x / alpha} - 1))."""
    x = _tensor(x)
    negative = _ad.multiply(alpha, _ad.subtract(_ad.exp(_ad.divide(_ad.minimum(x, 0.0), alpha)), 1.0))
    return _ad.add(_ad.relu(x), _ad.minimum(negative, 0.0))


@_dual
def glu(x, axis=-1):
    r"""a sigmoid(b), where a and b are the two halves of x along ``axis``."""
    x = _tensor(x)
    axis = axis % x.ndim
    n = x.shape[axis]
    if n % 2:
        raise ValueError(f"glu: the axis {axis} of x must have an even size; got shape {x.shape}.")
    head = (slice(None),) * axis
    a, b = _ad.getitem(x, head + (slice(0, n // 2),)), _ad.getitem(x, head + (slice(n // 2, None),))
    return _ad.multiply(a, _ad.sigmoid(b))


@_dual
def hard_tanh(x):
    r"""clip(x, -1, 1)."""
    return _ad.clip(x, -1.0, 1.0)


@_dual
def hard_shrink(x, threshold=0.5):
    r"""x where |x| > threshold, else 0."""
    x = _tensor(x)
    return _ad.where(np.abs(x.data) > threshold, x, 0.0)


@_dual
def soft_shrink(x, threshold=0.5):
    r"""x - threshold above it, x + threshold below -threshold, 0 between."""
    x = _tensor(x)
    return _ad.where(x.data > threshold, _ad.subtract(x, threshold),
                     _ad.where(x.data < -threshold, _ad.add(x, threshold), 0.0))


@_dual
def tanh_shrink(x):
    r"""x - tanh x."""
    return _ad.subtract(x, _ad.tanh(x))


@_dual
def squareplus(x, b=4):
    r"""(x + sqrt(x^2 + b)) / 2: a smooth ReLU made of a square root."""
    x = _tensor(x)
    return _ad.multiply(0.5, _ad.add(x, _ad.sqrt(_ad.add(_ad.power(x, 2), b))))


@_dual
def sparse_plus(x):
    r"""0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    x = _tensor(x)
    middle = _ad.multiply(0.25, _ad.power(_ad.add(x, 1.0), 2))
    return _ad.where(x.data <= -1, 0.0, _ad.where(x.data >= 1, x, middle))


@_dual
def sparse_sigmoid(x):
    r"""0 for x <= -1, (x + 1) / 2 between, 1 for x >= 1."""
    return _ad.clip(_ad.multiply(0.5, _ad.add(x, 1.0)), 0.0, 1.0)


def log_sigmoid(x):
    r"""ln sigmoid(x) = -softplus(-x)."""
    out = softplus(_ad.negative(_tensor(x)) if not isinstance(x, np.ndarray) else -x)
    return _ad.negative(out) if not isinstance(out, np.ndarray) else -out


@_dual
def threshold(x, threshold, default_value):
    r"""x where x > threshold, else ``default_value``."""
    x = _tensor(x)
    return _ad.where(x.data > threshold, x, default_value)


def sparsemax(x, axis=-1):
    r"""The Euclidean projection of x onto the probability simplex: max(x - tau, 0), with tau such
    that the entries sum to 1 (Martins & Astudillo, 2016; no gradient here)."""
    z = np.moveaxis(np.asarray(_data(x), dtype=np.float64), axis, -1)
    s = -np.sort(-z, axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    cumulative = np.cumsum(s, axis=-1)
    support = (1 + k * s) > cumulative
    count = support.sum(axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumulative, count - 1, axis=-1) - 1) / count
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis).astype(np.asarray(_data(x)).dtype)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **keras_arguments):
    r"""For each row of integer labels, the row of ``num_classes`` with a 1 at every label it holds."""
    labels = np.asarray(_data(inputs)).astype(np.int64)
    num_classes = keras_arguments.get("num_tokens", num_classes)
    rows = labels if labels.ndim > 1 else labels[None]
    out = np.zeros(rows.shape[:-1] + (int(num_classes),), dtype=dtype or "float32")
    np.put_along_axis(out, rows, 1, axis=-1)
    out = out if labels.ndim > 1 else out[0]
    return np.moveaxis(out, -1, axis) if axis != -1 else out


# -- linear algebra (values only) -------------------------------------------------------------------
def _values(function, doc):
    def apply(*args, **kwargs):
        return function(*[_data(a) if hasattr(a, "data") and not isinstance(a, np.ndarray) else a for a in args],
                        **kwargs)
    apply.__name__ = apply.__qualname__ = function.__name__
    apply.__doc__ = doc + " (values only: no gradient)"
    return apply


det = _values(np.linalg.det, "The determinant of each square matrix.")
inv = _values(np.linalg.inv, "The inverse A^{-1} of each square matrix.")
pinv = _values(np.linalg.pinv, "The Moore-Penrose pseudo-inverse.")
solve = _values(np.linalg.solve, "x with A x = b.")
cholesky = _values(np.linalg.cholesky, "L with A = L L^T (A symmetric positive definite).")
eigh = _values(np.linalg.eigh, "(eigenvalues, eigenvectors) of a symmetric matrix.")
qr = _values(np.linalg.qr, "(Q, R) with A = Q R, Q orthonormal, R upper triangular.")
slogdet = _values(np.linalg.slogdet, "(sign, ln |det A|).")
matrix_rank = _values(np.linalg.matrix_rank, "The number of singular values above the tolerance.")


def svd(x, full_matrices=True, compute_uv=True):
    r"""(U, S, V^T) with A = U diag(S) V^T (values only: no gradient)."""
    return np.linalg.svd(_data(x), full_matrices=full_matrices, compute_uv=compute_uv)


def logdet(x):
    r"""ln det A of a positive definite A (values only: no gradient)."""
    return np.linalg.slogdet(_data(x))[1]


def lstsq(a, b, rcond=None):
    r"""x minimising ||a x - b||^2 (values only: no gradient)."""
    return np.linalg.lstsq(_data(a), _data(b), rcond=rcond)[0]


def solve_triangular(a, b, lower=False):
    r"""x with A x = b for a triangular A (values only: no gradient)."""
    from scipy.linalg import solve_triangular as solve_it
    return solve_it(_data(a), _data(b), lower=lower)


def lu_factor(x):
    r"""(LU, pivots) of the LU factorisation with partial pivoting (values only: no gradient)."""
    from scipy.linalg import lu_factor as factor
    return factor(_data(x))


def cholesky_inverse(x, upper=False):
    r"""A^{-1} from A's Cholesky factor L (A = L L^T; U^T U when ``upper``) (values only)."""
    factor = np.asarray(_data(x))
    a = factor.T @ factor if upper else factor @ factor.T
    return np.linalg.inv(a)


__all__ = sorted(n for n, v in globals().items() if callable(v) and not n.startswith("_") and n not in _IMPORTED)
make_aware(globals(), __all__)
