r"""Regression losses: squared, absolute, percentage, logarithmic, Huber, log-cosh.

Each is a mean over the k outputs of an elementwise loss e(y, y_hat), so its gradient is
de/dy_hat / (N k) for the default reduction.
"""
from __future__ import annotations

import math

import numpy as np

from ..activations import Softplus
from ..autodiff import ops as _ad
from ..validation import check_number
from .base import EPSILON, Loss, align, mean_of, register


class ElementwiseLoss(Loss):
    r"""l_n = 1/k sum_i e(y_ni, y_hat_ni);  J = 1/(N k) sum e;  dJ/dy_hat = e'(y, y_hat) / (N k)."""

    def elementwise(self, y, p):
        raise NotImplementedError

    def elementwise_gradient(self, y, p):
        raise NotImplementedError

    def values(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        return np.mean(self.elementwise(y, p), axis=-1)

    def _mean(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        return mean_of(self.elementwise(y, p))

    def _mean_gradient(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        return self.elementwise_gradient(y, p) / p.size


@register("mean_squared_error", "mse")
class MeanSquaredError(ElementwiseLoss):
    r"""Mean squared error.

    half=False (default, as Keras and PyTorch):  J = 1/(N k) sum_n sum_i (y_hat_ni - y_ni)^2,
        dJ/dy_hat = 2 (y_hat - y) / (N k)           (the mean over all N samples and k outputs)
    half=True (the slides' convention):           J = 1/(2N) sum_n sum_i (y_hat_ni - y_ni)^2,
        dJ/dy_hat = (y_hat - y) / N                  (the 1/2 cancels the 2 of the derivative)
    """

    def __init__(self, reduction="sum_over_batch_size", name=None, half: bool = False):
        super().__init__(name=name, reduction=reduction)
        self.half = bool(half)

    def values(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        d = p - y
        return 0.5 * np.sum(d * d, axis=-1) if self.half else np.mean(d * d, axis=-1)

    def _mean(self, y_true, y_pred):
        d = np.asarray(y_pred) - y_true
        if d.size == 0:
            return float("nan")                      # no samples: as np.mean
        s = float(np.add.reduce(d * d, axis=None))
        return s / (2 * d.shape[0]) if self.half else s / d.size

    def _mean_gradient(self, y_true, y_pred):
        d = np.asarray(y_pred) - y_true
        return d / d.shape[0] if self.half else d * (2.0 / d.size)

    def call(self, y, p):
        squares = (p - y) ** 2
        return 0.5 * _ad.sum(squares, axis=-1) if self.half else _ad.mean(squares, axis=-1)


@register("mean_absolute_error", "mae")
class MeanAbsoluteError(ElementwiseLoss):
    r"""J = 1/(N k) sum |y_hat - y|;  dJ/dy_hat = sign(y_hat - y) / (N k)  (0 where they are equal)."""

    def __init__(self, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)

    def elementwise(self, y, p):
        return np.abs(p - y)

    def elementwise_gradient(self, y, p):
        return np.sign(p - y)

    def call(self, y, p):
        return _ad.mean(_ad.abs(p - y), axis=-1)


@register("mean_absolute_percentage_error", "mape")
class MeanAbsolutePercentageError(ElementwiseLoss):
    r"""e = 100 |y - y_hat| / max(|y|, eps);  de/dy_hat = 100 sign(y_hat - y) / max(|y|, eps)
    (Keras's, eps = 1e-7)."""

    def __init__(self, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)

    def elementwise(self, y, p):
        return 100.0 * np.abs(y - p) / np.maximum(np.abs(y), EPSILON)

    def elementwise_gradient(self, y, p):
        return 100.0 * np.sign(p - y) / np.maximum(np.abs(y), EPSILON)

    def call(self, y, p):
        return _ad.mean(100.0 * _ad.abs(y - p) / np.maximum(np.abs(y.data), EPSILON), axis=-1)


@register("mean_squared_logarithmic_error", "msle")
class MeanSquaredLogarithmicError(ElementwiseLoss):
    r"""e = (ln(max(y_hat, eps) + 1) - ln(max(y, eps) + 1))^2;
    de/dy_hat = 2 (ln(y_hat + 1) - ln(y + 1)) / (y_hat + 1) where y_hat > eps, else 0."""

    def __init__(self, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)

    @staticmethod
    def _difference(y, p):
        return np.log1p(np.maximum(p, EPSILON)) - np.log1p(np.maximum(y, EPSILON))

    def elementwise(self, y, p):
        return self._difference(y, p) ** 2

    def elementwise_gradient(self, y, p):
        return 2.0 * self._difference(y, p) / (np.maximum(p, EPSILON) + 1.0) * (p > EPSILON)

    def call(self, y, p):
        first = _ad.log(_ad.maximum(p, EPSILON) + 1.0)
        return _ad.mean((first - np.log1p(np.maximum(y.data, EPSILON))) ** 2, axis=-1)


@register("huber", "huber_loss")
class Huber(ElementwiseLoss):
    r"""Huber loss (Keras's ``Huber(delta=1.0)``), with d = y_hat - y:

    e = d^2 / 2                  where |d| <= delta
    e = delta |d| - delta^2 / 2  beyond          (quadratic near 0, linear for outliers)
    de/dy_hat = clip(d, -delta, delta).
    """

    def __init__(self, delta: float = 1.0, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)
        self.delta = check_number("Huber", "delta", delta, 0, low_open=True)

    def elementwise(self, y, p):
        d = np.abs(p - y)
        return np.where(d <= self.delta, 0.5 * d * d, self.delta * d - 0.5 * self.delta ** 2)

    def elementwise_gradient(self, y, p):
        return np.clip(p - y, -self.delta, self.delta)

    def call(self, y, p):
        d = _ad.abs(p - y)
        return _ad.mean(_ad.where(d.data <= self.delta, 0.5 * d * d, self.delta * d - 0.5 * self.delta ** 2), axis=-1)


@register("log_cosh", "logcosh")
class LogCosh(ElementwiseLoss):
    r"""e = ln cosh(d), d = y_hat - y, computed as d + softplus(-2 d) - ln 2 (no overflow);
    de/dy_hat = tanh(d)."""

    def __init__(self, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)

    def elementwise(self, y, p):
        d = p - y
        return d + np.logaddexp(0.0, -2.0 * d) - math.log(2.0)

    def elementwise_gradient(self, y, p):
        return np.tanh(p - y)

    def call(self, y, p):
        d = p - y
        return _ad.mean(d + Softplus().call(-2.0 * d) - math.log(2.0), axis=-1)


@register("cosine_similarity")
class CosineSimilarity(Loss):
    r"""Minus the cosine of the angle between y and y_hat along the last axis (Keras's: 1 is the
    worst, -1 the best):

    l_n = -(y / ||y||) . (y_hat / ||y_hat||),   with ||v|| = sqrt(max(v . v, 1e-12)) as Keras;
    dl_n/dy_hat = -(u - (u . v) v) / ||y_hat||   (u = y / ||y||, v = y_hat / ||y_hat||);  J = 1/N sum l_n.
    """

    def __init__(self, axis: int = -1, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)
        if axis != -1:
            raise ValueError(f"CosineSimilarity takes the vectors along the last axis (axis=-1); got axis={axis!r}.")
        self.axis = axis

    @staticmethod
    def _unit(v):
        norm = np.sqrt(np.maximum(np.sum(v * v, axis=-1, keepdims=True), 1e-12))
        return v / norm, norm

    def values(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        return -np.sum(self._unit(y)[0] * self._unit(p)[0], axis=-1)

    def _mean_gradient(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        u, (v, norm) = self._unit(y)[0], self._unit(p)
        tangent = u - np.sum(u * v, axis=-1, keepdims=True) * v
        # where ||y_hat||^2 < 1e-12 the norm is the constant 1e-6 and only u / 1e-6 remains
        tangent = np.where(norm > 1e-6, tangent, u)
        return -tangent / norm / p.shape[0]


    def call(self, y, p):
        def unit(v):
            return v / _ad.sqrt(_ad.maximum(_ad.sum(v * v, axis=-1, keepdims=True), 1e-12))
        return -_ad.sum(unit(y) * unit(p), axis=-1)