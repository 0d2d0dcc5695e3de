r"""Layers that copy or reorder entries: Permute and RepeatVector (Keras's reshaping layers).

    Permute(dims)       y = x with its sample axes in the order ``dims`` (1-based)   dL/dx = g permuted back
    RepeatVector(n)     (m, d) -> (m, n, d), y_t = x for each t                      dL/dx = sum_t g_t
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..validation import check_number
from .base import Layer, register


@register("permute")
class Permute(Layer):
    r"""The sample axes reordered: ``Permute((2, 1))`` turns (m, T, d) into (m, d, T)."""

    def __init__(self, dims, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        dims = tuple(int(d) for d in dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute: dims must be a permutation of 1..{len(dims)} (axis 0 is the samples); "
                             f"got {dims}.")
        self.dims = dims

    def setup(self, input_shape, rng, dtype):
        if len(input_shape) != len(self.dims):
            raise ValueError(f"Permute{self.dims} needs samples of {len(self.dims)} axes; got shape {input_shape}.")
        return tuple(input_shape[d - 1] for d in self.dims)

    def forward(self, x, training=False):
        return np.transpose(x, (0, *self.dims))

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return np.transpose(grad, np.argsort((0, *self.dims))) if need_input_grad else None

    def call(self, inputs):
        return ops.transpose(inputs, (0, *self.dims))


@register("repeat_vector")
class RepeatVector(Layer):
    r"""(m, d) -> (m, n, d): the input repeated n times along a new time axis."""

    def __init__(self, n: int, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.n = check_number("RepeatVector", "n", n, 1, integer=True)

    def setup(self, input_shape, rng, dtype):
        if len(input_shape) != 1:
            raise ValueError(f"RepeatVector needs samples of one axis (m, d); got shape {input_shape}.")
        return (self.n, input_shape[0])

    def forward(self, x, training=False):
        return np.repeat(x[:, None, :], self.n, axis=1)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return grad.sum(axis=1) if need_input_grad else None

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)
