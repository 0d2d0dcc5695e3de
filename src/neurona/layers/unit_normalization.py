r"""Normalization by the size of each sample's values, no centring: over the N values of ``axis``,

    UnitNormalization   r = 1 / max(||x||, 1e-12),            y = x r
                        dL/dx = r (g - y sum(g y))            (sums over ``axis``; g dL/dx when ||x|| < 1e-12)
    RMSNormalization    r = 1 / sqrt(mean(x^2) + eps),  x^ = x r,  y = x^ scale   (Zhang & Sennrich, 2019)
                        dL/dscale = sum over the other axes of g x^,  and with dx^ = g scale,
                        dL/dx = r (dx^ - x^ mean(dx^ x^))

``axis`` counts the batch axis as Keras does (-1 the last; 0 is refused): an int or a list of them.
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..validation import check_number
from .base import Layer, register
from .masking import mask_of, with_mask

_SMALLEST_NORM = 1e-12          # Keras's floor on the norm (inputs of zeros stay zeros)


def _axes(owner, axis, rank):
    r"""``axis`` (an int or a list) as sorted non-negative axes of arrays of ``rank``, the batch axis refused."""
    given = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    if not given or any(not isinstance(a, (int, np.integer)) or not -rank <= a < rank for a in given):
        raise ValueError(f"{owner}: axis must be an axis (or a list of axes) of inputs of rank {rank}; got {axis!r}.")
    axes = tuple(sorted({int(a) % rank for a in given}))
    if 0 in axes:
        raise ValueError(f"{owner}: axis must not be the batch axis 0; got {axis!r}.")
    return axes


def _checked_axis(owner, axis):
    if isinstance(axis, (int, np.integer)):
        return int(axis)
    if isinstance(axis, (list, tuple)) and axis and all(isinstance(a, (int, np.integer)) for a in axis):
        return [int(a) for a in axis]
    raise ValueError(f"{owner}: axis must be an int or a non-empty list of ints; got {axis!r}.")


@register("unit_normalization")
class UnitNormalization(Layer):
    r"""y = x / ||x|| over ``axis`` (the Euclidean norm; norms under 1e-12 count as 1e-12)."""

    def __init__(self, axis=-1, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.axis = _checked_axis("UnitNormalization", axis)

    def setup(self, input_shape, rng, dtype):
        self.axes = _axes("UnitNormalization", self.axis, len(input_shape) + 1)
        return input_shape

    def forward(self, x, training=False):
        inv_norm = 1.0 / np.maximum(np.sqrt(np.sum(x * x, axis=self.axes, keepdims=True)), _SMALLEST_NORM)
        y = (x * inv_norm).astype(x.dtype, copy=False)
        if training:
            self._y, self._inv_norm = y, inv_norm
        return with_mask(y, mask_of(x))

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        y, inv_norm = self._y, self._inv_norm
        projected = grad - y * np.sum(grad * y, axis=self.axes, keepdims=True)
        floored = inv_norm >= 1.0 / _SMALLEST_NORM          # there y = x 1e12, a constant slope
        return np.where(floored, grad, projected) * inv_norm

    def call(self, inputs):
        inv_norm = 1.0 / ops.maximum(ops.sqrt(ops.sum(inputs * inputs, axis=self.axes, keepdims=True)),
                                     _SMALLEST_NORM)
        return with_mask(inputs * inv_norm, mask_of(inputs))

    def describe(self):
        return f"UnitNormalization, axis={self.axis}"


@register("rms_normalization")
class RMSNormalization(Layer):
    r"""y = x / sqrt(mean(x^2) + epsilon) * scale over ``axis``; ``scale`` is learned, of the shape of
    those axes (ones at first)."""

    def __init__(self, axis=-1, epsilon: float = 1e-6, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.axis = _checked_axis("RMSNormalization", axis)
        self.epsilon = check_number("RMSNormalization", "epsilon", epsilon, 0)

    def setup(self, input_shape, rng, dtype):
        rank = len(input_shape) + 1
        self.axes = _axes("RMSNormalization", self.axis, rank)
        self._broadcast = tuple(input_shape[a - 1] if a in self.axes else 1 for a in range(1, rank))
        self.add_param("scale", np.ones(tuple(input_shape[a - 1] for a in self.axes), dtype=dtype))
        return input_shape

    def _inverse_rms(self, lib, x):
        r"""1 / sqrt(mean(x^2) + eps) over ``axis`` (kept), with ``lib`` NumPy or ``ops`` on the tape."""
        return 1.0 / lib.sqrt(lib.mean(x * x, axis=self.axes, keepdims=True) + self.epsilon)

    def forward(self, x, training=False):
        inv_rms = self._inverse_rms(np, x)
        x_hat = x * inv_rms
        if training:
            self._x_hat, self._inv_rms = x_hat, inv_rms
        return with_mask((x_hat * self.scale.reshape(self._broadcast)).astype(x.dtype, copy=False), mask_of(x))

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        x_hat = self._x_hat
        others = tuple(a for a in range(grad.ndim) if a not in self.axes)
        self.grads[0][...] = np.sum(grad * x_hat, axis=others).reshape(self.scale.shape)
        if not need_input_grad:
            return None
        dx_hat = grad * self.scale.reshape(self._broadcast)
        return self._inv_rms * (dx_hat - x_hat * np.mean(dx_hat * x_hat, axis=self.axes, keepdims=True))

    def call(self, inputs):
        y = inputs * self._inverse_rms(ops, inputs) * ops.reshape(self.scale, self._broadcast)
        return with_mask(y, mask_of(inputs))

    def describe(self):
        return f"RMSNormalization, axis={self.axis}"
