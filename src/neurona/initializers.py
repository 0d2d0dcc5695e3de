r"""Weight initializers: ``init(shape, rng, dtype)`` draws an array from a numpy Generator.

For a kernel of shape (fan_in, fan_out):
    RandomUniform(-1, 1)   w ~ U(-1, 1)                      the slides' w = random()
    GlorotUniform          w ~ U(-l, l), l = sqrt(6 / (fan_in + fan_out))   (Glorot & Bengio, 2010)
    GlorotNormal           w ~ N(0, 2 / (fan_in + fan_out))
    HeNormal               w ~ N(0, 2 / fan_in)                               (He et al., 2015)
    HeUniform              w ~ U(-l, l), l = sqrt(6 / fan_in)
    Zeros, Ones, Constant(value)
    TruncatedNormal        w ~ N(mean, stddev^2) cut at 2 stddev (draws outside are drawn again)
    VarianceScaling        Var(w) = scale / n, n = fan_in, fan_out or their mean; LecunNormal/LecunUniform
                           are scale 1 over fan_in (Keras's default for SELU networks)
    Orthogonal, Identity   orthonormal columns; the identity matrix (times ``gain``)

Called as Keras calls them, ``init(shape, dtype=None)`` draws with the initializer's own ``seed`` (an
int: the same values every call; None: new values every call); a layer passes its model's generator
as ``rng``, unless the initializer has a seed of its own. The lower-case names (``glorot_uniform``,
...) are the classes too, as in Keras; a plain function ``f(shape, dtype=None)`` is an initializer.
"""
from __future__ import annotations

import functools
import inspect
import math

import numpy as np

from . import config
from .registry import Configurable, Registry
from .validation import check_number


class Initializer(Configurable):
    r"""Base class: a subclass writes ``__call__(self, shape, rng, dtype)`` (neurona's form: draw from
    ``rng``) or Keras's ``__call__(self, shape, dtype=None)``; either is then callable both ways."""

    def __init__(self, seed=None):
        self.seed = seed

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__call__" in cls.__dict__:
            cls.__call__ = _callable_both_ways(cls.__dict__["__call__"])

    def __call__(self, shape, rng: np.random.Generator, dtype="float32"):
        raise NotImplementedError

    def clone(self):
        return type(self).from_config(self.get_config())


def _callable_both_ways(draw):
    r"""``init(shape, rng, dtype)`` for neurona's layers and ``init(shape, dtype=None)`` for Keras's
    programs, whichever form ``draw`` is written in."""
    takes_rng = "rng" in inspect.signature(draw).parameters

    @functools.wraps(draw)
    def call(self, shape, rng=None, dtype=None, **keras_arguments):
        if isinstance(rng, (str, np.dtype, type)):              # Keras's positional dtype
            rng, dtype = None, rng
        shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
        dtype = np.dtype(dtype or config.floatx())
        if not takes_rng:
            return np.asarray(draw(self, shape, dtype=dtype.name))
        seed = getattr(self, "seed", None)
        if seed is not None or rng is None:
            from .random import _generator
            rng = _generator(seed)
        return draw(self, shape, rng, dtype)

    return call


class _Function(Initializer):
    r"""A plain function ``f(shape, dtype=None)`` given where an initializer is expected."""

    def __init__(self, function):
        self.function = function

    def __call__(self, shape, dtype=None):
        return self.function(shape, dtype=dtype)


registry = Registry("initializer", Initializer)
register = registry.register


def get(identifier):
    r"""An initializer from a name, a config, an instance, a class, a function f(shape, dtype), or None."""
    if callable(identifier) and not isinstance(identifier, (type, Initializer)):
        return _Function(identifier)
    return registry.get(identifier)


def serialize(initializer) -> dict | None:
    return None if initializer is None else initializer.get_config()


def deserialize(config):
    return get(config)


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

    def __init__(self, minval: float = -1.0, maxval: float = 1.0, seed=None):
        self.seed = seed
        self.minval = check_number("RandomUniform", "minval", minval)
        self.maxval = check_number("RandomUniform", "maxval", maxval)
        if maxval <= minval:
            raise ValueError(f"RandomUniform needs minval < maxval; got minval={minval}, maxval={maxval}.")

    def __call__(self, shape, rng, dtype="float32"):
        return rng.uniform(self.minval, self.maxval, size=shape).astype(dtype)


@register("random_normal", "normal")
class RandomNormal(Initializer):
    r"""w ~ N(mean, stddev^2)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        self.seed = seed
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

    def __init__(self, gain: float = 1.0, seed=None):
        self.gain = check_number("Orthogonal", "gain", gain)
        self.seed = seed

    def __call__(self, shape, rng, dtype="float32"):
        shape = tuple(shape)
        rows = math.prod(shape[:-1]) if len(shape) > 1 else 1
        cols = shape[-1] if shape else 1
        a = rng.normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        q = q if rows >= cols else q.T
        return (self.gain * q.reshape(shape)).astype(dtype)


@register("truncated_normal")
class TruncatedNormal(Initializer):
    r"""w ~ N(mean, stddev^2) conditioned on |w - mean| <= 2 stddev: no outliers among the weights."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed=None):
        self.mean = check_number("TruncatedNormal", "mean", mean)
        self.stddev = check_number("TruncatedNormal", "stddev", stddev, 0)
        self.seed = seed

    def __call__(self, shape, rng, dtype="float32"):
        from .random import truncated_normal
        return truncated_normal(shape, self.mean, self.stddev, dtype=dtype, seed=rng)


#: the standard deviation of N(0, 1) cut at +-2: a truncated draw is divided by it to keep its variance
_TRUNCATED_STD = 0.87962566103423978


@register("variance_scaling")
class VarianceScaling(Initializer):
    r"""Var(w) = scale / n, with n = fan_in, fan_out or (fan_in + fan_out) / 2 (``mode``), drawn from
    ``distribution``:
        truncated_normal     N(0, s^2) cut at 2 s, s = sqrt(scale / n) / 0.8796 (the cut's std)
        untruncated_normal   N(0, scale / n)
        uniform              U(-l, l), l = sqrt(3 scale / n)
    Glorot is (1, fan_avg), He is (2, fan_in), LeCun is (1, fan_in)."""

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform", "normal")

    def __init__(self, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal", seed=None):
        self.scale = check_number(type(self).__name__, "scale", scale, 0, low_open=True)
        if mode not in self.MODES:
            raise ValueError(f"The 'mode' argument of VarianceScaling must be one of {self.MODES}; got {mode!r}.")
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"The 'distribution' argument of VarianceScaling must be one of "
                             f"{self.DISTRIBUTIONS}; got {distribution!r}.")
        self.mode, self.distribution, self.seed = mode, distribution, seed

    def __call__(self, shape, rng, dtype="float32"):
        fan_in, fan_out = _fans(shape) if len(shape) else (1, 1)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, size=shape).astype(dtype)
        if self.distribution == "truncated_normal":
            from .random import truncated_normal
            return truncated_normal(shape, 0.0, math.sqrt(variance) / _TRUNCATED_STD, dtype=dtype, seed=rng)
        return rng.normal(0.0, math.sqrt(variance), size=shape).astype(dtype)


@register("lecun_normal")
class LecunNormal(VarianceScaling):
    r"""w ~ N(0, s^2) cut at 2 s with Var(w) = 1 / fan_in (LeCun et al., 1998): the SELU networks' initializer."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed)


@register("lecun_uniform")
class LecunUniform(VarianceScaling):
    r"""w ~ U(-l, l), l = sqrt(3 / fan_in): Var(w) = 1 / fan_in."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "uniform", seed)


@register("identity")
class Identity(Initializer):
    r"""W = gain I (a 2-D kernel; rectangular shapes get the identity's top-left block): a layer
    that starts by passing its input through. A 1-D weight (an elementwise scale) gets gain 1, the
    identity's diagonal."""

    def __init__(self, gain: float = 1.0):
        self.gain = check_number("Identity", "gain", gain)

    def __call__(self, shape, rng, dtype="float32"):
        if len(shape) == 1:
            return np.full(shape, self.gain, dtype=dtype)
        if len(shape) != 2:
            raise ValueError(f"Identity initializes 2-D kernels (and 1-D scales) only; got shape {tuple(shape)}.")
        return (self.gain * np.eye(*shape)).astype(dtype)


# Keras's other spellings: the lower-case names of the classes and the long names of two of them
(random_uniform, random_normal, glorot_uniform, glorot_normal, he_normal, he_uniform, zeros, ones, constant,
 orthogonal, truncated_normal, variance_scaling, lecun_normal, lecun_uniform, identity) = (
    RandomUniform, RandomNormal, GlorotUniform, GlorotNormal, HeNormal, HeUniform, Zeros, Ones, Constant,
    Orthogonal, TruncatedNormal, VarianceScaling, LecunNormal, LecunUniform, Identity)
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal
