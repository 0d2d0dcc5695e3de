r"""Layers that move the positions of the spatial axes (channels last, (m, *spatial, C)):
ZeroPadding, Cropping and UpSampling in 1, 2 and 3 dimensions. No weights; each backward returns
the gradient to where each value came from:

    ZeroPadding   y = x with zeros around it           dL/dx = dL/dy without the border
    Cropping      y = x without a border               dL/dx = dL/dy with zeros around it
    UpSampling    y[b, i, c] = x[b, floor(i / s), c]   dL/dx[b, j, c] = sum over the s copies of j
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import ops
from .. import windows as win
from ..autodiff.tensor import Tensor
from .base import Layer, register


def _pairs(owner, argument, value, d):
    r"""An int p (p on both sides of every axis), d ints (symmetric per axis) or d (before, after)
    pairs, as ((before, after), ...) of d axes."""
    def integer(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0

    if integer(value):
        return ((int(value), int(value)),) * d
    value = tuple(value) if isinstance(value, (tuple, list)) else None
    if d == 1 and value is not None and len(value) == 2 and all(integer(v) for v in value):
        return ((int(value[0]), int(value[1])),)
    if value is not None and len(value) == d:
        if all(integer(v) for v in value):
            return tuple((int(v), int(v)) for v in value)
        if all(isinstance(v, (tuple, list)) and len(v) == 2 and all(integer(w) for w in v) for v in value):
            return tuple((int(v[0]), int(v[1])) for v in value)
    shape = "(before, after)" if d == 1 else f"{d} ints or {d} (before, after) pairs"
    raise ValueError(f"{owner}: {argument} must be an int >= 0, or {shape}; got {value!r}.")


class Spatial(Layer):
    rank = 2


def _known(n, size):
    r"""size(n) of a spatial axis, or None when n is unknown (a length that varies)."""
    return None if n is None else size(n)


class ZeroPadding(Spatial):
    r"""y = x with ``padding`` zeros before and after each spatial axis;  dL/dx = dL/dy without them."""

    def __init__(self, padding=1, data_format=None, name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        win.check_channels_last(type(self).__name__, data_format)
        self.padding = _pairs(type(self).__name__, "padding", padding, self.rank)
        self.data_format = data_format

    def setup(self, input_shape, rng, dtype):
        win.check_input(self, input_shape)
        return (*(_known(n, lambda n: n + b + a) for n, (b, a) in zip(input_shape, self.padding)), input_shape[-1])

    def forward(self, x, training=False):
        return np.pad(x, [(0, 0), *self.padding, (0, 0)])

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        return grad[(slice(None), *(slice(b, n - a) for (b, a), n in zip(self.padding, grad.shape[1:])))]

    def call(self, inputs):
        for axis, (before, after) in enumerate(self.padding, start=1):
            shape = list(inputs.shape)
            parts = []
            for width in (before, after):
                shape[axis] = width
                parts.append(Tensor(np.zeros(shape, dtype=inputs.dtype)))
            inputs = ops.concatenate([parts[0], inputs, parts[1]], axis=axis)
        return inputs


class Cropping(Spatial):
    r"""y = x without ``cropping`` positions before and after each spatial axis;  dL/dx = dL/dy with
    zeros where the cropped positions were."""

    def __init__(self, cropping=1, data_format=None, name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        win.check_channels_last(type(self).__name__, data_format)
        self.cropping = _pairs(type(self).__name__, "cropping", cropping, self.rank)
        self.data_format = data_format

    def setup(self, input_shape, rng, dtype):
        win.check_input(self, input_shape)
        out = tuple(_known(n, lambda n: n - b - a) for n, (b, a) in zip(input_shape, self.cropping))
        if min((n for n in out if n is not None), default=1) < 1:
            raise ValueError(f"{type(self).__name__}: cropping {self.cropping} leaves nothing of an input of "
                             f"spatial shape {input_shape[:-1]}.")
        return (*out, input_shape[-1])

    def _index(self, shape):
        return (slice(None), *(slice(b, n - a) for (b, a), n in zip(self.cropping, shape[1:])))

    def forward(self, x, training=False):
        if training:
            self._shape = x.shape
        return x[self._index(x.shape)]

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        dx = np.zeros(self._shape, dtype=grad.dtype)
        dx[self._index(self._shape)] = grad
        return dx

    def call(self, inputs):
        return inputs[self._index(inputs.shape)]


class UpSampling(Spatial):
    r"""Each position repeated ``size`` times along its axis:  y[b, i, c] = x[b, floor(i / s), c];
    dL/dx[b, j, c] = sum over the s copies of j of dL/dy."""

    def __init__(self, size=2, data_format=None, interpolation="nearest", name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        from .. import windows as win
        owner = type(self).__name__
        win.check_channels_last(owner, data_format)
        self.size = win.tuple_of(owner, "size", size, self.rank)
        if interpolation != "nearest":
            raise ValueError(f"{owner}: neurona repeats each position (interpolation='nearest'); "
                             f"got interpolation={interpolation!r}.")
        self.data_format, self.interpolation = data_format, interpolation

    def setup(self, input_shape, rng, dtype):
        win.check_input(self, input_shape)
        return (*(_known(n, lambda n: n * s) for n, s in zip(input_shape, self.size)), input_shape[-1])

    def forward(self, x, training=False):
        for axis, s in enumerate(self.size, start=1):
            x = np.repeat(x, s, axis=axis)
        return x

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        m, *spatial, c = grad.shape
        split = [m]
        for n, s in zip(spatial, self.size):
            split += [n // s, s]
        return grad.reshape(*split, c).sum(axis=tuple(range(2, 2 + 2 * self.rank, 2)))

    def call(self, inputs):
        for axis, s in enumerate(self.size, start=1):
            index = np.repeat(np.arange(inputs.shape[axis]), s)
            inputs = inputs[(slice(None),) * axis + (index,)]
        return inputs


ZeroPadding1D = register("zero_padding1d")(type("ZeroPadding1D", (ZeroPadding,), {"rank": 1, "__module__": __name__}))
ZeroPadding2D = register("zero_padding2d")(type("ZeroPadding2D", (ZeroPadding,), {"rank": 2, "__module__": __name__}))
ZeroPadding3D = register("zero_padding3d")(type("ZeroPadding3D", (ZeroPadding,), {"rank": 3, "__module__": __name__}))
Cropping1D = register("cropping1d")(type("Cropping1D", (Cropping,), {"rank": 1, "__module__": __name__}))
Cropping2D = register("cropping2d")(type("Cropping2D", (Cropping,), {"rank": 2, "__module__": __name__}))
Cropping3D = register("cropping3d")(type("Cropping3D", (Cropping,), {"rank": 3, "__module__": __name__}))
UpSampling1D = register("up_sampling1d")(type("UpSampling1D", (UpSampling,), {"rank": 1, "__module__": __name__}))
UpSampling2D = register("up_sampling2d")(type("UpSampling2D", (UpSampling,), {"rank": 2, "__module__": __name__}))
UpSampling3D = register("up_sampling3d")(type("UpSampling3D", (UpSampling,), {"rank": 3, "__module__": __name__}))
