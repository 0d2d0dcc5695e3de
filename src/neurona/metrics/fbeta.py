r"""Keras's FBetaScore: the F-beta score of each class from weighted counts over all batches.

A sample predicts class i when p_i > ``threshold`` (None: when p_i is the row's maximum and not 0);
per class, over the batches, with sample weights w:

    TP = sum w y p_hat,  FP = sum w (1 - y) p_hat,  FN = sum w y (1 - p_hat)
    P = TP / (TP + FP + eps),  R = TP / (TP + FN + eps)
    F = (1 + beta^2) P R / (beta^2 P + R + eps)          (eps = 1e-7)

``average``: None, one F per class; "micro", F of the counts summed over the classes; "macro",
the mean of the classes' F; "weighted", their mean weighted by each class's sum of w y.
"""
from __future__ import annotations

import numpy as np

from ..losses.base import EPSILON
from ..validation import check_number
from .streaming import Metric, register

AVERAGES = (None, "micro", "macro", "weighted")


@register("fbeta_score")
class FBetaScore(Metric):
    r"""F-beta of each class, or their ``average`` (see the module)."""

    higher_is_better = True

    def __init__(self, average=None, beta=1.0, threshold=None, name=None, dtype=None):
        if average not in AVERAGES:
            raise ValueError(f"The 'average' argument of FBetaScore must be one of {list(AVERAGES)}; "
                             f"got {average!r}.")
        self.average = average
        self.beta = check_number("FBetaScore", "beta", beta, 0, low_open=True)
        self.threshold = None if threshold is None else check_number("FBetaScore", "threshold", threshold, 0, 1,
                                                                     low_open=True)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.counts = None              # TP, FP, FN, sum of w y: rows of a (4, classes) array

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
        if y_true.ndim != 2 or y_pred.ndim != 2:
            raise ValueError(f"FBetaScore takes y_true and y_pred of shape (batch_size, classes); got "
                             f"{y_true.shape} and {y_pred.shape}.")
        if self.threshold is None:
            chosen = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            chosen = y_pred > self.threshold
        chosen = chosen.astype(np.float64)
        w = np.ones((len(y_true), 1)) if sample_weight is None else \
            np.asarray(sample_weight, dtype=np.float64).reshape(-1, 1)
        batch = np.stack([chosen * y_true, chosen * (1 - y_true), (1 - chosen) * y_true, y_true]) * w
        batch = batch.sum(axis=1)
        self.counts = batch if self.counts is None else self.counts + batch

    def result(self):
        if self.counts is None:
            return 0.0
        tp, fp, fn, support = self.counts.sum(axis=1, keepdims=True) if self.average == "micro" else self.counts
        precision, recall = tp / (tp + fp + EPSILON), tp / (tp + fn + EPSILON)
        b2 = self.beta ** 2
        scores = (1 + b2) * precision * recall / (b2 * precision + recall + EPSILON)
        if self.average == "weighted":
            return float(np.sum(scores * support / (np.sum(support) + EPSILON)))
        if self.average is not None:
            return float(np.mean(scores))
        return scores
