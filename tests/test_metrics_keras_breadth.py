r"""FBetaScore, the IoU family, the metrics at a constraint (PrecisionAtRecall, ...), the correlations and
CategoricalHinge against Keras 3 (torch backend): ``update_state`` over several batches, with and without
sample weights, then ``result``; a reset starts again; configs round-trip."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

from neurona import metrics                            # noqa: E402

rng = np.random.default_rng(3)
K = 4


def batches(kind, n_batches=3, n=16):
    r"""[(y_true, y_pred, sample_weight)] of one kind of target."""
    out = []
    for _ in range(n_batches):
        w = rng.integers(1, 4, n).astype("float32")      # whole numbers: Keras's IoU counts in integers
        if kind == "one_hot":
            scores = rng.dirichlet(np.ones(K), n).astype("float32")
            out.append((np.eye(K, dtype="float32")[rng.integers(0, K, n)], scores, w))
        elif kind == "multilabel":
            out.append((rng.integers(0, 2, (n, K)).astype("float32"), rng.uniform(size=(n, K)).astype("float32"), w))
        elif kind == "labels":
            out.append((rng.integers(0, K, n), rng.integers(0, K + 1, n), w))   # K: out of range, skipped
        elif kind == "real":
            truth = rng.normal(size=(n, K)).astype("float32")
            out.append((truth, (0.6 * truth + rng.normal(size=(n, K))).astype("float32"), w))
        elif kind == "binary":
            truth = rng.integers(0, 2, (n, 1))
            out.append((truth.astype("float32"),
                        np.clip(0.3 * truth + rng.uniform(size=(n, 1)) * 0.7, 0, 1).astype("float32"), w))
    return out


#: name -> (our class, Keras's class, arguments, kind of batches)
CASES = {
    "fbeta_none": (metrics.FBetaScore, keras.metrics.FBetaScore, {}, "one_hot"),
    "fbeta_macro_beta2": (metrics.FBetaScore, keras.metrics.FBetaScore, {"average": "macro", "beta": 2.0}, "one_hot"),
    "fbeta_micro_threshold": (metrics.FBetaScore, keras.metrics.FBetaScore,
                              {"average": "micro", "threshold": 0.4}, "multilabel"),
    "fbeta_weighted": (metrics.FBetaScore, keras.metrics.FBetaScore, {"average": "weighted", "beta": 0.5},
                       "multilabel"),
    "iou": (metrics.IoU, keras.metrics.IoU, {"num_classes": K, "target_class_ids": [0, 2]}, "labels"),
    "iou_ignore": (metrics.IoU, keras.metrics.IoU, {"num_classes": K, "target_class_ids": [1, 3],
                                                    "ignore_class": 0}, "labels"),
    "mean_iou": (metrics.MeanIoU, keras.metrics.MeanIoU, {"num_classes": K}, "labels"),
    "binary_iou": (metrics.BinaryIoU, keras.metrics.BinaryIoU, {"threshold": 0.6}, "binary"),
    "binary_iou_one": (metrics.BinaryIoU, keras.metrics.BinaryIoU, {"target_class_ids": [1]}, "binary"),
    "one_hot_iou": (metrics.OneHotIoU, keras.metrics.OneHotIoU, {"num_classes": K, "target_class_ids": [0, 1, 3]},
                    "one_hot"),
    "one_hot_mean_iou": (metrics.OneHotMeanIoU, keras.metrics.OneHotMeanIoU, {"num_classes": K}, "one_hot"),
    "precision_at_recall": (metrics.PrecisionAtRecall, keras.metrics.PrecisionAtRecall, {"recall": 0.7}, "binary"),
    "recall_at_precision": (metrics.RecallAtPrecision, keras.metrics.RecallAtPrecision,
                            {"precision": 0.8, "num_thresholds": 50}, "binary"),
    "sensitivity_at_specificity": (metrics.SensitivityAtSpecificity, keras.metrics.SensitivityAtSpecificity,
                                   {"specificity": 0.6}, "binary"),
    "specificity_at_sensitivity": (metrics.SpecificityAtSensitivity, keras.metrics.SpecificityAtSensitivity,
                                   {"sensitivity": 0.9, "class_id": 2}, "multilabel"),
    "recall_at_precision_unreachable": (metrics.RecallAtPrecision, keras.metrics.RecallAtPrecision,
                                        {"precision": 1.0, "num_thresholds": 1}, "multilabel"),
    "pearson": (metrics.PearsonCorrelation, keras.metrics.PearsonCorrelation, {}, "real"),
    "concordance": (metrics.ConcordanceCorrelation, keras.metrics.ConcordanceCorrelation, {}, "real"),
    "categorical_hinge": (metrics.CategoricalHinge, keras.metrics.CategoricalHinge, {}, "one_hot"),
}


@pytest.mark.parametrize("name", ["pearson_correlation", "concordance_correlation", "categorical_hinge", "huber",
                                  "binary_focal_crossentropy", "categorical_focal_crossentropy"])
def test_function_forms_match_keras(name):
    y, p, _ = batches("one_hot", 1)[0]
    np.testing.assert_allclose(getattr(metrics, name)(y, p),
                               keras.ops.convert_to_numpy(getattr(keras.metrics, name)(y, p)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", sorted(CASES))
def test_result_over_batches_matches_keras(name, weighted):
    ours, theirs, arguments, kind = CASES[name]
    mine, reference = ours(**arguments), theirs(**arguments)
    data = batches(kind)
    for y, p, w in data:
        mine.update_state(y, p, sample_weight=w if weighted else None)
        reference.update_state(y, p, sample_weight=w if weighted else None)
    expected = keras.ops.convert_to_numpy(reference.result())
    np.testing.assert_allclose(mine.result(), expected, rtol=2e-5, atol=1e-6)
    mine.reset_state()
    reference.reset_state()
    y, p, w = data[0]
    mine.update_state(y, p)
    reference.update_state(y, p)
    np.testing.assert_allclose(mine.result(), keras.ops.convert_to_numpy(reference.result()), rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_round_trips(name):
    ours, _, arguments, kind = CASES[name]
    metric = ours(**arguments)
    again = metrics.deserialize(metric.get_config())
    assert type(again) is ours
    y, p, w = batches(kind, 1)[0]
    metric.update_state(y, p, w)
    again.update_state(y, p, w)
    np.testing.assert_array_equal(again.result(), metric.result())


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="'average' argument of FBetaScore"):
        metrics.FBetaScore(average="samples")
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=0)
    with pytest.raises(ValueError, match="target_class_ids"):
        metrics.IoU(num_classes=3, target_class_ids=[3])
    with pytest.raises(ValueError, match="recall"):
        metrics.PrecisionAtRecall(recall=1.5)
    with pytest.raises(ValueError, match="FBetaScore takes y_true and y_pred of shape"):
        metrics.FBetaScore().update_state(np.zeros(3), np.zeros(3))
