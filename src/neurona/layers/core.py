r"""The layers of seed 001: Dense (z = x W + b, a = f(z)), an activation on its own, dropout."""
from __future__ import annotations

import numpy as np

from .. import activations, constraints, initializers, ops, regularizers
from ..validation import check_number
from .base import Layer, register
from .masking import mask_of, with_mask


@register("dense")
class Dense(Layer):
    r"""Fully connected layer:  z = x W + b,  a = f(z)   (x: (m, n_in), W: (n_in, units), b: (units,))

    Backward, with delta = dL/dz = dL/da * f'(z):
        dL/dW = x^T delta,   dL/db = sum over the batch of delta,   dL/dx = delta W^T
    plus the regularizers' dJ/dW (e.g. lambda/m W for L2). An ``activity_regularizer`` R adds
    R(a) / m to the cost (m the batch size, as Keras 3) and dR/da / m to dL/da. Inputs of more than two axes are multiplied on their
    last axis, as in Keras. A ``kernel_constraint``/``bias_constraint`` c projects the weight after
    each optimizer step, W <- c(W) (``neurona.constraints``).
    """

    symbols = {"kernel": "W", "bias": "b"}

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None,
                 input_dim: int | None = None, name: str | None = None, **keras_arguments):
        self.input_dim = None if input_dim is None else check_number("Dense", "input_dim", input_dim, 1, integer=True)
        super().__init__(name, input_dim=input_dim, **keras_arguments)
        self.units = check_number("Dense", "units", units, 1, integer=True)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        if self.input_dim is None and self.input_shape_declared is not None:
            self.input_dim = self.input_shape_declared[-1]
        self._keeps_z = self.activation.backward_needs_z
        self._relu = isinstance(self.activation, activations.ReLU)

    def setup(self, input_shape, rng, dtype):
        n_in = input_shape[-1]
        if self.input_dim is not None and self.input_dim != n_in:
            raise ValueError(f"Dense layer {self.display_name()!r} was declared with input_dim={self.input_dim} "
                             f"but receives {n_in} features.")
        self.add_param("kernel", self.kernel_initializer((n_in, self.units), rng, dtype))
        if self.use_bias:
            self.add_param("bias", self.bias_initializer((self.units,), rng, dtype))
        return (*input_shape[:-1], self.units)

    def forward(self, x, training=False):
        z = np.dot(x, self.kernel) if x.ndim == 2 else x @ self.kernel    # np.dot: less overhead than @
        if self.use_bias:
            z += self.bias
        if training:
            self._x = x
            self._z = z if self._keeps_z else None
        if self._relu:
            a = np.maximum(z, 0, out=None if self._keeps_z else z)      # in place: backward needs a only
        else:
            a = self.activation(z)
        if training or self.activity_regularizer is not None:     # evaluate's loss adds R(a), as Keras's
            self._a = a
        return a if x.ndim == 2 else with_mask(a, mask_of(x))     # each step on its own: the mask holds

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if self.activity_regularizer is not None:
            extra = self.activity_regularizer.activity_gradient(self._a, self._a.shape[0])
            if pre_activation:
                grad = grad + self.activation.backward(extra, self._z, self._a)
            else:
                grad = grad + extra
        if pre_activation:
            delta = grad
        elif self._relu:
            delta = np.multiply(grad, self._a > 0, out=grad)     # grad is this step's own array
        else:
            delta = self.activation.backward(grad, self._z, self._a)
        x = self._x
        if x.ndim > 2:                       # (m, ..., n_in): every position is a sample of the product
            x, delta = x.reshape(-1, x.shape[-1]), delta.reshape(-1, delta.shape[-1])
        m = self._x.shape[0]
        np.matmul(x.T, delta, out=self.grads[0])
        if self.kernel_regularizer is not None:
            self.grads[0] += self.kernel_regularizer.gradient(self.kernel, m)
        if self.use_bias:
            np.add.reduce(delta, axis=0, out=self.grads[1])
            if self.bias_regularizer is not None:
                self.grads[1] += self.bias_regularizer.gradient(self.bias, m)
        if not need_input_grad:
            return None
        return np.dot(delta, self.kernel.T).reshape(self._x.shape)

    def call(self, inputs):
        z = ops.matmul(self.named("dz/dW", inputs), self.kernel)
        a = self.activation.call(self.named("z", z + self.bias if self.use_bias else z))
        return a if inputs.ndim == 2 else with_mask(a, mask_of(inputs))

    def penalty(self, m):
        total = 0.0
        if self.kernel_regularizer is not None:
            total += self.kernel_regularizer(self.kernel, m)
        if self.use_bias and self.bias_regularizer is not None:
            total += self.bias_regularizer(self.bias, m)
        if self.activity_regularizer is not None and getattr(self, "_a", None) is not None:
            total += self.activity_regularizer.activity(self._a, self._a.shape[0])
        return total

    def describe(self):
        return f"Dense, {self.activation.registry_name}"

    def explain_lines(self, record, line, l, backward):
        name = self.activation.registry_name
        if not backward:
            bias = f" + b[{l}]" if self.use_bias else ""
            return [line(f"z[{l}]", record["z"], f"a[{l - 1}] W[{l}]{bias}"), line(f"a[{l}]", record["a"], f"{name}(z[{l}])")]
        lines = _activation_lines(self.activation, record, line, l)
        regularizer = " + regularizer" if self.kernel_regularizer is not None else ""
        lines.append(line(f"dz[{l}]/dW[{l}]", record["dz/dW"], f"a[{l - 1}]"))
        lines.append(line(f"dL/dW[{l}]", record["dL/dW"], f"a[{l - 1}]^T dL/dz[{l}]{regularizer}"))
        if "dL/db" in record:
            lines.append(line(f"dL/db[{l}]", record["dL/db"], f"sum over samples of dL/dz[{l}]"))
        lines.append(line(f"dL/da[{l - 1}]", record["dL/da_prev"], f"dL/dz[{l}] W[{l}]^T"))
        return lines


def _activation_lines(activation, record, line, l):
    jacobian = record["da/dz"].ndim == 3
    note = " (one Jacobian per sample)" if jacobian else ""
    return [line(f"da[{l}]/dz[{l}]", record["da/dz"], f"{activation.registry_name}'(z[{l}]){note}"),
            line(f"dL/dz[{l}]", record["dL/dz"], f"dL/da[{l}] {'·' if jacobian else '*'} da[{l}]/dz[{l}]")]


@register("activation")
class Activation(Layer):
    r"""Applies an activation on its own:  a = f(z);  dL/dz = dL/da * f'(z)."""

    def __init__(self, activation, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
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

    def call(self, inputs):
        return self.activation.call(self.named("z", inputs))

    def describe(self):
        return f"{type(self).__name__}, {self.activation.registry_name}"

    def explain_lines(self, record, line, l, backward):
        if not backward:
            return [line(f"a[{l}]", record["a"], f"{self.activation.registry_name}(a[{l - 1}])")]
        return _activation_lines(self.activation, record, line, l)


@register("softmax")
class Softmax(Activation):
    r"""softmax over the last axis, as a layer:  a_i = e^{z_i} / sum_j e^{z_j}."""

    def __init__(self, axis: int = -1, name: str | None = None, **keras_arguments):
        if axis != -1:
            raise ValueError(f"Softmax: neurona normalises over the last axis (axis=-1); got axis={axis!r}.")
        self.axis = axis
        super().__init__("softmax", name, **keras_arguments)


@register("relu")
class ReLU(Layer):
    r"""Keras's rectifier layer, capped and shifted:

        a = max_value                     if z >= max_value       da/dz = 0
        a = z                             if threshold < z         da/dz = 1
        a = negative_slope (z - threshold) otherwise               da/dz = negative_slope
    (the defaults, max_value=None, negative_slope=0, threshold=0, give a = max(0, z)).
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0,
                 name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.max_value = None if max_value is None else check_number("ReLU", "max_value", max_value, 0)
        self.negative_slope = check_number("ReLU", "negative_slope", negative_slope, 0)
        self.threshold = check_number("ReLU", "threshold", threshold, 0)

    def _regions(self, x):
        r"""(at or below the threshold, at or above the cap) masks of ``x`` (Keras: a = z only where z > threshold)."""
        capped = np.zeros(x.shape, bool) if self.max_value is None else x >= self.max_value
        return x <= self.threshold, capped

    def forward(self, x, training=False):
        below, capped = self._regions(x)
        a = np.where(below, self.negative_slope * (x - self.threshold), x)
        if self.max_value is not None:
            a = np.where(capped, self.max_value, a)
        if training:
            self._x = x
        return a.astype(x.dtype)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        below, capped = self._regions(self._x)
        slope = np.where(below, self.negative_slope, np.where(capped, 0.0, 1.0))
        return grad * slope.astype(grad.dtype)

    def call(self, inputs):
        a = ops.where(ops.less_equal(inputs, self.threshold), self.negative_slope * (inputs - self.threshold), inputs)
        return a if self.max_value is None else ops.minimum(a, float(self.max_value))


@register("leaky_relu")
class LeakyReLU(Activation):
    r"""a = z if z > 0 else negative_slope z (Keras' default slope 0.3)."""

    def __init__(self, negative_slope: float = 0.3, name: str | None = None, **keras_arguments):
        if "alpha" in keras_arguments:                  # Keras 2's name of the slope
            negative_slope = keras_arguments.pop("alpha")
        self.negative_slope = check_number("LeakyReLU", "negative_slope", negative_slope, 0)
        super().__init__({"name": "leaky_relu", "negative_slope": self.negative_slope}, name, **keras_arguments)


@register("elu")
class ELU(Layer):
    r"""Exponential linear unit (Clevert et al., 2015):

        a = z                  if z > 0          da/dz = 1
        a = alpha (e^z - 1)    if z <= 0         da/dz = alpha e^z = a + alpha
    """

    def __init__(self, alpha: float = 1.0, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.alpha = check_number("ELU", "alpha", alpha, 0)

    def forward(self, x, training=False):
        a = np.where(x > 0, x, self.alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype)
        if training:
            self._x, self._a = x, a
        return a

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        return grad * np.where(self._x > 0, 1.0, self._a + self.alpha).astype(grad.dtype)

    def call(self, inputs):
        return ops.where(ops.greater(inputs, 0), inputs, self.alpha * ops.expm1(ops.minimum(inputs, 0.0)))


@register("dropout")
class Dropout(Layer):
    r"""Inverted dropout (Srivastava et al., 2014): while training, each input is kept with
    probability 1 - rate and scaled by 1 / (1 - rate), so nothing changes at inference:

        training:   y = x * mask / (1 - rate),  mask ~ Bernoulli(1 - rate);   dL/dx = dL/dy * mask / (1 - rate)
        inference:  y = x
    """

    def __init__(self, rate: float, noise_shape=None, seed=None, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.rate = check_number("Dropout", "rate", rate, 0, 1, high_open=True)
        if noise_shape is not None:
            raise ValueError("Dropout: neurona draws one mask entry per input (noise_shape=None).")
        self.noise_shape = None
        self.seed = seed
        self._mask = None

    def build(self, input_shape, rng=None, dtype=None):
        output = super().build(input_shape, rng, dtype)
        if self.seed is not None:
            self._rng = np.random.default_rng(self.seed)
        return output

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self._mask = None
            return x
        keep = self._rng.random(x.shape, dtype=np.float32) >= self.rate
        self._mask = keep.astype(x.dtype)
        self._mask *= 1.0 / (1.0 - self.rate)
        return with_mask(x * self._mask, mask_of(x))          # the padded steps stay padded

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        return grad if self._mask is None else grad * self._mask

    def call(self, inputs):
        r"""x times the mask the last forward drew (none at inference); the padded steps' mask handed on."""
        return inputs if self._mask is None else with_mask(inputs * self._mask, mask_of(inputs))

    def describe(self):
        return f"Dropout, rate={self.rate}"

    def explain_lines(self, record, line, l, backward):
        if not backward:
            return [line(f"a[{l}]", record["a"], f"a[{l - 1}] (identity at inference)")]
        return []
