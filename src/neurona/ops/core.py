r"""The core of ``neurona.ops``: arithmetic, reductions, shapes, activations and convolutions on Tensors
or arrays (see the package for the whole namespace)."""
from __future__ import annotations

import builtins
import functools

import numpy as np

from .. import activations as _activations
from .. import windows as _win
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


def shape(x) -> tuple:
    r"""x's shape; a symbolic tensor's has None for its batch axis."""
    return x.shape if isinstance(x, SymbolicTensor) else tuple(_data(x).shape)


def ndim(x) -> int:
    return x.ndim if isinstance(x, SymbolicTensor) else _data(x).ndim


# -- activations: the autodiff forms of neurona.activations --------------------------------
def _activation(name, doc, **defaults):
    def apply(x, **arguments):
        f = _activations.get({"name": name, **defaults, **arguments})
        out = f.call(_ad.as_tensor(x))
        return out if isinstance(x, Tensor) else out.data
    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = doc
    return apply


relu = _dual(_ad.relu)
sigmoid = _dual(_ad.sigmoid)
relu6 = _activation("relu6", "min(max(x, 0), 6)")
elu = _activation("elu", "x if x > 0 else alpha (e^x - 1); ops.elu(x, alpha=1.0)")
selu = _activation("selu", "scale * elu(x, alpha) with the SELU constants")
gelu = _activation("gelu", "x Phi(x); ops.gelu(x, approximate=True) is the tanh form")
silu = swish = _activation("silu", "x sigmoid(x)")
hard_sigmoid = _activation("hard_sigmoid", "clip(x / 6 + 1/2, 0, 1)")
hard_silu = hard_swish = _activation("hard_silu", "x hard_sigmoid(x)")
softplus = _activation("softplus", "ln(1 + e^x)")
softsign = _activation("softsign", "x / (1 + |x|)")
mish = _activation("mish", "x tanh(softplus(x))")


def leaky_relu(x, negative_slope=0.2):
    r"""x if x > 0 else negative_slope x (Keras's ops default slope 0.2)."""
    return _activation("leaky_relu", "", negative_slope=negative_slope)(x)


@_dual
def softmax(x, axis=-1):
    return _ad.softmax(x, axis=axis)


@_dual
def log_softmax(x, axis=-1):
    return _ad.log_softmax(x, axis=axis)


# -- convolutions and pooling: channels last, x of shape (m, *spatial, C); see neurona.windows --
def _window_arguments(owner, x, d, strides, dilation_rate):
    if x.ndim != d + 2:
        raise ValueError(f"{owner}: inputs of shape (batch, {d} spatial axes, channels) expected for a kernel of "
                         f"{d} spatial axes; got shape {x.shape}.")
    return (_win.tuple_of(owner, "strides", strides, d), _win.tuple_of(owner, "dilation_rate", dilation_rate, d))


@_dual
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    r"""The convolution of deep learning (a cross-correlation, as Keras and PyTorch compute it):

        z[b, o, f] = sum over taps u and channels c of  x_pad[b, o s + u r, c] W[u, c, f]

    (s: strides, r: dilation_rate; o and u run over 1 or 2 spatial axes). W has shape
    (*kernel_size, C / groups, F): with groups g > 1, filter f sees only the channels of its group.
    Computed as the windows of x (im2col) times W reshaped to (taps C, F): one matrix product."""
    _win.check_channels_last("conv", data_format)
    x, w = _ad.as_tensor(inputs), _ad.as_tensor(kernel)
    d = w.ndim - 2
    strides, dilation = _window_arguments("conv", x, d, strides, dilation_rate)
    window, channels, (per_group, filters) = w.shape[:d], x.shape[-1], w.shape[-2:]
    if channels % per_group or filters % (channels // per_group):
        raise ValueError(f"conv: the kernel's input channels ({per_group}) must divide the input's ({channels}), "
                         f"and the groups ({channels // per_group if per_group else 0}) its filters ({filters}).")
    out, pads = _win.geometry(x.shape[1:-1], window, strides, dilation, _win.padding_of("conv", padding))
    cols = _ad.windows(x, window, strides, dilation, pads, out)
    taps, groups = int(np.prod(window)), channels // per_group
    if groups == 1:
        z = _ad.matmul(_ad.reshape(cols, (-1, taps * channels)), _ad.reshape(w, (taps * channels, filters)))
    else:
        a = _ad.transpose(_ad.reshape(cols, (-1, taps, groups, per_group)), (2, 0, 1, 3))
        a = _ad.reshape(a, (groups, -1, taps * per_group))
        k = _ad.transpose(_ad.reshape(w, (taps * per_group, groups, filters // groups)), (1, 0, 2))
        z = _ad.transpose(_ad.matmul(a, k), (1, 0, 2))
    return _ad.reshape(z, (x.shape[0], *out, filters))


@_dual
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    r"""Each channel convolved with its own filters: W of shape (*kernel_size, C, multiplier),

        z[b, o, c M + j] = sum over taps u of  x_pad[b, o s + u r, c] W[u, c, j]"""
    _win.check_channels_last("depthwise_conv", data_format)
    x, w = _ad.as_tensor(inputs), _ad.as_tensor(kernel)
    d = w.ndim - 2
    strides, dilation = _window_arguments("depthwise_conv", x, d, strides, dilation_rate)
    window, (channels, multiplier) = w.shape[:d], w.shape[-2:]
    if channels != x.shape[-1]:
        raise ValueError(f"depthwise_conv: the kernel has {channels} channels; the input {x.shape[-1]}.")
    out, pads = _win.geometry(x.shape[1:-1], window, strides, dilation, _win.padding_of("depthwise_conv", padding))
    taps = int(np.prod(window))
    cols = _ad.reshape(_ad.windows(x, window, strides, dilation, pads, out), (x.shape[0], *out, taps, channels, 1))
    z = _ad.sum(_ad.multiply(cols, _ad.reshape(w, (taps, channels, multiplier))), axis=1 + d)
    return _ad.reshape(z, (x.shape[0], *out, channels * multiplier))


@_dual
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    r"""A depthwise convolution, then a 1 x 1 convolution that mixes its channels."""
    z = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(z, pointwise_kernel, 1, "valid", data_format, 1)


@_dual
def conv_transpose(inputs, kernel, strides, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    r"""The transposed convolution: the adjoint (the input gradient) of ``conv`` with kernel W of shape
    (*kernel_size, F, C): every input position spreads x[b, i, :] W[u]^T onto the output positions
    i s + u r (minus the padding), where the overlapping contributions add up:

        y = fold(x W^T)    (Keras's output sizes: n s for "same", (n - 1) s + max(k, s) for "valid")"""
    _win.check_channels_last("conv_transpose", data_format)
    x, w = _ad.as_tensor(inputs), _ad.as_tensor(kernel)
    d = w.ndim - 2
    strides, dilation = _window_arguments("conv_transpose", x, d, strides, dilation_rate)
    window, (filters, channels) = w.shape[:d], w.shape[-2:]
    if channels != x.shape[-1]:
        raise ValueError(f"conv_transpose: the kernel takes {channels} channels; the input has {x.shape[-1]}.")
    extra = None if output_padding is None else _win.tuple_of("conv_transpose", "output_padding", output_padding, d, 0)
    out, pads = _win.transpose_geometry(x.shape[1:-1], window, strides, dilation,
                                        _win.padding_of("conv_transpose", padding), extra)
    taps = int(np.prod(window))
    cols = _ad.matmul(_ad.reshape(x, (-1, channels)), _ad.transpose(_ad.reshape(w, (taps * filters, channels))))
    cols = _ad.reshape(cols, (*x.shape[:-1], *window, filters))
    return _ad.fold(cols, out, window, strides, dilation, pads)


def _pool(owner, inputs, pool_size, strides, padding, data_format, value):
    _win.check_channels_last(owner, data_format)
    x = _ad.as_tensor(inputs)
    d = x.ndim - 2
    window = _win.tuple_of(owner, "pool_size", pool_size, d)
    strides = window if strides is None else _win.tuple_of(owner, "strides", strides, d)
    out, pads = _win.geometry(x.shape[1:-1], window, strides, (1,) * d, _win.padding_of(owner, padding))
    return _ad.windows(x, window, strides, (1,) * d, pads, out, value), tuple(range(1 + d, 1 + 2 * d))


@_dual
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    r"""y[b, o, c] = max over the window u of x[b, o s + u, c]  (strides default to pool_size; "same"
    pads with -inf). The gradient goes to the window's largest entry."""
    cols, axes = _pool("max_pool", inputs, pool_size, strides, padding, data_format, -np.inf)
    return _ad.max(cols, axis=axes)


@_dual
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    r"""y[b, o, c] = mean over the window u of x[b, o s + u, c]; with "same" the mean of the entries
    inside the input (the padding is not counted)."""
    cols, axes = _pool("average_pool", inputs, pool_size, strides, padding, data_format, 0.0)
    ones = np.ones((1, *_ad.as_tensor(inputs).shape[1:-1], 1), dtype=cols.dtype)
    counts, _ = _pool("average_pool", ones, pool_size, strides, padding, data_format, 0.0)
    return _ad.divide(_ad.sum(cols, axis=axes), counts.data.sum(axis=axes))


# -- cross-entropies (Keras's ops: not reduced over the batch) ------------------------------
_EPSILON = 1e-7


@_dual
def binary_crossentropy(target, output, from_logits=False):
    r"""Elementwise -[t ln p + (1 - t) ln(1 - p)], p clipped to [eps, 1 - eps]; with logits z,
    max(z, 0) - z t + ln(1 + e^{-|z|})."""
    output = _ad.as_tensor(output)
    target = _ad.as_tensor(_data(target).astype(output.dtype))
    if from_logits:
        return _ad.add(_ad.subtract(_ad.relu(output), _ad.multiply(output, target)),
                       _ad.log(_ad.add(1.0, _ad.exp(_ad.negative(_ad.abs(output))))))
    p = _ad.clip(output, _EPSILON, 1.0 - _EPSILON)
    return _ad.negative(_ad.add(_ad.multiply(target, _ad.log(p)),
                                _ad.multiply(_ad.subtract(1.0, target), _ad.log(_ad.subtract(1.0, p)))))


@_dual
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    r"""-sum_i t_i ln p_i over ``axis`` (one value per sample); p = output / sum(output) clipped to
    [eps, 1], or log_softmax of logits."""
    output = _ad.as_tensor(output)
    target = _ad.as_tensor(_data(target).astype(output.dtype))
    if from_logits:
        log_p = _ad.log_softmax(output, axis=axis)
    else:
        p = _ad.divide(output, _ad.sum(output, axis=axis, keepdims=True))
        log_p = _ad.log(_ad.clip(p, _EPSILON, 1.0))
    return _ad.negative(_ad.sum(_ad.multiply(target, log_p), axis=axis))


@_dual
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    r"""categorical_crossentropy of the one-hot rows of the integer labels ``target``."""
    output = _ad.as_tensor(output)
    return categorical_crossentropy(one_hot(target, output.shape[axis], dtype=output.dtype), output,
                                    from_logits=from_logits, axis=axis)


# -- no gradient: indices, comparisons, constructors ----------------------------------------
def argmax(x, axis=None, keepdims=False):
    return np.argmax(_data(x), axis=axis, keepdims=keepdims)


def argmin(x, axis=None, keepdims=False):
    return np.argmin(_data(x), axis=axis, keepdims=keepdims)


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    r"""Integer labels as one-hot rows: one_hot([2, 0], 3) = [[0, 0, 1], [1, 0, 0]]."""
    labels = np.asarray(_data(x)).astype(np.int64)
    out = (labels[..., None] == np.arange(num_classes)).astype(dtype or "float32")
    return np.moveaxis(out, -1, axis) if axis != -1 else out


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


def zeros(shape, dtype="float32"):
    return np.zeros(shape, dtype=dtype)


def ones(shape, dtype="float32"):
    return np.ones(shape, dtype=dtype)


def zeros_like(x, dtype=None):
    return np.zeros_like(_data(x), dtype=dtype)


def ones_like(x, dtype=None):
    return np.ones_like(_data(x), dtype=dtype)


def full(shape, fill_value, dtype=None):
    return np.full(shape, fill_value, dtype=dtype)


def arange(start, stop=None, step=1, dtype=None):
    return np.arange(start, stop, step, dtype=dtype)


def eye(n, m=None, k=0, dtype="float32"):
    return np.eye(n, m, k, dtype=dtype)


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
