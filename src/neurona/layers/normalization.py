r"""Layers that standardise their inputs: Normalization (statistics of the data, fixed) and
BatchNormalization (statistics of each batch while training, learned scale and shift).

Both work feature by feature on the last axis; their statistics are non-trainable state, saved
with the model and counted in the summary's non-trainable params.
"""
from __future__ import annotations

import numpy as np

from .. import initializers
from ..validation import check_number
from .base import Layer, register


def _features(owner, axis):
    if axis not in (-1, None):
        raise ValueError(f"{owner}: neurona normalises each feature of the last axis (axis=-1); got axis={axis!r}.")
    return -1


def _as_2d(x):
    return x.reshape(-1, x.shape[-1])


@register("normalization")
class Normalization(Layer):
    r"""y = (x - mean) / max(sqrt(variance), eps)  (feature by feature, eps = 1e-7);
    ``invert=True`` gives the inverse,  y = mean + x sqrt(variance).

    ``adapt(data)`` sets mean and variance (the population variance, 1/n) from the data; or give
    them as ``mean=`` and ``variance=``. Backward: dL/dx = dL/dy / max(sqrt(variance), eps)
    (inverted: dL/dy sqrt(variance)).
    """

    epsilon = 1e-7

    def __init__(self, axis=-1, mean=None, variance=None, invert: bool = False, name: str | None = None,
                 **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.axis = _features("Normalization", axis)
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: give both mean= and variance=, or neither (then call adapt).")
        # the arguments, kept for the config; after build, ``mean`` and ``variance`` are the state arrays
        self._given = {"mean": None if mean is None else np.asarray(mean, dtype=np.float64).tolist(),
                       "variance": None if variance is None else np.asarray(variance, dtype=np.float64).tolist()}
        self.mean, self.variance = self._given["mean"], self._given["variance"]
        if variance is not None and np.min(variance) < 0:
            raise ValueError(f"Normalization: variance must be >= 0; got {variance!r}.")
        self.invert = bool(invert)
        self.adapted = mean is not None

    def get_config(self):
        return {**super().get_config(), **self._given}

    def setup(self, input_shape, rng, dtype):
        n = input_shape[-1]
        given = self._given
        if given["mean"] is not None:           # constants, as in Keras: no weights to save or set
            self.mean = np.array(np.broadcast_to(given["mean"], (n,)), dtype=dtype)
            self.variance = np.array(np.broadcast_to(given["variance"], (n,)), dtype=dtype)
            return input_shape
        self.add_state("mean", np.zeros(n, dtype=dtype))
        self.add_state("variance", np.ones(n, dtype=dtype))
        self.add_state("count", np.zeros((), dtype=np.int64))      # samples adapted to (Keras' third weight)
        return input_shape

    def adapt(self, data, batch_size=None, steps=None):
        r"""Compute the mean and variance of each feature of ``data`` (an array of samples)."""
        x = np.asarray(data, dtype=np.float64)
        if x.ndim == 1:
            x = x.reshape(-1, 1)
        if x.ndim < 2 or x.shape[0] == 0:
            raise ValueError(f"Normalization.adapt needs an array of samples (m, features); got shape {x.shape}.")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"Normalization.adapt: data holds {int(np.sum(~np.isfinite(x)))} NaN or infinite values.")
        if self._given["mean"] is not None:
            raise ValueError("Normalization: this layer was given its mean and variance; adapt computes them "
                             "for a layer made without them.")
        if not self.built:
            self.build((None, *x.shape[1:]))
        elif x.shape[1:] != self.sample_input_shape:
            raise ValueError(f"Normalization.adapt: data has samples of shape {x.shape[1:]}; the layer was "
                             f"built for {self.sample_input_shape}.")
        flat = _as_2d(x)
        self.mean[...] = flat.mean(axis=0)
        self.variance[...] = flat.var(axis=0)
        self.count[...] = flat.shape[0]
        self.adapted = True

    def _scale(self):
        return np.maximum(np.sqrt(self.variance), self.epsilon)

    def forward(self, x, training=False):
        if self.invert:
            return self.mean + x * np.sqrt(self.variance)
        return (x - self.mean) / self._scale()

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        if not need_input_grad:
            return None
        return grad * np.sqrt(self.variance) if self.invert else grad / self._scale()

    def describe(self):
        return "Normalization, inverted" if self.invert else "Normalization"


@register("batch_normalization")
class BatchNormalization(Layer):
    r"""Batch normalization (Ioffe & Szegedy, 2015), feature by feature over a batch of m samples:

        training:   mu = (1/m) sum x,   s2 = (1/m) sum (x - mu)^2,   x^ = (x - mu) / sqrt(s2 + eps)
                    y = gamma x^ + beta;   moving_mean <- momentum moving_mean + (1 - momentum) mu
                    (and moving_variance likewise with s2)
        inference:  y = gamma (x - moving_mean) / sqrt(moving_variance + eps) + beta

    Backward (training), with g = dL/dy:
        dL/dgamma = sum g x^,   dL/dbeta = sum g,
        dL/dx = gamma / (m sqrt(s2 + eps)) (m g - sum g - x^ sum (g x^))
    """

    def __init__(self, axis=-1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", name: str | None = None,
                 **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.axis = _features("BatchNormalization", axis)
        self.momentum = check_number("BatchNormalization", "momentum", momentum, 0, 1)
        self.epsilon = check_number("BatchNormalization", "epsilon", epsilon, 0, low_open=True)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def setup(self, input_shape, rng, dtype):
        n = (input_shape[-1],)
        if self.scale:
            self.add_param("gamma", self.gamma_initializer(n, rng, dtype))
        if self.center:
            self.add_param("beta", self.beta_initializer(n, rng, dtype))
        self.add_state("moving_mean", self.moving_mean_initializer(n, rng, dtype))
        self.add_state("moving_variance", self.moving_variance_initializer(n, rng, dtype))
        return input_shape

    def _gamma(self):
        return self.gamma if self.scale else 1.0

    def _beta(self):
        return self.beta if self.center else 0.0

    def forward(self, x, training=False):
        flat = _as_2d(x)
        if training:
            mu, s2 = flat.mean(axis=0), flat.var(axis=0)
            self.moving_mean *= self.momentum
            self.moving_mean += (1 - self.momentum) * mu
            self.moving_variance *= self.momentum
            self.moving_variance += (1 - self.momentum) * s2
        else:
            mu, s2 = self.moving_mean, self.moving_variance
        inv_std = 1.0 / np.sqrt(s2 + self.epsilon)
        x_hat = (flat - mu) * inv_std
        self._training, self._x_hat, self._inv_std, self._shape = training, x_hat, inv_std, x.shape
        return (self._gamma() * x_hat + self._beta()).astype(x.dtype, copy=False).reshape(x.shape)

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        g = _as_2d(grad)
        x_hat, k = self._x_hat, 0
        if self.scale:
            np.sum(g * x_hat, axis=0, out=self.grads[0])
            k = 1
        if self.center:
            np.sum(g, axis=0, out=self.grads[k])
        if not need_input_grad:
            return None
        dx_hat = g * self._gamma()
        if not self._training:              # the moving statistics are constants
            return (dx_hat * self._inv_std).reshape(self._shape)
        m = g.shape[0]
        dx = self._inv_std / m * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
        return dx.reshape(self._shape)
