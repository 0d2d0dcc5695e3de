r"""The neural-network functions of ``keras.ops`` (``keras.ops.nn``): the activations in their tape
form (each activation's ``call``), convolutions and pooling, cross-entropies, normalisations.

    mean, variance = ops.moments(x, axes=[0])
    y = ops.batch_normalization(x, mean, variance, axis=-1, offset=beta, scale=gamma, epsilon=1e-3)
"""
from __future__ import annotations

import numpy as np

from .. import activations as _activations
from .. import windows as _win
from ..autodiff import ops as _ad
from ..autodiff.tensor import Tensor
from .core import _data, _dual
from .recording import make_aware


_IMPORTED = set(globals())
def _tensor(x):
    return _ad.as_tensor(x)


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


def _window_arguments(owner, x, d, strides, dilation_rate):
    if x.ndim != d + 2:
        raise ValueError(f"{owner}: inputs of shape (batch, {d} spatial axes, channels) expected for a kernel of "
                         f"{d} spatial axes; got shape {x.shape}.")
    return (_win.tuple_of(owner, "strides", strides, d), _win.tuple_of(owner, "dilation_rate", dilation_rate, d))


# -- convolutions and pooling: channels last, x of shape (m, *spatial, C); see neurona.windows --
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


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    r"""Integer labels as one-hot rows: one_hot([2, 0], 3) = [[0, 0, 1], [1, 0, 0]]."""
    labels = np.asarray(_data(x)).astype(np.int64)
    out = (labels[..., None] == np.arange(num_classes)).astype(dtype or "float32")
    return np.moveaxis(out, -1, axis) if axis != -1 else out


# -- normalisation -----------------------------------------------------------------------------
def moments(x, axes, keepdims=False, synchronized=False):
    r"""(mean, variance) of x over ``axes``: mu = mean(x), sigma^2 = mean((x - mu)^2)."""
    from .numpy import mean, var
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
    from .numpy import mean, var
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
    from .numpy import mean
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


__all__ = sorted(n for n, v in globals().items() if callable(v) and not n.startswith("_") and n not in _IMPORTED)
make_aware(globals(), __all__)
