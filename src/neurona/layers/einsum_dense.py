r"""EinsumDense: a dense layer whose product is any einsum of the input and the kernel
(Keras's ``EinsumDense``, the projections of attention heads):

    z = einsum(equation, x, W) + b,   a = f(z)
    dL/dz = dL/da f'(z),   dL/dx = einsum of dL/dz with W onto x's letters,
    dL/dW = einsum of dL/dz with x onto W's letters,   dL/db = dL/dz summed over the axes b is broadcast on

``EinsumDense("ab,bc->ac", output_shape=64)`` is Dense(64); "abc,cd->abd" applies one to every step
of a sequence; "abc,cde->abde" gives several heads. The kernel's sizes come from the input's letters
and from ``output_shape`` (the output's sizes after the batch axis; None: taken from the input).
"""
from __future__ import annotations

import numpy as np

from .. import activations, constraints, initializers, ops, regularizers
from ..autodiff.derivatives import einsum_grads
from .base import Layer, register


@register("einsum_dense")
class EinsumDense(Layer):
    r"""z = einsum(equation, x, W) + b,  a = f(z); equation 'input,kernel->output', batch letter first."""

    def __init__(self, equation: str, output_shape, activation=None, bias_axes: str | None = None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        spec = equation.replace(" ", "")
        if spec.count("->") != 1 or spec.split("->")[0].count(",") != 1 or "." in spec:
            raise ValueError(f"EinsumDense: equation must read 'input,kernel->output' in letters (e.g. "
                             f"'ab,bc->ac'); got {equation!r}.")
        (self._x_spec, self._w_spec), self._out_spec = spec.split("->")[0].split(","), spec.split("->")[1]
        if bias_axes is not None and any(c not in self._out_spec for c in bias_axes):
            raise ValueError(f"EinsumDense: bias_axes {bias_axes!r} must be letters of the output "
                             f"{self._out_spec!r}.")
        self.equation = equation
        self.output_shape = (output_shape,) if isinstance(output_shape, (int, np.integer)) or output_shape is None \
            else tuple(output_shape)
        self.activation = activations.get(activation)
        self.bias_axes = bias_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def setup(self, input_shape, rng, dtype):
        x_letters, out_letters = self._x_spec[1:], self._out_spec[1:]
        if len(x_letters) != len(input_shape):
            raise ValueError(f"EinsumDense {self.equation!r}: the input needs {len(x_letters)} axes after the "
                             f"batch; got samples of shape {tuple(input_shape)}.")
        if len(self.output_shape) != len(out_letters):
            raise ValueError(f"EinsumDense {self.equation!r}: output_shape needs {len(out_letters)} sizes (the "
                             f"output's axes after the batch); got {self.output_shape}.")
        sizes = dict(zip(x_letters, input_shape))
        for letter, n in zip(out_letters, self.output_shape):
            sizes.setdefault(letter, n)
        missing = [c for c in self._w_spec + out_letters if sizes.get(c) is None]
        if missing:
            raise ValueError(f"EinsumDense {self.equation!r}: no size for the letters {missing} (give them in "
                             f"output_shape).")
        self.add_param("kernel", self.kernel_initializer(tuple(sizes[c] for c in self._w_spec), rng, dtype))
        if self.bias_axes:
            start = min(out_letters.index(c) for c in self.bias_axes)
            shape = tuple(sizes[c] if c in self.bias_axes else 1 for c in out_letters[start:])
            self.add_param("bias", self.bias_initializer(shape, rng, dtype))
        return tuple(sizes[c] for c in out_letters)

    @property
    def _subscripts(self):
        return f"{self._x_spec},{self._w_spec}->{self._out_spec}"

    def forward(self, x, training=False):
        z = np.einsum(self._subscripts, x, self.kernel)
        if self.bias_axes:
            z = z + self.bias
        a = self.activation(z)
        if training:
            self._x, self._z = x, z
        if training or self.activity_regularizer is not None:         # evaluate's loss adds R(a)
            self._a = a
        return a

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        m = self._x.shape[0]
        if self.activity_regularizer is not None:
            grad = grad + self.activity_regularizer.activity_gradient(self._a, m)
        delta = grad if pre_activation else self.activation.backward(grad, self._z, self._a)
        dx, dw = einsum_grads(delta, [self._x, self.kernel], self._subscripts)
        self.grads[0][...] = dw
        if self.kernel_regularizer is not None:
            self.grads[0] += self.kernel_regularizer.gradient(self.kernel, m)
        if self.bias_axes:
            lead = delta.ndim - self.bias.ndim
            summed = delta.sum(axis=tuple(range(lead)))
            self.grads[1][...] = summed.sum(axis=tuple(i for i, n in enumerate(self.bias.shape) if n == 1),
                                            keepdims=True)
            if self.bias_regularizer is not None:
                self.grads[1] += self.bias_regularizer.gradient(self.bias, m)
        return dx if need_input_grad else None

    def penalty(self, m):
        total = 0.0
        if self.kernel_regularizer is not None:
            total += self.kernel_regularizer(self.kernel, m)
        if self.bias_axes and self.bias_regularizer is not None:
            total += self.bias_regularizer(self.bias, m)
        if self.activity_regularizer is not None and getattr(self, "_a", None) is not None:
            total += self.activity_regularizer.activity(self._a, self._a.shape[0])
        return total

    def call(self, inputs):
        z = ops.einsum(self._subscripts, inputs, self.kernel)
        if self.bias_axes:
            z = ops.add(z, self.bias)
        return self.activation.call(self.named("z", z))

    def describe(self):
        return f"EinsumDense, {self.equation}"
