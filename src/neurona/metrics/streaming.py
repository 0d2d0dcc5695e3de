r"""Streaming metrics for ``fit``: ``reset()``, ``update(y_true, y_pred)`` per batch, ``result()``.
Their exact running counts make the result over all batches equal the whole-set function."""
from __future__ import annotations

import numpy as np

from ..registry import Configurable, Registry
from ..validation import check_number
from .classification import _AVERAGES, _count_matrix, _scores_from_counts
from .ranking import roc_auc
from .regression import _fsum_parts


class Metric(Configurable):
    r"""A running sum and count; ``result() = total / count``."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.total, self.count = 0.0, 0

    def result(self) -> float:
        return self.total / self.count if self.count else float("nan")

    def update(self, y_true, y_pred):
        values = self.values(y_true, y_pred)
        self.total += float(np.sum(values))
        self.count += int(np.size(values))

    def values(self, y_true, y_pred):
        raise NotImplementedError


registry = Registry("metric", Metric)
register = registry.register


@register("binary_accuracy")
class BinaryAccuracy(Metric):
    r"""Fraction of outputs with (p >= threshold) == y (each output of a multilabel model counts)."""

    def __init__(self, threshold: float = 0.5):
        self.threshold = threshold
        super().__init__()

    def values(self, y_true, y_pred):
        return (np.asarray(y_pred) >= self.threshold) == (np.asarray(y_true) >= 0.5)


@register("categorical_accuracy")
class CategoricalAccuracy(Metric):
    r"""Fraction of samples with argmax y_hat == argmax y."""

    def values(self, y_true, y_pred):
        return np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1)


@register("sparse_categorical_accuracy")
class SparseCategoricalAccuracy(Metric):
    r"""Fraction of samples with argmax y_hat == y (integer labels)."""

    def values(self, y_true, y_pred):
        return np.argmax(y_pred, axis=-1) == np.asarray(y_true).reshape(-1)


class _ExactMean(Metric):
    r"""Mean of per-element values, summed exactly (``_fsum_parts``) so that it equals the whole-set
    function."""

    def reset(self):
        self.parts, self.count = [], 0

    def update(self, y_true, y_pred):
        values = self.values(y_true, y_pred)
        self.parts = _fsum_parts(self.parts, values)
        self.count += int(np.size(values))

    def result(self) -> float:
        return self.parts[0] / self.count if self.count else float("nan")


@register("mean_squared_error", "mse")
class MeanSquaredError(_ExactMean):
    r"""1/(N k) sum (y_hat - y)^2; equals ``mean_squared_error`` on all the batches at once."""

    def values(self, y_true, y_pred):
        return np.square(np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64))


@register("mean_absolute_error", "mae")
class MeanAbsoluteError(_ExactMean):
    r"""1/(N k) sum |y_hat - y|; equals ``mean_absolute_error`` on all the batches at once."""

    def values(self, y_true, y_pred):
        return np.abs(np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64))


def output_classes(y_true, y_pred, threshold: float = 0.5):
    r"""(true classes, predicted classes, k) of a model's batch: one output is binary (predicted 1
    when p >= threshold), k outputs are k classes (argmax; y_true one-hot rows or integer labels)."""
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true)
    if y_pred.ndim == 1 or y_pred.shape[-1] == 1:
        return (y_true.reshape(-1) >= 0.5).astype(np.int64), (y_pred.reshape(-1) >= threshold).astype(np.int64), 2
    k = y_pred.shape[-1]
    truth = np.argmax(y_true, axis=-1) if y_true.shape == y_pred.shape else y_true.reshape(-1).astype(np.int64)
    return truth, np.argmax(y_pred, axis=-1), k


class _ConfusionMetric(Metric):
    r"""Precision, recall or F1 from a confusion matrix accumulated over the batches.

    average  None picks "binary" (class 1 positive) for one output and "macro" for several.
    The result equals the whole-set function on (true classes, predicted classes) of all batches,
    with zero_division=0.
    """

    _index = 0

    def __init__(self, average: str | None = None, threshold: float = 0.5):
        if average not in _AVERAGES:
            raise ValueError(f"average must be one of {list(_AVERAGES)}; got {average!r}.")
        self.average, self.threshold = average, check_number(type(self).__name__, "threshold", threshold)
        super().__init__()

    def reset(self):
        self.matrix, self.seen = np.zeros((0, 0), np.int64), np.zeros(0, bool)

    def update(self, y_true, y_pred):
        truth, predicted, k = output_classes(y_true, y_pred, self.threshold)
        if self.average == "binary" and k > 2:
            raise ValueError(f"{type(self).__name__}(average='binary') scores one output or two classes; the "
                             f"model has {k} outputs. Choose average='macro', 'micro' or 'weighted'.")
        k = max(k, self.matrix.shape[0], int(truth.max(initial=0)) + 1)
        if k > self.matrix.shape[0]:
            grown = np.zeros((k, k), np.int64)
            grown[:self.matrix.shape[0], :self.matrix.shape[0]] = self.matrix
            self.matrix, self.seen = grown, np.r_[self.seen, np.zeros(k - self.seen.size, bool)]
        self.matrix += _count_matrix(truth, predicted, k)
        self.seen[truth] = self.seen[predicted] = True

    def result(self) -> float:
        if not self.seen.any():
            return float("nan")
        average = self.average or ("binary" if self.matrix.shape[0] == 2 else "macro")
        labels = np.array([1]) if average == "binary" else np.flatnonzero(self.seen)
        tp = np.diag(self.matrix)[labels]
        pred_sum, true_sum = self.matrix.sum(axis=0)[labels], self.matrix.sum(axis=1)[labels]
        return float(_scores_from_counts(tp, pred_sum, true_sum, average, 0.0)[self._index])


@register("precision")
class Precision(_ConfusionMetric):
    r"""Streaming ``precision``: TP / (TP + FP) over all batches."""
    _index = 0


@register("recall")
class Recall(_ConfusionMetric):
    r"""Streaming ``recall``: TP / (TP + FN) over all batches."""
    _index = 1


@register("f1", "f1_score")
class F1Score(_ConfusionMetric):
    r"""Streaming ``f1``: 2 TP / (2 TP + FP + FN) over all batches."""
    _index = 2


@register("auc", "roc_auc")
class AUC(Metric):
    r"""Streaming ``roc_auc``: keeps every (label, score) of the batches and scores them at the end,
    so the result is exactly the whole-set AUC. One output is binary; k outputs are k classes
    (one-vs-rest, ``multi_class``). NaN while the batches hold a single class."""

    def __init__(self, multi_class: str = "ovr"):
        if multi_class not in ("ovr", "ovo"):
            raise ValueError(f"AUC: multi_class must be 'ovr' or 'ovo'; got {multi_class!r}.")
        self.multi_class = multi_class
        super().__init__()

    def reset(self):
        self.truths, self.scores = [], []

    def update(self, y_true, y_pred):
        truth, _, k = output_classes(y_true, y_pred)
        self.truths.append(truth)
        self.scores.append(np.asarray(y_pred, dtype=np.float64).reshape(len(truth), -1))

    def result(self) -> float:
        if not self.truths:
            return float("nan")
        truth, score = np.concatenate(self.truths), np.concatenate(self.scores)
        if np.unique(truth).size < max(2, score.shape[1]):     # some class not seen yet: undefined
            return float("nan")
        if score.shape[1] == 1:
            return roc_auc(truth, score[:, 0])
        return roc_auc(truth, score, multi_class=self.multi_class, labels=np.arange(score.shape[1]))


_ACCURACY_FOR_LOSS = {"binary": BinaryAccuracy, "categorical": CategoricalAccuracy,
                      "sparse": SparseCategoricalAccuracy}


class FunctionMetric(Metric):
    r"""A metric given as a function f(y_true, y_pred) of arrays: one value per sample (averaged
    over all samples) or one value per batch (weighted by the batch's size)."""

    def __init__(self, function):
        self.function = function
        super().__init__()

    def update(self, y_true, y_pred):
        values = np.asarray(self.function(y_true, y_pred), dtype=np.float64)
        if values.ndim == 0:                      # a batch mean: weigh it by the batch's samples
            values = np.full(len(y_pred), float(values))
        self.total += float(np.sum(values))
        self.count += values.size


def get(identifier, loss=None) -> tuple[str, Metric]:
    r"""(display name, metric object). ``"accuracy"``/``"acc"`` picks the accuracy that fits ``loss``;
    a function f(y_true, y_pred) is reported under its ``__name__``."""
    if callable(identifier) and not isinstance(identifier, (Metric, type)):
        return getattr(identifier, "__name__", "metric"), FunctionMetric(identifier)
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        kind = getattr(loss, "accuracy_kind", None)
        if kind is None:
            raise ValueError(f"'accuracy' needs a classification loss (binary_crossentropy, hinge, "
                             f"categorical_crossentropy or sparse_categorical_crossentropy); the model "
                             f"uses {type(loss).__name__}. For regression use 'mae' or 'mse'.")
        return identifier, _ACCURACY_FOR_LOSS[kind]()
    metric = registry.get(identifier)
    name = identifier if isinstance(identifier, str) else metric._registry_name
    return name, metric
