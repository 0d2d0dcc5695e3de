r"""The options of the streaming metrics that the default cases of ``test_metrics_keras.py`` leave
out, against ``keras.metrics`` (torch backend): the same batches, with and without sample weights,
the result compared after every batch. ``CASES`` is read by ``test_option_coverage``."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

from neurona import metrics as M  # noqa: E402
from test_metrics_keras import B, K, N, batches  # noqa: E402

rng = np.random.default_rng(3)


def logit_batches(kind):
    for y, p in batches(kind, rng):
        yield y, np.log(np.clip(p, 1e-6, None)) - np.log(np.clip(1 - p, 1e-6, None)) if kind != "onehot" \
            else 2 * np.log(p)


def tenth_batches(kind):
    for y, p in batches(kind, rng):
        yield y, np.round(p, 1)


#: thresholds between the tenths: on scores rounded to tenths Keras's curve has every point of the exact one
TENTHS = list(np.arange(0.05, 1, 0.1))

#: name -> (our metric, Keras's metric, data kind, tolerance); "+logits" feeds logits of that kind, "+tenths"
#: its scores rounded to tenths (names are compared in test_metrics_keras.py)
CASES = {
    # scores on a grid of tenths, Keras's thresholds between them: its interpolation is then exact, as neurona's
    "AUC_PR": (lambda: M.AUC(curve="PR"), lambda: keras.metrics.AUC(curve="PR", thresholds=TENTHS), "binary+tenths",
               1e-5),
    "AUC_majoring": (lambda: M.AUC(summation_method="majoring"),
                     lambda: keras.metrics.AUC(summation_method="majoring", thresholds=TENTHS), "binary+tenths", 1e-5),
    "AUC_minoring_PR": (lambda: M.AUC(curve="PR", summation_method="minoring"),
                        lambda: keras.metrics.AUC(curve="PR", summation_method="minoring", thresholds=TENTHS),
                        "multilabel+tenths", 1e-5),
    "AUC_pooled_label_weights": (lambda: M.AUC(label_weights=[1, 2, 0, 1]),
                                 lambda: keras.metrics.AUC(label_weights=[1, 2, 0, 1], thresholds=TENTHS),
                                 "multilabel+tenths", 1e-5),
    # given thresholds: Keras's counts at them (evenly spaced, or not: Keras takes another path for each)
    "AUC_thresholds": (lambda: M.AUC(thresholds=[0.3, 0.5, 0.7]), lambda: keras.metrics.AUC(thresholds=[0.3, 0.5, 0.7]),
                       "binary", 1e-5),
    "AUC_thresholds_PR_majoring": (lambda: M.AUC(curve="PR", summation_method="majoring", thresholds=[0.9, 0.2, 0.45]),
                                   lambda: keras.metrics.AUC(curve="PR", summation_method="majoring",
                                                             thresholds=[0.9, 0.2, 0.45]), "multilabel", 1e-5),
    "AUC_thresholds_PR_multilabel": (lambda: M.AUC(curve="PR", multi_label=True, thresholds=[0.1, 0.35, 0.8]),
                                     lambda: keras.metrics.AUC(curve="PR", multi_label=True,
                                                               thresholds=[0.1, 0.35, 0.8]), "multilabel", 1e-5),
    "AUC_thresholds_minoring_multilabel": (lambda: M.AUC(summation_method="minoring", multi_label=True,
                                                         thresholds=[0.25, 0.6]),
                                           lambda: keras.metrics.AUC(summation_method="minoring", multi_label=True,
                                                                     thresholds=[0.25, 0.6]), "multilabel", 1e-5),
    "AUC_num_thresholds": (lambda: M.AUC(num_thresholds=50), lambda: keras.metrics.AUC(num_thresholds=50),
                           "binary", 5e-2),
    "AUC_from_logits": (lambda: M.AUC(from_logits=True), lambda: keras.metrics.AUC(from_logits=True),
                        "binary+logits", 2e-2),
    "AUC_multilabel_weights": (lambda: M.AUC(multi_label=True, num_labels=K, label_weights=[1, 2, 0, 1]),
                               lambda: keras.metrics.AUC(multi_label=True, num_labels=K, label_weights=[1, 2, 0, 1]),
                               "multilabel", 2e-2),
    "BinaryCrossentropy_logits_smoothing": (lambda: M.BinaryCrossentropy(from_logits=True, label_smoothing=0.2),
                                            lambda: keras.metrics.BinaryCrossentropy(from_logits=True,
                                                                                     label_smoothing=0.2),
                                            "multilabel+logits", 1e-5),
    "CategoricalCrossentropy_logits": (lambda: M.CategoricalCrossentropy(from_logits=True),
                                       lambda: keras.metrics.CategoricalCrossentropy(from_logits=True),
                                       "onehot+logits", 1e-5),
    "SparseCategoricalCrossentropy_logits": (lambda: M.SparseCategoricalCrossentropy(from_logits=True),
                                             lambda: keras.metrics.SparseCategoricalCrossentropy(from_logits=True),
                                             "sparse+logits", 1e-5),
    "Precision_thresholds_class_id": (lambda: M.Precision(thresholds=[0.3, 0.6], class_id=2),
                                      lambda: keras.metrics.Precision(thresholds=[0.3, 0.6], class_id=2),
                                      "multilabel", 1e-5),
    "Recall_top_k_thresholds": (lambda: M.Recall(top_k=2, thresholds=0.2),
                                lambda: keras.metrics.Recall(top_k=2, thresholds=0.2), "onehot", 1e-5),
    "TruePositives_thresholds": (lambda: M.TruePositives(thresholds=[0.25, 0.75]),
                                 lambda: keras.metrics.TruePositives(thresholds=[0.25, 0.75]), "multilabel", 1e-5),
    "TrueNegatives_thresholds": (lambda: M.TrueNegatives(thresholds=0.8),
                                 lambda: keras.metrics.TrueNegatives(thresholds=0.8), "binary", 1e-5),
    "FalseNegatives_thresholds": (lambda: M.FalseNegatives(thresholds=[0.1, 0.4]),
                                  lambda: keras.metrics.FalseNegatives(thresholds=[0.1, 0.4]), "multilabel", 1e-5),
    "F1Score_per_class": (lambda: M.F1Score(), lambda: keras.metrics.F1Score(), "onehot", 1e-5),
    "F1Score_micro": (lambda: M.F1Score(average="micro"), lambda: keras.metrics.F1Score(average="micro"), "onehot",
                      1e-5),
    "F1Score_macro_threshold": (lambda: M.F1Score(average="macro", threshold=0.3),
                                lambda: keras.metrics.F1Score(average="macro", threshold=0.3), "onehot", 1e-5),
    "F1Score_weighted_multilabel": (lambda: M.F1Score(average="weighted", threshold=0.6),
                                    lambda: keras.metrics.F1Score(average="weighted", threshold=0.6), "multilabel",
                                    1e-5),
    "F1Score_macro_multilabel_argmax": (lambda: M.F1Score(average="macro"),
                                        lambda: keras.metrics.F1Score(average="macro"), "multilabel", 1e-5),
    "R2Score_variance_weighted": (lambda: M.R2Score(class_aggregation="variance_weighted_average", num_regressors=1),
                                  lambda: keras.metrics.R2Score(class_aggregation="variance_weighted_average",
                                                                num_regressors=1), "regression", 1e-5),
    "R2Score_per_output": (lambda: M.R2Score(class_aggregation=None),
                           lambda: keras.metrics.R2Score(class_aggregation=None), "regression", 1e-5),
}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", sorted(CASES))
def test_option_against_keras(case, weighted):
    ours_factory, theirs_factory, kind, tolerance = CASES[case]
    ours, theirs = ours_factory(), theirs_factory()
    kind, _, form = kind.partition("+")
    for y, p in {"": batches, "logits": logit_batches, "tenths": tenth_batches}[form](kind):
        w = rng.uniform(0, 2, N) if weighted else None
        ours.update_state(y, p, sample_weight=w)
        theirs.update_state(y, p, sample_weight=w)
        np.testing.assert_allclose(ours.result(), keras.ops.convert_to_numpy(theirs.result()),
                                   rtol=tolerance, atol=tolerance * 1e-2)
    assert B > 1

def test_auc_s_classes_refuse_keras_s_points_by_name():
    for option in ({"thresholds": [0.5]}, {"summation_method": "minoring"}):
        with pytest.raises(ValueError, match="multi_class"):
            M.AUC(multi_class="ovr", **option)


def test_cosine_similarity_refuses_another_axis_by_name():
    with pytest.raises(ValueError, match="axis"):
        M.CosineSimilarity(axis=1)


#: neurona's own options, scikit-learn's meaning (the predicted classes: argmax of several outputs, p >= threshold
#: of one): name -> (our metric, scikit-learn's function of (labels, predicted labels or scores, weights), kind)
def _sklearn(name, **options):
    import sklearn.metrics
    return lambda y, p, w: getattr(sklearn.metrics, name)(y, p, sample_weight=w, **options)


SKLEARN_CASES = {
    "ClassF1Score_macro": (lambda: M.ClassF1Score(average="macro"), _sklearn("f1_score", average="macro"), "onehot"),
    "ClassF1Score_weighted": (lambda: M.ClassF1Score(average="weighted"), _sklearn("f1_score", average="weighted"),
                              "onehot"),
    "ClassF1Score_threshold": (lambda: M.ClassF1Score(threshold=0.3), _sklearn("f1_score"), "binary@0.3"),
    "Precision_average_micro": (lambda: M.Precision(average="micro"), _sklearn("precision_score", average="micro"),
                                "onehot"),
    "Precision_threshold": (lambda: M.Precision(average="binary", threshold=0.7), _sklearn("precision_score"),
                            "binary@0.7"),
    "Recall_average_macro": (lambda: M.Recall(average="macro"), _sklearn("recall_score", average="macro"), "onehot"),
    "Recall_threshold": (lambda: M.Recall(average="binary", threshold=0.2), _sklearn("recall_score"), "binary@0.2"),
    "AUC_ovr": (lambda: M.AUC(multi_class="ovr"), _sklearn("roc_auc_score", multi_class="ovr"), "onehot-scores"),
    "AUC_ovo": (lambda: M.AUC(multi_class="ovo"), _sklearn("roc_auc_score", multi_class="ovo"), "onehot-scores"),
}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", sorted(SKLEARN_CASES))
def test_neurona_s_own_options_against_scikit_learn(case, weighted):
    pytest.importorskip("sklearn")
    factory, reference, kind = SKLEARN_CASES[case]
    if case == "AUC_ovo" and weighted:
        pytest.skip("scikit-learn's one-vs-one AUC takes no sample weights")
    ours, seen = factory(), []
    kind, _, threshold = kind.partition("@")
    for y, p in batches(kind.removesuffix("-scores"), rng):
        w = rng.uniform(0, 2, N) if weighted else None
        ours.update_state(y, p, sample_weight=w)
        seen.append((y, p, np.ones(N) if w is None else w))
    y, p, w = (np.concatenate(part) for part in zip(*seen))
    if kind == "binary":
        labels, predicted = y.ravel(), (p.ravel() >= float(threshold)).astype(float)
    else:
        labels, predicted = y.argmax(-1), p if kind.endswith("scores") else p.argmax(-1)
    assert ours.result() == pytest.approx(reference(labels, predicted, w if weighted else None), rel=1e-9)
