r"""Keras's correlation metrics: one correlation per sample along ``axis``, averaged over the samples
of all batches (weighted by sample_weight), with u = y - mean(y), v = y_hat - mean(y_hat) along the axis:

    pearson_correlation       mean(u v) / (std(y) std(y_hat))
    concordance_correlation   mean(2 (y - mean(y_hat)) v / (var(y) + var(y_hat) + (mean(y) - mean(y_hat))^2 + eps))

(the concordance term is Keras's, which centres y on the mean of y_hat in the numerator).
"""
from __future__ import annotations

import numpy as np

from ..losses.base import EPSILON, align
from .streaming import MeanMetric, register


def pearson_correlation(y_true, y_pred, axis=-1):
    r"""Pearson's r of each sample along ``axis`` (see the module)."""
    y_true, y_pred = align(np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64))
    u = y_true - y_true.mean(axis=axis, keepdims=True)
    v = y_pred - y_pred.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.mean(u / u.std(axis=axis, keepdims=True) * (v / v.std(axis=axis, keepdims=True)), axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    r"""Lin's concordance correlation of each sample along ``axis``, in Keras's form (see the module)."""
    y_true, y_pred = align(np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64))
    mean_true, mean_pred = y_true.mean(axis=axis, keepdims=True), y_pred.mean(axis=axis, keepdims=True)
    norm = y_true.var(axis=axis, keepdims=True) + y_pred.var(axis=axis, keepdims=True) + (mean_true - mean_pred) ** 2
    return np.mean(2 * (y_true - mean_pred) * (y_pred - mean_pred) / (norm + EPSILON), axis=axis)


class _Correlation(MeanMetric):
    higher_is_better = True
    function = None

    def __init__(self, name=None, dtype=None, axis=-1):
        self.axis = axis
        super().__init__(name=name, dtype=dtype)

    def values(self, y_true, y_pred):
        return type(self).function(y_true, y_pred, axis=self.axis)


@register("pearson_correlation")
class PearsonCorrelation(_Correlation):
    r"""The mean over samples of ``pearson_correlation`` (1: a perfect linear relation)."""
    function = staticmethod(pearson_correlation)


@register("concordance_correlation")
class ConcordanceCorrelation(_Correlation):
    r"""The mean over samples of ``concordance_correlation`` (1: y_hat equals y)."""
    function = staticmethod(concordance_correlation)
