r"""Keras's intersection-over-union metrics, from a confusion matrix C accumulated over the batches
(C[t, p] the weight of the entries of true class t predicted p):

    IoU_c = TP_c / (TP_c + FP_c + FN_c + eps) = C[c, c] / (row_c + column_c - C[c, c] + eps)
    result = sum of IoU_c over the target classes / (number of them with a nonzero denominator + eps)

    IoU(num_classes, target_class_ids)   integer labels and predictions (``sparse_y_true`` /
                                         ``sparse_y_pred`` False: the argmax over ``axis``)
    MeanIoU(num_classes)                 every class is a target
    BinaryIoU(target_class_ids, threshold)   predicted 1 where p >= threshold
    OneHotIoU / OneHotMeanIoU            one-hot targets, scores as predictions (argmax)

As Keras: labels and predictions are truncated to integers, entries outside [0, num_classes) and
of ``ignore_class`` are skipped, and the weights are whole numbers unless ``dtype`` is a float.
"""
from __future__ import annotations

import numpy as np

from ..losses.base import EPSILON
from ..validation import check_number
from .streaming import Metric, register


@register("iou")
class IoU(Metric):
    r"""The mean IoU of ``target_class_ids`` (see the module)."""

    higher_is_better = True

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        owner = type(self).__name__
        self.num_classes = check_number(owner, "num_classes", num_classes, 1, integer=True)
        self.target_class_ids = [check_number(owner, "target_class_ids", int(c), 0, num_classes - 1, integer=True)
                                 for c in target_class_ids]
        self.ignore_class, self.axis = ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = bool(sparse_y_true), bool(sparse_y_pred)
        super().__init__(name=name, dtype=dtype)

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes))

    def _classes(self, y_true, y_pred):
        r"""(true classes, predicted classes) of every entry, as integers."""
        y_true = np.argmax(y_true, axis=self.axis) if not self.sparse_y_true else np.asarray(y_true)
        y_pred = np.argmax(y_pred, axis=self.axis) if not self.sparse_y_pred else np.asarray(y_pred)
        return np.asarray(y_true).astype(np.int64).ravel(), np.asarray(y_pred).astype(np.int64).ravel()

    def update_state(self, y_true, y_pred, sample_weight=None):
        truth, predicted = self._classes(y_true, y_pred)
        weight = np.ones(truth.size) if sample_weight is None else np.broadcast_to(
            np.asarray(sample_weight, dtype=np.float64).ravel(), truth.shape)
        if self.dtype is None or np.issubdtype(np.dtype(self.dtype), np.integer):
            weight = np.trunc(weight)                   # Keras counts in integers by default
        kept = (truth >= 0) & (truth < self.num_classes) & (predicted >= 0) & (predicted < self.num_classes)
        if self.ignore_class is not None:
            kept &= truth != self.ignore_class
        np.add.at(self.total_cm, (truth[kept], predicted[kept]), weight[kept])

    def result(self):
        tp = np.diag(self.total_cm)
        denominator = (self.total_cm.sum(axis=0) + self.total_cm.sum(axis=1) - tp)[self.target_class_ids]
        valid = denominator > 1e-9
        iou = np.where(valid, tp[self.target_class_ids] / (denominator + EPSILON), 0.0)
        return float(np.sum(iou) / (np.sum(valid) + EPSILON))


@register("mean_iou")
class MeanIoU(IoU):
    r"""IoU averaged over every class."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, range(int(num_classes)), name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)


@register("binary_iou")
class BinaryIoU(IoU):
    r"""IoU of the two classes of a binary output, predicted 1 where p >= ``threshold``."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        self.threshold = check_number("BinaryIoU", "threshold", threshold)
        super().__init__(2, target_class_ids, name=name, dtype=dtype)

    def _classes(self, y_true, y_pred):
        return super()._classes(y_true, (np.asarray(y_pred, dtype=np.float32) >= self.threshold).astype(np.int64))


@register("one_hot_iou")
class OneHotIoU(IoU):
    r"""IoU of one-hot targets against scores (both by their argmax over ``axis``)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)


@register("one_hot_mean_iou")
class OneHotMeanIoU(MeanIoU):
    r"""MeanIoU of one-hot targets against scores (both by their argmax over ``axis``)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)
