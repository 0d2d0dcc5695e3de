r"""Layers that only rearrange numbers: Flatten and Reshape. Their backward puts the gradient
back in the input's shape:  dL/dx = reshape(dL/dy, shape of x)."""
from __future__ import annotations

import math
import numbers

from .. import ops
from .base import Layer, register


@register("flatten")
class Flatten(Layer):
    r"""(m, d_1, ..., d_k) -> (m, d_1 ... d_k): an image of 28 x 28 pixels becomes 784 features."""

    def __init__(self, data_format=None, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.data_format = data_format

    def setup(self, input_shape, rng, dtype):
        return (math.prod(input_shape),)

    def forward(self, x, training=False):
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return grad.reshape(self._shape) if need_input_grad else None

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0], *self.sample_output_shape))


@register("reshape")
class Reshape(Layer):
    r"""(m, *input_shape) -> (m, *target_shape); one axis of target_shape may be -1 (inferred)."""

    def __init__(self, target_shape, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        if isinstance(target_shape, numbers.Integral):
            target_shape = (target_shape,)
        if not isinstance(target_shape, (tuple, list)) or not target_shape or any(
                not isinstance(n, numbers.Integral) or (n < 1 and n != -1) for n in target_shape) \
                or list(target_shape).count(-1) > 1:
            raise ValueError(f"Reshape: target_shape must be a tuple of positive integers (one may be -1); "
                             f"got {target_shape!r}.")
        self.target_shape = tuple(int(n) for n in target_shape)

    def setup(self, input_shape, rng, dtype):
        size, known = math.prod(input_shape), math.prod(n for n in self.target_shape if n != -1)
        shape = tuple(size // known if n == -1 else n for n in self.target_shape)
        if math.prod(shape) != size:
            raise ValueError(f"Reshape: cannot reshape inputs of shape {input_shape} ({size} values) to "
                             f"{self.target_shape}.")
        return shape

    def forward(self, x, training=False):
        self._shape = x.shape
        return x.reshape(x.shape[0], *self.sample_output_shape)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return grad.reshape(self._shape) if need_input_grad else None

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0], *self.sample_output_shape))

    def describe(self):
        return f"Reshape, {self.target_shape}"
