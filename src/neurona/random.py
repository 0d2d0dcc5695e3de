r"""``neurona.random``: random draws under Keras 3's names (``keras.random``), on NumPy generators.

    eps = random.normal((32, 2), seed=seed_generator)          # eps ~ N(0, 1): a VAE's sampling
    h = random.dropout(h, rate=0.5, seed=0)                   # h m / (1 - rate), m ~ Bernoulli(1 - rate)

``seed`` is what Keras takes:
    an int                  the same draw every call (a fresh generator started at that seed)
    a ``SeedGenerator``     a new draw every call, the same sequence every run
    None                    a new draw every call; after ``utils.set_random_seed`` the same sequence
                            every run
The dtype of a float draw is ``config.floatx()`` unless ``dtype`` says otherwise. ``dropout`` and
``shuffle`` of an autodiff Tensor give a Tensor whose gradient flows back through the kept entries.
"""
from __future__ import annotations

import random as _python_random
import sys

import numpy as np

from . import config
from .autodiff import ops as _ad
from .autodiff.tensor import Tensor


_seeds: np.random.SeedSequence | None = None     # set by set_random_seed


def set_random_seed(seed: int) -> None:
    r"""Seed Python's ``random``, NumPy's global generator and, when it is loaded, PyTorch's, as
    Keras does; and neurona's models and layers made without ``seed=``: from here on they draw
    their generators from one sequence started at ``seed``, so the program builds the same initial
    weights every run (a ``seed=`` given to a model still wins). ``None`` forgets the sequence."""
    global _seeds
    if seed is None:                                # forget the sequence: draws are fresh again
        _seeds = None
        return
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"set_random_seed needs an integer seed; got {type(seed).__name__} {seed!r}.")
    _python_random.seed(int(seed))
    np.random.seed(int(seed) % 2 ** 32)
    _seeds = np.random.SeedSequence(int(seed) % 2 ** 64)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(int(seed))


def new_rng(seed=None) -> np.random.Generator:
    r"""``np.random.default_rng(seed)``; without a seed, fresh entropy, or after
    ``set_random_seed`` the next generator of its sequence."""
    if seed is None and _seeds is not None:
        seed = _seeds.spawn(1)[0]
    return np.random.default_rng(seed)


class SeedGenerator:
    r"""A random state that moves on at every draw (Keras's ``SeedGenerator``): a layer keeps one
    and passes it as ``seed=`` so each call draws anew, and the run repeats under the same seed."""

    def __init__(self, seed=None, name=None, **keras_arguments):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"SeedGenerator: seed must be an integer or None; got {type(seed).__name__} {seed!r}.")
        self.seed = None if seed is None else int(seed)
        self.name = name or "seed_generator"
        self.generator = new_rng(self.seed)

    def next(self, ordered=True) -> np.random.Generator:
        r"""The generator of the next draw (a child of this state, which moves on)."""
        return np.random.default_rng(self.generator.integers(0, 2 ** 63))

    def get_config(self) -> dict:
        return {"seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"SeedGenerator(seed={self.seed!r})"


def _generator(seed) -> np.random.Generator:
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return new_rng()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, a SeedGenerator or None; got {type(seed).__name__} {seed!r}.")
    return np.random.default_rng(int(seed))


def _shape(shape):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    if any(n < 0 for n in shape):
        raise ValueError(f"shape must hold sizes >= 0; got {shape}.")
    return shape


def _float(dtype):
    dtype = np.dtype(dtype or config.floatx())
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype must be a float dtype; got {dtype}.")
    return dtype


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    r"""x ~ N(mean, stddev^2), each entry independent."""
    return _generator(seed).normal(mean, stddev, size=_shape(shape)).astype(_float(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    r"""x ~ U[minval, maxval), each entry independent."""
    dtype = np.dtype(dtype or config.floatx())
    if np.issubdtype(dtype, np.integer):
        return randint(shape, minval, maxval, dtype=dtype, seed=seed)
    return _generator(seed).uniform(minval, maxval, size=_shape(shape)).astype(dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    r"""x ~ N(mean, stddev^2) conditioned on |x - mean| <= 2 stddev (draws outside are drawn again)."""
    rng, shape = _generator(seed), _shape(shape)
    z = rng.standard_normal(size=shape)
    outside = np.abs(z) > 2
    while outside.any():
        z[outside] = rng.standard_normal(size=int(outside.sum()))
        outside = np.abs(z) > 2
    return (mean + stddev * z).astype(_float(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    r"""Integers drawn uniformly from [minval, maxval)."""
    if maxval <= minval:
        raise ValueError(f"randint needs minval < maxval; got minval={minval}, maxval={maxval}.")
    return _generator(seed).integers(minval, maxval, size=_shape(shape)).astype(dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    r"""For each row of ``logits`` (batch, k), ``num_samples`` class indices drawn with probability
    p_c = softmax(logits)_c; the result has shape (batch, num_samples)."""
    z = np.asarray(_data(logits), dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"categorical: logits must be 2-D (batch, classes); got shape {z.shape}.")
    p = np.exp(z - z.max(axis=1, keepdims=True))
    cumulative = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = _generator(seed).uniform(size=(z.shape[0], int(num_samples), 1))
    return np.minimum((u > cumulative[:, None, :]).sum(axis=-1), z.shape[1] - 1).astype(dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    r"""inputs m / (1 - rate), m ~ Bernoulli(1 - rate) per entry (or per entry of ``noise_shape``,
    broadcast over the rest): the mean is kept; the gradient is m / (1 - rate)."""
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1); got {rate!r}.")
    x = _data(inputs)
    shape = x.shape if noise_shape is None else tuple(n if n is not None else x.shape[i]
                                                      for i, n in enumerate(noise_shape))
    keep = (_generator(seed).uniform(size=shape) >= rate).astype(x.dtype) / x.dtype.type(1 - rate)
    return _ad.multiply(inputs, keep) if isinstance(inputs, Tensor) else x * keep


def shuffle(x, axis=0, seed=None):
    r"""x with its entries along ``axis`` in a random order (the gradient goes back to each entry's place)."""
    data = _data(x)
    order = _generator(seed).permutation(data.shape[axis])
    index = (slice(None),) * (axis % data.ndim) + (order,)
    return _ad.getitem(x, index) if isinstance(x, Tensor) else data[index]


def gamma(shape, alpha, dtype=None, seed=None):
    r"""x ~ Gamma(alpha, 1): density x^{alpha - 1} e^{-x} / Gamma(alpha)."""
    return _generator(seed).gamma(alpha, 1.0, size=_shape(shape)).astype(_float(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    r"""x ~ Beta(alpha, beta): density x^{alpha - 1} (1 - x)^{beta - 1} / B(alpha, beta)."""
    return _generator(seed).beta(alpha, beta, size=_shape(shape)).astype(_float(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    r"""x ~ Binomial(counts, probabilities): successes in ``counts`` trials of probability p."""
    draws = _generator(seed).binomial(np.asarray(counts).astype(np.int64), probabilities, size=_shape(shape))
    return draws.astype(_float(dtype))
