r"""The operations of ``neurona.autodiff``: forward values (NumPy), recorded as graph nodes.

Each function takes Tensors, arrays or numbers and returns a Tensor; its derivative is the entry
of the same name in ``derivatives.DERIVATIVES``. Most are also operators or methods of Tensor:
``a + b``, ``a @ b``, ``x.sum(axis=0)``, ``x.T``, ``x[0]``.
"""
from __future__ import annotations

import math

import numpy as np

from .. import windows as _windows
from .tensor import Tensor, as_tensor, record


def _pair(a, b):
    a = as_tensor(a, like=b if isinstance(b, Tensor) else None)
    return a, as_tensor(b, like=a)


def _broadcast_check(op, a, b):
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: the shapes {a.shape} and {b.shape} do not broadcast (each axis, "
                         f"counted from the right, must be equal or 1).") from None


def _binary(op, function, doc):
    def apply(a, b):
        a, b = _pair(a, b)
        _broadcast_check(op, a, b)
        return record(op, function(a.data, b.data), (a, b))

    apply.__name__ = apply.__qualname__ = op
    apply.__doc__ = doc
    return apply


def _unary(op, function, doc):
    def apply(x):
        x = as_tensor(x)
        return record(op, function(x.data), (x,))

    apply.__name__ = apply.__qualname__ = op
    apply.__doc__ = doc
    return apply


def _sigmoid(z):
    e = np.exp(-np.abs(z))                  # never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(np.result_type(z, np.float32))


add = _binary("add", np.add, "y = a + b;  dy/da = 1, dy/db = 1")
subtract = _binary("sub", np.subtract, "y = a - b;  dy/da = 1, dy/db = -1")
multiply = _binary("mul", np.multiply, "y = a b;  dy/da = b, dy/db = a")
divide = _binary("div", np.divide, "y = a / b;  dy/da = 1 / b, dy/db = -a / b^2")
maximum = _binary("maximum", np.maximum, "y = max(a, b) elementwise;  dy/da = 1 where a > b, 1/2 on ties, else 0")
minimum = _binary("minimum", np.minimum, "y = min(a, b) elementwise;  dy/da = 1 where a < b, 1/2 on ties, else 0")
negative = _unary("neg", np.negative, "y = -x;  dy/dx = -1")
exp = _unary("exp", np.exp, "y = e^x;  dy/dx = e^x = y")
log = _unary("log", np.log, "y = ln x;  dy/dx = 1 / x")
sqrt = _unary("sqrt", np.sqrt, "y = sqrt(x);  dy/dx = 1 / (2 sqrt(x))")
sin = _unary("sin", np.sin, "y = sin x;  dy/dx = cos x")
cos = _unary("cos", np.cos, "y = cos x;  dy/dx = -sin x")
tanh = _unary("tanh", np.tanh, "y = tanh x;  dy/dx = 1 - y^2")
sigmoid = _unary("sigmoid", _sigmoid, "y = 1 / (1 + e^{-x}) (computed without overflow);  dy/dx = y (1 - y)")
relu = _unary("relu", lambda z: np.maximum(z, 0), "y = max(0, x);  dy/dx = 1 if x > 0 else 0")
abs = _unary("abs", np.abs, "y = |x|;  dy/dx = sign(x)")     # noqa: A001  (ad.abs, as np.abs)


def erf_values(x):
    r"""The error function erf(x) = 2/sqrt(pi) int_0^x e^{-t^2} dt on arrays, elementwise (SciPy's when it is
    installed, else the standard library's, one value at a time)."""
    x = np.asarray(x)
    try:
        from scipy.special import erf as scipy_erf
    except ImportError:                                  # pragma: no cover - SciPy is optional
        return np.vectorize(math.erf, otypes=[np.result_type(x, np.float32)])(x)
    return scipy_erf(x).astype(np.result_type(x, np.float32), copy=False)


erf = _unary("erf", erf_values, "y = erf(x) = 2/sqrt(pi) int_0^x e^{-t^2} dt;  dy/dx = 2/sqrt(pi) e^{-x^2}")


def constant(values, like: Tensor) -> Tensor:
    r"""``values`` as a Tensor of ``like``'s dtype that no gradient flows through (a step's output)."""
    return Tensor(np.asarray(values, dtype=like.dtype))


def power(a, b):
    r"""a ** b. A constant exponent (a number or array) is kept as a setting of the node."""
    if not isinstance(b, Tensor):
        a = as_tensor(a)
        p = np.asarray(b, dtype=np.result_type(a.dtype, np.float32)) if not isinstance(b, (int, float)) else b
        _broadcast_check("pow", a, Tensor(np.asarray(p)))
        return record("pow_const", a.data ** p, (a,), p=p)
    a, b = _pair(a, b)
    _broadcast_check("pow", a, b)
    return record("pow", a.data ** b.data, (a, b))


def matmul(a, b):
    r"""The matrix product a @ b (NumPy's rules for 1-D and stacked operands)."""
    a, b = _pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 axis; got shapes {a.shape} and {b.shape}.")
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if a.shape[-1] != inner_b:
        raise ValueError(f"matmul: the last axis of the first operand {a.shape} must equal the "
                         f"{'only' if b.ndim == 1 else 'second-to-last'} axis of the second {b.shape}; "
                         f"{a.shape[-1]} != {inner_b}.")
    return record("matmul", np.matmul(a.data, b.data), (a, b))


def clip(x, low, high):
    r"""x limited to [low, high] (None: no bound on that side); the gradient flows only where
    low <= x <= high."""
    x = as_tensor(x)
    return record("clip", np.clip(x.data, low, high), (x,), low=low, high=high)


def where(condition, a, b):
    r"""a where ``condition`` holds, else b (the condition is a boolean array: no gradient)."""
    condition = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    a, b = _pair(a, b)
    for other in (a, b):
        _broadcast_check("where", Tensor(condition), other)
    return record("where", np.where(condition, a.data, b.data), (a, b), condition=condition)


def _check_axis(op, x, axis):
    for ax in (() if axis is None else np.atleast_1d(axis)):
        if not -x.ndim <= int(ax) < (x.ndim or 1):
            raise ValueError(f"{op}: axis {axis} is out of range for a tensor of shape {x.shape}.")
    return axis if axis is None or isinstance(axis, int) else tuple(int(a) for a in axis)


def _reduction(op, function, doc):
    def apply(x, axis=None, keepdims=False):
        x = as_tensor(x)
        axis = _check_axis(op, x, axis)
        return record(op, function(x.data, axis=axis, keepdims=keepdims), (x,), axis=axis, keepdims=keepdims)

    apply.__name__ = apply.__qualname__ = op
    apply.__doc__ = doc
    return apply


sum = _reduction("sum", np.sum, "y = sum of x over axis;  dy/dx_i = 1")      # noqa: A001
mean = _reduction("mean", np.mean, "y = mean of x over axis (n values);  dy/dx_i = 1 / n")
max = _reduction("max", np.max, "y = max of x over axis;  dy/dx_i = 1 / (count of maxima) at a maximum, else 0")  # noqa


def reshape(x, shape):
    r"""The same values in ``shape``; the gradient is reshaped back to x's shape."""
    x = as_tensor(x)
    try:
        value = np.reshape(x.data, shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} values) "
                         f"into shape {shape}.") from None
    return record("reshape", value, (x,), shape=shape)


def transpose(x, axes=None):
    r"""The axes permuted (reversed by default); the gradient goes back by the inverse permutation."""
    x = as_tensor(x)
    axes = None if axes is None else tuple(int(a) + x.ndim if int(a) < 0 else int(a) for a in axes)
    if axes is not None and sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {x.ndim} axes of shape {x.shape}.")
    return record("transpose", np.transpose(x.data, axes), (x,), axes=axes)


def getitem(x, index):
    r"""x[index]: slices, integers, integer or boolean arrays, as NumPy indexes. The gradient is
    g placed back at the indexed entries (added up where an index repeats), 0 elsewhere."""
    x = as_tensor(x)
    if isinstance(index, Tensor):
        index = index.data
    if isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    try:
        value = x.data[index]
    except IndexError as error:
        raise IndexError(f"getitem: cannot index a tensor of shape {x.shape} with {index!r}: {error}") from None
    return record("getitem", value, (x,), index=index)


def concatenate(tensors, axis=0):
    r"""The tensors joined along ``axis`` (all other axes must agree); each gets its slice of g."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor; got an empty list.")
    try:
        value = np.concatenate([t.data for t in tensors], axis=axis)
    except (ValueError, np.exceptions.AxisError):
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"concatenate: the shapes {shapes} cannot be joined along axis {axis} "
                         f"(all other axes must be equal).") from None
    return record("concatenate", value, tensors, axis=axis)


def windows(x, window, strides, dilation, pads, out, value=0.0):
    r"""The sliding windows of x (m, *spatial, C), padded by ``pads`` with ``value``: a view of shape
    (m, *out, *window, C) (see ``neurona.windows``). The gradient is g folded back (col2im)."""
    x = as_tensor(x)
    view = _windows.windows(x.data, window, strides, dilation, pads, out, value)
    return record("windows", view, (x,), window=window, strides=strides, dilation=dilation, pads=pads)


def fold(cols, spatial, window, strides, dilation, pads):
    r"""The adjoint of ``windows``: each window entry of cols (m, *out, *window, C) added onto the
    position of an input of ``spatial`` size it stands for. The gradient is the windows of g."""
    cols = as_tensor(cols)
    value = _windows.fold(cols.data, spatial, window, strides, dilation, pads)
    return record("fold", value, (cols,), window=window, strides=strides, dilation=dilation, pads=pads)


def softmax(x, axis=-1):
    r"""softmax(z)_i = e^{z_i} / sum_j e^{z_j}, computed as e^{z_i - max z} / sum_j e^{z_j - max z}."""
    x = as_tensor(x)
    axis = _check_axis("softmax", x, axis)
    e = np.exp(x.data - x.data.max(axis=axis, keepdims=True))
    return record("softmax", e / e.sum(axis=axis, keepdims=True), (x,), axis=axis)


def log_softmax(x, axis=-1):
    r"""log softmax(z)_i = z_i - log sum_j e^{z_j} = (z_i - m) - log sum_j e^{z_j - m}, m = max z."""
    x = as_tensor(x)
    axis = _check_axis("log_softmax", x, axis)
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    return record("log_softmax", shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)), (x,), axis=axis)


def _reduction_method(function):
    def method(x, axis=None, dtype=None, out=None, keepdims=False, **unsupported):
        if dtype is not None or out is not None or unsupported:
            raise TypeError(f"Tensor.{function.__name__} takes axis and keepdims only; got "
                            f"{'dtype, ' if dtype is not None else ''}{'out, ' if out is not None else ''}"
                            f"{', '.join(unsupported)}.")
        return function(x, axis=axis, keepdims=keepdims)

    method.__name__ = function.__name__
    return method


def _attach_operators():
    r"""Tensor's operators and methods, each the function of the same operation above."""
    flip = lambda f: lambda a, b: f(b, a)              # noqa: E731  (b <op> a for the reflected forms)
    for name, function in {"add": add, "sub": subtract, "mul": multiply, "truediv": divide,
                           "pow": power, "matmul": matmul}.items():
        setattr(Tensor, f"__{name}__", function)
        setattr(Tensor, f"__r{name}__", flip(function))
    Tensor.__rpow__ = lambda a, b: power(as_tensor(b, like=a), a)
    Tensor.__neg__ = negative
    Tensor.__abs__ = abs
    Tensor.__pos__ = lambda a: a
    Tensor.__getitem__ = getitem
    for name in ("lt", "le", "gt", "ge"):
        setattr(Tensor, f"__{name}__", (lambda op: lambda a, b: getattr(a.data, op)(
            b.data if isinstance(b, Tensor) else b))(f"__{name}__"))
    for function in (exp, log, sqrt, sin, cos, tanh, sigmoid, relu, clip, softmax, log_softmax):
        setattr(Tensor, function.__name__, function)
    for function in (sum, mean, max):                   # np.sum(tensor) etc. call these methods
        setattr(Tensor, function.__name__, _reduction_method(function))
    Tensor.reshape = lambda a, *shape: reshape(a, shape[0] if len(shape) == 1 else shape)
    Tensor.transpose = lambda a, *axes: transpose(a, axes[0] if len(axes) == 1 else (axes or None))
    Tensor.T = property(lambda a: transpose(a))


_attach_operators()


def _placeholder_aware():
    r"""Let each operation accept the placeholders of a model being traced (anything with a
    ``neurona_apply_op`` method, e.g. ``neurona.Input`` tensors in a subclassed model's ``call``):
    there the operation is recorded, not run. Duck-typed, so this module imports nothing of the
    models; Tensor's operators call the plain functions and pay nothing."""
    def aware(name, function):
        def apply(*args, **kwargs):
            for a in args:
                if hasattr(a, "neurona_apply_op"):
                    return a.neurona_apply_op(name, *args, **kwargs)
                if isinstance(a, (list, tuple)):
                    for v in a:
                        if hasattr(v, "neurona_apply_op"):
                            return v.neurona_apply_op(name, *args, **kwargs)
            return function(*args, **kwargs)

        apply.__name__ = apply.__qualname__ = function.__name__
        apply.__doc__ = function.__doc__
        apply.__wrapped__ = function
        return apply

    namespace = globals()
    for name in ("add", "subtract", "multiply", "divide", "maximum", "minimum", "negative", "exp", "log", "sqrt",
                 "sin", "cos", "tanh", "sigmoid", "relu", "abs", "power", "matmul", "clip", "where", "sum", "mean",
                 "max", "reshape", "transpose", "getitem", "concatenate", "softmax", "log_softmax"):
        namespace[name] = aware(name, namespace[name])


_placeholder_aware()


# -- the primitives of keras.ops's NumPy functions (neurona.ops_numpy) ---------------------------
arcsin = _unary("arcsin", np.arcsin, "y = arcsin x;  dy/dx = 1 / sqrt(1 - x^2)")
arccos = _unary("arccos", np.arccos, "y = arccos x;  dy/dx = -1 / sqrt(1 - x^2)")
arctan = _unary("arctan", np.arctan, "y = arctan x;  dy/dx = 1 / (1 + x^2)")
arcsinh = _unary("arcsinh", np.arcsinh, "y = arsinh x;  dy/dx = 1 / sqrt(x^2 + 1)")
arccosh = _unary("arccosh", np.arccosh, "y = arcosh x;  dy/dx = 1 / sqrt(x^2 - 1)")
arctanh = _unary("arctanh", np.arctanh, "y = artanh x;  dy/dx = 1 / (1 - x^2)")
arctan2 = _binary("arctan2", np.arctan2, "y = atan2(a, b), the angle of the point (b, a);  "
                                         "dy/da = b / (a^2 + b^2), dy/db = -a / (a^2 + b^2)")


def cumsum(x, axis):
    r"""y_i = sum_{j <= i} x_j along ``axis``;  dL/dx_i = sum_{j >= i} g_j (the reversed running sum)."""
    x = as_tensor(x)
    axis = _check_axis("cumsum", x, axis)
    return record("cumsum", np.cumsum(x.data, axis=axis), (x,), axis=axis)


def cumprod(x, axis):
    r"""y_i = prod_{j <= i} x_j along ``axis``;  dL/dx_i = sum_{j >= i} g_j y_j / x_i (x_i != 0)."""
    x = as_tensor(x)
    axis = _check_axis("cumprod", x, axis)
    return record("cumprod", np.cumprod(x.data, axis=axis), (x,), axis=axis)


prod = _reduction("prod", np.prod, "y = product of x over axis;  dy/dx_i = y / x_i (x_i != 0)")


def einsum(subscripts, *operands):
    r"""Einstein summation with explicit output, e.g. 'ij,jk->ik' (letters only; ``ops.einsum`` spells
    out '...' and implicit outputs first). The gradient of an operand is the einsum of g with the
    other operands onto that operand's letters."""
    operands = [as_tensor(t) for t in operands]
    return record("einsum", np.einsum(subscripts, *[t.data for t in operands]), operands, subscripts=subscripts)
