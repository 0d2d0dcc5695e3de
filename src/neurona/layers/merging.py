r"""Merge layers: several inputs of one shape (Concatenate: equal but for the last axis) become
one output. They are called on a list, ``layers.Add()([a, b])``, or through the functions of the
same names, ``layers.add([a, b])``. Backward returns one gradient per input.

    Add          y = sum_k x_k                    dL/dx_k = g
    Subtract     y = x_1 - x_2                    dL/dx_1 = g,  dL/dx_2 = -g
    Multiply     y = prod_k x_k                   dL/dx_k = g prod_{j != k} x_j
    Average      y = (1/K) sum_k x_k              dL/dx_k = g / K
    Maximum      y = max_k x_k (elementwise)      dL/dx_k = g where x_k is the (first) largest, else 0
    Concatenate  y = [x_1, ..., x_K] on axis -1   dL/dx_k = the slice of g that x_k filled
    Minimum      y = min_k x_k (elementwise)      dL/dx_k = g where x_k is the (first) smallest, else 0
    Dot          y = sum_i x_1i x_2i per sample   dL/dx_1 = g x_2,  dL/dx_2 = g x_1
"""
from __future__ import annotations

import functools
import operator

import numpy as np

from .. import ops
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

    def call(self, inputs):
        return functools.reduce(operator.add, inputs)


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

    def call(self, inputs):
        return inputs[0] - inputs[1]


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

    def call(self, inputs):
        return functools.reduce(operator.mul, inputs)


@register("average")
class Average(Merge):
    def forward(self, xs, training=False):
        self._k = len(xs)
        return sum(xs[1:], xs[0].copy()) / self._k

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return [grad / self._k] * self._k

    def call(self, inputs):
        return functools.reduce(operator.add, inputs) * (1.0 / len(inputs))


@register("maximum")
class Maximum(Merge):
    def forward(self, xs, training=False):
        stacked = np.stack(xs)
        self._winner, self._k = np.argmax(stacked, axis=0), len(xs)
        return stacked.max(axis=0)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return [grad * (self._winner == k) for k in range(self._k)]

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.where(ops.greater(x, out), x, out)     # the first largest wins, as in backward
        return out


@register("minimum")
class Minimum(Merge):
    r"""y = min_k x_k (elementwise);  dL/dx_k = g where x_k is the (first) smallest, else 0."""

    def forward(self, xs, training=False):
        stacked = np.stack(xs)
        self._winner, self._k = np.argmin(stacked, axis=0), len(xs)
        return stacked.min(axis=0)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return [grad * (self._winner == k) for k in range(self._k)]

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.minimum(out, x)
        return out


@register("dot")
class Dot(Merge):
    r"""The dot product of two samples along ``axes`` (Keras's batch dot): for each sample,
    y = sum_i x1[..., i, ...] x2[..., i, ...] over the paired axes, the other axes of x1 then of x2 kept
    ((m, d) . (m, d) -> (m, 1)). ``normalize=True`` takes x / ||x|| along the axes first: the cosine.

        dL/dx1 = sum over x2's kept axes of g x2,   dL/dx2 likewise with x1   (an einsum each)
        normalised: dL/dx = (dL/dx^ - x^ (dL/dx^ . x^)) / ||x||
    """

    def __init__(self, axes, normalize: bool = False, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        pair = [axes, axes] if isinstance(axes, (int, np.integer)) else list(axes)
        if len(pair) != 2 or any(not isinstance(a, (int, np.integer)) or a == 0 for a in pair):
            raise ValueError(f"Dot: axes must be an axis (not 0, the samples) or a pair of them; got {axes!r}.")
        self.axes = axes if isinstance(axes, (int, np.integer)) else tuple(pair)
        self.normalize = bool(normalize)

    def _subscripts(self, ranks):
        r"""The einsum of one sample pair, e.g. 'zab,zcb->zac' (z the samples)."""
        axes = [a % r for a, r in zip([self.axes] * 2 if isinstance(self.axes, (int, np.integer)) else self.axes,
                                      ranks)]
        letters = iter("abcdefghijklmnopqrstuvwxy")
        s1 = ["z"] + [next(letters) for _ in range(ranks[0] - 1)]
        s2 = ["z"] + [next(letters) for _ in range(ranks[1] - 1)]
        s2[axes[1]] = s1[axes[0]]
        out = "z" + "".join(c for i, c in enumerate(s1) if i not in (0, axes[0])) + \
            "".join(c for i, c in enumerate(s2) if i not in (0, axes[1]))
        return "".join(s1) + "," + "".join(s2) + "->" + out, axes

    def setup(self, input_shape, rng, dtype):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"Dot takes a list of 2 inputs; got {input_shape!r}.")
        subscripts, axes = self._subscripts([len(s) + 1 for s in input_shape])
        if input_shape[0][axes[0] - 1] != input_shape[1][axes[1] - 1]:
            raise ValueError(f"Dot: the axes {self.axes} pair sizes {input_shape[0][axes[0] - 1]} and "
                             f"{input_shape[1][axes[1] - 1]} of the inputs {[(None, *s) for s in input_shape]}.")
        out = np.einsum(subscripts, np.ones((1, *input_shape[0])), np.ones((1, *input_shape[1]))).shape[1:]
        return out or (1,)

    def _unit(self, x, axis):
        norm = np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), 1e-12))
        return x / norm, norm

    def forward(self, xs, training=False):
        subscripts, axes = self._subscripts([xs[0].ndim, xs[1].ndim])
        units = [self._unit(x, a) if self.normalize else (x, None) for x, a in zip(xs, axes)]
        self._record = (subscripts, axes, units)
        y = np.einsum(subscripts, units[0][0], units[1][0])
        return y.reshape(len(y), -1) if y.ndim == 1 else y

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        from ..autodiff.derivatives import einsum_grads
        subscripts, axes, units = self._record
        g = grad.reshape(grad.shape[:1]) if subscripts.endswith("->z") else grad
        grads = einsum_grads(g, [u for u, _ in units], subscripts)
        if self.normalize:
            grads = [(d - u * np.sum(d * u, axis=a, keepdims=True)) / n for d, (u, n), a in zip(grads, units, axes)]
        return list(grads)

    def call(self, inputs):
        subscripts, axes = self._subscripts([ops.ndim(inputs[0]), ops.ndim(inputs[1])])
        if self.normalize:
            inputs = [ops.divide(x, ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=a, keepdims=True), 1e-12)))
                      for x, a in zip(inputs, axes)]
        y = ops.einsum(subscripts, inputs[0], inputs[1])
        return ops.reshape(y, (ops.shape(y)[0], 1)) if ops.ndim(y) == 1 else y


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

    def call(self, inputs):
        return ops.concatenate(inputs, axis=-1)


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


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
