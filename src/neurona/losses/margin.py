r"""Maximum-margin losses, with labels y in {-1, 1} (0/1 labels are mapped to -1/1, as Keras does)."""
from __future__ import annotations

import numpy as np

from ..autodiff import ops as _ad
from .base import Loss, align, mean_of, register
from .regression import ElementwiseLoss


def signed(y_true):
    r"""0/1 labels as -1/1; labels already in {-1, 1} (or any other values) unchanged."""
    y = np.asarray(y_true)
    return np.where(y == 0, -1, y).astype(np.result_type(y, np.float32)) if np.all(np.isin(y, (0, 1))) else y


class _Margin(ElementwiseLoss):
    accuracy_kind = "binary"

    def __init__(self, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)

    def values(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        return np.mean(self.elementwise(signed(y), p), axis=-1)

    def _mean(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        return mean_of(self.elementwise(signed(y), p))

    def _mean_gradient(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        return self.elementwise_gradient(signed(y), p) / p.size

    def prepare_targets(self, y, n_outputs, dtype):
        y = super().prepare_targets(y, n_outputs, dtype)
        values = set(np.unique(y).tolist())
        if not (values <= {-1.0, 1.0} or values <= {0.0, 1.0}):
            raise ValueError(f"{self.registry_name} needs class labels in {{-1, 1}} (or {{0, 1}}); got the "
                             f"values {sorted(values)[:10]}.")
        return y


@register("hinge")
class Hinge(_Margin):
    r"""Hinge loss of the maximum-margin classifiers:

    J = 1/(N k) sum max(0, 1 - y y_hat);  dJ/dy_hat = -y / (N k) where y y_hat < 1, else 0.
    """

    def elementwise(self, y, p):
        return np.maximum(0.0, 1.0 - y * p)

    def elementwise_gradient(self, y, p):
        return -y * (y * p < 1)

    def call(self, y, p):
        return _ad.mean(_ad.relu(1.0 - _ad.constant(signed(y.data), p) * p), axis=-1)


@register("squared_hinge")
class SquaredHinge(_Margin):
    r"""J = 1/(N k) sum max(0, 1 - y y_hat)^2;  dJ/dy_hat = -2 y max(0, 1 - y y_hat) / (N k)."""

    def elementwise(self, y, p):
        return np.maximum(0.0, 1.0 - y * p) ** 2

    def elementwise_gradient(self, y, p):
        return -2.0 * y * np.maximum(0.0, 1.0 - y * p)

    def call(self, y, p):
        return _ad.mean(_ad.relu(1.0 - _ad.constant(signed(y.data), p) * p) ** 2, axis=-1)


@register("categorical_hinge")
class CategoricalHinge(Loss):
    r"""Multiclass hinge on one-hot targets y and scores y_hat (Keras's categorical_hinge):

    l_n = max(0, 1 + max_{i: y_i = 0} y_hat_i - sum_i y_i y_hat_i)   (the best wrong class against the right one)
    dl_n/dy_hat = (1 - y_{j*}) e_{j*} - y where l_n > 0 (j* the arg max of (1 - y) y_hat), else 0;
    J = 1/N sum l_n.
    """

    accuracy_kind = "categorical"

    def __init__(self, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)

    def _parts(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        wrong = (1.0 - y) * p
        return y, p, wrong, np.maximum(0.0, 1.0 + wrong.max(axis=-1) - (y * p).sum(axis=-1))

    def values(self, y_true, y_pred):
        return self._parts(y_true, y_pred)[3]

    def _mean_gradient(self, y_true, y_pred):
        y, p, wrong, value = self._parts(y_true, y_pred)
        best_wrong = np.zeros_like(wrong)
        np.put_along_axis(best_wrong, wrong.argmax(axis=-1)[..., None], 1.0, axis=-1)
        # d max_i ((1 - y_i) y_hat_i) / d y_hat_j = (1 - y_j) at the arg max j (0 if that is the true class)
        return (best_wrong * (1.0 - y) - y) * ((value > 0) / value.shape[0])[..., None]


    def call(self, y, p):
        y = _ad.constant(y.data, p)
        return _ad.relu(1.0 + _ad.max((1.0 - y) * p, axis=-1) - _ad.sum(y * p, axis=-1))