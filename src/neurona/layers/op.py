r"""Op: an operation of ``neurona.autodiff`` inside a functional graph, e.g. ``2 * x``,
``ops.mean(x, axis=-1)`` or ``x / y`` on symbolic tensors (in ``Model.call`` or the functional API).

Its forward is the operation run on autodiff Tensors while a tape records; its backward is that
tape's reverse pass, whose derivatives are the table of ``autodiff.derivatives``:

    dL/dx_k = tape.gradient(y, x_k, output_gradients = dL/dy)
"""
from __future__ import annotations

import numbers

import numpy as np

from ..autodiff import ops as autodiff_ops
from ..autodiff.tape import GradientTape
from ..autodiff.tensor import Tensor
from .base import Layer, register


def _constant(value):
    if value is None or isinstance(value, (numbers.Number, str)):
        return value
    if isinstance(value, (tuple, list)):       # a tuple stays one: x[:, 0]'s index is a tuple, [0, 1] picks rows
        return type(value)(_constant(v) for v in value)
    return np.asarray(value).tolist()


@register("op")
class Op(Layer):
    r"""``function`` (a name in ``neurona.autodiff.ops``) applied to the layer's inputs, placed where
    ``constants`` holds None, with the other ``constants`` (numbers) and ``keywords`` as given."""

    n_inputs = None

    def __init__(self, function: str, constants=None, keywords=None, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        if not isinstance(function, str) or function.startswith("_") or not callable(
                getattr(autodiff_ops, function, None)):
            raise ValueError(f"Op: unknown operation {function!r}; it must name a function of neurona.autodiff.ops.")
        self.function = function
        self.constants = [_constant(c) for c in (constants or [None])]
        self.keywords = {str(k): _constant(v) for k, v in (keywords or {}).items()}
        self.n_inputs = 1 if self.constants.count(None) == 1 else None

    def call(self, inputs):
        r"""The operation on Tensors: each input where ``constants`` holds None."""
        it = iter(inputs if isinstance(inputs, list) else [inputs])
        arguments = [next(it) if c is None else c for c in self.constants]
        return getattr(autodiff_ops, self.function)(*arguments, **self.keywords)

    def _run(self, xs, record: bool):
        inputs = [Tensor(x) for x in (list(xs) if isinstance(xs, (list, tuple)) else [xs])]
        if not record:
            return self.call(inputs).data, None, None
        with GradientTape(persistent=True) as tape:
            tape.watch(inputs)
            out = self.call(inputs)
        return out.data, tape, (out, inputs)

    def setup(self, input_shape, rng, dtype):
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        probe = [np.ones((2, *s), dtype=dtype) for s in shapes]
        out, _, _ = self._run(probe, record=False)
        if out.ndim == 0 or out.shape[0] != 2:
            raise ValueError(f"Op {self.function!r} must keep the batch axis (reduce with axis=-1, not over the "
                             f"batch); it maps inputs {shapes} to shape {out.shape[1:] if out.ndim else ()} per 2 samples.")
        return out.shape[1:]

    def forward(self, x, training=False):
        value, self._tape, self._recorded = self._run(x, record=True)
        return value

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        out, inputs = self._recorded
        grads = self._tape.gradient(out, inputs, output_gradients=grad, unconnected_gradients="zero")
        return grads[0] if self.n_inputs == 1 else list(grads)

    def describe(self):
        return f"Op, {self.function}"
