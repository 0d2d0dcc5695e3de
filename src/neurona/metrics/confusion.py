r"""Streaming metrics from counts: the confusion counts at thresholds (Keras's TruePositives,
FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall), Keras's F1Score of each
output column (FBetaScore's), the class-based precision / recall / F1 of scikit-learn's averages (``"f1"`` is
ClassF1Score), and the area under the ROC or precision-recall curve (AUC).

Keras's counts treat every output as a binary decision, p > threshold (0.5), against y != 0,
counted over all outputs (micro): ``Precision()`` on a softmax output counts each class's
column. ``Precision(average="macro")`` (neurona's) instead takes the predicted class (argmax, or
p >= threshold for one output) and averages per class as scikit-learn does.
"""
from __future__ import annotations

import numpy as np

from ..losses.base import align
from ..validation import check_number
from .classification import _AVERAGES, _count_matrix, _scores_from_counts
from .fbeta import FBetaScore
from .ranking import roc_auc
from .streaming import Metric, _broadcast_weights, register


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


def _check_thresholds(owner, thresholds, default):
    if thresholds is None:
        return np.array([default]), True
    scalar = np.ndim(thresholds) == 0
    values = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    for t in values:
        check_number(owner, "thresholds", float(t), 0, 1) if np.isfinite(t) else None
    return values, scalar


class _Counts(Metric):
    r"""TP, FP, TN, FN at each threshold: the prediction p > t against the truth y != 0, every
    output counted (weighted by sample_weight); ``class_id`` counts one output only, ``top_k``
    only the k highest outputs of each sample."""

    def __init__(self, thresholds=None, name=None, dtype=None, top_k=None, class_id=None):
        owner = type(self).__name__
        self.top_k = None if top_k is None else check_number(owner, "top_k", top_k, 1, integer=True)
        self.class_id = None if class_id is None else check_number(owner, "class_id", class_id, 0, integer=True)
        self._thresholds, self._scalar = _check_thresholds(owner, thresholds, 0.5 if top_k is None else -np.inf)
        self.thresholds = thresholds
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        size = self._thresholds.size
        self.tp, self.fp, self.tn, self.fn = (np.zeros(size) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = align(y_true, y_pred)
        y_pred = np.asarray(y_pred, dtype=np.float64)
        weights = np.ones(y_pred.shape) if sample_weight is None else _broadcast_weights(sample_weight, y_pred)
        if self.top_k is not None:
            kth = -np.sort(-y_pred, axis=-1)[..., self.top_k - 1:self.top_k]
            y_pred = np.where(y_pred >= kth, y_pred, -np.inf)
        if self.class_id is not None:
            y_true, y_pred, weights = (a[..., self.class_id] for a in (y_true, y_pred, weights))
        truth, w = (np.asarray(y_true) != 0).ravel(), weights.ravel()
        predicted = y_pred.ravel()[None, :] > self._thresholds[:, None]
        self.tp += (predicted & truth) @ w
        self.fp += (predicted & ~truth) @ w
        self.fn += (~predicted & truth) @ w
        self.tn += (~predicted & ~truth) @ w

    def _out(self, values):
        return float(values[0]) if self._scalar else values.copy()

    def get_config(self):
        config = super().get_config()
        for key in ("top_k", "class_id"):
            if key in config and config[key] is None:
                config.pop(key)
        return config


@register("true_positives")
class TruePositives(_Counts):
    r"""The (weighted) count of outputs with p > threshold and y != 0."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds, name=name, dtype=dtype)

    def result(self):
        return self._out(self.tp)


@register("false_positives")
class FalsePositives(TruePositives):
    r"""The (weighted) count of outputs with p > threshold and y == 0."""

    def result(self):
        return self._out(self.fp)


@register("true_negatives")
class TrueNegatives(TruePositives):
    r"""The (weighted) count of outputs with p <= threshold and y == 0."""

    def result(self):
        return self._out(self.tn)


@register("false_negatives")
class FalseNegatives(TruePositives):
    r"""The (weighted) count of outputs with p <= threshold and y != 0."""

    def result(self):
        return self._out(self.fn)


class _ClassCounts:
    r"""Precision, recall or F1 of the predicted classes, from a confusion matrix accumulated over
    the batches (scikit-learn's averages; the whole-set function on all batches, zero_division=0).
    average None picks "binary" (class 1 positive) for one output and "macro" for several."""

    def __init__(self, owner, average, threshold, index):
        if average not in _AVERAGES:
            raise ValueError(f"average must be one of {list(_AVERAGES)}; got {average!r}.")
        self.owner, self.average, self.index = owner, average, index
        self.threshold = check_number(owner, "threshold", threshold)
        self.matrix, self.seen = np.zeros((0, 0)), np.zeros(0, bool)

    def update(self, y_true, y_pred, sample_weight):
        truth, predicted, k = output_classes(y_true, y_pred, self.threshold)
        if self.average == "binary" and k > 2:
            raise ValueError(f"{self.owner}(average='binary') scores one output or two classes; the "
                             f"model has {k} outputs. Choose average='macro', 'micro' or 'weighted'.")
        k = max(k, self.matrix.shape[0], int(truth.max(initial=0)) + 1)
        if k > self.matrix.shape[0]:
            grown = np.zeros((k, k))
            grown[:self.matrix.shape[0], :self.matrix.shape[0]] = self.matrix
            self.matrix, self.seen = grown, np.r_[self.seen, np.zeros(k - self.seen.size, bool)]
        if sample_weight is None:
            self.matrix += _count_matrix(truth, predicted, k)
        else:
            np.add.at(self.matrix, (truth, predicted), np.asarray(sample_weight, dtype=np.float64).reshape(-1))
        self.seen[truth] = self.seen[predicted] = True

    def result(self) -> float:
        if not self.seen.any():
            return float("nan")
        average = self.average or ("binary" if self.matrix.shape[0] == 2 else "macro")
        labels = np.array([1]) if average == "binary" else np.flatnonzero(self.seen)
        tp = np.diag(self.matrix)[labels]
        pred_sum, true_sum = self.matrix.sum(axis=0)[labels], self.matrix.sum(axis=1)[labels]
        return float(_scores_from_counts(tp, pred_sum, true_sum, average, 0.0)[self.index])


class _PrecisionRecall(_Counts):
    higher_is_better = True
    _index = 0

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None, average=None,
                 threshold=None):
        self.average, self.threshold = average, threshold
        self._classes = None
        if average is not None or threshold is not None:
            if thresholds is not None or top_k is not None or class_id is not None:
                raise ValueError(f"{type(self).__name__}: average= and threshold= (classes) do not combine with "
                                 f"thresholds=, top_k= or class_id= (Keras's counts of every output).")
            self._classes = _ClassCounts(type(self).__name__, average, 0.5 if threshold is None else threshold,
                                         self._index)
        super().__init__(thresholds, name=name, dtype=dtype, top_k=top_k, class_id=class_id)

    def reset_state(self):
        super().reset_state()
        if self._classes is not None:
            self._classes = _ClassCounts(type(self).__name__, self.average, self._classes.threshold, self._index)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._classes is not None:
            return self._classes.update(y_true, y_pred, sample_weight)
        super().update_state(y_true, y_pred, sample_weight)

    def result(self):
        if self._classes is not None:
            return self._classes.result()
        positives = self.tp + (self.fp if self._index == 0 else self.fn)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self._out(np.where(positives > 0, self.tp / np.where(positives > 0, positives, 1), 0.0))

    def get_config(self):
        config = super().get_config()
        for key in ("average", "threshold", "thresholds"):
            if config.get(key) is None:
                config.pop(key, None)
        return config


@register("precision")
class Precision(_PrecisionRecall):
    r"""TP / (TP + FP) over all batches (0 while nothing is predicted positive).

    Keras's (default): every output is a decision p > threshold (``thresholds``, 0.5), counted
    over all outputs; ``top_k``, ``class_id`` as in Keras. ``average="binary" | "micro" |
    "macro" | "weighted"`` (neurona's): the precision of the predicted classes, as scikit-learn's
    ``precision_score`` of all the batches.
    """
    _index = 0


@register("recall")
class Recall(_PrecisionRecall):
    r"""TP / (TP + FN) over all batches; Keras's counts, or the classes' recall with ``average=``
    (see Precision)."""
    _index = 1


@register("f1")
class ClassF1Score(Metric):
    r"""Streaming ``f1`` (neurona's): 2 TP / (2 TP + FP + FN) of the predicted classes over all
    batches, as scikit-learn's ``f1_score`` of all of them: one output is binary (p >= threshold),
    several are classes (the argmax; targets one-hot rows or integer labels), ``average`` as in
    Precision. Keras's F1Score scores each output column instead."""
    higher_is_better = True

    def __init__(self, average: str | None = None, threshold: float = 0.5, name=None, dtype=None):
        self.average, self.threshold = average, threshold
        _ClassCounts("ClassF1Score", average, threshold, 2)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self._classes = _ClassCounts("ClassF1Score", self.average, self.threshold, 2)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._classes.update(y_true, y_pred, sample_weight)

    def result(self):
        return self._classes.result()


@register("f1_score")
class F1Score(FBetaScore):
    r"""Keras's F1Score: FBetaScore with beta = 1, the harmonic mean of each output column's
    precision and recall (one-hot or multi-hot targets; ``average`` and ``threshold`` as there)."""

    def __init__(self, average=None, threshold=None, name=None, dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)


#: Keras's end thresholds lie this far outside [0, 1] (every output positive below, none above)
KERAS_EPSILON = 1e-7
SUMMATION_METHODS = ("interpolation", "minoring", "majoring")


def _curve_counts(truth, score, weight, thresholds=None):
    r"""(TP, FP, FN, TN), weighted, at each threshold from the highest (nothing predicted
    positive) down to the lowest (every output positive); an output is positive when its score
    is above the threshold. ``thresholds`` None: every distinct score is one (ties as one step),
    so the curve is exact; given (sorted, Keras's ends included): the counts at those."""
    if thresholds is None:
        order = np.argsort(-score, kind="mergesort")
        truth, score, weight = truth[order], score[order], weight[order]
        last = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]      # the end of each run of ties
        tp, fp = (np.r_[0.0, np.cumsum(weight * side)[last]] for side in (truth, ~truth))
    else:
        positive = score[None, :] > thresholds[::-1, None]
        tp, fp = (positive & truth) @ weight, (positive & ~truth) @ weight
    return tp, fp, np.sum(weight * truth) - tp, np.sum(weight * ~truth) - fp


def _ratio(a, b):
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def _interpolated_pr_area(tp, fp, fn):
    r"""The area under the precision-recall curve with Keras's interpolation (Davis & Goadrich,
    2006). Between two neighbouring thresholds TP and the predicted positives p = TP + FP grow
    linearly, TP = s p + c, so precision TP / p is integrated exactly over recall TP / P:
    sum over steps of  s (dTP + c ln(p_high / p_low)) / P."""
    p = tp + fp
    d_tp, slope = np.diff(tp), _ratio(np.diff(tp), np.diff(p))
    intercept = tp[:-1] - slope * p[:-1]
    ratio = np.divide(p[1:], p[:-1], out=np.ones_like(p[1:]), where=(p[:-1] > 0) & (p[1:] > 0))
    return float(np.sum(slope * (d_tp + intercept * np.log(ratio))) / (tp[-1] + fn[-1]))


def _curve_area(tp, fp, fn, tn, curve, summation_method):
    r"""Keras's area under the curve through the counts (ordered by growing positives): ROC is
    recall TP / (TP + FN) over the false-positive rate FP / (FP + TN), PR precision TP / (TP + FP)
    over recall (0 where nothing is predicted positive); between neighbouring points the height is
    their mean ("interpolation"; PR's is integrated exactly), smaller ("minoring") or larger
    ("majoring"): sum of dx * height. NaN when the truth holds no positive (or, for ROC, no
    negative) output."""
    if tp[-1] + fn[-1] <= 0 or (curve == "ROC" and fp[-1] + tn[-1] <= 0):
        return float("nan")
    if curve == "PR" and summation_method == "interpolation":
        return _interpolated_pr_area(tp, fp, fn)
    recall = _ratio(tp, tp + fn)
    x, y = (_ratio(fp, fp + tn), recall) if curve == "ROC" else (recall, _ratio(tp, tp + fp))
    heights = {"interpolation": (y[1:] + y[:-1]) / 2, "minoring": np.minimum(y[1:], y[:-1]),
               "majoring": np.maximum(y[1:], y[:-1])}[summation_method]
    return float(np.sum(np.diff(x) * heights))


@register("auc", "roc_auc")
class AUC(Metric):
    r"""The area under the ROC (or ``curve="PR"``: precision-recall) curve of all the (label,
    score) pairs of the batches, summed as Keras sums it (``summation_method``: "interpolation",
    "minoring" or "majoring"; PR's interpolation integrates precision exactly between points).

    The points: Keras counts at ``num_thresholds`` thresholds; neurona keeps every score, so
    without ``thresholds`` every distinct score is a threshold and the result is the exact,
    whole-set area (what Keras's value tends to as thresholds are added; ``num_thresholds`` is
    accepted and not needed). Given ``thresholds``, the counts are Keras's at those thresholds
    and at -1e-7 and 1 + 1e-7 (an output is positive above a threshold), and so is the result.

    One output: binary. Several outputs with targets of the same shape: as Keras, every output is
    a binary decision pooled together (``multi_label=False``, each output's counts weighted by
    ``label_weights``) or one AUC per output, averaged (``multi_label=True``, weighted by
    ``label_weights``). ``multi_class="ovr" | "ovo"`` (and integer labels) scores k outputs as k
    classes, as scikit-learn's ``roc_auc_score``. NaN while the batches hold a single class.
    """
    higher_is_better = True

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name=None, dtype=None, thresholds=None, multi_label: bool = False, num_labels=None,
                 label_weights=None, from_logits: bool = False, multi_class=None):
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR'; got {curve!r}.")
        if summation_method not in SUMMATION_METHODS:
            raise ValueError(f"AUC: summation_method must be one of {list(SUMMATION_METHODS)}; "
                             f"got {summation_method!r}.")
        if multi_class not in (None, "ovr", "ovo"):
            raise ValueError(f"AUC: multi_class must be 'ovr' or 'ovo'; got {multi_class!r}.")
        if multi_class is not None and (curve == "PR" or summation_method != "interpolation" or thresholds is not None):
            raise ValueError("AUC: multi_class scores exact ROC AUCs (scikit-learn's roc_auc_score); curve='PR', "
                             "summation_method and thresholds take binary or multi_label outputs.")
        self._thresholds = None if thresholds is None else np.r_[
            -KERAS_EPSILON, np.sort(_check_thresholds("AUC", thresholds, None)[0]), 1 + KERAS_EPSILON]
        self.num_thresholds, self.curve, self.summation_method = num_thresholds, curve, summation_method
        self.thresholds, self.multi_label, self.num_labels = thresholds, bool(multi_label), num_labels
        self.label_weights = None if label_weights is None else [float(v) for v in np.ravel(label_weights)]
        self.from_logits, self.multi_class = bool(from_logits), multi_class
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.truths, self.scores, self.weights = [], [], []

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = align(y_true, y_pred)
        score = np.asarray(y_pred, dtype=np.float64).reshape(len(y_pred), -1)
        if self.from_logits:
            score = 1.0 / (1.0 + np.exp(-score))
        sparse = np.shape(y_true) != np.shape(y_pred) or self.multi_class is not None
        truth = output_classes(y_true, y_pred)[0] if sparse else np.asarray(y_true).reshape(score.shape)
        self.truths.append(truth)
        self.scores.append(score)
        self.weights.append(None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(-1))

    def _area(self, truth, score, weight):
        return _curve_area(*_curve_counts(truth, score, weight, self._thresholds), self.curve, self.summation_method)

    def result(self) -> float:
        if not self.truths:
            return float("nan")
        truth, score = np.concatenate(self.truths), np.concatenate(self.scores)
        weighted = any(w is not None for w in self.weights)
        weight = np.concatenate([np.ones(len(t)) if w is None else w for t, w in zip(self.truths, self.weights)])
        if truth.ndim == 1 and score.shape[1] > 1:                  # k outputs as k classes
            if np.unique(truth).size < score.shape[1]:
                return float("nan")
            if weighted and (self.multi_class or "ovr") == "ovr":     # each class against the rest, weighted
                return float(np.mean([_curve_area(*_curve_counts(truth == k, score[:, k], weight), "ROC",
                                                  "interpolation") for k in range(score.shape[1])]))
            return roc_auc(truth, score, multi_class=self.multi_class or "ovr", labels=np.arange(score.shape[1]))
        truth = truth.reshape(score.shape) != 0
        lw = np.ones(score.shape[1]) if self.label_weights is None else np.asarray(self.label_weights)
        if self.multi_label and score.shape[1] > 1:
            areas = np.array([self._area(truth[:, j], score[:, j], weight) for j in range(score.shape[1])])
            return float(np.sum(areas * lw) / np.sum(lw))
        exact_roc = self.curve == "ROC" and self.summation_method == "interpolation" and self._thresholds is None
        if exact_roc and not weighted and score.shape[1] == 1:
            if np.unique(truth).size < 2:
                return float("nan")
            return roc_auc(truth[:, 0].astype(np.int64), score[:, 0])
        return self._area(truth.ravel(), score.ravel(), (weight[:, None] * lw[None, :]).ravel())

    def get_config(self):
        config = super().get_config()
        for key in ("thresholds", "num_labels", "label_weights", "multi_class"):
            if config.get(key) is None:
                config.pop(key, None)
        return config
