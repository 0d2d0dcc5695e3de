r"""Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D and the global poolings.

A pooling summarises each window of the input (channels last, (m, *spatial, C)), channel by
channel; it has no weights. The window is read tap by tap: tap u of every window at once is the
strided slice x_pad[:, u :: s] (``neurona.windows.tap_slices``), so the loops run over the k_1 ... k_d
taps of a window (4 for 2 x 2), never over positions:

    max:      y[b, o, c] = max over u of x_pad[b, o s + u, c]     dL/dx = dL/dy at the (first) largest entry
    average:  y[b, o, c] = (1 / n_o) sum over u of x[b, o s + u, c]   dL/dx[b, o s + u, c] += dL/dy[b, o, c] / n_o
    (n_o: the entries of the window inside the input; "same" pads max pooling with -inf, and average
    pooling does not count the padding, as Keras.)
"""
from __future__ import annotations

import math

import numpy as np

from .. import kernels, ops
from .. import windows as win
from .base import Layer, register
from .windowed import Windowed
from .masking import mask_of


class Pooling(Windowed, Layer):
    r"""The shared part of max and average pooling of ``rank`` spatial axes (strides default to
    pool_size)."""

    rank = 2

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        owner, d = type(self).__name__, self.rank
        self.pool_size = win.tuple_of(owner, "pool_size", pool_size, d)
        self.strides = self.pool_size if strides is None else win.tuple_of(owner, "strides", strides, d)
        self.padding = win.padding_of(owner, padding)
        win.check_channels_last(owner, data_format)
        self.data_format = data_format

    def setup(self, input_shape, rng, dtype):
        win.check_input(self, input_shape)
        return (*self.size_windows(input_shape[:-1], dtype), input_shape[-1])

    def window_geometry(self, spatial):
        return win.geometry(spatial, self.pool_size, self.strides, (1,) * self.rank, self.padding)

    def _taps(self):
        r"""For each tap, the index of what it reads of the padded input at every output position."""
        for _, where in win.tap_slices(self.pool_size, self.strides, (1,) * self.rank, self._out):
            yield (slice(None), *where)

    def _unpad(self, dxp, shape):
        return win.unpad(dxp, self._pads, shape[1:-1])

    def describe(self):
        return f"{type(self).__name__} {'x'.join(map(str, self.pool_size))}"


class MaxPooling(Pooling):
    r"""y[b, o, c] = max over the taps u of x_pad[b, o s + u, c]  ("same" pads with -inf);
    dL/dx: dL/dy[b, o, c] goes to the window's largest entry (the first, on ties), added up where
    windows overlap. The forward pass keeps, for each output, which tap won."""

    def forward(self, x, training=False):
        self.follow_input(x)
        xp = win.pad(x, self._pads, -np.inf)
        kernel = kernels.for_array("max_pool2d_forward", xp) if training and self.rank == 2 else None
        if kernel is not None:                  # the same loop, compiled (neurona[fast])
            y = np.empty((x.shape[0], *self._out, x.shape[-1]), dtype=x.dtype)
            winner = np.empty(y.shape, dtype=self._winner_type())
            kernel(xp, *self.pool_size, *self.strides, y, winner)
            self._padded_shape, self._winner, self._shape = xp.shape, winner, x.shape
            return y
        y = winner = None
        for k, index in enumerate(self._taps()):
            tap = xp[index]
            if y is None:
                y = tap.copy()
                winner = np.zeros(y.shape, dtype=self._winner_type()) if training else None
            else:
                if training:                        # winner <- k where tap > y (strictly: a tie keeps the first)
                    step = np.subtract(k, winner, dtype=winner.dtype)
                    step *= tap > y
                    winner += step
                np.maximum(y, tap, out=y)
        if training:
            self._padded_shape, self._winner, self._shape = xp.shape, winner, x.shape
        return y

    def _winner_type(self):
        return np.uint8 if math.prod(self.pool_size) < 256 else np.int32

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        kernel = kernels.for_array("max_pool2d_backward", grad) if self.rank == 2 else None
        if kernel is not None:                  # the compiled loop zeroes dxp itself
            dxp = np.empty(self._padded_shape, dtype=grad.dtype)
            kernel(grad, self._winner, self.pool_size[1], *self.strides, dxp)
            return self._unpad(dxp, self._shape)
        dxp = np.zeros(self._padded_shape, dtype=grad.dtype)
        apart = all(s >= k for s, k in zip(self.strides, self.pool_size))     # each entry in one window at most
        for k, index in enumerate(self._taps()):
            won = self._winner == k
            if apart:
                np.multiply(grad, won, out=dxp[index])
            else:
                dxp[index] += grad * won
        return self._unpad(dxp, self._shape)

    def call(self, inputs):
        return ops.max_pool(inputs, self.pool_size, self.strides, self.padding)


class AveragePooling(Pooling):
    r"""y[b, o, c] = (1 / n_o) sum over the taps u of x_pad[b, o s + u, c]  (n_o: the taps inside the
    input); dL/dx[b, o s + u, c] += dL/dy[b, o, c] / n_o."""

    def windows_resized(self, spatial, dtype):
        ones = win.pad(np.ones((1, *spatial, 1), dtype=dtype), self._pads)
        self._counts = sum(ones[index] for index in self._taps())        # n_o: entries inside the input

    def forward(self, x, training=False):
        self.follow_input(x)
        xp = win.pad(x, self._pads)
        y = None
        for index in self._taps():
            y = xp[index].copy() if y is None else np.add(y, xp[index], out=y)
        y /= self._counts
        if training:
            self._padded_shape, self._shape = xp.shape, x.shape
        return y

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        dxp = np.zeros(self._padded_shape, dtype=grad.dtype)
        share = grad / self._counts
        for index in self._taps():
            dxp[index] += share
        return self._unpad(dxp, self._shape)

    def call(self, inputs):
        return ops.average_pool(inputs, self.pool_size, self.strides, self.padding)


def _pooling(base, name, rank, default):
    def __init__(self, pool_size=default, strides=None, padding="valid", data_format=None, name=None,
                 **keras_arguments):
        base.__init__(self, pool_size, strides, padding, data_format, name, **keras_arguments)

    cls = type(name, (base,), {"rank": rank, "__init__": __init__, "__doc__": base.__doc__,
                               "__module__": __name__})
    return cls


MaxPooling1D = register("max_pooling1d", "max_pool1d")(_pooling(MaxPooling, "MaxPooling1D", 1, 2))
MaxPooling2D = register("max_pooling2d", "max_pool2d")(_pooling(MaxPooling, "MaxPooling2D", 2, (2, 2)))
MaxPooling3D = register("max_pooling3d", "max_pool3d")(_pooling(MaxPooling, "MaxPooling3D", 3, (2, 2, 2)))
AveragePooling1D = register("average_pooling1d", "avg_pool1d")(_pooling(AveragePooling, "AveragePooling1D", 1, 2))
AveragePooling2D = register("average_pooling2d", "avg_pool2d")(
    _pooling(AveragePooling, "AveragePooling2D", 2, (2, 2)))
AveragePooling3D = register("average_pooling3d", "avg_pool3d")(
    _pooling(AveragePooling, "AveragePooling3D", 3, (2, 2, 2)))


class GlobalPooling(Layer):
    r"""One number per channel from all positions (``keepdims=True`` keeps the spatial axes, as 1s):

        GlobalAveragePooling:  y[b, c] = (1 / n) sum over positions p of x[b, p, c];  dL/dx[b, p, c] = dL/dy[b, c] / n
        GlobalMaxPooling:      y[b, c] = max over p of x[b, p, c];  dL/dx = dL/dy at the (first) largest entry

    The average of a masked sequence (after ``Embedding(mask_zero=True)``) counts its real steps
    only, as Keras: y[b, c] = sum_t mask[b, t] x[b, t, c] / n_b, n_b = sum_t mask[b, t] (a sequence
    with no real step averages to 0, where Keras divides 0 by 0). The maximum reads every step, the
    padded ones too, as Keras's GlobalMaxPooling1D does. Neither hands the mask on.
    """

    rank = 2

    def __init__(self, data_format=None, keepdims: bool = False, name=None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        win.check_channels_last(type(self).__name__, data_format)
        self.data_format = data_format
        self.keepdims = bool(keepdims)

    def setup(self, input_shape, rng, dtype):
        win.check_input(self, input_shape)
        return (*(1,) * self.rank, input_shape[-1]) if self.keepdims else (input_shape[-1],)

    def _axes(self):
        return tuple(range(1, 1 + self.rank))


class GlobalAveragePooling(GlobalPooling):
    __doc__ = GlobalPooling.__doc__

    def _share(self, x):
        r"""Each position's weight in the average, s[b, p]: 1 / n, or with a mask of the steps
        mask[b, t] / n_b ((m, T, 1)). Then y = sum_p s x and dL/dx = s dL/dy."""
        mask = mask_of(x)
        if mask is None:
            return 1.0 / math.prod(x.shape[1:-1])
        real = mask.astype(x.dtype)[..., None]
        return real / np.maximum(real.sum(axis=1, keepdims=True), 1)

    def forward(self, x, training=False):
        share = self._share(x)
        x = np.asarray(x)
        if training:
            self._shape, self._weights = x.shape, share
        if np.isscalar(share):
            return x.mean(axis=self._axes(), keepdims=self.keepdims)
        return (x * share).sum(axis=self._axes(), keepdims=self.keepdims)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        shape = self._shape
        grad = grad.reshape(shape[0], *(1,) * self.rank, shape[-1]) * self._weights
        return np.broadcast_to(grad, shape).copy()

    def call(self, inputs):
        share = self._share(inputs)
        if np.isscalar(share):
            return ops.mean(inputs, axis=self._axes(), keepdims=self.keepdims)
        return ops.sum(inputs * share, axis=self._axes(), keepdims=self.keepdims)


class GlobalMaxPooling(GlobalPooling):
    __doc__ = GlobalPooling.__doc__

    def forward(self, x, training=False):
        x = np.asarray(x)
        if training:
            flat = x.reshape(x.shape[0], -1, x.shape[-1])
            self._shape, self._first = x.shape, flat.argmax(axis=1)[:, None, :]
        return x.max(axis=self._axes(), keepdims=self.keepdims)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        shape = self._shape
        dx = np.zeros((shape[0], math.prod(shape[1:-1]), shape[-1]), dtype=grad.dtype)
        np.put_along_axis(dx, self._first, grad.reshape(shape[0], 1, shape[-1]), axis=1)
        return dx.reshape(shape)

    def call(self, inputs):
        return ops.max(inputs, axis=self._axes(), keepdims=self.keepdims)


def _global(base, name, rank):
    return type(name, (base,), {"rank": rank, "__doc__": base.__doc__, "__module__": __name__})


GlobalAveragePooling1D = register("global_average_pooling1d", "global_avg_pool1d")(
    _global(GlobalAveragePooling, "GlobalAveragePooling1D", 1))
GlobalAveragePooling2D = register("global_average_pooling2d", "global_avg_pool2d")(
    _global(GlobalAveragePooling, "GlobalAveragePooling2D", 2))
GlobalAveragePooling3D = register("global_average_pooling3d", "global_avg_pool3d")(
    _global(GlobalAveragePooling, "GlobalAveragePooling3D", 3))
GlobalMaxPooling1D = register("global_max_pooling1d", "global_max_pool1d")(
    _global(GlobalMaxPooling, "GlobalMaxPooling1D", 1))
GlobalMaxPooling2D = register("global_max_pooling2d", "global_max_pool2d")(
    _global(GlobalMaxPooling, "GlobalMaxPooling2D", 2))
GlobalMaxPooling3D = register("global_max_pooling3d", "global_max_pool3d")(
    _global(GlobalMaxPooling, "GlobalMaxPooling3D", 3))
