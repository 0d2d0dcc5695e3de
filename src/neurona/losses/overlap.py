r"""Overlap losses of segmentation masks, Keras's Dice and Tversky: one minus a ratio of the soft
intersection I = sum y p to a soft union, each sum taken over ``axis`` (None: the whole batch).

Both are l = 1 - a I / (b I + c Y + e P + eps) with Y = sum y, P = sum p, eps = 1e-7:

    Dice       a = 2, b = 0, c = 1, e = 1            l = 1 - 2 I / (Y + P + eps)
    Tversky    a = 1, b = 1 - alpha - beta,          l = 1 - I / (I + alpha sum (1 - p) y
               c = alpha, e = beta                                + beta sum p (1 - y) + eps)

and their gradient is one formula, with D the denominator:

    dl/dp = -a (y D - I (b y + e)) / D^2
"""
from __future__ import annotations

import numbers

import numpy as np

from ..autodiff import ops as _ad
from ..autodiff.tensor import Tensor
from ..validation import check_number
from .base import EPSILON, Loss, _weights, align, register


class _Overlap(Loss):
    r"""l = 1 - a I / (b I + c Y + e P + eps) over ``axis``; a sample's value is the mean of its
    groups' l, and with ``axis=None`` every sample carries the one value of the whole batch."""

    by_step = False                     # the overlap is summed over the sample's own axes

    def __init__(self, axis, reduction, name, dtype):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.axis = _check_axis(type(self).__name__, axis)

    def _coefficients(self):
        raise NotImplementedError

    def _summed_axes(self, ndim):
        r"""``axis`` as a tuple of non-negative axes (None: all of them)."""
        return None if self.axis is None else tuple(int(a) % ndim for a in np.atleast_1d(self.axis))

    def _sums(self, y, p):
        r"""(I, D) over ``axis``, keeping the summed axes (so that they broadcast back)."""
        _, b, c, e = self._coefficients()
        axis = self._summed_axes(y.ndim)
        intersection = np.sum(y * p, axis=axis, keepdims=True)
        total_y, total_p = np.sum(y, axis=axis, keepdims=True), np.sum(p, axis=axis, keepdims=True)
        return intersection, b * intersection + c * total_y + e * total_p + EPSILON

    def _group_losses(self, y, p):
        a = self._coefficients()[0]
        intersection, denominator = self._sums(y, p)
        return 1.0 - a * intersection / denominator

    def values(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        losses = self._group_losses(y, p.astype(np.result_type(p, np.float32)))
        return np.broadcast_to(losses.reshape(losses.shape[0], -1).mean(axis=1), (p.shape[0],)).copy()

    def _mean_gradient(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        a, b, _, e = self._coefficients()
        intersection, denominator = self._sums(y, p)
        groups = intersection.size        # J is the mean of the groups' l
        return -a * (y * denominator - intersection * (b * y + e)) / denominator ** 2 / groups

    # With axis=None and no sample weights, Keras's J is the batch's one value under every reduction;
    # with weights, that value stands for each sample: J = l sum(w) / divisor.
    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.axis is None and sample_weight is None and not isinstance(y_pred, Tensor):
            return self._mean(y_true, y_pred)
        return super().__call__(y_true, y_pred, sample_weight)

    def on_tape(self, y_true, y_pred, sample_weight=None):
        if self.axis is None and sample_weight is None:
            return _ad.mean(self.sample_losses(y_true, y_pred))
        return super().on_tape(y_true, y_pred, sample_weight)

    def _reweigh(self, mean_gradient, sample_weight):
        if self.axis is not None:
            return super()._reweigh(mean_gradient, sample_weight)
        if sample_weight is None:
            return mean_gradient
        n = mean_gradient.shape[0]
        divisor = float(n) if self.reduction in ("none", None) else self._divisor(n, sample_weight)
        return mean_gradient * (float(np.sum(_weights(sample_weight, n))) / divisor)

    def call(self, y, p):
        a, b, c, e = self._coefficients()
        axis = self._summed_axes(p.ndim)
        y = _ad.constant(y.data, p)
        intersection = _ad.sum(y * p, axis=axis, keepdims=True)
        denominator = b * intersection + c * _ad.sum(y, axis=axis, keepdims=True) \
            + e * _ad.sum(p, axis=axis, keepdims=True) + EPSILON
        losses = 1.0 - a * intersection / denominator
        if self.axis is None:                                   # the batch's value, once per sample
            return _ad.reshape(losses, (1,)) * _ad.constant(np.ones(p.shape[0]), p)
        flat = _ad.reshape(losses, (p.shape[0], -1))
        return _ad.mean(flat, axis=1)

    def get_config(self) -> dict:
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _check_axis(owner, axis):
    r"""None (the whole batch), or the non-batch axes to sum over: an int or a tuple of ints, none of
    them the batch axis 0 (each sample keeps a value of its own)."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, numbers.Integral) and not isinstance(axis, bool) else axis
    if not isinstance(axes, (tuple, list)) or not axes or not all(
            isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"The 'axis' argument of {owner} must be None, an int or a tuple of ints; got {axis!r}.")
    if 0 in axes:
        raise ValueError(f"The 'axis' argument of {owner} sums within each sample: it must not hold the batch "
                         f"axis 0 (use axis=None for one value over the whole batch); got {axis!r}.")
    return axis if isinstance(axis, numbers.Integral) else tuple(int(a) for a in axes)


@register("dice")
class Dice(_Overlap):
    r"""Keras's Dice loss:  l = 1 - 2 I / D,  I = sum(y p),  D = sum y + sum p + eps, summed over
    ``axis`` (None, the default: over the whole batch, one value);  dl/dp = -2 (y D - I) / D^2
    (the module's formula with a = 2, b = 0, c = e = 1)."""

    def __init__(self, reduction="sum_over_batch_size", name=None, axis=None, dtype=None):
        super().__init__(axis, reduction, name, dtype)

    def _coefficients(self):
        return 2.0, 0.0, 1.0, 1.0


@register("tversky")
class Tversky(_Overlap):
    r"""Keras's Tversky loss (Salehi et al., 2017), weighing the two kinds of error with alpha, beta:

    l = 1 - I / (I + alpha sum((1 - p) y) + beta sum(p (1 - y)) + eps),   I = sum(y p)

    (alpha = beta = 0.5 is Dice up to eps.) The module's formula with a = 1, b = 1 - alpha - beta,
    c = alpha, e = beta."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name=None, axis=None, dtype=None):
        super().__init__(axis, reduction, name, dtype)
        self.alpha = check_number("Tversky", "alpha", alpha)
        self.beta = check_number("Tversky", "beta", beta)

    def _coefficients(self):
        return 1.0, 1.0 - self.alpha - self.beta, self.alpha, self.beta


def _function_form(cls):
    r"""Keras's function of ``cls`` (``keras.losses.dice``): the losses of the groups, the summed axes
    gone (one value for axis=None); on Tensors, one value a sample, recorded on the tape."""
    name = cls.registry_name

    def loss_function(y_true, y_pred, axis=None, **arguments):
        loss = cls(axis=axis, **arguments)
        if isinstance(y_pred, Tensor) or isinstance(y_true, Tensor):
            return loss.sample_losses(y_true, y_pred)
        y, p = align(y_true, y_pred)
        p = p.astype(np.result_type(p, np.float32))
        return np.squeeze(loss._group_losses(y, p), axis=loss._summed_axes(p.ndim))

    loss_function.__name__ = loss_function.__qualname__ = name
    loss_function.__doc__ = f"Keras's ``keras.losses.{name}``: the loss of each group of ``axis``.\n\n{cls.__doc__}"
    loss_function.loss_class = cls
    return loss_function


dice = _function_form(Dice)
tversky = _function_form(Tversky)
