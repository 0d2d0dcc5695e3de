r"""Convolutional layers: Conv1D/2D/3D, their transposes, DepthwiseConv1D/2D and SeparableConv1D/2D.

Inputs are channels last, (m, *spatial, C); kernels have Keras's shapes, (*kernel_size, C, filters),
so Keras weights load with ``set_weights``. The forward pass reads the input as windows (a strided
view, ``neurona.windows``) and multiplies them by the kernel in one matrix product (im2col):

    z[b, o, f] = sum over taps u, channels c of  x_pad[b, o s + u r, c] W[u, c, f]  + b[f],   a = g(z)

and the backward pass, with delta = dL/dz (M = m o_1 ... o_d rows of the windows X):

    dL/dW = X^T delta          (taps C, F): one matrix product
    dL/db = sum of delta over the batch and the positions
    dL/dx = fold(delta W^T)    each window entry added back where it was read (col2im)

Each layer's ``call`` is its tape form, written with ``neurona.ops`` (``ops.conv`` and friends).
"""
from __future__ import annotations

import math

import numpy as np

from .. import activations, constraints, initializers, kernels, ops, regularizers
from .. import windows as win
from ..validation import check_number
from .base import Layer, register
from .windowed import Windowed


class Activated(Layer):
    r"""What the convolutional layers share after their linear part z: the bias and the activation
    a = g(z + b), the activity regularizer R(a) and the weight regularizers (each weight's
    ``<name>_regularizer``)."""

    def _setup_activation(self, activation, activity_regularizer):
        self.activation = activations.get(activation)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._keeps_z = self.activation.backward_needs_z
        self._relu = isinstance(self.activation, activations.ReLU)

    def _activate(self, z, training):
        r"""a = g(z + b), the bias added in place to z (the fresh product of the linear part); a ReLU
        and its bias in one compiled pass when numba is there."""
        fused = None
        if self._relu and self.use_bias and not (training and self._keeps_z) and z.dtype == self.bias.dtype:
            fused = kernels.for_array("bias_relu_forward", z)
        if fused is not None:
            fused(z.reshape(-1, z.shape[-1]), self.bias)
            if training or self.activity_regularizer is not None:     # evaluate's loss adds R(a)
                self._z, self._a = None, z
            return z
        if self.use_bias:
            z += self.bias
        if self._relu:
            a = np.maximum(z, 0, out=None if (training and self._keeps_z) else z)
        else:
            a = self.activation(z)
        if training:
            self._z = z if self._keeps_z else None
        if training or self.activity_regularizer is not None:         # evaluate's loss adds R(a)
            self._a = a
        return a

    def _delta_and_bias_grad(self, grad, pre_activation):
        r"""delta = dL/dz, and dL/db (the sum of delta over the batch and the positions) into the bias's
        gradient; a ReLU and its bias in one compiled pass when numba is there."""
        bias_grad = self.grads[self.param_names.index("bias")] if self.use_bias else None
        fused = None
        if bias_grad is not None and self._relu and not pre_activation and self.activity_regularizer is None \
                and grad.flags.writeable and grad.dtype == self._a.dtype == bias_grad.dtype:
            fused = kernels.for_array("relu_bias_backward", grad)
        if fused is not None:
            flat = grad.reshape(-1, grad.shape[-1])
            fused(flat, self._a.reshape(flat.shape), bias_grad,
                  np.empty((kernels.row_blocks(flat.shape[0]), flat.shape[1]), dtype=flat.dtype))
            return grad
        delta = self._delta(grad, pre_activation)
        if bias_grad is not None:                 # a product with ones: faster than a sum on tall delta
            flat = delta.reshape(-1, delta.shape[-1])
            np.dot(np.ones(flat.shape[0], dtype=flat.dtype), flat, out=bias_grad)
        return delta

    def _delta(self, grad, pre_activation):
        r"""dL/dz from dL/da (plus the activity regularizer's dR/da)."""
        if self.activity_regularizer is not None:
            extra = self.activity_regularizer.activity_gradient(self._a, self._a.shape[0])
            grad = grad + (self.activation.backward(extra, self._z, self._a) if pre_activation else extra)
        if pre_activation:
            return grad
        if self._relu:
            return np.multiply(grad, self._a > 0, out=grad if grad.flags.writeable else None)
        return self.activation.backward(grad, self._z, self._a)

    def _regularizer(self, name):
        return getattr(self, f"{name}_regularizer", None)

    def _add_regularizer_gradients(self, m):
        for name, grad in zip(self.param_names, self.grads):
            regularizer = self._regularizer(name)
            if regularizer is not None:
                grad += regularizer.gradient(getattr(self, name), m)

    def penalty(self, m):
        total = 0.0
        for name in self.param_names:
            regularizer = self._regularizer(name)
            if regularizer is not None:
                total += regularizer(getattr(self, name), m)
        if self.activity_regularizer is not None and getattr(self, "_a", None) is not None:
            total += self.activity_regularizer.activity(self._a, self._a.shape[0])
        return total

    def _activated_call(self, z):
        r"""The tape form's end: g(z + b)."""
        return self.activation.call(self.named("z", z + self.bias if self.use_bias else z))

    def describe(self):
        return f"{type(self).__name__}, {self.activation.registry_name}"


class Conv(Windowed, Activated):
    r"""The convolution of ``rank`` spatial axes (1: sequences, 2: images, 3: volumes); see the module.

    ``padding``: "valid" (no padding: o = floor((n - (k - 1) r - 1) / s) + 1), "same" (o = ceil(n / s),
    zeros split as Keras does) or, for Conv1D, "causal" ((k - 1) r zeros in front: z at step t sees
    x up to t only). ``groups`` g splits the channels: filter f sees the C / g channels of its group.
    """

    rank = 2
    paddings = ("valid", "same")

    def __init__(self, filters: int, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups: int = 1, activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        owner, d = type(self).__name__, self.rank
        self.filters = check_number(owner, "filters", filters, 1, integer=True)
        self.kernel_size = win.tuple_of(owner, "kernel_size", kernel_size, d)
        self.strides = win.tuple_of(owner, "strides", strides, d)
        self.padding = win.padding_of(owner, padding, self.paddings)
        win.check_channels_last(owner, data_format)
        self.data_format = data_format
        self.dilation_rate = win.tuple_of(owner, "dilation_rate", dilation_rate, d)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: strides > 1 with dilation_rate > 1 is not supported (as in Keras); got "
                             f"strides={strides!r}, dilation_rate={dilation_rate!r}.")
        self.groups = check_number(owner, "groups", groups, 1, integer=True)
        if self.filters % self.groups:
            raise ValueError(f"{owner}: filters ({filters}) must be a multiple of groups ({groups}).")
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._setup_activation(activation, activity_regularizer)

    def setup(self, input_shape, rng, dtype):
        win.check_input(self, input_shape)
        channels = input_shape[-1]
        if channels % self.groups:
            raise ValueError(f"{type(self).__name__}: the input's {channels} channels must be a multiple of groups ({self.groups}).")
        self.size_windows(input_shape[:-1], dtype)
        shape = (*self.kernel_size, channels // self.groups, self.filters)
        self.add_param("kernel", self.kernel_initializer(shape, rng, dtype))
        if self.use_bias:
            self.add_param("bias", self.bias_initializer((self.filters,), rng, dtype))
        return (*self._out, self.filters)

    def window_geometry(self, spatial):
        return win.geometry(spatial, self.kernel_size, self.strides, self.dilation_rate, self.padding)

    def _columns(self, x):
        r"""X: the windows of x, one row per output position, (m o_1 ... o_d, taps C) (a copy)."""
        view = win.windows(x, self.kernel_size, self.strides, self.dilation_rate, self._pads, self._out)
        return view.reshape(-1, math.prod(view.shape[1 + self.rank:]))

    def forward(self, x, training=False):
        self.follow_input(x)
        cols = self._columns(x)
        z = win.grouped_matmul(cols, self.kernel, self.groups)
        if training:
            self._x_shape, self._cols = x.shape, cols
        return self._activate(z.reshape(x.shape[0], *self._out, self.filters), training)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        delta = self._delta_and_bias_grad(grad, pre_activation).reshape(-1, self.filters)
        cols, m = self._cols, self._x_shape[0]
        if self.groups == 1:
            np.matmul(cols.T, delta, out=self.grads[0].reshape(-1, self.filters))
        else:
            dcols, self.grads[0][...] = win.grouped_matmul_grads(delta, cols, self.kernel, self.groups)
        self._add_regularizer_gradients(m)
        if not need_input_grad:
            return None
        spatial = self._x_shape[1:-1]
        if self.groups == 1:                      # fold(delta W^T), tap by tap
            return win.fold_matmul(delta.reshape(m, *self._out, self.filters), self.kernel, spatial, self.strides,
                                   self.dilation_rate, self._pads)
        dcols = dcols.reshape(m, *self._out, *self.kernel_size, self._x_shape[-1])
        return win.fold(dcols, spatial, self.kernel_size, self.strides, self.dilation_rate, self._pads)

    def call(self, inputs):
        padding = self.padding
        if padding == "causal":                  # (k - 1) r zeros in front, then a valid convolution
            front = (self.kernel_size[0] - 1) * self.dilation_rate[0]
            zeros = np.zeros((inputs.shape[0], front, inputs.shape[-1]), dtype=inputs.dtype)
            inputs, padding = ops.concatenate([zeros, inputs], axis=1), "valid"
        z = ops.conv(inputs, self.kernel, self.strides, padding, dilation_rate=self.dilation_rate)
        return self._activated_call(z)

    def describe(self):
        return f"{type(self).__name__} {'x'.join(map(str, self.kernel_size))}, {self.activation.registry_name}"

    # -- explain: one output position's arithmetic --------------------------------------------
    def explain_lines(self, record, line, l, backward):
        if backward:
            return super().explain_lines(record, line, l, backward)
        name = self.activation.registry_name
        bias = f" + b[{l}]" if self.use_bias else ""
        lines = [line(f"z[{l}]", record["z"], f"a[{l - 1}] * W[{l}]{bias}  (convolution: sum over each window)"),
                 line(f"a[{l}]", record["a"], f"{name}(z[{l}])")]
        return lines + [f"    {text}" for text in self.position_arithmetic(record["a_prev"], l)]

    def position_arithmetic(self, a_prev, l=1, sample=0, position=None, filter=0):
        r"""The sum behind one output position (sample, position, filter) of z of layer l, term by term:
        the window of the input times the kernel, plus the bias, as lines of text."""
        position = tuple(position or (0,) * self.rank)
        view = win.windows(a_prev[sample:sample + 1], self.kernel_size, self.strides, self.dilation_rate,
                           self._pads, self._out)[0][position]                 # (*window, C)
        per_group = self.kernel.shape[-2]
        group = filter // (self.filters // self.groups)
        channels = range(group * per_group, (group + 1) * per_group)
        terms, total = [], 0.0
        for u in np.ndindex(*self.kernel_size):
            for j, c in enumerate(channels):
                x, w = float(view[u][c]), float(self.kernel[u][j, filter])
                total += x * w
                start = [o * s + ui * r - b for o, s, ui, r, (b, _) in
                         zip(position, self.strides, u, self.dilation_rate, self._pads)]
                terms.append((f"a[{l - 1}][{sample}, {', '.join(map(str, start))}, {c}]", x,
                              f"W[{l}][{', '.join(map(str, u))}, {j}, {filter}]", w))
        bias = float(self.bias[filter]) if self.use_bias else 0.0
        where = f"z[{l}][{sample}, {', '.join(map(str, position))}, {filter}]"
        shown = " + ".join(f"{x:.4g}·{w:.4g}" for _, x, _, w in terms[:9])
        more = f" + ... ({len(terms) - 9} more terms)" if len(terms) > 9 else ""
        lines = [f"{where} = sum over the window of a[{l - 1}] W[{l}]" + (f" + b[{l}][{filter}]" if self.use_bias else ""),
                 f"{' ' * len(where)} = {shown}{more}" + (f" + {bias:.4g}" if self.use_bias else ""),
                 f"{' ' * len(where)} = {total + bias:.6g}"]
        if terms:
            lines.insert(1, f"{' ' * len(where)}   (first term: {terms[0][0]} · {terms[0][2]})")
        return lines


@register("conv1d")
class Conv1D(Conv):
    rank = 1
    paddings = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1, groups=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, name=None, **keras_arguments):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, name, **keras_arguments)


@register("conv2d")
class Conv2D(Conv):
    __doc__ = Conv.__doc__
    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, name=None, **keras_arguments):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, name, **keras_arguments)


@register("conv3d")
class Conv3D(Conv):
    __doc__ = Conv.__doc__
    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 name=None, **keras_arguments):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, name, **keras_arguments)


class ConvTranspose(Windowed, Activated):
    r"""The transposed convolution (sometimes called deconvolution): the adjoint of a convolution,
    each input position spreading its channels through the kernel W (*kernel_size, filters, C) onto
    the output positions i s + u r, where the overlaps add up:

        Y = x W^T  (one row per input position, (m n, taps filters)),   y = fold(Y) + b,   a = g(y)

    Backward: dL/dW = (windows of delta)^T x,  dL/dx = windows(delta) W  (a convolution of delta).
    Output sizes as Keras: n s ("same"), (n - 1) s + max((k - 1) r + 1, s) ("valid"), or set by
    ``output_padding``.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        owner, d = type(self).__name__, self.rank
        self.filters = check_number(owner, "filters", filters, 1, integer=True)
        self.kernel_size = win.tuple_of(owner, "kernel_size", kernel_size, d)
        self.strides = win.tuple_of(owner, "strides", strides, d)
        self.padding = win.padding_of(owner, padding)
        self.output_padding = None if output_padding is None else win.tuple_of(owner, "output_padding",
                                                                               output_padding, d, 0)
        if self.output_padding is not None and any(p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{owner}: output_padding must be smaller than strides; got output_padding="
                             f"{output_padding!r}, strides={strides!r}.")
        win.check_channels_last(owner, data_format)
        self.data_format = data_format
        self.dilation_rate = win.tuple_of(owner, "dilation_rate", dilation_rate, d)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._setup_activation(activation, activity_regularizer)

    def setup(self, input_shape, rng, dtype):
        win.check_input(self, input_shape)
        self.size_windows(input_shape[:-1], dtype)
        shape = (*self.kernel_size, self.filters, input_shape[-1])
        self.add_param("kernel", self.kernel_initializer(shape, rng, dtype))
        if self.use_bias:
            self.add_param("bias", self.bias_initializer((self.filters,), rng, dtype))
        return (*self._out, self.filters)

    def window_geometry(self, spatial):
        return win.transpose_geometry(spatial, self.kernel_size, self.strides, self.dilation_rate, self.padding,
                                      self.output_padding)

    def _kernel_matrix(self):
        return self.kernel.reshape(-1, self.kernel.shape[-1])           # (taps filters, C)

    def forward(self, x, training=False):
        self.follow_input(x)
        cols = np.dot(x.reshape(-1, x.shape[-1]), self._kernel_matrix().T)
        cols = cols.reshape(*x.shape[:-1], *self.kernel_size, self.filters)
        y = win.fold(cols, self._out, self.kernel_size, self.strides, self.dilation_rate, self._pads)
        if training:
            self._x = x
        return self._activate(y, training)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        delta = self._delta(grad, pre_activation)
        x = self._x
        dcols = win.windows(delta, self.kernel_size, self.strides, self.dilation_rate, self._pads, x.shape[1:-1])
        dcols = dcols.reshape(-1, math.prod(self.kernel_size) * self.filters)
        flat_x = x.reshape(-1, x.shape[-1])
        self.grads[0][...] = (dcols.T @ flat_x).reshape(self.kernel.shape)
        if self.use_bias:
            np.add.reduce(delta.reshape(-1, self.filters), axis=0, out=self.grads[1])
        self._add_regularizer_gradients(x.shape[0])
        if not need_input_grad:
            return None
        return np.dot(dcols, self._kernel_matrix()).reshape(x.shape)

    def call(self, inputs):
        z = ops.conv_transpose(inputs, self.kernel, self.strides, self.padding, self.output_padding,
                               dilation_rate=self.dilation_rate)
        return self._activated_call(z)


@register("conv1d_transpose")
class Conv1DTranspose(ConvTranspose):
    __doc__ = ConvTranspose.__doc__
    rank = 1


@register("conv2d_transpose")
class Conv2DTranspose(ConvTranspose):
    __doc__ = ConvTranspose.__doc__
    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 name=None, **keras_arguments):
        super().__init__(filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, name,
                         **keras_arguments)


class DepthwiseConv(Windowed, Activated):
    r"""Each input channel convolved with its own ``depth_multiplier`` filters, W (*kernel_size, C, M):

        z[b, o, c M + j] = sum over taps u of  x_pad[b, o s + u r, c] W[u, c, j]  + b[c M + j]

    Backward (tap by tap, x_u: the input read by tap u at every output position):
        dL/dW[u, c, j] = sum over b, o of x_u[b, o, c] delta[b, o, c, j]
        dL/dx_u[b, o, c] += sum over j of delta[b, o, c, j] W[u, c, j]     (folded back onto x)
    """

    rank = 2

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, name=None,
                 **keras_arguments):
        super().__init__(name, **keras_arguments)
        owner, d = type(self).__name__, self.rank
        self.kernel_size = win.tuple_of(owner, "kernel_size", kernel_size, d)
        self.strides = win.tuple_of(owner, "strides", strides, d)
        self.padding = win.padding_of(owner, padding)
        self.depth_multiplier = check_number(owner, "depth_multiplier", depth_multiplier, 1, integer=True)
        win.check_channels_last(owner, data_format)
        self.data_format = data_format
        self.dilation_rate = win.tuple_of(owner, "dilation_rate", dilation_rate, d)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._setup_activation(activation, activity_regularizer)

    # the weight is depthwise_kernel; Keras names its regularizer and constraint depthwise_...
    depthwise_kernel_regularizer = property(lambda self: self.depthwise_regularizer)
    depthwise_kernel_constraint = property(lambda self: self.depthwise_constraint)

    def setup(self, input_shape, rng, dtype):
        win.check_input(self, input_shape)
        self.size_windows(input_shape[:-1], dtype)
        channels = input_shape[-1]
        shape = (*self.kernel_size, channels, self.depth_multiplier)
        self.add_param("depthwise_kernel", self.depthwise_initializer(shape, rng, dtype))
        if self.use_bias:
            self.add_param("bias", self.bias_initializer((channels * self.depth_multiplier,), rng, dtype))
        return (*self._out, channels * self.depth_multiplier)

    def window_geometry(self, spatial):
        return win.geometry(spatial, self.kernel_size, self.strides, self.dilation_rate, self.padding)

    def _taps(self):
        return win.tap_slices(self.kernel_size, self.strides, self.dilation_rate, self._out)

    def _depthwise(self, xp):
        r"""The depthwise part, (m, *out, C M), of the padded input xp: tap by tap."""
        h = np.zeros((xp.shape[0], *self._out, xp.shape[-1], self.depth_multiplier), dtype=xp.dtype)
        for u, where in self._taps():
            h += xp[(slice(None), *where)][..., None] * self.depthwise_kernel[u]
        return h.reshape(*h.shape[:-2], -1)

    def _depthwise_backward(self, delta, need_input_grad):
        r"""From dL/d(depthwise part), (m, *out, C, M): dL/dW_d into grads[0] and, if asked, dL/dx."""
        xp, dxp = self._xp, np.zeros_like(self._xp) if need_input_grad else None
        axes = tuple(range(1 + self.rank))
        dw = self.grads[0]
        for u, where in self._taps():
            index = (slice(None), *where)
            dw[u] = (delta * xp[index][..., None]).sum(axis=axes)
            if need_input_grad:
                dxp[index] += (delta * self.depthwise_kernel[u]).sum(axis=-1)
        if not need_input_grad:
            return None
        return win.unpad(dxp, self._pads, self._x_shape[1:-1])

    def forward(self, x, training=False):
        self.follow_input(x)
        xp = win.pad(x, self._pads)
        z = self._depthwise(xp)
        if training:
            self._x_shape, self._xp = x.shape, xp
        return self._activate(z, training)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        delta = self._delta(grad, pre_activation)
        if self.use_bias:
            np.add.reduce(delta.reshape(-1, self.bias.size), axis=0, out=self.grads[1])
        dx = self._depthwise_backward(delta.reshape(*delta.shape[:-1], -1, self.depth_multiplier), need_input_grad)
        self._add_regularizer_gradients(self._x_shape[0])
        return dx

    def call(self, inputs):
        z = ops.depthwise_conv(inputs, self.depthwise_kernel, self.strides, self.padding,
                               dilation_rate=self.dilation_rate)
        return self._activated_call(z)


@register("depthwise_conv1d")
class DepthwiseConv1D(DepthwiseConv):
    __doc__ = DepthwiseConv.__doc__
    rank = 1


@register("depthwise_conv2d")
class DepthwiseConv2D(DepthwiseConv):
    __doc__ = DepthwiseConv.__doc__
    rank = 2

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, name=None,
                 **keras_arguments):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation,
                         use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, name, **keras_arguments)


class SeparableConv(DepthwiseConv):
    r"""A depthwise convolution (W_d: (*kernel_size, C, M)) followed by a pointwise one (W_p: (1, ..., 1,
    C M, filters)) that mixes the channels, then the bias and the activation:

        h = depthwise(x; W_d),   z = h W_p + b,   a = g(z)
    Backward: dL/dW_p = h^T delta,  dL/dh = delta W_p^T, then the depthwise backward of dL/dh.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, name=None,
                 **keras_arguments):
        super().__init__(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate, activation,
                         use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, name, **keras_arguments)
        owner = type(self).__name__
        self.filters = check_number(owner, "filters", filters, 1, integer=True)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    pointwise_kernel_regularizer = property(lambda self: self.pointwise_regularizer)
    pointwise_kernel_constraint = property(lambda self: self.pointwise_constraint)

    def setup(self, input_shape, rng, dtype):
        win.check_input(self, input_shape)
        self.size_windows(input_shape[:-1], dtype)
        channels = input_shape[-1]
        self.add_param("depthwise_kernel", self.depthwise_initializer(
            (*self.kernel_size, channels, self.depth_multiplier), rng, dtype))
        self.add_param("pointwise_kernel", self.pointwise_initializer(
            (*(1,) * self.rank, channels * self.depth_multiplier, self.filters), rng, dtype))
        if self.use_bias:
            self.add_param("bias", self.bias_initializer((self.filters,), rng, dtype))
        return (*self._out, self.filters)

    def forward(self, x, training=False):
        self.follow_input(x)
        xp = win.pad(x, self._pads)
        h = self._depthwise(xp)
        z = h @ self.pointwise_kernel.reshape(-1, self.filters)
        if training:
            self._x_shape, self._xp, self._h = x.shape, xp, h
        return self._activate(z, training)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        delta = self._delta(grad, pre_activation)
        h, flat = self._h, delta.reshape(-1, self.filters)
        self.grads[1][...] = (h.reshape(-1, h.shape[-1]).T @ flat).reshape(self.pointwise_kernel.shape)
        dh = (flat @ self.pointwise_kernel.reshape(-1, self.filters).T).reshape(
            *h.shape[:-1], -1, self.depth_multiplier)
        if self.use_bias:
            np.add.reduce(flat, axis=0, out=self.grads[2])
        dx = self._depthwise_backward(dh, need_input_grad)
        self._add_regularizer_gradients(self._x_shape[0])
        return dx

    def call(self, inputs):
        z = ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel, self.strides, self.padding,
                               dilation_rate=self.dilation_rate)
        return self._activated_call(z)


@register("separable_conv1d")
class SeparableConv1D(SeparableConv):
    __doc__ = SeparableConv.__doc__
    rank = 1


@register("separable_conv2d")
class SeparableConv2D(SeparableConv):
    __doc__ = SeparableConv.__doc__
    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, name=None, **keras_arguments):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
                         activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
                         depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
                         depthwise_constraint, pointwise_constraint, bias_constraint, name, **keras_arguments)
