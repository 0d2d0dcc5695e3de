r"""Layers: forward(x) and backward(dL/dy) written out by hand, the chain rule of seed 001.

A layer is built once its input width is known (``build``), owns its parameters (``params``)
and the gradients of its last backward pass (``grads``, same order and shapes).
"""
from __future__ import annotations

import numpy as np

from . import activations, initializers, regularizers
from .registry import Configurable, Registry
from .validation import check_number


class Layer(Configurable):
    r"""Base class. ``forward(x, training)`` -> y;  ``backward(dL/dy)`` -> dL/dx (and fills grads)."""

    _config_keys = {"name": "layer_name"}

    def __init__(self, name: str | None = None):
        self.name = name
        self.built = False
        self.input_dim: int | None = None
        self.output_dim: int | None = None
        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []
        self.param_names: list[str] = []

    #: the activation applied last by this layer, if any (the model fuses it with the loss)
    activation: activations.Activation | None = None

    def build(self, input_dim: int, rng: np.random.Generator, dtype) -> int:
        self.input_dim = self.output_dim = input_dim
        self.built = True
        return self.output_dim

    def forward(self, x, training: bool = False):
        raise NotImplementedError

    def backward(self, grad, pre_activation: bool = False, need_input_grad: bool = True):
        r"""``grad`` is dL/dy, or dL/dz (before this layer's activation) when ``pre_activation``.
        Returns dL/dx, or None when ``need_input_grad`` is False (the first layer)."""
        raise NotImplementedError

    def penalty(self, m: int) -> float:
        r"""The regularization term this layer adds to the cost of a batch of m samples."""
        return 0.0

    def count_params(self) -> int:
        return int(sum(p.size for p in self.params))

    def set_param_arrays(self, params, grads):
        r"""Use ``params`` and ``grads`` (same shapes, same values) as this layer's arrays from now on.
        ``Sequential`` passes views of one flat parameter vector and one flat gradient vector."""
        self.params, self.grads = list(params), list(grads)
        for name, array in zip(self.param_names, self.params):
            setattr(self, name, array)


registry = Registry("layer", Layer)
register = registry.register
get = registry.get


@register("dense")
class Dense(Layer):
    r"""Fully connected layer:  z = x W + b,  a = f(z)   (x: (m, n_in), W: (n_in, units), b: (units,))

    Backward, with delta = dL/dz = dL/da * f'(z):
        dL/dW = x^T delta,   dL/db = sum over the batch of delta,   dL/dx = delta W^T
    plus the regularizers' dJ/dW (e.g. lambda/m W for L2).
    """

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, input_dim: int | None = None,
                 name: str | None = None):
        super().__init__(name)
        self.units = check_number("Dense", "units", units, 1, integer=True)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.input_dim = None if input_dim is None else check_number("Dense", "input_dim", input_dim, 1, integer=True)
        self._keeps_z = self.activation.backward_needs_z

    def build(self, input_dim, rng, dtype):
        if self.input_dim is not None and self.input_dim != input_dim:
            raise ValueError(f"Dense layer {self.name!r} was declared with input_dim={self.input_dim} "
                             f"but receives {input_dim} features.")
        self.input_dim, self.output_dim = input_dim, self.units
        self.kernel = self.kernel_initializer((input_dim, self.units), rng, dtype)
        self.params, self.param_names = [self.kernel], ["kernel"]
        if self.use_bias:
            self.bias = self.bias_initializer((self.units,), rng, dtype)
            self.params.append(self.bias)
            self.param_names.append("bias")
        self.grads = [np.zeros_like(p) for p in self.params]
        self.built = True
        return self.units

    def forward(self, x, training=False):
        z = x @ self.kernel
        if self.use_bias:
            z += self.bias
        if training:
            self._x = x
            self._z = z if self._keeps_z else None
        if isinstance(self.activation, activations.ReLU):
            a = np.maximum(z, 0, out=None if self._keeps_z else z)      # in place: backward needs a only
        else:
            a = self.activation(z)
        if training:
            self._a = a
        return a

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if pre_activation:
            delta = grad
        elif isinstance(self.activation, activations.ReLU):
            delta = np.multiply(grad, self._a > 0, out=grad)     # grad is this step's own array
        else:
            delta = self.activation.backward(grad, self._z, self._a)
        m = self._x.shape[0]
        np.matmul(self._x.T, delta, out=self.grads[0])
        if self.kernel_regularizer is not None:
            self.grads[0] += self.kernel_regularizer.gradient(self.kernel, m)
        if self.use_bias:
            np.add.reduce(delta, axis=0, out=self.grads[1])
            if self.bias_regularizer is not None:
                self.grads[1] += self.bias_regularizer.gradient(self.bias, m)
        return delta @ self.kernel.T if need_input_grad else None

    def penalty(self, m):
        total = 0.0
        if self.kernel_regularizer is not None:
            total += self.kernel_regularizer(self.kernel, m)
        if self.use_bias and self.bias_regularizer is not None:
            total += self.bias_regularizer(self.bias, m)
        return total


@register("activation")
class Activation(Layer):
    r"""Applies an activation on its own:  a = f(z);  dL/dz = dL/da * f'(z)."""

    def __init__(self, activation, name: str | None = None):
        super().__init__(name)
        self.activation = activations.get(activation)

    def forward(self, x, training=False):
        a = self.activation(x)
        if training:
            self._z, self._a = x, a
        return a

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        return grad if pre_activation else self.activation.backward(grad, self._z, self._a)


@register("dropout")
class Dropout(Layer):
    r"""Inverted dropout (Srivastava et al., 2014): while training, each input is kept with
    probability 1 - rate and scaled by 1 / (1 - rate), so nothing changes at inference:

        training:   y = x * mask / (1 - rate),  mask ~ Bernoulli(1 - rate);   dL/dx = dL/dy * mask / (1 - rate)
        inference:  y = x
    """

    def __init__(self, rate: float, name: str | None = None):
        super().__init__(name)
        self.rate = check_number("Dropout", "rate", rate, 0, 1, high_open=True)

    def build(self, input_dim, rng, dtype):
        self._rng = rng
        return super().build(input_dim, rng, dtype)

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self._mask = None
            return x
        keep = self._rng.random(x.shape, dtype=np.float32) >= self.rate
        self._mask = keep.astype(x.dtype)
        self._mask *= 1.0 / (1.0 - self.rate)
        return x * self._mask

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        return grad if self._mask is None else grad * self._mask
