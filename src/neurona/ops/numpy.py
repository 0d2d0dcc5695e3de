r"""The NumPy functions of ``keras.ops`` (``neurona.ops`` has them all): arrays in, arrays out;
autodiff Tensors in, Tensors out, recorded on the tape.

The differentiable ones are built from the primitives of ``autodiff.ops`` (their derivatives are
rows of ``autodiff.derivatives``): gathers and reorderings (sort, take, flip, roll, tile, diagonal,
...) are ``getitem`` with an index array, whose gradient adds g back at each picked entry. Those
that give indices, booleans or counts (argsort, isnan, bincount, ...) have no gradient and give
arrays; so do the ones marked "no gradient" below (their input is taken as a constant).
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from .. import config
from ..autodiff import ops as _ad
from ..autodiff.tensor import Tensor
from ..symbolic import SymbolicTensor
from .core import _data, _dual, _has_tensor
from .recording import make_aware

_IMPORTED = set(globals())
_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _tensor(x):
    return _ad.as_tensor(x)


def _axis(axis, ndim):
    return axis + ndim if axis < 0 else axis


def _constant(function, doc):
    r"""A function of the values only (no gradient): Tensors are read as their values."""
    def apply(*args, **kwargs):
        args = [_data(a) if isinstance(a, Tensor) else a for a in args]
        kwargs = {k: _data(v) if isinstance(v, Tensor) else v for k, v in kwargs.items()}
        return function(*args, **kwargs)
    apply.__name__ = apply.__qualname__ = getattr(function, "__name__", "op")
    apply.__doc__ = doc
    return apply


# -- arithmetic ---------------------------------------------------------------------------
add = _dual(_ad.add)


subtract = _dual(_ad.subtract)


multiply = _dual(_ad.multiply)


divide = true_divide = _dual(_ad.divide)


negative = _dual(_ad.negative)


power = _dual(_ad.power)


maximum = _dual(_ad.maximum)


minimum = _dual(_ad.minimum)


matmul = _dual(_ad.matmul)


exp = _dual(_ad.exp)


log = _dual(_ad.log)


sqrt = _dual(_ad.sqrt)


abs = absolute = _dual(_ad.abs)                     # noqa: A001


sin = _dual(_ad.sin)


cos = _dual(_ad.cos)


tanh = _dual(_ad.tanh)


erf = _dual(_ad.erf)


@_dual
def square(x):
    r"""x^2;  d/dx = 2x."""
    return _ad.power(x, 2)


@_dual
def log1p(x):
    r"""ln(1 + x)."""
    return _ad.log(_ad.add(1.0, x))


@_dual
def expm1(x):
    r"""e^x - 1."""
    return _ad.subtract(_ad.exp(x), 1.0)


@_dual
def dot(x1, x2):
    r"""np.dot for vectors and matrices (the matrix product; a scalar times a tensor)."""
    x1, x2 = _ad.as_tensor(x1), _ad.as_tensor(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return _ad.multiply(x1, x2)
    if x1.ndim > 2 or x2.ndim > 2:
        raise ValueError(f"dot takes vectors and matrices; got shapes {x1.shape} and {x2.shape}. Use matmul.")
    return _ad.matmul(x1, x2)


@_dual
def clip(x, x_min, x_max):
    r"""x limited to [x_min, x_max]; the gradient flows where x_min <= x <= x_max."""
    return _ad.clip(x, x_min, x_max)


@_dual
def where(condition, x1, x2):
    r"""x1 where ``condition`` holds, else x2 (the condition has no gradient)."""
    return _ad.where(condition, x1, x2)


# -- reductions ---------------------------------------------------------------------------
@_dual
def sum(x, axis=None, keepdims=False):              # noqa: A001
    if isinstance(x, (list, tuple)) and _has_tensor(list(x)):     # ops.sum(model.losses): stacked first
        x = stack(x)
    return _ad.sum(x, axis=axis, keepdims=keepdims)


@_dual
def mean(x, axis=None, keepdims=False):
    return _ad.mean(x, axis=axis, keepdims=keepdims)


@_dual
def max(x, axis=None, keepdims=False):              # noqa: A001
    return _ad.max(x, axis=axis, keepdims=keepdims)


@_dual
def min(x, axis=None, keepdims=False):              # noqa: A001
    r"""min x = -max(-x)."""
    return _ad.negative(_ad.max(_ad.negative(x), axis=axis, keepdims=keepdims))


@_dual
def var(x, axis=None, keepdims=False):
    r"""The population variance mean((x - mean x)^2)."""
    centred = _ad.subtract(x, _ad.mean(x, axis=axis, keepdims=True))
    return _ad.mean(_ad.power(centred, 2), axis=axis, keepdims=keepdims)


@_dual
def std(x, axis=None, keepdims=False):
    return _ad.sqrt(var(_ad.as_tensor(x), axis=axis, keepdims=keepdims))


@_dual
def logsumexp(x, axis=None, keepdims=False):
    r"""ln sum e^x = m + ln sum e^{x - m}, m = max x (no overflow)."""
    x = _ad.as_tensor(x)
    m = np.max(x.data, axis=axis, keepdims=True)
    out = _ad.add(_ad.log(_ad.sum(_ad.exp(_ad.subtract(x, m)), axis=axis, keepdims=True)), m)
    return out if keepdims else _ad.reshape(out, np.squeeze(out.data, axis=axis).shape if axis is not None else ())


# -- shapes -------------------------------------------------------------------------------
@_dual
def reshape(x, newshape):
    return _ad.reshape(x, newshape)


@_dual
def transpose(x, axes=None):
    return _ad.transpose(x, axes)


@_dual
def expand_dims(x, axis):
    x = _ad.as_tensor(x)
    return _ad.reshape(x, np.expand_dims(x.data, axis).shape)


@_dual
def squeeze(x, axis=None):
    x = _ad.as_tensor(x)
    return _ad.reshape(x, np.squeeze(x.data, axis).shape)


@_dual
def concatenate(xs, axis=0):
    return _ad.concatenate(list(xs), axis=axis)


@_dual
def stack(x, axis=0):
    r"""The tensors joined along a new axis."""
    return _ad.concatenate([expand_dims(_ad.as_tensor(t), axis) for t in x], axis=axis)


def ndim(x) -> int:
    return x.ndim if isinstance(x, SymbolicTensor) else _data(x).ndim


# -- no gradient: indices, comparisons, constructors ----------------------------------------
def argmax(x, axis=None, keepdims=False):
    return np.argmax(_data(x), axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    return np.argmin(_data(x), axis=axis, keepdims=keepdims)


def sign(x):
    return np.sign(_data(x))


def round(x, decimals=0):                            # noqa: A001
    return np.round(_data(x), decimals)


def floor(x):
    return np.floor(_data(x))


def ceil(x):
    return np.ceil(_data(x))


for _name, _function in {"equal": np.equal, "not_equal": np.not_equal, "greater": np.greater,
                         "greater_equal": np.greater_equal, "less": np.less, "less_equal": np.less_equal,
                         "logical_and": np.logical_and, "logical_or": np.logical_or}.items():
    globals()[_name] = (lambda f: lambda x1, x2: f(_data(x1), _data(x2)))(_function)
    globals()[_name].__name__ = _name


def logical_not(x):
    return np.logical_not(_data(x))


def all(x, axis=None, keepdims=False):              # noqa: A001
    return np.all(_data(x), axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):              # noqa: A001
    return np.any(_data(x), axis=axis, keepdims=keepdims)


def zeros(shape, dtype=None):
    return np.zeros(shape, dtype=dtype or config.floatx())


def ones(shape, dtype=None):
    return np.ones(shape, dtype=dtype or config.floatx())


def zeros_like(x, dtype=None):
    return np.zeros_like(_data(x), dtype=dtype)


def ones_like(x, dtype=None):
    return np.ones_like(_data(x), dtype=dtype)


def full(shape, fill_value, dtype=None):
    return np.full(shape, fill_value, dtype=dtype)


def arange(start, stop=None, step=1, dtype=None):
    return np.arange(start, stop, step, dtype=dtype)


def eye(n, m=None, k=0, dtype=None):
    return np.eye(n, m, k, dtype=dtype or config.floatx())


# -- elementwise ----------------------------------------------------------------------------
arcsin, arccos, arctan = _dual(_ad.arcsin), _dual(_ad.arccos), _dual(_ad.arctan)
arcsinh, arccosh, arctanh = _dual(_ad.arcsinh), _dual(_ad.arccosh), _dual(_ad.arctanh)
arctan2 = _dual(_ad.arctan2)


@_dual
def tan(x):
    r"""tan x = sin x / cos x."""
    return _ad.divide(_ad.sin(x), _ad.cos(x))


@_dual
def sinh(x):
    r"""sinh x = (e^x - e^{-x}) / 2."""
    return _ad.multiply(0.5, _ad.subtract(_ad.exp(x), _ad.exp(_ad.negative(x))))


@_dual
def cosh(x):
    r"""cosh x = (e^x + e^{-x}) / 2."""
    return _ad.multiply(0.5, _ad.add(_ad.exp(x), _ad.exp(_ad.negative(x))))


@_dual
def log2(x):
    r"""log_2 x = ln x / ln 2."""
    return _ad.divide(_ad.log(x), _LN2)


@_dual
def log10(x):
    r"""log_10 x = ln x / ln 10."""
    return _ad.divide(_ad.log(x), _LN10)


@_dual
def exp2(x):
    r"""2^x = e^{x ln 2}."""
    return _ad.exp(_ad.multiply(_tensor(x), _LN2))


@_dual
def reciprocal(x):
    r"""1 / x."""
    return _ad.divide(1.0, _tensor(x))


@_dual
def rsqrt(x):
    r"""1 / sqrt(x)."""
    return _ad.divide(1.0, _ad.sqrt(x))


@_dual
def cbrt(x):
    r"""The real cube root sign(x) |x|^{1/3}."""
    x = _tensor(x)
    return _ad.multiply(np.sign(x.data), _ad.power(_ad.abs(x), 1.0 / 3.0))


@_dual
def hypot(x1, x2):
    r"""sqrt(x1^2 + x2^2)."""
    return _ad.sqrt(_ad.add(_ad.power(x1, 2), _ad.power(x2, 2)))


@_dual
def logaddexp(x1, x2):
    r"""ln(e^{x1} + e^{x2}) = max(x1, x2) + ln(1 + e^{-|x1 - x2|}) (no overflow)."""
    x1, x2 = _tensor(x1), _tensor(x2)
    return _ad.add(_ad.maximum(x1, x2), _ad.log(_ad.add(1.0, _ad.exp(_ad.negative(_ad.abs(_ad.subtract(x1, x2)))))))


@_dual
def logaddexp2(x1, x2):
    r"""log_2(2^{x1} + 2^{x2}) = logaddexp(x1 ln 2, x2 ln 2) / ln 2."""
    return _ad.divide(logaddexp(_ad.multiply(_tensor(x1), _LN2), _ad.multiply(_tensor(x2), _LN2)), _LN2)


@_dual
def erfc(x):
    r"""1 - erf(x)."""
    return _ad.subtract(1.0, _ad.erf(x))


@_dual
def sinc(x):
    r"""sin(pi x) / (pi x), 1 at x = 0."""
    x = _tensor(x)
    zero = x.data == 0
    safe = _ad.where(zero, 1.0, _ad.multiply(x, math.pi))
    return _ad.where(zero, 1.0, _ad.divide(_ad.sin(safe), safe))


@_dual
def divide_no_nan(x1, x2):
    r"""x1 / x2, and 0 where x2 = 0."""
    x1, x2 = _tensor(x1), _tensor(x2)
    zero = x2.data == 0
    return _ad.where(zero, 0.0, _ad.divide(x1, _ad.where(zero, 1.0, x2)))


@_dual
def ldexp(x1, x2):
    r"""x1 2^{x2} (x2 integers)."""
    return _ad.multiply(x1, np.exp2(_data(x2)).astype(_tensor(x1).dtype))


@_dual
def fabs(x):
    r"""|x|."""
    return _ad.abs(x)


@_dual
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    r"""x with NaN -> ``nan``, +inf -> ``posinf``, -inf -> ``neginf`` (the dtype's largest by default)."""
    x = _tensor(x)
    filled = np.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    return _ad.where(np.isfinite(x.data), x, filled)


def _float_of(x):
    return _data(x) if np.issubdtype(_data(x).dtype, np.floating) else _data(x).astype(np.float32)


trunc = _constant(np.trunc, "x rounded towards 0 (no gradient).")
floor_divide = _constant(np.floor_divide, "floor(x1 / x2) (no gradient).")
mod = _constant(np.mod, "x1 - floor(x1 / x2) x2, the sign of x2 (no gradient).")
fmod = _constant(np.fmod, "x1 - trunc(x1 / x2) x2, the sign of x1 (no gradient).")
heaviside = _constant(np.heaviside, "0 for x1 < 0, x2 at 0, 1 for x1 > 0 (no gradient).")
i0 = _constant(np.i0, "The modified Bessel function of the first kind, order 0 (no gradient).")
signbit = _constant(np.signbit, "True where the sign bit is set (x < 0, -0.0).")
isnan = _constant(np.isnan, "True where x is NaN.")
isinf = _constant(np.isinf, "True where x is +-inf.")
isfinite = _constant(np.isfinite, "True where x is neither NaN nor +-inf.")
isposinf = _constant(np.isposinf, "True where x is +inf.")
isneginf = _constant(np.isneginf, "True where x is -inf.")
logical_xor = _constant(np.logical_xor, "x1 xor x2.")
isclose = _constant(np.isclose, "|x1 - x2| <= atol + rtol |x2|, elementwise.")
allclose = _constant(np.allclose, "isclose everywhere.")
count_nonzero = _constant(np.count_nonzero, "The number of entries that are not 0 (along ``axis``).")


def erfinv(x):
    r"""The inverse of erf: erf(erfinv(x)) = x on (-1, 1) (no gradient)."""
    from scipy.special import erfinv as inverse
    return inverse(_float_of(x))


def isin(x1, x2, assume_unique=False, invert=False):
    r"""True where an entry of x1 is among the entries of x2."""
    return np.isin(_data(x1), _data(x2), assume_unique=assume_unique, invert=invert)


# -- reductions ------------------------------------------------------------------------------
amax, amin = max, min


@_dual
def prod(x, axis=None, keepdims=False, dtype=None):
    r"""prod_i x_i over ``axis``;  d/dx_i = prod / x_i."""
    return _ad.prod(x, axis=axis, keepdims=keepdims)


def _flat_axis(x, axis):
    x = _tensor(x)
    return (_ad.reshape(x, (-1,)), 0) if axis is None else (x, axis)


@_dual
def cumsum(x, axis=None, dtype=None):
    r"""y_i = x_1 + ... + x_i along ``axis`` (the flattened x when axis is None)."""
    x, axis = _flat_axis(x, axis)
    return _ad.cumsum(x, axis)


@_dual
def cumprod(x, axis=None, dtype=None):
    r"""y_i = x_1 ... x_i along ``axis`` (the flattened x when axis is None)."""
    x, axis = _flat_axis(x, axis)
    return _ad.cumprod(x, axis)


@_dual
def average(x, axis=None, weights=None):
    r"""sum_i w_i x_i / sum_i w_i over ``axis`` (the mean without weights)."""
    if weights is None:
        return _ad.mean(x, axis=axis)
    x, w = _tensor(x), _tensor(weights)
    if w.ndim == 1 and x.ndim > 1 and axis is not None:
        shape = [1] * x.ndim
        shape[axis] = -1
        w = _ad.reshape(w, tuple(shape))
    return _ad.divide(_ad.sum(_ad.multiply(x, w), axis=axis), _ad.sum(_ad.add(w, np.zeros(x.shape, w.dtype)), axis=axis))


@_dual
def ptp(x, axis=None, keepdims=False):
    r"""max x - min x over ``axis``."""
    return _ad.subtract(max(x, axis=axis, keepdims=keepdims), min(x, axis=axis, keepdims=keepdims))


def _nan_free(x):
    x = _tensor(x)
    return x, _ad.where(np.isnan(x.data), 0.0, x)


@_dual
def nansum(x, axis=None, keepdims=False):
    r"""sum of x over ``axis``, NaNs taken as 0."""
    return _ad.sum(_nan_free(x)[1], axis=axis, keepdims=keepdims)


@_dual
def nanmean(x, axis=None, keepdims=False):
    r"""mean of the entries of x that are not NaN."""
    x, clean = _nan_free(x)
    count = np.sum(~np.isnan(x.data), axis=axis, keepdims=keepdims).astype(x.dtype)
    return _ad.divide(_ad.sum(clean, axis=axis, keepdims=keepdims), count)


@_dual
def nanvar(x, axis=None, keepdims=False):
    r"""The variance of the entries that are not NaN."""
    x, clean = _nan_free(x)
    centred = _ad.where(np.isnan(x.data), 0.0, _ad.subtract(clean, nanmean(x, axis=axis, keepdims=True)))
    count = np.sum(~np.isnan(x.data), axis=axis, keepdims=keepdims).astype(x.dtype)
    return _ad.divide(_ad.sum(_ad.power(centred, 2), axis=axis, keepdims=keepdims), count)


@_dual
def nanstd(x, axis=None, keepdims=False):
    r"""sqrt(nanvar(x))."""
    return _ad.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


@_dual
def nanprod(x, axis=None, keepdims=False):
    r"""The product of the entries that are not NaN (NaNs taken as 1)."""
    x = _tensor(x)
    return _ad.prod(_ad.where(np.isnan(x.data), 1.0, x), axis=axis, keepdims=keepdims)


@_dual
def nancumsum(x, axis=None, dtype=None):
    r"""cumsum with NaNs taken as 0."""
    return cumsum(_nan_free(x)[1], axis=axis)


@_dual
def nancumprod(x, axis=None, dtype=None):
    r"""cumprod with NaNs taken as 1."""
    x = _tensor(x)
    return cumprod(_ad.where(np.isnan(x.data), 1.0, x), axis=axis)


nanmax = _constant(np.nanmax, "max ignoring NaNs (no gradient).")
nanmin = _constant(np.nanmin, "min ignoring NaNs (no gradient).")
nanargmax = _constant(np.nanargmax, "argmax ignoring NaNs.")
nanargmin = _constant(np.nanargmin, "argmin ignoring NaNs.")
nanmedian = _constant(np.nanmedian, "median ignoring NaNs (no gradient).")
nanquantile = _constant(np.nanquantile, "quantile ignoring NaNs (no gradient).")
nanpercentile = _constant(np.nanpercentile, "percentile ignoring NaNs (no gradient).")


# -- gathers: getitem with an index array -----------------------------------------------------
@_dual
def take(x, indices, axis=None):
    r"""x's entries at ``indices`` along ``axis`` (of the flattened x when axis is None)."""
    x, axis = _flat_axis(x, axis)
    indices = np.asarray(_data(indices)).astype(np.int64)
    return _ad.getitem(x, (builtins.slice(None),) * _axis(axis, x.ndim) + (indices,))


@_dual
def take_along_axis(x, indices, axis=None):
    r"""y[..., i, ...] = x[..., indices[..., i, ...], ...] along ``axis`` (NumPy's take_along_axis)."""
    x, axis = _flat_axis(x, axis)
    indices = np.asarray(_data(indices)).astype(np.int64)
    axis = _axis(axis, x.ndim)
    shape = np.broadcast_shapes(x.shape[:axis] + (1,) + x.shape[axis + 1:], indices.shape[:axis] + (1,)
                                + indices.shape[axis + 1:])
    indices = np.broadcast_to(indices, shape[:axis] + (indices.shape[axis],) + shape[axis + 1:])
    grid = list(np.ix_(*[np.arange(n) for n in indices.shape]))
    grid[axis] = indices
    return _ad.getitem(x, tuple(grid))


@_dual
def sort(x, axis=-1):
    r"""x sorted along ``axis`` (the gradient goes back to each value's place)."""
    return take_along_axis(x, np.argsort(_data(x), axis=axis, kind="stable"), axis=axis)


def argsort(x, axis=-1):
    r"""The indices that sort x along ``axis`` (stable)."""
    return np.argsort(_data(x), axis=axis, kind="stable")


def argpartition(x, kth, axis=-1):
    r"""Indices that put the kth entry in its sorted place, smaller ones before it, larger after."""
    return np.argpartition(_data(x), kth, axis=axis)


def top_k(x, k, sorted=True):                       # noqa: A002  (Keras's name)
    r"""(values, indices) of the k largest entries of each row (last axis), largest first."""
    order = np.argsort(-_data(x), axis=-1, kind="stable")[..., :k]
    if not sorted:
        order = np.sort(order, axis=-1)
    return take_along_axis(x, order, axis=-1), order


def in_top_k(targets, predictions, k):
    r"""True for each row whose target class scores at least the k-th largest score of the row."""
    p, t = _data(predictions), np.asarray(_data(targets)).astype(np.int64).reshape(-1)
    kth = np.sort(p, axis=-1)[:, -k]
    return p[np.arange(len(t)), t] >= kth


@_dual
def flip(x, axis=None):
    r"""x with the order of its entries reversed along ``axis`` (every axis when None)."""
    x = _tensor(x)
    axes = range(x.ndim) if axis is None else [_axis(a, x.ndim) for a in np.atleast_1d(axis)]
    return _ad.getitem(x, tuple(builtins.slice(None, None, -1) if i in axes else builtins.slice(None) for i in range(x.ndim)))


def fliplr(x):
    r"""flip(x, axis=1)."""
    return flip(x, axis=1)


def flipud(x):
    r"""flip(x, axis=0)."""
    return flip(x, axis=0)


@_dual
def roll(x, shift, axis=None):
    r"""x's entries shifted by ``shift`` places along ``axis`` (of the flattened x when None), wrapping."""
    x = _tensor(x)
    if axis is None:
        return _ad.reshape(roll(_ad.reshape(x, (-1,)), shift, 0), x.shape)
    for s, a in zip(np.atleast_1d(shift), np.atleast_1d(axis)):
        a = _axis(int(a), x.ndim)
        x = _ad.getitem(x, (builtins.slice(None),) * a + ((np.arange(x.shape[a]) - int(s)) % x.shape[a],))
    return x


@_dual
def rot90(array, k=1, axes=(0, 1)):
    r"""array rotated by k quarter turns in the plane of ``axes``."""
    x = _tensor(array)
    a, b = axes
    for _ in range(k % 4):
        x = swapaxes(flip(x, b), a, b)
    return x


@_dual
def repeat(x, repeats, axis=None):
    r"""Each entry repeated ``repeats`` times along ``axis`` (of the flattened x when None)."""
    x, axis = _flat_axis(x, axis)
    index = np.repeat(np.arange(x.shape[axis]), repeats)
    return _ad.getitem(x, (builtins.slice(None),) * _axis(axis, x.ndim) + (index,))


@_dual
def tile(x, repeats):
    r"""x repeated ``repeats`` times along each axis (NumPy's tile)."""
    x = _tensor(x)
    repeats = tuple(np.atleast_1d(repeats))
    ndim = builtins.max(x.ndim, len(repeats))
    x = _ad.reshape(x, (1,) * (ndim - x.ndim) + x.shape)
    repeats = (1,) * (ndim - len(repeats)) + repeats
    grid = np.ix_(*[np.tile(np.arange(n), r) for n, r in zip(x.shape, repeats)])
    return _ad.getitem(x, grid)


@_dual
def diagonal(x, offset=0, axis1=0, axis2=1):
    r"""The entries x[..., i, i + offset, ...] of the plane (axis1, axis2), on a new last axis."""
    x = _tensor(x)
    axis1, axis2 = _axis(axis1, x.ndim), _axis(axis2, x.ndim)
    rows = np.arange(x.shape[axis1])
    cols = rows + offset
    keep = (cols >= 0) & (cols < x.shape[axis2])
    rows, cols = rows[keep], cols[keep]
    rest = [i for i in range(x.ndim) if i not in (axis1, axis2)]
    moved = _ad.transpose(x, rest + [axis1, axis2])
    return _ad.getitem(moved, (Ellipsis, rows, cols))


@_dual
def trace(x, offset=0, axis1=0, axis2=1):
    r"""sum of the diagonal x[..., i, i + offset, ...]."""
    return _ad.sum(diagonal(x, offset, axis1, axis2), axis=-1)


@_dual
def diag(x, k=0):
    r"""The k-th diagonal of a matrix, or the matrix with vector x on its k-th diagonal."""
    x = _tensor(x)
    if x.ndim == 2:
        return diagonal(x, k)
    n = x.shape[0] + builtins.abs(k)
    index = np.full((n, n), x.shape[0], dtype=np.int64)
    i = np.arange(x.shape[0])
    index[i + builtins.max(-k, 0), i + builtins.max(k, 0)] = i
    return _ad.getitem(concatenate([x, np.zeros(1, x.dtype)]), index)


@_dual
def diagflat(x, k=0):
    r"""The matrix with the flattened x on its k-th diagonal."""
    return diag(_ad.reshape(x, (-1,)), k)


@_dual
def tril(x, k=0):
    r"""x with the entries above its k-th diagonal set to 0."""
    x = _tensor(x)
    return _ad.where(np.tri(*x.shape[-2:], k=k, dtype=bool), x, 0.0)


@_dual
def triu(x, k=0):
    r"""x with the entries below its k-th diagonal set to 0."""
    x = _tensor(x)
    return _ad.where(~np.tri(*x.shape[-2:], k=k - 1, dtype=bool), x, 0.0)


# -- shapes ----------------------------------------------------------------------------------
@_dual
def ravel(x):
    r"""x as one axis."""
    return _ad.reshape(x, (-1,))


@_dual
def swapaxes(x, axis1, axis2):
    r"""x with two axes exchanged."""
    x = _tensor(x)
    axes = list(range(x.ndim))
    a, b = _axis(axis1, x.ndim), _axis(axis2, x.ndim)
    axes[a], axes[b] = axes[b], axes[a]
    return _ad.transpose(x, axes)


@_dual
def moveaxis(x, source, destination):
    r"""x with the axes ``source`` moved to ``destination``, the others in their order."""
    x = _tensor(x)
    source = [_axis(int(a), x.ndim) for a in np.atleast_1d(source)]
    destination = [_axis(int(a), x.ndim) for a in np.atleast_1d(destination)]
    order = [i for i in range(x.ndim) if i not in source]
    for d, s in sorted(zip(destination, source)):
        order.insert(d, s)
    return _ad.transpose(x, order)


@_dual
def broadcast_to(x, shape):
    r"""x stretched to ``shape`` by NumPy's broadcasting (the gradient sums over the stretched axes)."""
    x = _tensor(x)
    return _ad.add(x, np.zeros(shape, dtype=x.dtype))


@_dual
def pad(x, pad_width, mode="constant", constant_values=None):
    r"""x with ``pad_width`` = ((before, after), ...) entries added on each axis: ``constant_values``
    (0) in 'constant' mode; other NumPy modes ('reflect', 'symmetric', 'edge', ...) gather x's entries."""
    x = _tensor(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    if mode != "constant":
        index = np.pad(np.arange(x.size).reshape(x.shape), widths, mode=mode)
        return _ad.getitem(_ad.reshape(x, (-1,)), index)
    value = 0 if constant_values is None else constant_values
    for axis, (before, after) in enumerate(widths):
        shape = list(x.shape)
        parts = []
        if before:
            parts.append(np.full(shape[:axis] + [before] + shape[axis + 1:], value, dtype=x.dtype))
        parts.append(x)
        if after:
            parts.append(np.full(shape[:axis] + [after] + shape[axis + 1:], value, dtype=x.dtype))
        x = _ad.concatenate(parts, axis=axis) if len(parts) > 1 else x
    return x


def _sections(n, indices_or_sections, exact):
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if exact and n % k:
            raise ValueError(f"split: an axis of {n} entries does not divide into {k} equal sections; "
                             f"use array_split.")
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        return np.cumsum(sizes)[:-1]
    return list(indices_or_sections)


def split(x, indices_or_sections, axis=0, _exact=True):
    r"""x cut along ``axis`` into equal sections, or at the given indices (a list of parts)."""
    data = _data(x)
    axis = _axis(axis, data.ndim)
    edges = [0, *_sections(data.shape[axis], indices_or_sections, _exact), data.shape[axis]]
    parts = [(builtins.slice(None),) * axis + (builtins.slice(a, b),) for a, b in zip(edges[:-1], edges[1:])]
    if isinstance(x, Tensor):
        return [_ad.getitem(x, p) for p in parts]
    return [data[p] for p in parts]


def array_split(x, indices_or_sections, axis=0):
    r"""split, with sections that may differ by one entry."""
    return split(x, indices_or_sections, axis, _exact=False)


def hsplit(x, indices_or_sections):
    r"""split along axis 1 (axis 0 of a vector)."""
    return split(x, indices_or_sections, axis=1 if np.ndim(_data(x)) > 1 else 0)


def vsplit(x, indices_or_sections):
    r"""split along axis 0."""
    return split(x, indices_or_sections, axis=0)


def dsplit(x, indices_or_sections):
    r"""split along axis 2."""
    return split(x, indices_or_sections, axis=2)


def unstack(x, num=None, axis=0):
    r"""The slices of x along ``axis``, as a list."""
    data = _data(x)
    axis = _axis(axis, data.ndim)
    index = [(builtins.slice(None),) * axis + (i,) for i in range(data.shape[axis])]
    return [_ad.getitem(x, i) for i in index] if isinstance(x, Tensor) else [data[i] for i in index]


@_dual
def hstack(xs):
    r"""The arrays joined along axis 1 (axis 0 for vectors)."""
    xs = [_tensor(x) for x in xs]
    return _ad.concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


@_dual
def vstack(xs):
    r"""The arrays joined along axis 0 (vectors as rows)."""
    return _ad.concatenate([_ad.reshape(x, (1, -1)) if _tensor(x).ndim == 1 else x for x in xs], axis=0)


@_dual
def dstack(xs):
    r"""The arrays joined along axis 2 (vectors and matrices given a third axis)."""
    shaped = []
    for x in xs:
        x = _tensor(x)
        shape = (1, x.shape[0], 1) if x.ndim == 1 else x.shape + (1,) if x.ndim == 2 else x.shape
        shaped.append(_ad.reshape(x, shape))
    return _ad.concatenate(shaped, axis=2)


@_dual
def append(x1, x2, axis=None):
    r"""x2 after x1 along ``axis`` (both flattened when None)."""
    if axis is None:
        return _ad.concatenate([_ad.reshape(x1, (-1,)), _ad.reshape(x2, (-1,))], axis=0)
    return _ad.concatenate([x1, x2], axis=axis)


@_dual
def copy(x):
    r"""x (a new array; on the tape, the same values)."""
    return _ad.add(x, 0.0) if isinstance(x, Tensor) else np.array(x)


def get_item(x, key):
    r"""x[key]."""
    return _ad.getitem(x, key) if isinstance(x, Tensor) else np.asarray(x)[key]


def slice(inputs, start_indices, shape):            # noqa: A001  (Keras's name)
    r"""The block of ``shape`` that starts at ``start_indices``."""
    key = tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(_data(start_indices), shape))
    return get_item(inputs, key)


@_dual
def slice_update(inputs, start_indices, updates):
    r"""``inputs`` with the block at ``start_indices`` replaced by ``updates`` (the gradient goes to
    each value's source)."""
    x, u = _tensor(inputs), _tensor(updates)
    starts = [int(s) for s in _data(start_indices)]
    widths = [(s, n - s - m) for s, n, m in zip(starts, x.shape, u.shape)]
    inside = np.pad(np.ones(u.shape, dtype=bool), widths)
    return _ad.where(inside, pad(u, widths), x)


def scatter(indices, values, shape):
    r"""An array of zeros of ``shape`` with ``values`` added at ``indices`` (rows of coordinates)."""
    values = _data(values)
    out = np.zeros(shape, dtype=values.dtype)
    np.add.at(out, tuple(np.asarray(_data(indices)).T), values)
    return out


def scatter_update(inputs, indices, updates):
    r"""``inputs`` with the entries at ``indices`` (rows of coordinates) replaced by ``updates``."""
    out = np.array(_data(inputs))
    out[tuple(np.asarray(_data(indices)).T)] = _data(updates)
    return out


@_dual
def select(condlist, choicelist, default=0):
    r"""choicelist[i] where condlist[i] is the first condition that holds, else ``default``."""
    out = _tensor(default)
    for condition, choice in reversed(list(zip(condlist, choicelist))):
        out = _ad.where(_data(condition), choice, out)
    return out


@_dual
def deg2rad(x):
    r"""x pi / 180."""
    return _ad.multiply(_tensor(x), math.pi / 180)


@_dual
def rad2deg(x):
    r"""x 180 / pi."""
    return _ad.multiply(_tensor(x), 180 / math.pi)


@_dual
def fmax(x1, x2):
    r"""max(x1, x2), the other value where one is NaN."""
    x1, x2 = _tensor(x1), _tensor(x2)
    return _ad.where(np.isnan(x1.data), x2, _ad.where(np.isnan(x2.data), x1, _ad.maximum(x1, x2)))


@_dual
def fmin(x1, x2):
    r"""min(x1, x2), the other value where one is NaN."""
    x1, x2 = _tensor(x1), _tensor(x2)
    return _ad.where(np.isnan(x1.data), x2, _ad.where(np.isnan(x2.data), x1, _ad.minimum(x1, x2)))


# -- segments: y_s = the sum (max, ...) of the rows of data whose segment id is s -------------------
def _segments(segment_ids, num_segments):
    ids = np.asarray(_data(segment_ids)).astype(np.int64)
    return ids, int(ids.max()) + 1 if num_segments is None else int(num_segments)


@_dual
def segment_sum(data, segment_ids, num_segments=None, sorted=False):        # noqa: A002
    r"""y_s = sum of the rows i with segment_ids_i = s (a one-hot matrix product: dL/dx_i = g_{s_i})."""
    data = _tensor(data)
    ids, n = _segments(segment_ids, num_segments)
    onehot = (np.arange(n)[:, None] == ids[None, :]).astype(data.dtype)
    flat = _ad.reshape(data, (data.shape[0], -1))
    return _ad.reshape(_ad.matmul(onehot, flat), (n,) + data.shape[1:])


def _segment_reduce(ufunc, fill):
    def apply(data, segment_ids, num_segments=None, sorted=False):        # noqa: A002
        values = np.asarray(_data(data))
        ids, n = _segments(segment_ids, num_segments)
        out = np.full((n,) + values.shape[1:], fill, dtype=values.dtype)
        ufunc.at(out, ids, values)
        return out
    return apply


segment_max = _segment_reduce(np.maximum, -np.inf)
segment_max.__doc__ = r"""y_s = the largest row with segment id s (-inf for an empty segment; no gradient)."""
segment_min = _segment_reduce(np.minimum, np.inf)
segment_min.__doc__ = r"""y_s = the smallest row with segment id s (inf for an empty segment; no gradient)."""
segment_prod = _segment_reduce(np.multiply, 1)
segment_prod.__doc__ = r"""y_s = the product of the rows with segment id s (1 for an empty segment; no gradient)."""


@_dual
def cdist(x1, x2, p=2.0):
    r"""d_ij = ||x1_i - x2_j||_p between the rows of x1 and of x2."""
    x1, x2 = _tensor(x1), _tensor(x2)
    gaps = _ad.subtract(expand_dims(x1, -2), expand_dims(x2, -3))
    return norm(gaps, ord=p, axis=-1)


# -- products --------------------------------------------------------------------------------
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _explicit(subscripts, shapes):
    r"""``subscripts`` with '...' spelled out as letters and the output written (NumPy's implicit rule:
    the letters used once, in alphabetical order, after the '...' axes)."""
    subscripts = subscripts.replace(" ", "")
    inputs, _, out = subscripts.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: {subscripts!r} names {len(inputs)} operands; got {len(shapes)}.")
    free = [c for c in _LETTERS if c not in subscripts]
    ellipsis_rank = builtins.max([len(shape) - len(s.replace("...", "")) for s, shape in zip(inputs, shapes)
                                  if "..." in s] + [0])
    dots = "".join(free[:ellipsis_rank])
    spelled = []
    for s, shape in zip(inputs, shapes):
        if "..." in s:
            n = len(shape) - len(s.replace("...", ""))
            s = s.replace("...", dots[ellipsis_rank - n:])
        spelled.append(s)
    if "->" not in subscripts:
        counts = "".join(spelled)
        out = dots + "".join(sorted(c for c in set(counts) if counts.count(c) == 1 and c not in dots))
    else:
        out = out.replace("...", dots)
    return ",".join(spelled) + "->" + out


@_dual
def einsum(subscripts, *operands):
    r"""Einstein summation: y_{out} = sum over the letters not in the output of the product of the
    operands' entries, e.g. 'ij,jk->ik' is the matrix product."""
    operands = [_tensor(t) for t in operands]
    return _ad.einsum(_explicit(subscripts, [t.shape for t in operands]), *operands)


@_dual
def tensordot(x1, x2, axes=2):
    r"""sum over the paired axes of x1 and x2 of x1 x2 (the last ``axes`` of x1 with the first of x2)."""
    x1, x2 = _tensor(x1), _tensor(x2)
    if isinstance(axes, (int, np.integer)):
        a1, a2 = list(range(x1.ndim - axes, x1.ndim)), list(range(axes))
    else:
        a1, a2 = [list(np.atleast_1d(a)) for a in axes]
    a1, a2 = [_axis(int(a), x1.ndim) for a in a1], [_axis(int(a), x2.ndim) for a in a2]
    s1 = _LETTERS[:x1.ndim]
    s2 = list(_LETTERS[x1.ndim:x1.ndim + x2.ndim])
    for i, j in zip(a1, a2):
        s2[j] = s1[i]
    s2 = "".join(s2)
    out = "".join(c for i, c in enumerate(s1) if i not in a1) + "".join(c for j, c in enumerate(s2) if j not in a2)
    return _ad.einsum(f"{s1},{s2}->{out}", x1, x2)


@_dual
def inner(x1, x2):
    r"""sum_i x1[..., i] x2[..., i] (a scalar factor multiplies)."""
    x1, x2 = _tensor(x1), _tensor(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return _ad.multiply(x1, x2)
    return tensordot(x1, x2, ([-1], [-1]))


@_dual
def outer(x1, x2):
    r"""y_ij = x1_i x2_j (of the flattened operands)."""
    return _ad.multiply(_ad.reshape(x1, (-1, 1)), _ad.reshape(x2, (1, -1)))


@_dual
def vdot(x1, x2):
    r"""sum_i x1_i x2_i of the flattened operands."""
    return _ad.sum(_ad.multiply(_ad.reshape(x1, (-1,)), _ad.reshape(x2, (-1,))))


@_dual
def kron(x1, x2):
    r"""The Kronecker product: the blocks x1_ij x2."""
    x1, x2 = _tensor(x1), _tensor(x2)
    n = builtins.max(x1.ndim, x2.ndim)
    x1 = _ad.reshape(x1, (1,) * (n - x1.ndim) + x1.shape)
    x2 = _ad.reshape(x2, (1,) * (n - x2.ndim) + x2.shape)
    a = _ad.reshape(x1, tuple(d for s in x1.shape for d in (s, 1)))
    b = _ad.reshape(x2, tuple(d for s in x2.shape for d in (1, s)))
    return _ad.reshape(_ad.multiply(a, b), tuple(p * q for p, q in zip(x1.shape, x2.shape)))


@_dual
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    r"""The cross product of 3-vectors along the last axis: (a2 b3 - a3 b2, a3 b1 - a1 b3, a1 b2 - a2 b1)."""
    a, b = _tensor(x1), _tensor(x2)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise ValueError(f"cross: both operands need 3 entries on their last axis; got {a.shape} and {b.shape}.")
    c = [_ad.subtract(_ad.multiply(a[..., i], b[..., j]), _ad.multiply(a[..., j], b[..., i]))
         for i, j in ((1, 2), (2, 0), (0, 1))]
    return _ad.concatenate([expand_dims(v, -1) for v in c], axis=-1)


@_dual
def diff(a, n=1, axis=-1):
    r"""The n-th difference y_i = x_{i+1} - x_i along ``axis``, applied n times."""
    x = _tensor(a)
    axis = _axis(axis, x.ndim)
    for _ in range(n):
        head = (builtins.slice(None),) * axis
        x = _ad.subtract(_ad.getitem(x, head + (builtins.slice(1, None),)),
                         _ad.getitem(x, head + (builtins.slice(None, -1),)))
    return x


@_dual
def trapezoid(y, x=None, dx=1.0, axis=-1):
    r"""The trapezoid rule: sum_i (y_i + y_{i+1}) / 2 (x_{i+1} - x_i) along ``axis``."""
    y = _tensor(y)
    axis = _axis(axis, y.ndim)
    head = (builtins.slice(None),) * axis
    mids = _ad.multiply(0.5, _ad.add(_ad.getitem(y, head + (builtins.slice(1, None),)),
                                     _ad.getitem(y, head + (builtins.slice(None, -1),))))
    widths = dx if x is None else np.diff(_data(x), axis=-1 if np.ndim(_data(x)) == 1 else axis)
    if x is not None and np.ndim(widths) == 1:
        widths = widths.reshape((-1,) + (1,) * (y.ndim - axis - 1))
    return _ad.sum(_ad.multiply(mids, widths), axis=axis)


# -- quantiles: the sorted values, interpolated linearly --------------------------------------
@_dual
def quantile(x, q, axis=None, method="linear", keepdims=False):
    r"""The q-quantile along ``axis``: with the sorted values v_0 <= ... <= v_{n-1} and
    h = q (n - 1), v_floor(h) + (h - floor h) (v_ceil(h) - v_floor(h)) ('linear'); other NumPy
    methods give values without a gradient."""
    if method != "linear":
        return np.quantile(_data(x), _data(q), axis=axis, method=method, keepdims=keepdims)
    x = _tensor(x)
    if axis is None:
        x, axis = _ad.reshape(x, (-1,)), 0
    axes = [_axis(int(a), x.ndim) for a in np.atleast_1d(axis)]
    rest = [i for i in range(x.ndim) if i not in axes]
    moved = _ad.reshape(_ad.transpose(x, rest + axes), tuple(x.shape[i] for i in rest) + (-1,))
    values = sort(moved, axis=-1)
    n = values.shape[-1]
    qs = np.atleast_1d(np.asarray(_data(q), dtype=np.float64))
    h = qs * (n - 1)
    low, high = np.floor(h).astype(np.int64), np.ceil(h).astype(np.int64)
    v_low, v_high = _ad.getitem(values, (Ellipsis, low)), _ad.getitem(values, (Ellipsis, high))
    out = _ad.add(v_low, _ad.multiply(_ad.subtract(v_high, v_low), (h - low).astype(values.dtype)))
    out = _ad.transpose(out, [out.ndim - 1] + list(range(out.ndim - 1)))       # q first, as NumPy
    if keepdims:
        shape = list(x.shape)
        for a in axes:
            shape[a] = 1
        out = _ad.reshape(out, (len(qs), *shape))
    if np.ndim(_data(q)) == 0:
        out = _ad.getitem(out, 0)
    return out


def percentile(x, q, axis=None, method="linear", keepdims=False):
    r"""quantile(x, q / 100)."""
    return quantile(x, np.asarray(_data(q)) / 100.0, axis=axis, method=method, keepdims=keepdims)


def median(x, axis=None, keepdims=False):
    r"""quantile(x, 0.5): the middle value (the mean of the two middle ones for an even count)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


# -- constructors and whole-array facts (no gradient) ------------------------------------------
def identity(n, dtype=None):
    r"""The n x n identity matrix."""
    return np.identity(n, dtype=dtype or config.floatx())


def tri(N, M=None, k=0, dtype=None):               # noqa: N803  (NumPy's names)
    r"""Ones on and below the k-th diagonal, zeros above."""
    return np.tri(N, M, k, dtype=dtype or config.floatx())


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    r"""``num`` evenly spaced values from start to stop."""
    return np.linspace(_data(start), _data(stop), num, endpoint, retstep, dtype or "float32", axis)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    r"""base^t for ``num`` evenly spaced t from start to stop."""
    return np.logspace(_data(start), _data(stop), num, endpoint, base, dtype or "float32", axis)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    r"""``num`` values from start to stop with a constant ratio."""
    return np.geomspace(_data(start), _data(stop), num, endpoint, dtype or "float32", axis)


def empty(shape, dtype=None):
    r"""An array of ``shape`` (zeros here: NumPy's uninitialised memory would make runs differ)."""
    return np.zeros(shape, dtype=dtype or config.floatx())


def empty_like(x, dtype=None):
    r"""zeros_like(x)."""
    return np.zeros_like(_data(x), dtype=dtype)


def full_like(x, fill_value, dtype=None):
    r"""An array of x's shape filled with ``fill_value``."""
    return np.full_like(_data(x), fill_value, dtype=dtype)


meshgrid = _constant(np.meshgrid, "Coordinate arrays of the grid spanned by the vectors (indexing 'xy' or 'ij').")
vander = _constant(np.vander, "The Vandermonde matrix of x: columns x^{N-1}, ..., x, 1.")
corrcoef = _constant(np.corrcoef, "Pearson's correlation coefficients of the rows of x (no gradient).")
correlate = _constant(np.correlate, "The cross-correlation of two vectors (no gradient).")
bincount = _constant(np.bincount, "The number of times each non-negative integer occurs (weighted when asked).")
digitize = _constant(np.digitize, "The index of the bin of ``bins`` each x falls into.")
searchsorted = _constant(np.searchsorted, "Where each value would go in the sorted array to keep it sorted.")
unravel_index = _constant(np.unravel_index, "The coordinates in ``shape`` of flat indices.")
nonzero = _constant(np.nonzero, "The indices of the entries that are not 0, one array per axis.")


def unique(x, sorted=True, return_inverse=False, return_counts=False, axis=None, size=None,  # noqa: A002
           fill_value=None):
    r"""The distinct values of x, sorted (with the inverse map and counts when asked)."""
    return np.unique(_data(x), return_inverse=return_inverse, return_counts=return_counts, axis=axis)


def histogram(x, bins=10, range=None):              # noqa: A002
    r"""(counts, bin edges) of the values of x in ``bins`` equal bins."""
    return np.histogram(_data(x), bins=bins, range=range)


def size(x) -> int:
    r"""The number of entries of x."""
    return int(np.size(_data(x)))


def dtype(x) -> str:
    r"""The name of x's dtype ('float32', ...)."""
    return np.asarray(_data(x)).dtype.name


def is_tensor(x) -> bool:
    r"""True for a NumPy array or an autodiff Tensor (the tensors of this backend)."""
    return isinstance(x, (Tensor, np.ndarray))


def array(x, dtype=None):
    r"""x as a NumPy array (float32 for Python floats, as Keras)."""
    out = np.asarray(_data(x), dtype=dtype)
    return out.astype(np.float32) if dtype is None and out.dtype == np.float64 and not isinstance(x, np.ndarray) else out


def norm(x, ord=None, axis=None, keepdims=False):   # noqa: A002
    r"""Vector norms ||x||_p = (sum |x_i|^p)^{1/p} (p = 2 by default; inf: max |x_i|; 0: the count of
    non-zeros) along ``axis``; the Frobenius norm of a matrix (two axes, ord None or 'fro'); other
    matrix norms ('nuc', 1, 2, inf of a matrix) without a gradient."""
    x = _tensor(x)
    matrix = (axis is None and x.ndim == 2 and ord is not None) or (axis is not None and np.ndim(axis) == 1
                                                                   and len(axis) == 2)
    if matrix and ord not in (None, "fro"):
        return np.linalg.norm(x.data, ord=ord, axis=axis, keepdims=keepdims)
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    if ord in (None, 2, "fro"):
        return _ad.sqrt(_ad.sum(_ad.power(x, 2), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return _ad.max(_ad.abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return min(_ad.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return np.sum(x.data != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    return _ad.power(_ad.sum(_ad.power(_ad.abs(x), ord), axis=axis, keepdims=keepdims), 1.0 / ord)


norm = _dual(norm)


__all__ = sorted(n for n, v in globals().items() if callable(v) and not n.startswith("_") and n not in _IMPORTED)
make_aware(globals(), __all__)
