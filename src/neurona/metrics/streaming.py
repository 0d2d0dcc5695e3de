r"""Streaming metrics with Keras 3's protocol: ``update_state(y_true, y_pred, sample_weight=None)``
per batch, ``result()``, ``reset_state()``, ``name``, ``get_config()``; calling a metric updates
it and gives the result. Their running counts are exact (integer counts; float sums carried
exactly, ``_fsum_parts``), so without sample weights the result over all batches equals the
whole-set function on all the data, bit for bit, whatever the batch size.

Means (``update_state`` of per-element values, weighted by sample_weight broadcast to them):
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError,
    RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, and the losses as metrics (BinaryCrossentropy,
    CategoricalCrossentropy, SparseCategoricalCrossentropy, KLDivergence, Poisson, Hinge,
    SquaredHinge, LogCoshError): one loss per sample, weighted.
Counts (``confusion``): TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision,
    Recall, F1Score, AUC.
"""
from __future__ import annotations

import inspect
import math

import numpy as np

from .. import losses as losses_module
from ..eager import Weight
from ..losses.base import align, snake_case
from ..registry import Configurable, Registry
from ..validation import check_number
from .regression import _fsum_parts


class Metric(Configurable):
    r"""Base class: ``reset_state``, ``update_state``, ``result`` (and the short ``reset`` /
    ``update`` that ``fit`` calls). A subclass written for Keras (its own ``update_state`` and
    ``result`` keeping state in attributes) works as it is."""

    #: the object's own name (Keras's ``name=``, the log key) is saved as "display_name"
    _config_keys = {"name": "display_name"}
    #: True if a higher result is better, False if lower, None if neither (a count, a sum):
    #: what EarlyStopping(mode="auto") and the tuner's objective go by (``metrics.direction``)
    higher_is_better: bool | None = None

    def __init__(self, name=None, dtype=None):
        self.name = name or self.default_name()
        self.dtype = dtype
        self._variables: list[tuple[Weight, np.ndarray]] = []
        if type(self).reset_state.__module__.startswith("neurona."):
            self.reset_state()      # neurona's metrics set their state here; Keras-style ones use add_variable

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        r"""Keras's ``Metric.add_variable``: a state array (with ``assign``, ``assign_add``) that the
        default ``reset_state`` puts back to its initial value."""
        from .. import initializers
        array = initializers.get(initializer)(tuple(shape), np.random.default_rng(0),
                                              np.dtype(dtype or "float32")).view(Weight)
        self._variables.append((array, np.array(array)))
        return array

    def add_weight(self, shape=(), initializer="zeros", dtype=None, name=None, aggregation="sum"):
        r"""Keras's other name of ``add_variable`` (a metric's state: counts, sums)."""
        return self.add_variable(shape=shape, initializer=initializer or "zeros", dtype=dtype,
                                 aggregation=aggregation, name=name)

    @classmethod
    def default_name(cls) -> str:
        return cls.registry_name if cls.__dict__.get("registry_name") else snake_case(cls.__name__)

    def reset_state(self):
        for array, initial in getattr(self, "_variables", []):
            array[...] = initial

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset(self):
        self.reset_state()

    def update(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight=sample_weight)

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        names = [p for p in inspect.signature(type(self).__init__).parameters if p not in ("self", "args", "kwargs")]
        if all(hasattr(self, p) for p in names):
            config = super().get_config()
        else:                                   # a subclass that keeps its arguments otherwise
            config = {"name": self.registry_name or type(self).__name__, "display_name": self.name}
        if config.get("dtype", 0) is None:
            config.pop("dtype")
        if config.get("display_name") in (None, self.default_name()):
            config.pop("display_name", None)
        return config



registry = Registry("metric", Metric)
register = registry.register


def _broadcast_weights(sample_weight, values):
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == values.ndim - 1 or (w.ndim < values.ndim and w.ndim > 0):
        w = w.reshape(w.shape + (1,) * (values.ndim - w.ndim))
    elif w.ndim == values.ndim and w.shape[-1] == 1 and values.ndim > 0:
        pass
    try:
        return np.broadcast_to(w, values.shape)
    except ValueError:
        raise ValueError(f"sample_weight of shape {np.shape(sample_weight)} does not fit values of shape "
                         f"{values.shape} (give one weight per sample).") from None


class MeanMetric(Metric):
    r"""The (weighted) mean of per-element values: sum_i w_i v_i / sum_i w_i, summed exactly."""

    def reset_state(self):
        self.parts, self.count, self.weight_parts = [], 0, None

    def values(self, y_true, y_pred):
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._add(self.values(y_true, y_pred), sample_weight)

    def _add(self, values, sample_weight):
        values = np.asarray(values, dtype=np.float64)
        if sample_weight is None and self.weight_parts is None:
            self.parts = _fsum_parts(self.parts, values)
            self.count += int(values.size)
            return
        if self.weight_parts is None:                      # weights from now on: the count so far weighs 1
            self.weight_parts = [float(self.count)]
        w = np.ones(values.shape) if sample_weight is None else _broadcast_weights(sample_weight, values)
        self.parts = _fsum_parts(self.parts, values * w)
        self.weight_parts = _fsum_parts(self.weight_parts, w)

    def _mean(self) -> float:
        total = self.parts[0] if self.parts else 0.0
        weight = self.count if self.weight_parts is None else self.weight_parts[0]
        if weight == 0:
            return 0.0 if self.weight_parts is not None else float("nan")
        return total / weight

    def result(self) -> float:
        return self._mean()


@register("mean")
class Mean(MeanMetric):
    r"""The weighted mean of the values given to ``update_state(values, sample_weight=None)``."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, values, sample_weight=None):
        self._add(values, sample_weight)


@register("sum")
class Sum(Mean):
    r"""The weighted sum of the values given to ``update_state(values, sample_weight=None)``."""

    def result(self) -> float:
        return self.parts[0] if self.parts else 0.0


@register("accuracy")
class Accuracy(MeanMetric):
    r"""Fraction of elements with y_hat == y exactly (Keras's ``Accuracy``: for class labels)."""
    higher_is_better = True


    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)

    def values(self, y_true, y_pred):
        y_true, y_pred = align(y_true, y_pred)
        return np.asarray(y_pred) == np.asarray(y_true)


@register("binary_accuracy")
class BinaryAccuracy(MeanMetric):
    r"""Fraction of outputs with (p > threshold) == y (each output of a multilabel model counts),
    Keras's ``BinaryAccuracy``."""
    higher_is_better = True


    def __init__(self, name=None, dtype=None, threshold: float = 0.5):
        self.threshold = check_number("BinaryAccuracy", "threshold", threshold)
        super().__init__(name=name, dtype=dtype)

    def values(self, y_true, y_pred):
        y_true, y_pred = align(y_true, y_pred)
        return (y_pred > self.threshold) == (y_true > 0.5)


def _labels(y_true, y_pred):
    r"""Class labels of y_true: the argmax of one-hot rows, or integer labels as they are."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape == y_pred.shape and y_pred.shape[-1] > 1:
        return np.argmax(y_true, axis=-1)
    return y_true.reshape(y_pred.shape[:-1]).astype(np.int64)


@register("categorical_accuracy")
class CategoricalAccuracy(MeanMetric):
    r"""Fraction of samples with argmax y_hat == argmax y (one-hot targets)."""
    higher_is_better = True


    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)

    def values(self, y_true, y_pred):
        return np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1)


@register("sparse_categorical_accuracy")
class SparseCategoricalAccuracy(MeanMetric):
    r"""Fraction of samples with argmax y_hat == y (integer labels)."""
    higher_is_better = True


    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)

    def values(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        return np.argmax(y_pred, axis=-1) == np.asarray(y_true).reshape(y_pred.shape[:-1])


class _TopK(MeanMetric):
    higher_is_better = True

    def __init__(self, k: int = 5, name=None, dtype=None):
        self.k = check_number(type(self).__name__, "k", k, 1, integer=True)
        super().__init__(name=name, dtype=dtype)

    def _in_top_k(self, labels, y_pred):
        y_pred = np.asarray(y_pred)
        score = np.take_along_axis(y_pred, labels[..., None].astype(np.intp), axis=-1)
        return np.sum(y_pred > score, axis=-1) < self.k          # fewer than k classes score higher


@register("top_k_categorical_accuracy")
class TopKCategoricalAccuracy(_TopK):
    r"""Fraction of samples whose true class (argmax of the one-hot y) is among the k highest
    scores of y_hat."""

    def values(self, y_true, y_pred):
        return self._in_top_k(np.argmax(y_true, axis=-1), y_pred)


@register("sparse_top_k_categorical_accuracy")
class SparseTopKCategoricalAccuracy(_TopK):
    r"""Fraction of samples whose integer label is among the k highest scores of y_hat."""

    def values(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        return self._in_top_k(np.asarray(y_true).reshape(y_pred.shape[:-1]), y_pred)


def _float_pair(y_true, y_pred):
    y_true, y_pred = align(y_true, y_pred)
    return np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)


@register("mean_squared_error", "mse")
class MeanSquaredError(MeanMetric):
    r"""1/(N k) sum (y_hat - y)^2; equals ``mean_squared_error`` on all the batches at once."""
    higher_is_better = False


    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)

    def values(self, y_true, y_pred):
        y_true, y_pred = _float_pair(y_true, y_pred)
        return np.square(y_pred - y_true)


@register("root_mean_squared_error", "rmse")
class RootMeanSquaredError(MeanSquaredError):
    r"""sqrt(1/(N k) sum (y_hat - y)^2), the root of the exact streaming MSE."""

    def result(self) -> float:
        return math.sqrt(self._mean()) if self._mean() >= 0 else float("nan")


@register("mean_absolute_error", "mae")
class MeanAbsoluteError(MeanMetric):
    r"""1/(N k) sum |y_hat - y|; equals ``mean_absolute_error`` on all the batches at once."""
    higher_is_better = False


    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)

    def values(self, y_true, y_pred):
        y_true, y_pred = _float_pair(y_true, y_pred)
        return np.abs(y_pred - y_true)


@register("mean_absolute_percentage_error", "mape")
class MeanAbsolutePercentageError(MeanMetric):
    r"""100/(N k) sum |y - y_hat| / max(|y|, 1e-7)."""
    higher_is_better = False


    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)

    def values(self, y_true, y_pred):
        y_true, y_pred = _float_pair(y_true, y_pred)
        return losses_module.MeanAbsolutePercentageError().elementwise(y_true, y_pred)


@register("mean_squared_logarithmic_error", "msle")
class MeanSquaredLogarithmicError(MeanMetric):
    r"""1/(N k) sum (ln(y_hat + 1) - ln(y + 1))^2 (both at least 1e-7)."""
    higher_is_better = False


    def __init__(self, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)

    def values(self, y_true, y_pred):
        y_true, y_pred = _float_pair(y_true, y_pred)
        return losses_module.MeanSquaredLogarithmicError().elementwise(y_true, y_pred)


@register("cosine_similarity")
class CosineSimilarity(MeanMetric):
    r"""The mean cosine of the angle between y and y_hat along the last axis, Keras's metric
    (1 best): 1/N sum_n (y_n / ||y_n||) . (y_hat_n / ||y_hat_n||). The loss of the same name is its
    negative, to be minimised."""
    higher_is_better = True

    def __init__(self, name=None, dtype=None, axis: int = -1):
        self.axis = axis
        losses_module.CosineSimilarity(axis=axis)       # the same check of axis
        super().__init__(name=name, dtype=dtype)

    def values(self, y_true, y_pred):
        y_true, y_pred = _float_pair(y_true, y_pred)
        return -losses_module.CosineSimilarity(axis=self.axis).values(y_true, y_pred)


class LossMetric(MeanMetric):
    r"""A loss as a metric: the weighted mean of its per-sample values (``Loss.values``)."""
    higher_is_better = False


    loss_class: type = None

    def _loss(self):
        arguments = {k: getattr(self, k) for k in inspect.signature(type(self).__init__).parameters
                     if k not in ("self", "name", "dtype")}
        return self.loss_class(**arguments)

    def values(self, y_true, y_pred):
        y_pred = np.asarray(y_pred, dtype=np.float64)
        return self._loss().values(y_true, y_pred)


def _loss_metric(loss_class, registry_name, doc, signature, *aliases):
    r"""The metric class of ``loss_class`` with Keras's arguments ``signature`` (name: default)."""
    def __init__(self, name=None, dtype=None, **arguments):
        for key, default in signature.items():
            setattr(self, key, arguments.pop(key, default))
        if arguments:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {sorted(arguments)}; it takes "
                            f"name, dtype{''.join(', ' + k for k in signature)}.")
        MeanMetric.__init__(self, name=name, dtype=dtype)

    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + [
        inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=v)
        for k, v in {"name": None, "dtype": None, **signature}.items()]
    __init__.__signature__ = inspect.Signature(parameters)
    name = loss_class.__name__ if loss_class.__name__ != "LogCosh" else "LogCoshError"
    cls = type(name, (LossMetric,), {"__init__": __init__, "loss_class": loss_class, "__doc__": doc,
                                     "__module__": __name__})
    return register(registry_name, *aliases)(cls)


BinaryCrossentropy = _loss_metric(losses_module.BinaryCrossentropy, "binary_crossentropy",
                                  r"""The mean binary cross-entropy over the batches (``from_logits``, ``label_smoothing``).""",
                                  {"from_logits": False, "label_smoothing": 0.0})
CategoricalCrossentropy = _loss_metric(losses_module.CategoricalCrossentropy, "categorical_crossentropy",
                                       r"""The mean categorical cross-entropy over the batches.""",
                                       {"from_logits": False, "label_smoothing": 0.0})
SparseCategoricalCrossentropy = _loss_metric(losses_module.SparseCategoricalCrossentropy,
                                             "sparse_categorical_crossentropy",
                                             r"""The mean sparse categorical cross-entropy over the batches.""",
                                             {"from_logits": False})
KLDivergence = _loss_metric(losses_module.KLDivergence, "kl_divergence", r"""The mean KL divergence.""", {})
Poisson = _loss_metric(losses_module.Poisson, "poisson", r"""The mean Poisson loss.""", {})
Hinge = _loss_metric(losses_module.Hinge, "hinge", r"""The mean hinge loss.""", {})
SquaredHinge = _loss_metric(losses_module.SquaredHinge, "squared_hinge", r"""The mean squared hinge loss.""", {})
LogCoshError = _loss_metric(losses_module.LogCosh, "logcosh", r"""The mean log-cosh error.""", {}, "log_cosh_error")


class FunctionMetric(MeanMetric):
    r"""A metric given as a function f(y_true, y_pred) of arrays (Keras's ``MeanMetricWrapper``):
    one value per sample (averaged over all samples, weighted) or one value per batch (weighted
    by the batch's size)."""

    def __init__(self, function, name=None, dtype=None):
        self.function = function
        super().__init__(name=name or getattr(function, "__name__", "metric"), dtype=dtype)

    def default_name(self) -> str:
        return getattr(self.function, "__name__", "metric")

    def values(self, y_true, y_pred):
        values = np.asarray(self.function(y_true, y_pred), dtype=np.float64)
        if values.ndim == 0:                      # a batch mean: weigh it by the batch's samples
            values = np.full(len(y_pred), float(values))
        return values

    def get_config(self) -> dict:
        return {"name": self.name, "function": self.function}


MeanMetricWrapper = FunctionMetric


_ACCURACY_FOR_LOSS = {"binary": BinaryAccuracy, "categorical": CategoricalAccuracy,
                      "sparse": SparseCategoricalAccuracy}


def get(identifier, loss=None) -> tuple[str, Metric]:
    r"""(log key, metric object), as Keras names them: a string is its own log key (``"acc"``,
    ``"mae"``, ``"AUC"``), an object logs under its ``name`` (``AUC()`` as "auc", ``Precision(
    name="p")`` as "p"), a function under its ``__name__``. ``"accuracy"`` / ``"acc"`` picks the
    accuracy that fits ``loss`` (binary, categorical or sparse)."""
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        kind = getattr(loss, "accuracy_kind", None)
        if kind is None:
            raise ValueError(f"'accuracy' needs a classification loss (binary_crossentropy, hinge, "
                             f"categorical_crossentropy or sparse_categorical_crossentropy); the model "
                             f"uses {type(loss).__name__}. For regression use 'mae' or 'mse'.")
        metric = _ACCURACY_FOR_LOSS[kind](name=identifier)
        return identifier, metric
    if callable(identifier) and not isinstance(identifier, (Metric, type)):
        metric = FunctionMetric(identifier)
        return metric.name, metric
    metric = registry.get(identifier)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric.name, metric


def serialize(metric) -> dict:
    return get(metric)[1].get_config()


def deserialize(config) -> Metric:
    return get(config)[1]
