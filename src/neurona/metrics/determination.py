r"""R2Score (Keras's ``metrics.R2Score``), streaming, and Keras's accuracy metrics as functions.

    R^2 = 1 - SS_res / SS_tot,  SS_res = sum_i w_i (y_i - y^_i)^2,  SS_tot = sum_i w_i y_i^2 - (sum_i w_i y_i)^2 / sum_i w_i
per output column, from sums kept over the batches; then averaged over the columns (``class_aggregation``
'uniform_average', or 'variance_weighted_average' weighted by SS_tot, or None: one per column), and
adjusted for ``num_regressors`` p over n entries (samples x outputs, as Keras counts them):
1 - (1 - R^2)(n - 1) / (n - p - 1).
"""
from __future__ import annotations

import numpy as np

from .streaming import (BinaryAccuracy, CategoricalAccuracy, Metric, SparseCategoricalAccuracy,
                        SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, register)


@register("r2_score")
class R2Score(Metric):
    r"""The coefficient of determination of regression outputs, over every batch seen."""
    higher_is_better = True

    def __init__(self, class_aggregation="uniform_average", num_regressors: int = 0, name=None, dtype=None):
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError(f"R2Score: class_aggregation must be None, 'uniform_average' or "
                             f"'variance_weighted_average'; got {class_aggregation!r}.")
        if isinstance(num_regressors, bool) or not isinstance(num_regressors, int) or num_regressors < 0:
            raise ValueError(f"R2Score: num_regressors must be an integer >= 0; got {num_regressors!r}.")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self._sums = None                   # per column: sum w y, sum w y^2, sum w (y - y^)^2, sum w
        self.num_samples = 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = np.asarray(y_true, dtype=np.float64)
        y_pred = np.asarray(y_pred, dtype=np.float64)
        y_true = y_true.reshape(len(y_true), -1)
        y_pred = y_pred.reshape(len(y_pred), -1)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"R2Score: y_true {y_true.shape} and y_pred {y_pred.shape} need the same shape.")
        w = np.ones_like(y_true) if sample_weight is None else np.broadcast_to(
            np.asarray(sample_weight, dtype=np.float64).reshape(len(y_true), -1), y_true.shape)
        batch = np.stack([(w * y_true).sum(0), (w * y_true * y_true).sum(0), (w * (y_true - y_pred) ** 2).sum(0),
                          w.sum(0)])
        self._sums = batch if self._sums is None else self._sums + batch
        self.num_samples += y_true.size             # Keras counts entries (samples x outputs)

    def result(self):
        if self._sums is None:
            return 0.0
        total, squares, residual, count = self._sums
        ss_tot = squares - total * total / count
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = 1.0 - residual / ss_tot
        scores = np.where(np.isinf(scores), 0.0, scores)
        if self.class_aggregation == "uniform_average":
            r2 = float(np.mean(scores))
        elif self.class_aggregation == "variance_weighted_average":
            r2 = float(np.sum(ss_tot / np.sum(ss_tot) * scores))
        else:
            r2 = scores
        p, n = self.num_regressors, self.num_samples
        if p and n - p - 1 > 0:
            r2 = 1.0 - (1.0 - r2) * (n - 1) / (n - p - 1)
        return r2


def _per_sample(metric, y_true, y_pred):
    r"""A metric's per-sample values (averaged over the last axis where it holds several outputs)."""
    values = np.asarray(metric.values(y_true, y_pred), dtype=np.float32)
    return values.mean(axis=-1) if values.ndim == np.ndim(y_pred) and values.ndim > 1 else values


def binary_accuracy(y_true, y_pred, threshold=0.5):
    r"""Per output: 1 where (y^ > threshold) == y, else 0 (Keras 3 does not average them)."""
    return np.asarray(BinaryAccuracy(threshold=threshold).values(y_true, y_pred), dtype=np.float32)


def categorical_accuracy(y_true, y_pred):
    r"""Per sample: 1 if argmax y^ == argmax y, else 0."""
    return _per_sample(CategoricalAccuracy(), y_true, y_pred)


def sparse_categorical_accuracy(y_true, y_pred):
    r"""Per sample: 1 if argmax y^ == y (an integer label), else 0."""
    return _per_sample(SparseCategoricalAccuracy(), y_true, y_pred)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    r"""Per sample: 1 if the true class (one-hot) is among the k highest scores."""
    return _per_sample(TopKCategoricalAccuracy(k=k), y_true, y_pred)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    r"""Per sample: 1 if the true class (an integer label) is among the k highest scores."""
    return _per_sample(SparseTopKCategoricalAccuracy(k=k), y_true, y_pred)
