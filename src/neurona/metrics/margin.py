r"""Keras's CategoricalHinge metric: the mean over the samples of all batches of the loss
l_n = max(0, 1 + max_{i: y_i = 0} y_hat_i - sum_i y_i y_hat_i) (``losses.CategoricalHinge``)."""
from __future__ import annotations

from .. import losses
from .streaming import LossMetric, register


@register("categorical_hinge")
class CategoricalHinge(LossMetric):
    r"""The mean categorical hinge loss over the batches (weighted by sample_weight)."""
    loss_class = losses.CategoricalHinge

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
