r"""Weight initializers: ``init(shape, rng, dtype)`` draws an array from a numpy Generator.

For a kernel of shape (fan_in, fan_out):
    RandomUniform(-1, 1)   w ~ U(-1, 1)                      the slides' w = random()
    GlorotUniform          w ~ U(-l, l), l = sqrt(6 / (fan_in + fan_out))   (Glorot & Bengio, 2010)
    GlorotNormal           w ~ N(0, 2 / (fan_in + fan_out))
    HeNormal               w ~ N(0, 2 / fan_in)                               (He et al., 2015)
    HeUniform              w ~ U(-l, l), l = sqrt(6 / fan_in)
    Zeros, Ones, Constant(value)
"""
from __future__ import annotations

import math

import numpy as np

from .registry import Configurable, Registry
from .validation import check_number


class Initializer(Configurable):
    def __call__(self, shape, rng: np.random.Generator, dtype="float32"):
        raise NotImplementedError


registry = Registry("initializer", Initializer)
register = registry.register
get = registry.get


def _fans(shape):
    r"""(fan_in, fan_out); a convolution kernel (*window, C_in, C_out) counts every tap of its window,
    as Keras: fan_in = taps C_in, fan_out = taps C_out."""
    if len(shape) == 1:
        return shape[0], shape[0]
    taps = math.prod(shape[:-2])
    return shape[-2] * taps, shape[-1] * taps


@register("random_uniform", "uniform")
class RandomUniform(Initializer):
    r"""w ~ U(minval, maxval); the default U(-1, 1) is the slides' ``w = random()``."""

    def __init__(self, minval: float = -1.0, maxval: float = 1.0):
        self.minval = check_number("RandomUniform", "minval", minval)
        self.maxval = check_number("RandomUniform", "maxval", maxval)
        if maxval <= minval:
            raise ValueError(f"RandomUniform needs minval < maxval; got minval={minval}, maxval={maxval}.")

    def __call__(self, shape, rng, dtype="float32"):
        return rng.uniform(self.minval, self.maxval, size=shape).astype(dtype)


@register("random_normal", "normal")
class RandomNormal(Initializer):
    r"""w ~ N(mean, stddev^2)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05):
        self.mean = check_number("RandomNormal", "mean", mean)
        self.stddev = check_number("RandomNormal", "stddev", stddev, 0)

    def __call__(self, shape, rng, dtype="float32"):
        return rng.normal(self.mean, self.stddev, size=shape).astype(dtype)


@register("glorot_uniform", "xavier_uniform")
class GlorotUniform(Initializer):
    r"""w ~ U(-l, l) with l = sqrt(6 / (fan_in + fan_out)): keeps the variance of activations and
    gradients about equal across layers for tanh/sigmoid networks."""

    def __call__(self, shape, rng, dtype="float32"):
        fan_in, fan_out = _fans(shape)
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape).astype(dtype)


@register("glorot_normal", "xavier_normal")
class GlorotNormal(Initializer):
    r"""w ~ N(0, 2 / (fan_in + fan_out))."""

    def __call__(self, shape, rng, dtype="float32"):
        fan_in, fan_out = _fans(shape)
        return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape).astype(dtype)


@register("he_normal", "kaiming_normal")
class HeNormal(Initializer):
    r"""w ~ N(0, 2 / fan_in): the variance that keeps ReLU activations from shrinking layer by
    layer (He et al., 2015). (Keras truncates this normal at 2 sigma; neurona does not.)"""

    def __call__(self, shape, rng, dtype="float32"):
        fan_in, _ = _fans(shape)
        return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape).astype(dtype)


@register("he_uniform", "kaiming_uniform")
class HeUniform(Initializer):
    r"""w ~ U(-l, l) with l = sqrt(6 / fan_in)."""

    def __call__(self, shape, rng, dtype="float32"):
        fan_in, _ = _fans(shape)
        limit = math.sqrt(6.0 / fan_in)
        return rng.uniform(-limit, limit, size=shape).astype(dtype)


@register("zeros")
class Zeros(Initializer):
    r"""w = 0. Fine for biases; for kernels every unit of a layer would stay identical."""

    def __call__(self, shape, rng, dtype="float32"):
        return np.zeros(shape, dtype=dtype)


@register("ones")
class Ones(Initializer):
    r"""w = 1."""

    def __call__(self, shape, rng, dtype="float32"):
        return np.ones(shape, dtype=dtype)


@register("constant")
class Constant(Initializer):
    r"""w = value."""

    def __init__(self, value: float = 0.0):
        self.value = check_number("Constant", "value", value)

    def __call__(self, shape, rng, dtype="float32"):
        return np.full(shape, self.value, dtype=dtype)


@register("orthogonal")
class Orthogonal(Initializer):
    r"""W with orthonormal rows or columns, times ``gain`` (Saxe et al., 2013): the Q of the QR
    factorisation of a normal draw, its signs fixed by R's diagonal. Keras's default for the
    recurrent kernels: multiplying h by W neither grows nor shrinks it, step after step."""

    def __init__(self, gain: float = 1.0):
        self.gain = check_number("Orthogonal", "gain", gain)

    def __call__(self, shape, rng, dtype="float32"):
        shape = tuple(shape)
        rows = math.prod(shape[:-1]) if len(shape) > 1 else 1
        cols = shape[-1] if shape else 1
        a = rng.normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        q = q if rows >= cols else q.T
        return (self.gain * q.reshape(shape)).astype(dtype)
