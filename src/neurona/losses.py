r"""Loss functions L(y_true, y_pred): a float (the mean over the batch), and its gradient.

``L(y_true, y_pred)`` returns the mean loss J over the N samples of the batch and
``L.gradient(y_true, y_pred)`` returns dJ/dy_pred (the 1/N is inside it), so a layer's
backward pass turns it into the mean gradient of the batch.

Probabilities are clipped to [eps, 1 - eps] before any log: log(0) never happens.
"""
from __future__ import annotations

import math

import numpy as np

from .activations import Sigmoid, Softmax
from .registry import Configurable, Registry
from .validation import check_number

EPSILON = 1e-7


class Loss(Configurable):
    r"""Base class. Subclasses define ``__call__`` and ``gradient``."""

    #: the accuracy that fits this loss's targets: "binary", "categorical", "sparse" or None
    accuracy_kind: str | None = None

    def __call__(self, y_true, y_pred) -> float:
        raise NotImplementedError

    def gradient(self, y_true, y_pred):
        raise NotImplementedError

    def fused_gradient(self, activation, y_true, a):
        r"""dJ/dz straight from the output activation's value ``a``, or None when this loss and
        activation have no simpler combined form."""
        return None

    def prepare_targets(self, y, n_outputs: int, dtype):
        r"""Check the targets ``y`` (as given by the user) and return them as an array for this
        loss; raise a ValueError that says how to fix them otherwise."""
        y = np.asarray(y)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[1] != n_outputs:
            raise ValueError(f"y must have shape (samples, {n_outputs}) to match the model's "
                             f"{n_outputs} output(s); got shape {np.asarray(y).shape}.")
        return np.ascontiguousarray(y, dtype=dtype)


registry = Registry("loss", Loss)
register = registry.register


def get(identifier) -> Loss:
    r"""A loss from a name, a config dict, an instance, or a function f(y_true, y_pred) written
    with ``neurona.autodiff`` operations (its gradient then comes from the tape)."""
    if identifier is None:
        raise ValueError(f"A loss is needed. Known losses: {', '.join(registry.names())}.")
    if callable(identifier) and not isinstance(identifier, (Loss, type)):
        from .autodiff.custom import FunctionLoss      # autodiff builds on this module: import late
        return FunctionLoss(identifier)
    return registry.get(identifier)


def _log(x, base):
    return np.log(x) if base == math.e else np.log(x) / math.log(base)


def _check_base(owner, log_base):
    if log_base in ("e", None):
        return math.e
    check_number(owner, "log_base", log_base, 1, low_open=True)
    return float(log_base)


def _check_probability_targets(name, y):
    low, high = float(np.min(y)), float(np.max(y))
    if low < 0 or high > 1:
        raise ValueError(f"{name} needs targets in [0, 1] (class labels 0/1 or probabilities); "
                         f"got values from {low:g} to {high:g}.")


@register("mean_squared_error", "mse")
class MeanSquaredError(Loss):
    r"""Mean squared error.

    half=False (default, as Keras and PyTorch):  J = 1/(N k) sum_n sum_i (y_hat_ni - y_ni)^2,
        dJ/dy_hat = 2 (y_hat - y) / (N k)           (the mean over all N samples and k outputs)
    half=True (the slides' convention):           J = 1/(2N) sum_n sum_i (y_hat_ni - y_ni)^2,
        dJ/dy_hat = (y_hat - y) / N                  (the 1/2 cancels the 2 of the derivative)
    """

    def __init__(self, half: bool = False):
        self.half = bool(half)

    def __call__(self, y_true, y_pred):
        d = np.asarray(y_pred) - y_true
        s = float(np.sum(d * d))
        return s / (2 * d.shape[0]) if self.half else s / d.size

    def gradient(self, y_true, y_pred):
        d = np.asarray(y_pred) - y_true
        return d / d.shape[0] if self.half else d * (2.0 / d.size)


@register("mean_absolute_error", "mae")
class MeanAbsoluteError(Loss):
    r"""J = 1/(N k) sum |y_hat - y|;  dJ/dy_hat = sign(y_hat - y) / (N k)  (0 where they are equal)."""

    def __call__(self, y_true, y_pred):
        return float(np.mean(np.abs(np.asarray(y_pred) - y_true)))

    def gradient(self, y_true, y_pred):
        d = np.asarray(y_pred) - y_true
        return np.sign(d) / d.size


@register("binary_crossentropy", "bce")
class BinaryCrossentropy(Loss):
    r"""Binary cross-entropy for a sigmoid output (or k independent sigmoids, multilabel):

    J = -1/(N k) sum [ y log(p) + (1 - y) log(1 - p) ]
    dJ/dp = (p - y) / (p (1 - p) N k  ln(base))
    and, through the sigmoid p = sigma(z), the fused  dJ/dz = (p - y) / (N k ln(base)).

    ``log_base`` e (default), 2 or 10: seed 000 works its example in base 10,
    -log10(0.6) = 0.22. ``from_logits=True`` takes z instead of p and computes
    max(z, 0) - z y + log(1 + e^{-|z|}), exact for any z.
    """

    accuracy_kind = "binary"

    def __init__(self, from_logits: bool = False, log_base=math.e, epsilon: float = EPSILON):
        self.from_logits = bool(from_logits)
        self.log_base = _check_base("BinaryCrossentropy", log_base)
        self.epsilon = check_number("BinaryCrossentropy", "epsilon", epsilon, 0, 0.5, high_open=True)

    def __call__(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        if self.from_logits:
            z = y_pred
            nats = np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
            return float(np.mean(nats) / math.log(self.log_base))
        p = np.clip(y_pred, self.epsilon, 1 - self.epsilon)
        return float(-np.mean(y_true * _log(p, self.log_base) + (1 - y_true) * _log(1 - p, self.log_base)))

    def gradient(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        scale = 1.0 / (y_pred.size * math.log(self.log_base))
        if self.from_logits:
            return (_sigmoid(y_pred) - y_true) * scale
        p = np.clip(y_pred, self.epsilon, 1 - self.epsilon)
        inside = (y_pred > self.epsilon) & (y_pred < 1 - self.epsilon)   # clipping kills the slope
        return (p - y_true) / (p * (1 - p)) * scale * inside

    def fused_gradient(self, activation, y_true, a):
        if activation._registry_name == "sigmoid" and not self.from_logits:
            return (a - y_true) * (1.0 / (a.size * math.log(self.log_base)))
        return None

    def prepare_targets(self, y, n_outputs, dtype):
        y = super().prepare_targets(y, n_outputs, dtype)
        _check_probability_targets("binary_crossentropy", y)
        return y


@register("categorical_crossentropy", "cce")
class CategoricalCrossentropy(Loss):
    r"""Categorical cross-entropy for a softmax output and one-hot (or probability) targets:

    J = -1/N sum_n sum_i y_ni log(p_ni)
    dJ/dp = -y / (p N ln(base))
    and, through p = softmax(z), the fused  dJ/dz = (p sum_i y_i - y) / (N ln(base)), which is
    (p - y) / (N ln(base)) for one-hot or probability targets (seed 000).

    ``log_base`` e (default), 2 or 10: seed 000 gives -ln(0.4) = 0.9163 and seed 002
    -log2(0.775) = 0.3677. ``from_logits=True`` takes z and uses log_softmax(z), exact for any z.
    """

    accuracy_kind = "categorical"

    def __init__(self, from_logits: bool = False, log_base=math.e, epsilon: float = EPSILON):
        self.from_logits = bool(from_logits)
        self.log_base = _check_base("CategoricalCrossentropy", log_base)
        self.epsilon = check_number("CategoricalCrossentropy", "epsilon", epsilon, 0, 0.5, high_open=True)

    def _log_p(self, y_pred):
        if self.from_logits:
            z = y_pred - y_pred.max(axis=-1, keepdims=True)
            return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        p = np.maximum(y_pred, self.epsilon)                # np.clip costs 3x more on small arrays
        return np.log(np.minimum(p, 1.0, out=p), out=p)

    def __call__(self, y_true, y_pred):
        y_pred, y_true = np.asarray(y_pred), np.asarray(y_true)
        log_p = self._log_p(y_pred)
        total = np.vdot(y_true, log_p) if y_true.shape == log_p.shape else np.sum(y_true * log_p)
        nats = -total / y_pred.shape[0]
        return float(nats / math.log(self.log_base))

    def gradient(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        scale = 1.0 / (y_pred.shape[0] * math.log(self.log_base))
        if self.from_logits:
            return (_softmax(y_pred) * y_true.sum(axis=-1, keepdims=True) - y_true) * scale
        p = np.clip(y_pred, self.epsilon, 1.0)
        return -y_true / p * scale * (y_pred > self.epsilon)

    def fused_gradient(self, activation, y_true, a):
        if activation._registry_name == "softmax" and not self.from_logits:
            # rows of y that do not sum to 1 (soft or partial targets) weigh the softmax term
            g = a * np.add.reduce(y_true, axis=-1, keepdims=True)
            g -= y_true
            g *= 1.0 / (a.shape[0] * math.log(self.log_base))
            return g
        return None

    def prepare_targets(self, y, n_outputs, dtype):
        array = np.asarray(y)
        if np.issubdtype(array.dtype, np.integer) and (array.ndim == 1 or array.shape[-1] == 1) and n_outputs > 1:
            raise ValueError(
                f"categorical_crossentropy needs one-hot targets of shape (samples, {n_outputs}); "
                f"got integer class labels of shape {array.shape}. Use "
                f"loss='sparse_categorical_crossentropy', or one-hot encode y first "
                f"(np.eye({n_outputs})[y]).")
        y = super().prepare_targets(y, n_outputs, dtype)
        _check_probability_targets("categorical_crossentropy", y)
        return y


@register("sparse_categorical_crossentropy", "scce")
class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    r"""Categorical cross-entropy with integer class labels y in {0, ..., k-1}:

    J = -1/N sum_n log(p_{n, y_n});  the same gradients as with one-hot targets.
    """

    accuracy_kind = "sparse"

    @staticmethod
    def _one_hot(y_true, k, dtype):
        labels = np.asarray(y_true).reshape(-1).astype(np.intp)
        out = np.zeros((labels.size, k), dtype=dtype)
        out[np.arange(labels.size), labels] = 1
        return out

    def __call__(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        labels = np.asarray(y_true).reshape(-1).astype(np.intp)
        if self.from_logits:
            log_p = self._log_p(y_pred)[np.arange(labels.size), labels]
        else:
            log_p = np.log(np.clip(y_pred[np.arange(labels.size), labels], self.epsilon, 1.0))
        return float(-np.mean(log_p) / math.log(self.log_base))

    def gradient(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        return super().gradient(self._one_hot(y_true, y_pred.shape[-1], y_pred.dtype), y_pred)

    def fused_gradient(self, activation, y_true, a):
        if activation._registry_name == "softmax" and not self.from_logits:
            labels = np.asarray(y_true).reshape(-1).astype(np.intp)
            g = a.copy()
            g[np.arange(labels.size), labels] -= 1
            g *= 1.0 / (a.shape[0] * math.log(self.log_base))
            return g
        return None

    def prepare_targets(self, y, n_outputs, dtype):
        array = np.asarray(y)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(f"sparse_categorical_crossentropy needs integer class labels of shape "
                             f"(samples,); got shape {array.shape}. For one-hot targets use "
                             f"loss='categorical_crossentropy'.")
        if np.issubdtype(array.dtype, np.floating):
            if not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
                raise ValueError("sparse_categorical_crossentropy needs integer class labels; "
                                 "got non-integer values in y.")
        elif not np.issubdtype(array.dtype, np.integer):
            raise TypeError(f"sparse_categorical_crossentropy needs integer class labels; got dtype {array.dtype}.")
        labels = array.astype(np.int64)
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= n_outputs:
            raise ValueError(f"Class labels must lie in [0, {n_outputs - 1}] for a model with {n_outputs} "
                             f"outputs; got labels from {low} to {high}.")
        return labels


@register("hinge")
class Hinge(Loss):
    r"""Hinge loss of the maximum-margin classifiers, with labels y in {-1, 1} (0/1 labels are
    mapped to -1/1, as Keras does):

    J = 1/(N k) sum max(0, 1 - y y_hat);  dJ/dy_hat = -y / (N k) where y y_hat < 1, else 0.
    """

    accuracy_kind = "binary"

    @staticmethod
    def _signed(y_true):
        y = np.asarray(y_true)
        return np.where(y == 0, -1, y).astype(np.result_type(y, np.float32)) if np.all(np.isin(y, (0, 1))) else y

    def __call__(self, y_true, y_pred):
        y = self._signed(y_true)
        return float(np.mean(np.maximum(0.0, 1.0 - y * np.asarray(y_pred))))

    def gradient(self, y_true, y_pred):
        y = self._signed(y_true)
        y_pred = np.asarray(y_pred)
        return -y * (y * y_pred < 1) / y_pred.size

    def prepare_targets(self, y, n_outputs, dtype):
        y = super().prepare_targets(y, n_outputs, dtype)
        values = set(np.unique(y).tolist())
        if not (values <= {-1.0, 1.0} or values <= {0.0, 1.0}):
            raise ValueError(f"hinge needs class labels in {{-1, 1}} (or {{0, 1}}); got the values "
                             f"{sorted(values)[:10]}.")
        return y


_sigmoid = Sigmoid()
_softmax = Softmax()
