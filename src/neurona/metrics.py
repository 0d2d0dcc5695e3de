r"""How good is a model? Metrics on a whole set, and streaming versions for ``fit``.

Whole-set functions take scikit-learn's arguments in scikit-learn's order and give its results:

    accuracy(y_true, y_pred)                  correct predictions / all predictions
    balanced_accuracy(y_true, y_pred)         mean of the normalised confusion matrix's diagonal
    confusion_matrix(y_true, y_pred, labels=None, normalize=None | "true" | "pred" | "all")
    precision, recall, f1(y_true, y_pred, average="binary" | "macro" | "micro" | "weighted" | None)
    classification_report(y_true, y_pred)     the table of the three per class
    log_loss(y_true, y_pred)                  -1/N sum_i sum_j y_ij log p_ij
    roc_curve(y_true, y_score), roc_auc(y_true, y_score, multi_class="ovr" | "ovo")
    mean_squared_error, mean_absolute_error, r2(y_true, y_pred)

Streaming metrics (``compile(metrics=["accuracy", "precision", "recall", "f1", "auc", "mae",
"mse"])``) are objects with ``reset()``, ``update(y_true, y_pred)`` per batch and ``result()``.
They keep exact running counts (a confusion matrix, an exact float sum, the scores seen), so the
result over all batches equals the whole-set function on all the data, bit for bit.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .base import warn
from .registry import Configurable, Registry
from .validation import check_number


class UndefinedMetricWarning(UserWarning):
    r"""A metric divided by zero (e.g. precision of a class never predicted) and took the value of
    ``zero_division``. Once scikit-learn is loaded it is also scikit-learn's UndefinedMetricWarning,
    so the filters written for scikit-learn apply."""


# ------------------------------------------------------------------------------- input checks

def _as_labels(name: str, y) -> np.ndarray:
    r"""``y`` as a 1-D array of class labels (a single column is accepted)."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels; got shape {y.shape}. "
                         f"(One-hot or probability rows: take neurona.data.from_one_hot(rows).)")
    return y


def _check_length(y_true, y_pred, names=("y_true", "y_pred")):
    if len(y_true) != len(y_pred):
        raise ValueError(f"{names[0]} and {names[1]} must have the same length; "
                         f"got {len(y_true)} and {len(y_pred)}.")
    if len(y_true) == 0:
        raise ValueError(f"{names[0]} and {names[1]} are empty; at least one sample is needed.")


def _label_pair(y_true, y_pred):
    y_true, y_pred = _as_labels("y_true", y_true), _as_labels("y_pred", y_pred)
    _check_length(y_true, y_pred)
    return y_true, y_pred


def unique_labels(*ys) -> np.ndarray:
    r"""The sorted labels occurring in any of the arrays; mixing strings and numbers is an error."""
    kinds = {"str" if np.asarray(y).dtype.kind in "USO" else "number" for y in ys}
    if len(kinds) > 1:
        raise ValueError("Mix of label types: some labels are strings, some numbers; use one type.")
    return np.unique(np.concatenate([np.asarray(y).ravel() for y in ys]))


def _check_given_labels(labels, y_true, y_pred) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty list of class labels; got {labels.tolist()!r}.")
    if np.unique(labels).size != labels.size:
        raise ValueError(f"labels holds duplicates: {labels.tolist()!r}.")
    if not np.isin(labels, np.concatenate([y_true, y_pred])).any():
        raise ValueError(f"None of labels={labels.tolist()!r} occurs in y_true or y_pred "
                         f"(which hold {unique_labels(y_true, y_pred).tolist()!r}).")
    return labels


def _codes(y, labels) -> np.ndarray:
    r"""Index of each element of ``y`` in ``labels``, -1 where it is not one of them."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    at = np.clip(np.searchsorted(sorted_labels, y), 0, len(labels) - 1)
    return np.where(sorted_labels[at] == y, order[at], -1)


def _count_matrix(true_codes, pred_codes, k: int) -> np.ndarray:
    r"""C[i, j] = number of samples of class i predicted as j (codes of -1 are left out)."""
    keep = (true_codes >= 0) & (pred_codes >= 0)
    flat = true_codes[keep] * k + pred_codes[keep]
    return np.bincount(flat, minlength=k * k).reshape(k, k)


# --------------------------------------------------------------------------- classification

def accuracy(y_true, y_pred, normalize: bool = True):
    r"""Accuracy = (number of correct predictions) / (number of predictions).

    Only meaningful when the classes are about equally frequent (seed 002); otherwise see
    ``balanced_accuracy``. ``normalize=False`` gives the count of correct predictions.
    """
    y_true, y_pred = _label_pair(y_true, y_pred)
    unique_labels(y_true, y_pred)
    correct = int(np.count_nonzero(y_true == y_pred))
    return correct / len(y_true) if normalize else correct


def confusion_matrix(y_true, y_pred, labels=None, normalize=None) -> np.ndarray:
    r"""C[i, j] = number of samples of true class labels[i] predicted as labels[j].

    labels     the classes (rows and columns) in this order; default: every label in y_true or
               y_pred, sorted. Samples of other classes are left out.
    normalize  "true" divides each row by its sum (row i: how class i was predicted, the
               diagonal is each class's recall), "pred" each column, "all" the whole matrix.
               An all-zero row or column stays 0.
    """
    y_true, y_pred = _label_pair(y_true, y_pred)
    labels = unique_labels(y_true, y_pred) if labels is None else _check_given_labels(labels, y_true, y_pred)
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be None, 'true', 'pred' or 'all'; got {normalize!r}.")
    cm = _count_matrix(_codes(y_true, labels), _codes(y_pred, labels), len(labels))
    if normalize is None:
        return cm
    total = {"true": cm.sum(axis=1, keepdims=True), "pred": cm.sum(axis=0, keepdims=True),
             "all": cm.sum()}[normalize]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(cm / total)


def balanced_accuracy(y_true, y_pred, adjusted: bool = False) -> float:
    r"""The mean over classes of each class's recall: normalise the confusion matrix by rows and
    average its diagonal (seed 002, step 3: (0.55 + 0.56) / 2).

    Classes that occur only in y_pred have no recall and are left out (with a warning).
    ``adjusted=True`` rescales so that chance scores 0 and perfect scores 1.
    """
    cm = confusion_matrix(y_true, y_pred)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.diag(cm) / cm.sum(axis=1)
    if np.isnan(per_class).any():
        warnings.warn("y_pred contains classes not in y_true", UserWarning, stacklevel=2)
        per_class = per_class[~np.isnan(per_class)]
    score = float(np.mean(per_class))
    if adjusted:
        if per_class.size < 2:
            raise ValueError("balanced_accuracy(adjusted=True) needs two or more classes in y_true; "
                             "with one, chance and perfect are the same score.")
        chance = 1 / per_class.size
        score = (score - chance) / (1 - chance)
    return score


_AVERAGES = ("binary", "micro", "macro", "weighted", None)


def _check_zero_division(zero_division):
    if isinstance(zero_division, str) and zero_division == "warn":
        return 0.0
    if isinstance(zero_division, (int, float)) and not isinstance(zero_division, bool) and (
            zero_division in (0, 1) or np.isnan(zero_division)):
        return float(zero_division)
    raise ValueError(f"zero_division must be 'warn', 0, 1 or nan; got {zero_division!r}.")


def _divide(numerator, denominator, zero_division, what: str, report: bool):
    r"""numerator / denominator; where the denominator is 0, the value of ``zero_division`` (and a
    warning if it is "warn" and ``report``)."""
    value = _check_zero_division(zero_division)
    zero = denominator == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        result = np.where(zero, value, numerator / np.where(zero, 1, denominator))
    if zero.any() and report and isinstance(zero_division, str):
        warn(UndefinedMetricWarning, f"{what}; it is set to 0.0. Use the zero_division argument to choose "
             f"the value and silence this warning.", stacklevel=5)      # the caller of precision, recall, f1
    return result


def _nan_average(values, weights=None):
    keep = ~np.isnan(values)
    if not keep.any():
        return float("nan")
    values = values[keep]
    if weights is None or weights[keep].sum() == 0:
        return float(np.mean(values))
    return float(np.average(values, weights=weights[keep]))


def _scores_from_counts(tp, pred_sum, true_sum, average, zero_division, warn_for=()):
    r"""(precision, recall, f1, support) from per-class counts.

    precision = TP / (TP + FP),  recall = TP / (TP + FN),
    F1 = 2 / (1/precision + 1/recall) = 2 TP / (2 TP + FP + FN)
    "micro" pools the counts of all classes first; "macro" averages the per-class scores,
    "weighted" averages them weighted by each class's support (its number of true samples).
    """
    tp, pred_sum, true_sum = (np.asarray(a, dtype=np.int64) for a in (tp, pred_sum, true_sum))
    if average == "micro":
        tp, pred_sum, true_sum = tp.sum(keepdims=True), pred_sum.sum(keepdims=True), true_sum.sum(keepdims=True)
    precision = _divide(tp, pred_sum, zero_division, "Precision is ill-defined for a class with no predicted "
                        "samples", "precision" in warn_for)
    recall = _divide(tp, true_sum, zero_division, "Recall is ill-defined for a class with no true samples",
                     "recall" in warn_for)
    f1_score = _divide(2 * tp, pred_sum + true_sum, zero_division, "F-score is ill-defined for a class with "
                       "neither true nor predicted samples", "f1" in warn_for)
    if average is None:
        return precision, recall, f1_score, true_sum
    weights = true_sum if average == "weighted" else None
    return (_nan_average(precision, weights), _nan_average(recall, weights),
            _nan_average(f1_score, weights), None)


def _prf_labels(y_true, y_pred, labels, pos_label, average):
    r"""The classes to score, as scikit-learn chooses them."""
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {list(_AVERAGES)}; got {average!r}.")
    present = unique_labels(y_true, y_pred)
    if average == "binary":
        if present.size > 2:
            raise ValueError(f"The data holds {present.size} classes ({present.tolist()}) but average='binary'; "
                             f"choose average='macro', 'micro', 'weighted' or None.")
        if pos_label not in present.tolist() and present.size == 2:
            raise ValueError(f"pos_label={pos_label!r} is not a label of the data; it should be one of "
                             f"{present.tolist()}.")
        return np.asarray([pos_label])
    if pos_label not in (None, 1):
        warnings.warn(f"pos_label={pos_label!r} is ignored when average={average!r}; use labels=[pos_label] "
                      f"to score that class alone.", UserWarning, stacklevel=4)
    return present if labels is None else _check_given_labels(labels, y_true, y_pred)


def precision_recall_f1_support(y_true, y_pred, labels=None, pos_label=1, average=None,
                                zero_division="warn", warn_for=("precision", "recall", "f1")):
    r"""(precision, recall, f1, support) per class (``average=None``) or averaged."""
    y_true, y_pred = _label_pair(y_true, y_pred)
    labels = _prf_labels(y_true, y_pred, labels, pos_label, average)
    _check_zero_division(zero_division)
    true_codes, pred_codes = _codes(y_true, labels), _codes(y_pred, labels)
    k = len(labels)
    tp = np.bincount(true_codes[(true_codes == pred_codes) & (true_codes >= 0)], minlength=k)
    true_sum = np.bincount(true_codes[true_codes >= 0], minlength=k)
    pred_sum = np.bincount(pred_codes[pred_codes >= 0], minlength=k)
    return _scores_from_counts(tp, pred_sum, true_sum, average, zero_division, warn_for)


def precision(y_true, y_pred, labels=None, pos_label=1, average="binary", zero_division="warn"):
    r"""Precision = TP / (TP + FP): of the samples predicted positive, the fraction that are."""
    return precision_recall_f1_support(y_true, y_pred, labels, pos_label, average, zero_division, ("precision",))[0]


def recall(y_true, y_pred, labels=None, pos_label=1, average="binary", zero_division="warn"):
    r"""Recall (sensitivity, TPR) = TP / (TP + FN): of the positive samples, the fraction found."""
    return precision_recall_f1_support(y_true, y_pred, labels, pos_label, average, zero_division, ("recall",))[1]


def f1(y_true, y_pred, labels=None, pos_label=1, average="binary", zero_division="warn"):
    r"""F1 = 2 / (1/precision + 1/recall) = 2 TP / (2 TP + FP + FN), the harmonic mean (seed 002)."""
    return precision_recall_f1_support(y_true, y_pred, labels, pos_label, average, zero_division, ("f1",))[2]


def classification_report(y_true, y_pred, labels=None, target_names=None, digits: int = 2,
                          zero_division="warn", output_dict: bool = False):
    r"""Precision, recall, F1 and support of each class, then accuracy and the macro and weighted
    averages, as a text table (or a dict with ``output_dict=True``).

    When ``labels`` leaves out some classes of the data, the micro average replaces accuracy.
    """
    y_true, y_pred = _label_pair(y_true, y_pred)
    present = unique_labels(y_true, y_pred)
    labels = present if labels is None else _check_given_labels(labels, y_true, y_pred)
    names = [str(label) for label in labels] if target_names is None else [str(t) for t in target_names]
    if len(names) != len(labels):
        raise ValueError(f"target_names has {len(names)} names for {len(labels)} classes.")
    columns = ("precision", "recall", "f1-score", "support")
    p, r, f, support = precision_recall_f1_support(y_true, y_pred, labels, None, None, zero_division)
    rows = {name: dict(zip(columns, (float(p[k]), float(r[k]), float(f[k]), int(support[k]))))
            for k, name in enumerate(names)}
    micro = not np.isin(present, labels).all()       # micro average = accuracy when all classes are in
    if not micro:
        rows["accuracy"] = accuracy(y_true, y_pred)
    for average in (["micro"] if micro else []) + ["macro", "weighted"]:
        scores = precision_recall_f1_support(y_true, y_pred, labels, None, average, zero_division)[:3]
        rows[f"{average} avg"] = dict(zip(columns, (*scores, int(support.sum()))))
    return rows if output_dict else _report_text(rows, digits)


def _report_text(rows: dict, digits: int) -> str:
    r"""scikit-learn's layout: a line per class, a blank line, then accuracy (or micro avg) and the
    macro and weighted averages."""
    width, col = max(len("weighted avg"), digits, *(len(name) for name in rows)), 10
    cell = lambda value: f"{value:>{col}.{digits}f}"        # noqa: E731
    lines = [" " * (width + 1) + "".join(f"{h:>{col}}" for h in ("precision", "recall", "f1-score", "support")), ""]
    for name, row in rows.items():
        if name in ("accuracy", "micro avg"):             # the summary rows start after a gap
            lines.append("")
        if name == "accuracy":
            lines.append(f"{name:>{width}} " + " " * (2 * col) + cell(row) + f"{rows['macro avg']['support']:>{col}}")
        else:
            values = "".join(cell(row[k]) for k in ("precision", "recall", "f1-score"))
            lines.append(f"{name:>{width}} {values}{row['support']:>{col}}")
    return "\n".join(lines) + "\n"


def log_loss(y_true, y_pred, normalize: bool = True, labels=None) -> float:
    r"""Log loss = -1/N sum_i sum_j y_ij log(p_ij) (natural log; seed 002).

    y_pred holds probabilities, a row per sample with a column per class (classes sorted, or in
    the order of ``labels``) summing to 1, or, for two classes, the probability of the greater one.
    Probabilities are clipped to [eps, 1 - eps] (eps of their dtype), so log(0) never happens.
    """
    y_true = _as_labels("y_true", y_true)
    p = np.asarray(y_pred)
    if not np.issubdtype(p.dtype, np.floating):
        p = p.astype(np.float64)
    _check_length(y_true, p)
    if not np.isfinite(p).all() or p.min() < 0 or p.max() > 1:
        raise ValueError(f"y_pred must hold probabilities in [0, 1]; got values from {p.min()} to {p.max()}.")
    classes = np.unique(y_true) if labels is None else np.unique(np.asarray(labels))
    if classes.size < 2:
        raise ValueError(f"y_true holds a single class ({classes.tolist()}); log loss needs two or more. "
                         f"Pass all the classes with labels=.")
    outside = ~np.isin(y_true, classes)
    if outside.any():
        raise ValueError(f"y_true holds labels not in labels={classes.tolist()}: {np.unique(y_true[outside]).tolist()}.")
    if p.ndim == 1 or (p.ndim == 2 and p.shape[1] == 1):
        p = p.reshape(-1, 1)
        p = np.hstack([1 - p, p])
    if p.ndim != 2 or p.shape[1] != classes.size:
        raise ValueError(f"y_pred must have one column per class ({classes.size}: {classes.tolist()}); "
                         f"got shape {np.shape(y_pred)}.")
    eps = np.finfo(p.dtype).eps
    sums = p.sum(axis=1)
    if not np.allclose(sums, 1, rtol=np.sqrt(eps), atol=0):
        worst = int(np.argmax(np.abs(sums - 1)))
        raise ValueError(f"The rows of y_pred must sum to 1 (probabilities); row {worst} sums to {sums[worst]}.")
    p = np.clip(p, eps, 1 - eps)
    losses = -np.log(p[np.arange(len(p)), np.searchsorted(classes, y_true)])
    return float(np.mean(losses) if normalize else np.sum(losses))


# ----------------------------------------------------------------------------------- ranking

def _binary_truth(y_true, pos_label):
    y_true = _as_labels("y_true", y_true)
    classes = np.unique(y_true)
    if classes.size > 2:
        raise ValueError(f"y_true holds {classes.size} classes ({classes.tolist()}); a ROC curve needs two. "
                         f"For more use roc_auc(..., multi_class='ovr' or 'ovo').")
    if pos_label is None:
        if classes.dtype.kind in "USO" or not set(classes.tolist()) <= {0, 1} and not set(classes.tolist()) <= {-1, 1}:
            raise ValueError(f"y_true holds {classes.tolist()}; with labels other than {{0, 1}} or {{-1, 1}} "
                             f"give pos_label= (the positive class).")
        pos_label = 1
    return y_true == pos_label


def _scores(name, y_score) -> np.ndarray:
    s = np.asarray(y_score, dtype=np.float64)
    if s.ndim == 2 and s.shape[1] == 1:
        s = s[:, 0]
    if s.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one score per sample); got shape {np.shape(y_score)}.")
    if not np.isfinite(s).all():
        raise ValueError(f"{name} holds {int((~np.isfinite(s)).sum())} non-finite value(s).")
    return s


def roc_curve(y_true, y_score, pos_label=None, drop_intermediate: bool = True):
    r"""(fpr, tpr, thresholds): the ROC curve, one point per distinct score used as a threshold.

    Predict positive when score >= t: TPR = TP / (TP + FN), FPR = FP / (FP + TN) = 1 - specificity.
    The first point (0, 0) has threshold +inf. ``drop_intermediate`` drops points that lie on a
    straight run between their neighbours (they do not change the curve).
    """
    positive = _binary_truth(y_true, pos_label)
    score = _scores("y_score", y_score)
    _check_length(positive, score, ("y_true", "y_score"))
    order = np.argsort(-score, kind="mergesort")
    score, positive = score[order], positive[order]
    last_of_threshold = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]
    tps = np.cumsum(positive)[last_of_threshold]
    fps = 1 + last_of_threshold - tps
    thresholds = score[last_of_threshold]
    if drop_intermediate and fps.size > 2:
        bends = np.r_[True, (np.diff(fps, 2) != 0) | (np.diff(tps, 2) != 0), True]
        fps, tps, thresholds = fps[bends], tps[bends], thresholds[bends]
    fps, tps, thresholds = np.r_[0, fps], np.r_[0, tps], np.r_[np.inf, thresholds]
    return _rate(fps, "negative", "false positive"), _rate(tps, "positive", "true positive"), thresholds


def _rate(counts, kind: str, rate: str):
    if counts[-1] == 0:
        warn(UndefinedMetricWarning, f"No {kind} samples in y_true: the {rate} rate is undefined (nan).",
             stacklevel=3)
        return np.full(counts.shape, np.nan)
    return counts / counts[-1]


def auc(x, y) -> float:
    r"""Area under a curve through the points (x_i, y_i) (x monotonic) by the trapezoidal rule."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.size < 2:
        raise ValueError(f"auc needs two 1-D arrays of the same length >= 2; got shapes {x.shape} and {y.shape}.")
    steps = np.diff(x)
    if (steps < 0).any() and (steps > 0).any():
        raise ValueError("auc: x must be monotonic (increasing or decreasing).")
    area = float(np.sum(steps * (y[1:] + y[:-1]) / 2))
    return -area if (steps < 0).any() else area


def _binary_auc(positive, score) -> float:
    if positive.all() or not positive.any():
        raise ValueError("Only one class present in y_true: ROC AUC is not defined then (it needs "
                         "positives and negatives).")
    fpr, tpr, _ = roc_curve(positive.astype(np.int64), score)
    return auc(fpr, tpr)


def roc_auc(y_true, y_score, average="macro", multi_class="raise", labels=None) -> float:
    r"""Area under the ROC curve: the probability that a random positive scores above a random
    negative (ties count one half). Seed 002's six patients score 0.75.

    Binary: y_score is the score of the greater label. Several classes: y_score has a column of
    probabilities per class (rows summing to 1) and ``multi_class`` says how to reduce to binary
    problems: "ovr" scores each class against the rest ("macro": plain mean, "weighted": by
    class frequency); "ovo" (Hand and Till, 2001) averages (AUC(a|b) + AUC(b|a)) / 2 over all
    pairs of classes, each pair on its own samples ("weighted": by the pair's share of samples).
    """
    y_true = _as_labels("y_true", y_true)
    score = np.asarray(y_score, dtype=np.float64)
    _check_length(y_true, score, ("y_true", "y_score"))
    classes = np.unique(y_true) if labels is None else np.asarray(labels)
    if score.ndim == 1 or score.shape[1] <= 2 and classes.size <= 2:
        if classes.size < 2:
            raise ValueError(f"Only one class present in y_true ({classes.tolist()}): ROC AUC is not defined then.")
        if classes.size > 2:
            raise ValueError(f"y_true holds {classes.size} classes; give y_score one column per class.")
        column = score if score.ndim == 1 else score[:, -1]
        return _binary_auc(y_true == np.sort(classes)[1], _scores("y_score", column))
    return _multiclass_auc(y_true, score, classes, average, multi_class, labels is not None)


def _multiclass_auc(y_true, score, classes, average, multi_class, labels_given) -> float:
    if multi_class not in ("ovr", "ovo"):
        raise ValueError(f"y_true holds {classes.size} classes: choose multi_class='ovr' (one-vs-rest) or "
                         f"'ovo' (one-vs-one); got {multi_class!r}.")
    if average not in ("macro", "weighted"):
        raise ValueError(f"Multiclass ROC AUC supports average='macro' or 'weighted'; got {average!r}.")
    if labels_given and (np.unique(classes).size != classes.size or (np.sort(classes) != classes).any()):
        raise ValueError(f"labels must be sorted and without duplicates; got {classes.tolist()}.")
    if score.shape[1] != classes.size:
        raise ValueError(f"y_score has {score.shape[1]} columns but there are {classes.size} classes "
                         f"{classes.tolist()}; pass labels= with one class per column.")
    if not np.isin(y_true, classes).all():
        raise ValueError(f"y_true holds labels not in labels={classes.tolist()}.")
    absent = classes[~np.isin(classes, y_true)]
    if absent.size:
        raise ValueError(f"Class {absent[0].item()!r} of labels={classes.tolist()} has no sample in y_true: its ROC "
                         f"AUC against the other classes is not defined.")
    if not np.allclose(score.sum(axis=1), 1):
        raise ValueError("For several classes y_score must hold probabilities whose rows sum to 1.")
    if multi_class == "ovr":
        aucs = [_binary_auc(y_true == c, score[:, k]) for k, c in enumerate(classes)]
        weights = [np.count_nonzero(y_true == c) for c in classes]
    else:
        aucs, weights = [], []
        for a in range(classes.size):
            for b in range(a + 1, classes.size):
                mask = (y_true == classes[a]) | (y_true == classes[b])
                both = (_binary_auc(y_true[mask] == classes[a], score[mask, a]) +
                        _binary_auc(y_true[mask] == classes[b], score[mask, b])) / 2
                aucs.append(both)
                weights.append(np.mean(mask))
    return float(np.average(aucs, weights=weights if average == "weighted" else None))


# -------------------------------------------------------------------------------- regression

def _fsum_parts(parts: list[float], values) -> list[float]:
    r"""The exact sum of ``parts`` and ``values`` as a few floats p_0, p_1, ... with p_0 the correctly
    rounded sum: p_0 = round(S), p_1 = round(S - p_0), ... (math.fsum is exact before it rounds).

    Carrying the parts from batch to batch gives, after any batches, the same p_0 as math.fsum of
    all the values at once: the streaming MSE equals the whole-set MSE exactly. A NaN or an
    infinity (a diverged model) gives [nan] or [inf], which later batches keep.
    """
    terms = parts + np.ravel(values).tolist()
    try:
        total = math.fsum(terms)
    except OverflowError:                            # finite values whose sum is beyond float range
        with np.errstate(over="ignore"):
            return [float(np.sum(terms))]
    except ValueError:                               # inf - inf
        return [math.nan]
    if not math.isfinite(total):
        return [total]
    out = []
    for _ in range(40):
        if total == 0:
            break
        out.append(total)
        terms.append(-total)
        total = math.fsum(terms)
    return out or [0.0]


def _regression_pair(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    y_true = y_true.reshape(-1, 1) if y_true.ndim == 1 else y_true
    y_pred = y_pred.reshape(-1, 1) if y_pred.ndim == 1 else y_pred
    if y_true.ndim != 2 or y_pred.ndim != 2:
        raise ValueError(f"y_true and y_pred must be 1-D (samples) or 2-D (samples, outputs); "
                         f"got shapes {np.shape(y_true)} and {np.shape(y_pred)}.")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape (samples[, outputs]); "
                         f"got {np.shape(y_true)} and {np.shape(y_pred)}.")
    _check_length(y_true, y_pred)
    for name, array in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.isfinite(array).all():
            raise ValueError(f"{name} must hold finite numbers; it has {int((~np.isfinite(array)).sum())} "
                             f"NaN or infinite value(s).")
    return y_true, y_pred


def _mean_error(errors, multioutput):
    if multioutput == "raw_values":
        return np.array([_fsum_parts([], column)[0] / len(column) for column in errors.T])
    if multioutput != "uniform_average":
        raise ValueError(f"multioutput must be 'raw_values' or 'uniform_average'; got {multioutput!r}.")
    return _fsum_parts([], errors)[0] / errors.size


def mean_squared_error(y_true, y_pred, multioutput="uniform_average"):
    r"""MSE = 1/N sum_j (y_j - y_hat_j)^2 (seed 002; averaged over outputs)."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    return _mean_error(np.square(y_pred - y_true), multioutput)


def mean_absolute_error(y_true, y_pred, multioutput="uniform_average"):
    r"""MAE = 1/N sum_j |y_j - y_hat_j| (seed 002; averaged over outputs)."""
    y_true, y_pred = _regression_pair(y_true, y_pred)
    return _mean_error(np.abs(y_pred - y_true), multioutput)


def r2(y_true, y_pred, multioutput="uniform_average"):
    r"""Coefficient of determination R^2 = 1 - sum (y - y_hat)^2 / sum (y - mean(y))^2.

    1 is a perfect fit, 0 is as good as predicting the mean, below 0 worse. For a constant y_true
    (denominator 0) it is 1 if the predictions are exact, else 0. "variance_weighted" averages the
    outputs weighted by their variance.
    """
    y_true, y_pred = _regression_pair(y_true, y_pred)
    if len(y_true) < 2:
        raise ValueError("r2 needs at least two samples.")
    residual = np.sum((y_true - y_pred) ** 2, axis=0)
    total = np.sum((y_true - y_true.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(total > 0, 1 - residual / np.where(total > 0, total, 1), np.where(residual == 0, 1.0, 0.0))
    if multioutput == "raw_values":
        return scores
    if multioutput == "variance_weighted" and total.sum() > 0:
        return float(np.average(scores, weights=total))
    if multioutput not in ("uniform_average", "variance_weighted"):
        raise ValueError(f"multioutput must be 'raw_values', 'uniform_average' or 'variance_weighted'; "
                         f"got {multioutput!r}.")
    return float(np.mean(scores))


# scikit-learn's names, so that code written for it runs unchanged
accuracy_score, balanced_accuracy_score, roc_auc_score, r2_score = accuracy, balanced_accuracy, roc_auc, r2
precision_score, recall_score, f1_score = precision, recall, f1


# ------------------------------------------------------------------------- streaming metrics

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
