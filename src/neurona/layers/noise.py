r"""Noise layers: random perturbations while training that regularise a network, the identity at
inference (as Dropout). Each draw is kept for the backward pass and for the layer's tape form.

    GaussianNoise(stddev)   y = x + n,  n ~ N(0, stddev^2)               dL/dx = g
    GaussianDropout(rate)   y = x n,    n ~ N(1, rate / (1 - rate))      dL/dx = g n
    AlphaDropout(rate)      y = a (x k + alpha' (1 - k)) + b,  k ~ Bernoulli(1 - rate)    dL/dx = g a k
                            alpha' = -1.6733 x 1.0507 (SELU's negative saturation),
                            a = ((1 - rate)(1 + rate alpha'^2))^{-1/2},  b = -a alpha' rate:
                            mean and variance of SELU activations are kept (Klambauer et al., 2017)
"""
from __future__ import annotations

import numpy as np

from .. import ops
from ..validation import check_number
from .base import Layer, register

_ALPHA_PRIME = -1.6732632423543772 * 1.0507009873554805


class _Random(Layer):
    r"""Base of the random layers (these and the image augmentations): a draw per call while training
    (``seed`` fixes the layer's generator), the identity otherwise; the draw is kept for the backward
    pass and the tape form. ``_apply(lib, x, draw)`` computes with ``lib``: NumPy, or ``ops`` on the tape."""

    def __init__(self, seed=None, name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.seed = seed
        self._draw = None

    def build(self, input_shape, rng=None, dtype=None):
        output = super().build(input_shape, rng, dtype)
        if self.seed is not None:
            self._rng = np.random.default_rng(self.seed)
        return output

    def forward(self, x, training=False):
        if not training or not self._active():
            self._draw = None
            return x
        self._draw = self._sample(x)
        return self._apply(np, x, self._draw)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        return grad if self._draw is None else self._slope(grad, self._draw)

    def call(self, inputs):
        r"""The tape form: the draw of the last training pass (none: the identity)."""
        return inputs if self._draw is None else self._apply(ops, inputs, self._draw)

    def _active(self):
        return True


@register("gaussian_noise")
class GaussianNoise(_Random):
    r"""y = x + n, n ~ N(0, stddev^2) while training;  dL/dx = g."""

    def __init__(self, stddev: float, seed=None, name: str | None = None, **keras_arguments):
        super().__init__(seed, name, **keras_arguments)
        self.stddev = check_number("GaussianNoise", "stddev", stddev, 0)

    def _active(self):
        return self.stddev > 0

    def _sample(self, x):
        return self._rng.normal(0.0, self.stddev, size=x.shape).astype(x.dtype)

    def _apply(self, lib, x, n):
        return x + n

    def _slope(self, grad, n):
        return grad


@register("gaussian_dropout")
class GaussianDropout(_Random):
    r"""y = x n, n ~ N(1, rate / (1 - rate)) while training (the mean is kept);  dL/dx = g n."""

    def __init__(self, rate: float, seed=None, name: str | None = None, **keras_arguments):
        super().__init__(seed, name, **keras_arguments)
        self.rate = check_number("GaussianDropout", "rate", rate, 0, 1, high_open=True)

    def _active(self):
        return self.rate > 0

    def _sample(self, x):
        return self._rng.normal(1.0, np.sqrt(self.rate / (1.0 - self.rate)), size=x.shape).astype(x.dtype)

    def _apply(self, lib, x, n):
        return x * n

    def _slope(self, grad, n):
        return grad * n


@register("alpha_dropout")
class AlphaDropout(_Random):
    r"""Dropout for SELU networks: dropped entries are set to SELU's saturation alpha', then an affine
    map a y + b restores the mean and variance;  dL/dx = g a k (k the kept entries)."""

    def __init__(self, rate: float, noise_shape=None, seed=None, name: str | None = None, **keras_arguments):
        super().__init__(seed, name, **keras_arguments)
        self.rate = check_number("AlphaDropout", "rate", rate, 0, 1, high_open=True)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def _active(self):
        return self.rate > 0

    def _sample(self, x):
        shape = x.shape
        if self.noise_shape is not None:
            shape = tuple(n if k is None else k for n, k in zip(shape, self.noise_shape))
        return (self._rng.uniform(size=shape) >= self.rate).astype(x.dtype)

    def _coefficients(self):
        a = ((1 - self.rate) * (1 + self.rate * _ALPHA_PRIME ** 2)) ** -0.5
        return a, -a * _ALPHA_PRIME * self.rate

    def _apply(self, lib, x, kept):
        a, b = self._coefficients()
        return (x * kept + _ALPHA_PRIME * (1 - kept)) * a + b

    def _slope(self, grad, kept):
        return grad * (kept * self._coefficients()[0]).astype(grad.dtype)
