r"""Layers of one elementwise formula: Identity, ActivityRegularization and PReLU.

    Identity                     y = x                                  dL/dx = g
    ActivityRegularization       y = x, and l1 sum|x| + l2 sum x^2 added to the cost (as an activity
                                 regularizer: divided by the batch size m, as Keras 3 does)
                                 dL/dx = g + dR/dx
    PReLU                        y = x if x > 0 else alpha x, alpha learned per feature (He et al., 2015)
                                 dL/dx = g (1 if x > 0 else alpha),  dL/dalpha = sum over samples of g min(x, 0)
"""
from __future__ import annotations

import numpy as np

from .. import constraints, initializers, ops, regularizers
from .base import Layer, register


@register("identity")
class Identity(Layer):
    r"""y = x: a placeholder that passes its input on."""

    def forward(self, x, training=False):
        return x

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return grad if need_input_grad else None

    def call(self, inputs):
        return inputs


@register("activity_regularization")
class ActivityRegularization(Layer):
    r"""y = x; the penalty l1 sum|x| + l2 sum x^2 of the activations joins the cost."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.l1, self.l2 = float(l1), float(l2)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)
        self._x = None

    def forward(self, x, training=False):
        self._x = x             # in training and inference: evaluate's loss adds R(x), as Keras's
        return x

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        return grad + self.activity_regularizer.activity_gradient(self._x, self._x.shape[0]).astype(grad.dtype)

    def penalty(self, m):
        return 0.0 if self._x is None else self.activity_regularizer.activity(self._x, self._x.shape[0])

    def call(self, inputs):
        return inputs


@register("prelu")
class PReLU(Layer):
    r"""y = max(x, 0) + alpha min(x, 0) with a learned slope alpha per entry of the sample (shared
    along ``shared_axes``, 1-based, as Keras)."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        self.shared_axes = None if shared_axes is None else tuple(int(a) for a in np.atleast_1d(shared_axes))

    def setup(self, input_shape, rng, dtype):
        shape = list(input_shape)
        for axis in self.shared_axes or ():
            if not 1 <= axis <= len(shape):
                raise ValueError(f"PReLU: shared_axes are 1-based axes of the samples {tuple(input_shape)}; "
                                 f"got {self.shared_axes}.")
            shape[axis - 1] = 1
        self.add_param("alpha", self.alpha_initializer(tuple(shape), rng, dtype))
        return input_shape

    def forward(self, x, training=False):
        if training:
            self._x = x
        return np.maximum(x, 0) + self.alpha * np.minimum(x, 0)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        x = self._x
        negative = np.minimum(x, 0)
        g_alpha = grad * negative
        axes = (0,) + tuple(self.shared_axes or ())
        self.grads[0][...] = g_alpha.sum(axis=axes).reshape(self.alpha.shape)
        if self.alpha_regularizer is not None:
            self.grads[0] += self.alpha_regularizer.gradient(self.alpha, x.shape[0])
        if not need_input_grad:
            return None
        return grad * np.where(x > 0, 1.0, self.alpha).astype(grad.dtype)

    def penalty(self, m):
        return 0.0 if self.alpha_regularizer is None else self.alpha_regularizer(self.alpha, m)

    def call(self, inputs):
        return ops.add(ops.relu(inputs), ops.multiply(self.alpha, ops.minimum(inputs, 0.0)))
