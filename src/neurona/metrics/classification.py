r"""Whole-set classification metrics with scikit-learn\'s arguments and results: accuracy,
balanced accuracy, the confusion matrix, precision / recall / F1, the report and log loss."""
from __future__ import annotations

import warnings

import numpy as np

from ..base import warn


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
    # weighted counts stay real numbers (truncating them to integers would lose the weights)
    tp, pred_sum, true_sum = (np.asarray(a, dtype=np.result_type(np.asarray(a).dtype, np.int64))
                              for a in (tp, pred_sum, true_sum))
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
    return rows if output_dict else ClassificationReport(_report_text(rows, digits), rows, digits)


class ClassificationReport(str):
    r"""The report's text (a ``str``: print it, compare it, write it), which Jupyter shows as a
    table; ``.rows`` holds the ``output_dict=True`` form."""

    def __new__(cls, text: str, rows: dict, digits: int):
        report = super().__new__(cls, text)
        report.rows, report.digits = rows, digits
        return report

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        from ..notebook import report_html
        return report_html(self.rows, self.digits)


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
