r"""The core of ``neurona.ops`` (Keras's ``keras.ops`` core functions): a tensor's shape, casts and
conversions, ``stop_gradient``; and the helpers every module of the package runs its functions
with (``_dual``: arrays in, arrays out; Tensors in, Tensors out)."""
from __future__ import annotations

import builtins
import functools

import numpy as np

from ..autodiff import ops as _ad
from ..autodiff.tensor import Tensor
from ..symbolic import SymbolicTensor
from .recording import make_aware

_IMPORTED = set(globals())


def _has_tensor(values) -> bool:
    return builtins.any(isinstance(v, Tensor) or (isinstance(v, (list, tuple)) and _has_tensor(v)) for v in values)


def _dual(function):
    r"""Run ``function`` on Tensors; give back an array when no argument was a Tensor."""
    @functools.wraps(function)
    def apply(*args, **kwargs):
        out = function(*args, **kwargs)
        if isinstance(out, Tensor) and not _has_tensor(list(args) + list(kwargs.values())):
            return out.data
        return out
    return apply


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def shape(x) -> tuple:
    r"""x's shape; a symbolic tensor's has None for its batch axis."""
    return x.shape if isinstance(x, SymbolicTensor) else tuple(_data(x).shape)


def cast(x, dtype):
    r"""x in ``dtype``. A Tensor keeps its gradient when it is widened (float32 -> float64); any
    other cast of a Tensor gives a constant (an integer or a narrower float has no gradient here)."""
    dtype = np.dtype(dtype)
    if not isinstance(x, Tensor):
        return np.asarray(x).astype(dtype)
    if x.dtype == dtype:
        return x
    if np.issubdtype(dtype, np.floating) and np.can_cast(x.dtype, dtype, "safe") and x.op is not None:
        return _ad.multiply(x, Tensor(np.ones((), dtype=dtype)))
    return Tensor(x.data.astype(dtype))


def convert_to_tensor(x, dtype=None):
    r"""x as an autodiff Tensor (a Tensor is given back as it is, or cast)."""
    if isinstance(x, Tensor):
        return x if dtype is None else cast(x, dtype)
    return Tensor(x, dtype=dtype)


def convert_to_numpy(x):
    return np.asarray(_data(x))


def stop_gradient(x):
    r"""The value of x as a constant: no gradient flows back through it."""
    return Tensor(_data(x)) if isinstance(x, Tensor) else np.asarray(x)


__all__ = sorted(n for n, v in globals().items() if callable(v) and not n.startswith("_") and n not in _IMPORTED)
make_aware(globals(), __all__)
