r"""Merge layers: several inputs of one shape (Concatenate: equal but for the last axis) become
one output. They are called on a list, ``layers.Add()([a, b])``, or through the functions of the
same names, ``layers.add([a, b])``. Backward returns one gradient per input.

    Add          y = sum_k x_k                    dL/dx_k = g
    Subtract     y = x_1 - x_2                    dL/dx_1 = g,  dL/dx_2 = -g
    Multiply     y = prod_k x_k                   dL/dx_k = g prod_{j != k} x_j
    Average      y = (1/K) sum_k x_k              dL/dx_k = g / K
    Maximum      y = max_k x_k (elementwise)      dL/dx_k = g where x_k is the (first) largest, else 0
    Concatenate  y = [x_1, ..., x_K] on axis -1   dL/dx_k = the slice of g that x_k filled
"""
from __future__ import annotations

import numpy as np

from .base import Layer, register


class Merge(Layer):
    r"""Base of the merge layers: K >= 2 inputs of the same shape."""

    n_inputs = None

    def setup(self, input_shape, rng, dtype):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"{type(self).__name__} merges a list of at least 2 inputs; got {input_shape!r}.")
        if any(s != input_shape[0] for s in input_shape):
            raise ValueError(f"{type(self).__name__} needs inputs of one shape; got {[(None, *s) for s in input_shape]}.")
        return input_shape[0]

    def describe(self):
        return type(self).__name__


@register("add")
class Add(Merge):
    def forward(self, xs, training=False):
        self._k = len(xs)
        out = xs[0].copy()
        for x in xs[1:]:
            out += x
        return out

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return [grad] * self._k


@register("subtract")
class Subtract(Merge):
    def setup(self, input_shape, rng, dtype):
        if len(input_shape) != 2:
            raise ValueError(f"Subtract takes exactly 2 inputs; got {len(input_shape)}.")
        return super().setup(input_shape, rng, dtype)

    def forward(self, xs, training=False):
        return xs[0] - xs[1]

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return [grad, -grad]


@register("multiply")
class Multiply(Merge):
    def forward(self, xs, training=False):
        self._xs = xs
        out = xs[0].copy()
        for x in xs[1:]:
            out *= x
        return out

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        grads = []
        for k in range(len(self._xs)):
            g = grad.copy()
            for j, x in enumerate(self._xs):
                if j != k:
                    g *= x
            grads.append(g)
        return grads


@register("average")
class Average(Merge):
    def forward(self, xs, training=False):
        self._k = len(xs)
        return sum(xs[1:], xs[0].copy()) / self._k

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return [grad / self._k] * self._k


@register("maximum")
class Maximum(Merge):
    def forward(self, xs, training=False):
        stacked = np.stack(xs)
        self._winner, self._k = np.argmax(stacked, axis=0), len(xs)
        return stacked.max(axis=0)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return [grad * (self._winner == k) for k in range(self._k)]


@register("concatenate")
class Concatenate(Merge):
    def __init__(self, axis: int = -1, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        if axis != -1:
            raise ValueError(f"Concatenate: neurona joins inputs on their last axis (axis=-1); got axis={axis!r}.")
        self.axis = axis

    def setup(self, input_shape, rng, dtype):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"Concatenate joins a list of at least 2 inputs; got {input_shape!r}.")
        if any(s[:-1] != input_shape[0][:-1] for s in input_shape):
            raise ValueError(f"Concatenate needs inputs equal but for the last axis; got "
                             f"{[(None, *s) for s in input_shape]}.")
        return (*input_shape[0][:-1], sum(s[-1] for s in input_shape))

    def forward(self, xs, training=False):
        self._widths = [x.shape[-1] for x in xs]
        return np.concatenate(xs, axis=-1)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return np.split(grad, np.cumsum(self._widths)[:-1], axis=-1)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)
