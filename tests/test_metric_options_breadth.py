r"""The options of the IoU family, the correlations and the constrained rates (PrecisionAtRecall, ...)
that the cases of ``test_metrics_keras_breadth.py`` leave at their defaults, against ``keras.metrics``
(torch backend): another class axis, one-hot targets or label predictions, an ignored class, one
class of several outputs, fewer thresholds. ``CASES`` is read by ``test_option_coverage``.

Keras's IoU metrics take ``axis`` for the argmax but sum their per-class vector over the same axis in
``result()``, so any axis but the last fails there: our classes on axis 1 of (n, K, 1) are compared
with Keras's on the last axis of the same (n, K) data."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

from neurona import metrics  # noqa: E402
from test_metrics_keras_breadth import K, batches  # noqa: E402


def data(kind):
    r"""[(y_true, y_pred, sample_weight)] of ``kind``: a kind of ``batches``, or one of these forms of it:
    "one_hot_axis1" (one-hot targets and scores with the classes on axis 1 of (n, K, 1)),
    "labels_scores_axis1" (labels (n, 1), scores (n, K, 1)), "one_hot_labels" (one-hot targets, label predictions)."""
    if kind == "one_hot_axis1":
        return [(y[..., None], p[..., None], w) for y, p, w in batches("one_hot")]
    if kind == "labels_scores_axis1":
        return [(y.argmax(-1)[:, None], p[..., None], w) for y, p, w in batches("one_hot")]
    if kind == "one_hot_labels":
        return [(y, p.argmax(-1), w) for y, p, w in batches("one_hot")]
    return batches(kind)


#: name -> (our class, Keras's class, arguments, kind of data, whether a weight per sample applies)
CASES = {
    "iou_one_hot_axis1": (metrics.IoU, keras.metrics.IoU,
                          {"num_classes": K, "target_class_ids": [0, 3], "sparse_y_true": False,
                           "sparse_y_pred": False, "axis": 1}, "one_hot_axis1", True),
    "mean_iou_scores_axis1_ignore": (metrics.MeanIoU, keras.metrics.MeanIoU,
                                     {"num_classes": K, "ignore_class": 2, "sparse_y_pred": False, "axis": 1},
                                     "labels_scores_axis1", True),
    "mean_iou_one_hot_targets": (metrics.MeanIoU, keras.metrics.MeanIoU, {"num_classes": K, "sparse_y_true": False},
                                 "one_hot_labels", True),
    "one_hot_iou_label_predictions": (metrics.OneHotIoU, keras.metrics.OneHotIoU,
                                      {"num_classes": K, "target_class_ids": [1, 2], "sparse_y_pred": True,
                                       "ignore_class": 0}, "one_hot_labels", True),
    "one_hot_iou_axis1": (metrics.OneHotIoU, keras.metrics.OneHotIoU,
                          {"num_classes": K, "target_class_ids": [0, 3], "axis": 1}, "one_hot_axis1", True),
    "one_hot_mean_iou_label_predictions": (metrics.OneHotMeanIoU, keras.metrics.OneHotMeanIoU,
                                           {"num_classes": K, "ignore_class": 3, "sparse_y_pred": True},
                                           "one_hot_labels", True),
    "one_hot_mean_iou_axis1": (metrics.OneHotMeanIoU, keras.metrics.OneHotMeanIoU, {"num_classes": K, "axis": 1},
                               "one_hot_axis1", True),
    # along the batch (axis 0) a value per output: no weight per sample applies to it
    "pearson_axis0": (metrics.PearsonCorrelation, keras.metrics.PearsonCorrelation, {"axis": 0}, "real", False),
    "concordance_axis0": (metrics.ConcordanceCorrelation, keras.metrics.ConcordanceCorrelation, {"axis": 0}, "real",
                          False),
    "precision_at_recall_class": (metrics.PrecisionAtRecall, keras.metrics.PrecisionAtRecall,
                                  {"recall": 0.6, "class_id": 1, "num_thresholds": 30}, "multilabel", True),
    "recall_at_precision_class": (metrics.RecallAtPrecision, keras.metrics.RecallAtPrecision,
                                  {"precision": 0.5, "class_id": 3}, "multilabel", True),
    "sensitivity_at_specificity_class": (metrics.SensitivityAtSpecificity, keras.metrics.SensitivityAtSpecificity,
                                         {"specificity": 0.4, "class_id": 0, "num_thresholds": 20}, "multilabel",
                                         True),
    "specificity_at_sensitivity_thresholds": (metrics.SpecificityAtSensitivity,
                                              keras.metrics.SpecificityAtSensitivity,
                                              {"sensitivity": 0.5, "num_thresholds": 10}, "binary", True),
}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", sorted(CASES))
def test_option_matches_keras_over_batches(name, weighted):
    ours, theirs, arguments, kind, weights_apply = CASES[name]
    if weighted and not weights_apply:
        pytest.skip("a value per output, not per sample")
    on_axis1 = kind.endswith("_axis1")
    mine = ours(**arguments)
    reference = theirs(**{k: v for k, v in arguments.items() if not (on_axis1 and k == "axis")})
    for y, p, w in data(kind):
        mine.update_state(y, p, sample_weight=w if weighted else None)
        y, p = (y[..., 0], p[..., 0]) if on_axis1 else (y, p)
        reference.update_state(y, p, sample_weight=w if weighted else None)
        np.testing.assert_allclose(mine.result(), keras.ops.convert_to_numpy(reference.result()),
                                   rtol=2e-5, atol=1e-6)
