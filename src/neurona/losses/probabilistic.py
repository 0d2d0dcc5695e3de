r"""Probabilistic losses: the cross-entropies (binary, categorical, sparse), KL divergence, Poisson.

Probabilities are clipped to [eps, 1 - eps] before any log: log(0) never happens. The
cross-entropies take the lectures' ``log_base`` (e by default, 2 or 10 in the slides' examples)
beside Keras's ``from_logits`` and ``label_smoothing``.
"""
from __future__ import annotations

import math

import numpy as np

from ..activations import Sigmoid, Softmax
from ..autodiff import ops as _ad
from ..validation import check_number
from .base import EPSILON, Loss, align, mean_of, register


def _log(x, base):
    return np.log(x) if base == math.e else np.log(x) / math.log(base)


def _log_on_tape(x, base):
    return _ad.log(x) if base == math.e else _ad.log(x) / math.log(base)


def _check_base(owner, log_base):
    if log_base in ("e", None):
        return math.e
    check_number(owner, "log_base", log_base, 1, low_open=True)
    return float(log_base)


def _check_axis(owner, axis):
    if axis != -1:
        raise ValueError(f"{owner} takes the classes along the last axis (axis=-1); got axis={axis!r}.")
    return axis


def _check_probability_targets(name, y):
    low, high = float(np.min(y)), float(np.max(y))
    if low < 0 or high > 1:
        raise ValueError(f"{name} needs targets in [0, 1] (class labels 0/1 or probabilities); "
                         f"got values from {low:g} to {high:g}.")


class _CrossEntropy(Loss):
    def __init__(self, from_logits, label_smoothing, axis, reduction, name, log_base, epsilon):
        super().__init__(name=name, reduction=reduction)
        owner = type(self).__name__
        self.from_logits = bool(from_logits)
        self.label_smoothing = check_number(owner, "label_smoothing", label_smoothing, 0, 1)
        self.axis = _check_axis(owner, axis)
        self.log_base = _check_base(owner, log_base)
        self.epsilon = check_number(owner, "epsilon", epsilon, 0, 0.5, high_open=True)

    def _clipped(self, p):
        r"""p clipped to [eps, 1 - eps] (``np.clip`` costs 3x more on small arrays)."""
        return np.minimum(np.maximum(p, self.epsilon), 1 - self.epsilon)

    def _smooth(self, y_true, y_pred):
        if not self.label_smoothing:
            return y_true
        y = np.asarray(y_true)
        k = 2 if isinstance(self, BinaryCrossentropy) else np.shape(y_pred)[-1]
        return y * (1.0 - self.label_smoothing) + self.label_smoothing / k

    def _smooth_on_tape(self, y, k):
        return y * (1.0 - self.label_smoothing) + self.label_smoothing / k if self.label_smoothing else y


@register("binary_crossentropy", "bce")
class BinaryCrossentropy(_CrossEntropy):
    r"""Binary cross-entropy for a sigmoid output (or k independent sigmoids, multilabel):

    J = -1/(N k) sum [ y log(p) + (1 - y) log(1 - p) ]
    dJ/dp = (p - y) / (p (1 - p) N k  ln(base))
    and, through the sigmoid p = sigma(z), the fused  dJ/dz = (p - y) / (N k ln(base)).

    ``log_base`` e (default), 2 or 10: seed 000 works its example in base 10,
    -log10(0.6) = 0.22. ``from_logits=True`` takes z instead of p and computes
    max(z, 0) - z y + log(1 + e^{-|z|}), exact for any z. ``label_smoothing`` s trains
    towards y (1 - s) + s / 2.
    """

    accuracy_kind = "binary"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction="sum_over_batch_size", name=None, log_base=math.e, epsilon: float = EPSILON):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, log_base, epsilon)

    def _elementwise(self, y_true, y_pred):
        y_true, y_pred = align(y_true, y_pred)
        y = self._smooth(y_true, y_pred)
        if self.from_logits:
            z = y_pred
            return (np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))) / math.log(self.log_base)
        p = self._clipped(y_pred)
        return -(y * _log(p, self.log_base) + (1 - y) * _log(1 - p, self.log_base))

    def values(self, y_true, y_pred):
        return np.mean(self._elementwise(y_true, y_pred), axis=-1)

    def _mean(self, y_true, y_pred):
        return mean_of(self._elementwise(y_true, y_pred))

    def _mean_gradient(self, y_true, y_pred):
        y_true, y_pred = align(y_true, y_pred)
        y = self._smooth(y_true, y_pred)
        scale = 1.0 / (y_pred.size * math.log(self.log_base))
        if self.from_logits:
            return (_sigmoid(y_pred) - y) * scale
        p = np.clip(y_pred, self.epsilon, 1 - self.epsilon)
        inside = (y_pred > self.epsilon) & (y_pred < 1 - self.epsilon)   # clipping kills the slope
        return (p - y) / (p * (1 - p)) * scale * inside

    def _fused_mean_gradient(self, activation, y_true, a):
        if activation.registry_name == "sigmoid" and not self.from_logits:
            return (a - self._smooth(y_true, a)) * (1.0 / (a.size * math.log(self.log_base)))
        return None

    def prepare_targets(self, y, n_outputs, dtype):
        y = super().prepare_targets(y, n_outputs, dtype)
        _check_probability_targets("binary_crossentropy", y)
        return y

    def call(self, y, p):
        y = self._smooth_on_tape(y, 2)
        if self.from_logits:
            nats = _ad.relu(p) - p * y + _ad.log(1.0 + _ad.exp(-_ad.abs(p)))
            return _ad.mean(nats, axis=-1) / math.log(self.log_base)
        p = _ad.clip(p, self.epsilon, 1 - self.epsilon)
        return -_ad.mean(y * _log_on_tape(p, self.log_base) + (1.0 - y) * _log_on_tape(1.0 - p, self.log_base), axis=-1)


@register("binary_focal_crossentropy")
class BinaryFocalCrossentropy(BinaryCrossentropy):
    r"""Binary cross-entropy that weighs down the well-classified samples (Lin et al., 2017), Keras's:

    p_t = y p + (1 - y)(1 - p),   F = (1 - p_t)^gamma,   B = -(y log p + (1 - y) log(1 - p))
    l = w F B   (w = alpha y + (1 - alpha)(1 - y) with ``apply_class_balancing``, else 1)
    dl/dp = w (dF/dp B + F dB/dp),   dF/dp = -gamma (1 - p_t)^{gamma - 1} (2y - 1),
    dB/dp = (p - y) / (p (1 - p))   (0 where p is clipped to [eps, 1 - eps], as in B)

    gamma = 0 is the binary cross-entropy. ``from_logits``: p = sigma(z), and dl/dz = dl/dp p (1 - p).
    ``label_smoothing`` s trains towards y (1 - s) + s / 2, in B and in p_t.
    """

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25, gamma: float = 2.0,
                 from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction="sum_over_batch_size", name=None):
        super().__init__(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis, reduction=reduction,
                         name=name)
        self.apply_class_balancing = bool(apply_class_balancing)
        self.alpha = check_number("BinaryFocalCrossentropy", "alpha", alpha, 0, 1)
        self.gamma = check_number("BinaryFocalCrossentropy", "gamma", gamma, 0)

    def _terms(self, y_true, y_pred):
        r"""(y smoothed, p, clipped p, B, 1 - p_t, F, w) of every entry."""
        y_true, y_pred = align(y_true, y_pred)
        y = self._smooth(y_true, y_pred)
        p = _sigmoid(y_pred) if self.from_logits else np.asarray(y_pred)
        q = self._clipped(p)
        bce = -(y * np.log(q) + (1 - y) * np.log(1 - q))
        miss = 1 - (y * p + (1 - y) * (1 - p))
        weight = y * self.alpha + (1 - y) * (1 - self.alpha) if self.apply_class_balancing else 1.0
        return y, p, q, bce, miss, miss ** self.gamma, weight

    def _elementwise(self, y_true, y_pred):
        _, _, _, bce, _, focal, weight = self._terms(y_true, y_pred)
        return weight * focal * bce

    def _mean_gradient(self, y_true, y_pred):
        y, p, q, bce, miss, focal, weight = self._terms(y_true, y_pred)
        inside = (p > self.epsilon) & (p < 1 - self.epsilon)
        d_bce = (q - y) / (q * (1 - q)) * inside
        d_focal = 0.0 if self.gamma == 0 else -self.gamma * miss ** (self.gamma - 1) * (2 * y - 1)
        grad = weight * (d_focal * bce + focal * d_bce)
        if self.from_logits:
            grad = grad * p * (1 - p)
        return grad / np.size(y_pred)

    def _fused_mean_gradient(self, activation, y_true, a):
        return None

    def call(self, y, p):
        y = self._smooth_on_tape(y, 2)
        p = Sigmoid().call(p) if self.from_logits else p
        q = _ad.clip(p, self.epsilon, 1 - self.epsilon)
        bce = -(y * _ad.log(q) + (1.0 - y) * _ad.log(1.0 - q))
        focal = (1.0 - (y * p + (1.0 - y) * (1.0 - p))) ** self.gamma
        weight = y * self.alpha + (1.0 - y) * (1.0 - self.alpha) if self.apply_class_balancing else 1.0
        return _ad.mean(weight * focal * bce, axis=-1)


@register("categorical_crossentropy", "cce")
class CategoricalCrossentropy(_CrossEntropy):
    r"""Categorical cross-entropy for a softmax output and one-hot (or probability) targets:

    J = -1/N sum_n sum_i y_ni log(p_ni)
    dJ/dp = -y / (p N ln(base))
    and, through p = softmax(z), the fused  dJ/dz = (p sum_i y_i - y) / (N ln(base)), which is
    (p - y) / (N ln(base)) for one-hot or probability targets (seed 000).

    ``log_base`` e (default), 2 or 10: seed 000 gives -ln(0.4) = 0.9163 and seed 002
    -log2(0.775) = 0.3677. ``from_logits=True`` takes z and uses log_softmax(z), exact for any z.
    ``label_smoothing`` s trains towards y (1 - s) + s / k.
    """

    accuracy_kind = "categorical"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction="sum_over_batch_size", name=None, log_base=math.e, epsilon: float = EPSILON):
        super().__init__(from_logits, label_smoothing, axis, reduction, name, log_base, epsilon)

    def _log_p(self, y_pred):
        if self.from_logits:
            z = y_pred - y_pred.max(axis=-1, keepdims=True)
            return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        p = np.maximum(y_pred, self.epsilon)                # np.clip costs 3x more on small arrays
        return np.log(np.minimum(p, 1.0, out=p), out=p)

    def values(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        y = self._smooth(y_true, y_pred)
        return -np.sum(y * self._log_p(y_pred), axis=-1) / math.log(self.log_base)

    def _mean(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        y_true = np.asarray(self._smooth(y_true, y_pred))
        log_p = self._log_p(y_pred)
        total = np.vdot(y_true, log_p) if y_true.shape == log_p.shape else np.sum(y_true * log_p)
        nats = -total / y_pred.shape[0]
        return float(nats / math.log(self.log_base))

    def _mean_gradient(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        y_true = np.asarray(self._smooth(y_true, y_pred))
        scale = 1.0 / (y_pred.shape[0] * math.log(self.log_base))
        if self.from_logits:
            return (_softmax(y_pred) * y_true.sum(axis=-1, keepdims=True) - y_true) * scale
        p = np.clip(y_pred, self.epsilon, 1.0)
        return -y_true / p * scale * (y_pred > self.epsilon)

    def _fused_mean_gradient(self, activation, y_true, a):
        if activation.registry_name == "softmax" and not self.from_logits:
            y_true = self._smooth(y_true, a)
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
                f"(neurona.utils.to_categorical(y, {n_outputs})).")
        y = super().prepare_targets(y, n_outputs, dtype)
        _check_probability_targets("categorical_crossentropy", y)
        return y

    def call(self, y, p):
        y = self._smooth_on_tape(y, p.shape[-1])
        log_p = _ad.log_softmax(p, axis=-1) if self.from_logits else _ad.log(_ad.clip(p, self.epsilon, 1.0))
        return -_ad.sum(y * log_p, axis=-1) / math.log(self.log_base)


@register("sparse_categorical_crossentropy", "scce")
class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    r"""Categorical cross-entropy with integer class labels y in {0, ..., k-1}:

    J = -1/N sum_n log(p_{n, y_n});  the same gradients as with one-hot targets.
    """

    accuracy_kind = "sparse"

    def __init__(self, from_logits: bool = False, ignore_class=None, reduction="sum_over_batch_size",
                 name=None, log_base=math.e, epsilon: float = EPSILON):
        if ignore_class is not None:
            raise ValueError(f"SparseCategoricalCrossentropy: ignore_class is for segmentation masks, which "
                             f"neurona (dense networks) does not have; got ignore_class={ignore_class!r}.")
        super().__init__(from_logits, 0.0, -1, reduction, name, log_base, epsilon)
        self.ignore_class = None

    def get_config(self):
        config = super().get_config()
        for key in ("label_smoothing", "axis"):
            config.pop(key, None)
        return config

    @staticmethod
    def _labels(y_true):
        return np.asarray(y_true).reshape(-1).astype(np.intp)

    @classmethod
    def _one_hot(cls, y_true, k, dtype):
        labels = cls._labels(y_true)
        out = np.zeros((labels.size, k), dtype=dtype)
        out[np.arange(labels.size), labels] = 1
        return out

    def values(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        labels = self._labels(y_true)
        if self.from_logits:
            log_p = self._log_p(y_pred)[np.arange(labels.size), labels]
        else:
            log_p = np.log(np.clip(y_pred[np.arange(labels.size), labels], self.epsilon, 1.0))
        return -log_p / math.log(self.log_base)

    def _mean(self, y_true, y_pred):
        return mean_of(self.values(y_true, y_pred))

    def _mean_gradient(self, y_true, y_pred):
        y_pred = np.asarray(y_pred)
        return super()._mean_gradient(self._one_hot(y_true, y_pred.shape[-1], y_pred.dtype), y_pred)

    def _fused_mean_gradient(self, activation, y_true, a):
        if activation.registry_name == "softmax" and not self.from_logits:
            labels = self._labels(y_true)
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

    def call(self, y, p):
        one_hot = np.eye(p.shape[-1], dtype=p.dtype)[np.asarray(y.data).reshape(-1).astype(np.intp)]
        return super().call(_ad.Tensor(one_hot), p)


@register("categorical_focal_crossentropy")
class CategoricalFocalCrossentropy(CategoricalCrossentropy):
    r"""Categorical cross-entropy that weighs down the well-classified classes (Keras's form of Lin et
    al., 2017). With o = p / sum_i p_i clipped to [eps, 1 - eps] (p = softmax(z) ``from_logits``):

    l = sum_i alpha (1 - o_i)^gamma (-y_i ln o_i)
    dl/do_i = alpha y_i (gamma (1 - o_i)^{gamma - 1} ln o_i - (1 - o_i)^gamma / o_i)   (0 where clipped)
    dl/dp_j = (dl/do_j - sum_i dl/do_i o_i) / sum_i p_i        (the normalisation)
    dl/dz_j = p_j (dl/dp_j - sum_i dl/dp_i p_i)                 (``from_logits``: the softmax)

    gamma = 0 and alpha = 1 is the categorical cross-entropy. ``label_smoothing`` s trains towards
    y (1 - s) + s / k.
    """

    def __init__(self, alpha: float = 0.25, gamma: float = 2.0, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1, reduction="sum_over_batch_size", name=None):
        super().__init__(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis,
                         reduction=reduction, name=name)
        self.alpha = check_number("CategoricalFocalCrossentropy", "alpha", alpha)
        self.gamma = check_number("CategoricalFocalCrossentropy", "gamma", gamma, 0)

    def _terms(self, y_true, y_pred):
        r"""(y smoothed, p, o before clipping, o clipped) of every entry."""
        y_pred = np.asarray(y_pred)
        y = np.asarray(self._smooth(y_true, y_pred))
        p = _softmax(y_pred) if self.from_logits else y_pred
        o = p / np.sum(p, axis=-1, keepdims=True)
        return y, p, o, self._clipped(o)

    def values(self, y_true, y_pred):
        y, _, _, q = self._terms(y_true, y_pred)
        return np.sum(self.alpha * (1 - q) ** self.gamma * -y * np.log(q), axis=-1)

    def _mean(self, y_true, y_pred):
        return mean_of(self.values(y_true, y_pred))

    def _mean_gradient(self, y_true, y_pred):
        y, p, o, q = self._terms(y_true, y_pred)
        inside = (o >= self.epsilon) & (o <= 1 - self.epsilon)
        d_focal = 0.0 if self.gamma == 0 else self.gamma * (1 - q) ** (self.gamma - 1) * np.log(q)
        d_o = self.alpha * y * (d_focal - (1 - q) ** self.gamma / q) * inside
        d_p = (d_o - np.sum(d_o * o, axis=-1, keepdims=True)) / np.sum(p, axis=-1, keepdims=True)
        if self.from_logits:
            d_p = p * (d_p - np.sum(d_p * p, axis=-1, keepdims=True))
        return d_p / y_pred.shape[0]

    def _fused_mean_gradient(self, activation, y_true, a):
        return None

    def call(self, y, p):
        y = self._smooth_on_tape(y, p.shape[-1])
        p = _ad.softmax(p, axis=-1) if self.from_logits else p
        o = _ad.clip(p / _ad.sum(p, axis=-1, keepdims=True), self.epsilon, 1 - self.epsilon)
        return _ad.sum(self.alpha * (1.0 - o) ** self.gamma * -y * _ad.log(o), axis=-1)


@register("categorical_generalized_cross_entropy")
class CategoricalGeneralizedCrossEntropy(SparseCategoricalCrossentropy):
    r"""Generalized cross-entropy (Zhang & Sabuncu, 2018), Keras's, robust to noisy labels: with integer
    labels y and p_y the probability given to the true class,

    l = (1 - p_y^q) / q,   dl/dp_y = -p_y^{q - 1}   (0 for the other classes),   0 < q < 1

    (q -> 0 is the cross-entropy -ln p_y, q = 1 the mean absolute error 1 - p_y).
    """

    def __init__(self, q: float = 0.5, reduction="sum_over_batch_size", name=None):
        super().__init__(reduction=reduction, name=name)
        self.q = check_number("CategoricalGeneralizedCrossEntropy", "q", q, 0, 1, low_open=True, high_open=True)

    def _true_class(self, y_true, y_pred):
        labels = self._labels(y_true)
        return labels, np.asarray(y_pred)[np.arange(labels.size), labels]

    def values(self, y_true, y_pred):
        return (1.0 - self._true_class(y_true, y_pred)[1] ** self.q) / self.q

    def _mean(self, y_true, y_pred):
        return mean_of(self.values(y_true, y_pred))

    def _mean_gradient(self, y_true, y_pred):
        labels, p = self._true_class(y_true, y_pred)
        gradient = np.zeros(np.shape(y_pred), dtype=np.result_type(np.asarray(y_pred).dtype, np.float32))
        gradient[np.arange(labels.size), labels] = -p ** (self.q - 1) / labels.size
        return gradient

    def _fused_mean_gradient(self, activation, y_true, a):
        return None

    def get_config(self):
        config = super().get_config()
        for key in ("from_logits", "ignore_class", "log_base", "epsilon"):
            config.pop(key, None)
        return config

    def call(self, y, p):
        one_hot = np.eye(p.shape[-1], dtype=p.dtype)[np.asarray(y.data).reshape(-1).astype(np.intp)]
        return (1.0 - _ad.sum(p * _ad.constant(one_hot, p), axis=-1) ** self.q) / self.q


@register("kl_divergence", "kld", "kullback_leibler_divergence")
class KLDivergence(Loss):
    r"""Kullback-Leibler divergence KL(y || p) (Keras's ``KLDivergence``), both clipped to [eps, 1]:

    l_n = sum_i y_i ln(y_i / p_i);  dl_n/dp_i = -y_i / p_i where eps < p_i <= 1, else 0.
    """

    accuracy_kind = "categorical"

    def __init__(self, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)

    def values(self, y_true, y_pred):
        y_true, y_pred = align(y_true, y_pred)
        y, p = np.clip(y_true, EPSILON, 1.0), np.clip(y_pred, EPSILON, 1.0)
        return np.sum(y * np.log(y / p), axis=-1)

    def _mean_gradient(self, y_true, y_pred):
        y_true, y_pred = align(y_true, y_pred)
        y, p = np.clip(y_true, EPSILON, 1.0), np.clip(y_pred, EPSILON, 1.0)
        return -y / p * ((y_pred > EPSILON) & (y_pred <= 1.0)) / y_pred.shape[0]

    def call(self, y, p):
        y = _ad.clip(y, EPSILON, 1.0)
        return _ad.sum(y * _ad.log(y / _ad.clip(p, EPSILON, 1.0)), axis=-1)


@register("poisson")
class Poisson(Loss):
    r"""Poisson negative log-likelihood for counts y and a positive rate y_hat (Keras's, eps 1e-7):

    e = y_hat - y ln(y_hat + eps);  de/dy_hat = 1 - y / (y_hat + eps);  l_n = the mean over outputs.
    """

    def __init__(self, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name, reduction=reduction)

    def values(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        return np.mean(p - y * np.log(p + EPSILON), axis=-1)

    def _mean_gradient(self, y_true, y_pred):
        y, p = align(y_true, y_pred)
        return (1.0 - y / (p + EPSILON)) / p.size

    def call(self, y, p):
        return _ad.mean(p - y * _ad.log(p + EPSILON), axis=-1)


_sigmoid = Sigmoid()
_softmax = Softmax()
