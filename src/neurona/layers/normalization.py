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
from .masking import mask_of, with_mask


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

    def call(self, inputs):
        if self.invert:
            return self.mean + inputs * np.sqrt(self.variance)
        return (inputs - self.mean) / self._scale()

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

    def call(self, inputs):
        r"""The pass the last forward made: the batch's statistics while training, else the moving ones."""
        from .. import ops
        flat = ops.reshape(inputs, (-1, inputs.shape[-1]))
        if self._training:
            x_hat = _standardized_tape(flat, 0, self.epsilon)
        else:
            x_hat = (flat - self.moving_mean) / np.sqrt(self.moving_variance + self.epsilon)
        y = x_hat * self.gamma if self.scale else x_hat
        return ops.reshape(y + self.beta if self.center else y, inputs.shape)


def _standardized(x, axes, epsilon):
    r"""(x^, 1 / sqrt(s2 + eps)) with mu, s2 the mean and variance over ``axes`` (kept)."""
    mu = x.mean(axis=axes, keepdims=True)
    centred = x - mu
    inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=axes, keepdims=True) + epsilon)
    return centred * inv_std, inv_std


def _standardized_back(dx_hat, x_hat, inv_std, axes):
    r"""dL/dx of x^ = (x - mu) / sqrt(s2 + eps) over N values:
    inv_std / N (N dx^ - sum dx^ - x^ sum (dx^ x^))  (BatchNormalization's formula, per group)."""
    n = np.prod([x_hat.shape[a] for a in axes])
    return inv_std / n * (n * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
                          - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True))


def _standardized_tape(x, axes, epsilon):
    from .. import ops
    mu = ops.mean(x, axis=axes, keepdims=True)
    centred = x - mu
    return centred / ops.sqrt(ops.mean(centred * centred, axis=axes, keepdims=True) + epsilon)


class _SampleNormalization(Layer):
    r"""What LayerNormalization and GroupNormalization share: each sample standardised over some of
    its own values (no batch statistics, the same in training and inference), then scaled and
    shifted feature by feature, y = gamma x^ + beta."""

    def _init_affine(self, owner, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                     gamma_regularizer, beta_constraint, gamma_constraint):
        self.epsilon = check_number(owner, "epsilon", epsilon, 0, low_open=True)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        from .. import regularizers
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        if beta_constraint is not None or gamma_constraint is not None:
            raise ValueError(f"{owner}: neurona has no constraints for gamma and beta (beta_constraint=None, "
                             f"gamma_constraint=None).")
        self.beta_constraint = self.gamma_constraint = None

    def _add_affine(self, shape, rng, dtype):
        if self.scale:
            self.add_param("gamma", self.gamma_initializer(shape, rng, dtype))
        if self.center:
            self.add_param("beta", self.beta_initializer(shape, rng, dtype))

    def forward(self, x, training=False):
        groups = self._grouped(x)
        x_hat, inv_std = _standardized(groups, self._axes(groups), self.epsilon)
        x_hat = x_hat.reshape(x.shape)
        if training:
            self._x_hat, self._inv_std = x_hat, inv_std
        y = x_hat * self.gamma if self.scale else x_hat
        y = (y + self.beta if self.center else y).astype(x.dtype, copy=False)
        return with_mask(y, mask_of(x))                     # each sample on its own: the mask holds

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        x_hat, k = self._x_hat, 0
        summed = tuple(range(grad.ndim - self.gamma_ndim))
        m = grad.shape[0]
        if self.scale:
            np.sum(grad * x_hat, axis=summed, out=self.grads[0])
            if self.gamma_regularizer is not None:
                self.grads[0] += self.gamma_regularizer.gradient(self.gamma, m)
            k = 1
        if self.center:
            np.sum(grad, axis=summed, out=self.grads[k])
            if self.beta_regularizer is not None:
                self.grads[k] += self.beta_regularizer.gradient(self.beta, m)
        if not need_input_grad:
            return None
        dx_hat = self._grouped(grad * self.gamma if self.scale else grad)
        groups_hat = self._grouped(x_hat)
        return _standardized_back(dx_hat, groups_hat, self._inv_std, self._axes(groups_hat)).reshape(grad.shape)

    def penalty(self, m):
        total = 0.0
        if self.scale and self.gamma_regularizer is not None:
            total += self.gamma_regularizer(self.gamma, m)
        if self.center and self.beta_regularizer is not None:
            total += self.beta_regularizer(self.beta, m)
        return total

    def call(self, inputs):
        from .. import ops
        groups = ops.reshape(inputs, self._grouped_shape(inputs.shape))
        y = ops.reshape(_standardized_tape(groups, self._axes(groups), self.epsilon), inputs.shape)
        y = y * self.gamma if self.scale else y
        return with_mask(y + self.beta if self.center else y, mask_of(inputs))

    def _grouped(self, x):
        return x.reshape(self._grouped_shape(x.shape))


@register("layer_normalization")
class LayerNormalization(_SampleNormalization):
    r"""Layer normalization (Ba, Kiros & Hinton, 2016): each sample over its own features, the
    same in training and inference (no moving statistics); for the N values of ``axis``,

        mu = (1/N) sum x,   s2 = (1/N) sum (x - mu)^2,   x^ = (x - mu) / sqrt(s2 + eps),   y = gamma x^ + beta

    Backward: dL/dgamma = sum over the other axes of g x^,  dL/dbeta = sum g,  and with dx^ = g gamma,
        dL/dx = 1 / (N sqrt(s2 + eps)) (N dx^ - sum dx^ - x^ sum (dx^ x^))       (sums over ``axis``)

    ``axis``: the last axis (default) or the last few (e.g. [-2, -1]); gamma and beta have their shape.
    """

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 rms_scaling: bool = False, beta_initializer="zeros", gamma_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 name: str | None = None, **keras_arguments):
        super().__init__(name, **keras_arguments)
        axes = [axis] if isinstance(axis, int) else list(axis)
        if not axes or any(not isinstance(a, int) or a == 0 for a in axes):
            raise ValueError(f"LayerNormalization: axis is an axis of the sample (not 0, the batch) or a list "
                             f"of them; got {axis!r}.")
        self.axis = axis if isinstance(axis, int) else list(axis)
        if rms_scaling:
            raise ValueError("LayerNormalization: rms_scaling=True is not supported; use rms_scaling=False.")
        self.rms_scaling = False
        self._init_affine("LayerNormalization", epsilon, center, scale, beta_initializer, gamma_initializer,
                          beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint)

    def setup(self, input_shape, rng, dtype):
        rank = len(input_shape) + 1
        axes = sorted(a % rank for a in ([self.axis] if isinstance(self.axis, int) else self.axis))
        if any(a == 0 for a in axes) or axes != list(range(rank - len(axes), rank)):
            raise ValueError(f"LayerNormalization: neurona normalises over the last axes of the sample; axis="
                             f"{self.axis!r} on samples of shape {input_shape}.")
        self.gamma_ndim = len(axes)                 # the normalised axes: gamma's and beta's
        self._add_affine(tuple(input_shape[-len(axes):]), rng, dtype)
        return input_shape

    def _grouped_shape(self, shape):
        return shape

    def _axes(self, x):
        return tuple(range(x.ndim - self.gamma_ndim, x.ndim))

    def describe(self):
        return f"LayerNormalization, axis={self.axis}"


@register("group_normalization")
class GroupNormalization(_SampleNormalization):
    r"""Group normalization (Wu & He, 2018), channels last: the C channels split into ``groups``
    groups of C / groups; each sample standardised over every position and the channels of each
    group, then y = gamma x^ + beta channel by channel (gamma, beta: (C,)). The formulas are
    LayerNormalization's, with the sums over one group's values. groups = 1 normalises over all
    of a sample (LayerNormalization over every axis); groups = C over each channel (instance
    normalization).
    """

    def __init__(self, groups: int = 32, axis: int = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, name: str | None = None,
                 **keras_arguments):
        super().__init__(name, **keras_arguments)
        self.groups = check_number("GroupNormalization", "groups", groups, 1, integer=True)
        self.axis = _features("GroupNormalization", axis)
        self._init_affine("GroupNormalization", epsilon, center, scale, beta_initializer, gamma_initializer,
                          beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint)

    def setup(self, input_shape, rng, dtype):
        channels = input_shape[-1]
        if channels % self.groups:
            raise ValueError(f"GroupNormalization: the {channels} channels must split evenly into groups="
                             f"{self.groups} groups.")
        self.gamma_ndim = 1
        self._add_affine((channels,), rng, dtype)
        return input_shape

    def _grouped_shape(self, shape):
        return (*shape[:-1], self.groups, shape[-1] // self.groups)

    def _axes(self, x):
        r"""Every axis but the batch and the group's."""
        return tuple(a for a in range(1, x.ndim) if a != x.ndim - 2)

    def describe(self):
        return f"GroupNormalization, {self.groups} groups"
