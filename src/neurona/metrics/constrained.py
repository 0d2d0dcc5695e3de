r"""One rate at the best threshold that keeps another rate at or above a target (Keras's
SensitivitySpecificityBase family). The counts TP, FP, TN, FN are taken at ``num_thresholds``
thresholds evenly spread over [0, 1] (p > t is positive; ``class_id`` counts one output only), and

    result = max over thresholds t with constrained(t) >= target of dependent(t)   (0 if none)

    SensitivityAtSpecificity(s)   dependent TP / (TP + FN),  constrained TN / (TN + FP)
    SpecificityAtSensitivity(s)   dependent TN / (TN + FP),  constrained TP / (TP + FN)
    PrecisionAtRecall(r)          dependent TP / (TP + FP),  constrained TP / (TP + FN)
    RecallAtPrecision(p)          dependent TP / (TP + FN),  constrained TP / (TP + FP)

(each ratio 0 where its denominator is 0).
"""
from __future__ import annotations

import numpy as np

from ..validation import check_number
from .confusion import _Counts
from .streaming import register


def _ratio(a, b):
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def evenly_spread(num_thresholds):
    r"""Keras's thresholds: 0, 1/(n-1), ..., 1 (0.5 alone for n = 1)."""
    if num_thresholds == 1:
        return [0.5]
    return [0.0] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1.0]


class _AtConstraint(_Counts):
    higher_is_better = True
    #: the name of the target's argument ("specificity", ...)
    target: str = ""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        owner = type(self).__name__
        check_number(owner, self.target, value, 0, 1)
        self.num_thresholds = check_number(owner, "num_thresholds", num_thresholds, 1, integer=True)
        setattr(self, self.target, value)
        super().__init__(evenly_spread(num_thresholds), name=name, dtype=dtype, class_id=class_id)

    def _rates(self):
        r"""(constrained, dependent) at each threshold."""
        raise NotImplementedError

    def result(self):
        constrained, dependent = self._rates()
        feasible = constrained >= getattr(self, self.target)
        return float(np.max(np.where(feasible, dependent, 0.0), initial=0.0))

    def get_config(self):
        config = super().get_config()
        config.pop("thresholds", None)
        return config


@register("sensitivity_at_specificity")
class SensitivityAtSpecificity(_AtConstraint):
    r"""The best recall TP / (TP + FN) with specificity TN / (TN + FP) >= ``specificity``."""
    target = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def _rates(self):
        return _ratio(self.tn, self.tn + self.fp), _ratio(self.tp, self.tp + self.fn)


@register("specificity_at_sensitivity")
class SpecificityAtSensitivity(_AtConstraint):
    r"""The best specificity TN / (TN + FP) with recall TP / (TP + FN) >= ``sensitivity``."""
    target = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def _rates(self):
        return _ratio(self.tp, self.tp + self.fn), _ratio(self.tn, self.tn + self.fp)


@register("precision_at_recall")
class PrecisionAtRecall(_AtConstraint):
    r"""The best precision TP / (TP + FP) with recall TP / (TP + FN) >= ``recall``."""
    target = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def _rates(self):
        return _ratio(self.tp, self.tp + self.fn), _ratio(self.tp, self.tp + self.fp)


@register("recall_at_precision")
class RecallAtPrecision(_AtConstraint):
    r"""The best recall TP / (TP + FN) with precision TP / (TP + FP) >= ``precision``."""
    target = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def _rates(self):
        return _ratio(self.tp, self.tp + self.fp), _ratio(self.tp, self.tp + self.fn)
