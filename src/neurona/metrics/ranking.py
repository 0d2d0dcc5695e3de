r"""Ranking metrics of scores: the ROC curve, the area under a curve and ROC AUC (binary,
one-vs-rest, one-vs-one)."""
from __future__ import annotations

import numpy as np

from ..base import warn
from .classification import UndefinedMetricWarning, _as_labels, _check_length


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
