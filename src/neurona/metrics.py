r"""Metrics that ``fit`` and ``evaluate`` report beside the loss.

Each is a streaming object: ``reset()``, ``update(y_true, y_pred)`` per batch, ``result()``; the
result over all batches equals the metric computed on the whole set at once.

    accuracy  ->  binary (y_hat = 1 if p >= 0.5), categorical (argmax y_hat == argmax y) or
                  sparse (argmax y_hat == y), chosen from the loss the model was compiled with.
"""
from __future__ import annotations

import numpy as np

from .registry import Configurable, Registry


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


@register("mean_squared_error", "mse")
class MeanSquaredError(Metric):
    r"""1/(N k) sum (y_hat - y)^2."""

    def values(self, y_true, y_pred):
        return np.square(np.asarray(y_pred, dtype=np.float64) - y_true)


@register("mean_absolute_error", "mae")
class MeanAbsoluteError(Metric):
    r"""1/(N k) sum |y_hat - y|."""

    def values(self, y_true, y_pred):
        return np.abs(np.asarray(y_pred, dtype=np.float64) - y_true)


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
