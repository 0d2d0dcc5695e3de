r"""Keras 3's metric classes against ``keras.metrics`` (torch backend): the same random batches
fed to both, with and without sample weights, the result compared after every batch; names and
log keys as Keras gives them; settings kept through get_config and model files."""
import os
import re

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import neurona as nr                          # noqa: E402
from neurona import metrics as M              # noqa: E402

rng = np.random.default_rng(0)
B, N, K = 4, 16, 4                            # batches, samples per batch, classes


def batches(kind, rng=rng):
    r"""B batches of ``kind`` drawn from ``rng`` (another test module passes its own generator, so that
    importing this one does not move the draws, and the AUC tolerance, of the tests here)."""
    for _ in range(B):
        z = rng.normal(size=(N, K))
        p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
        labels = rng.integers(0, K, N)
        if kind == "binary":
            yield rng.integers(0, 2, (N, 1)).astype(float), rng.random((N, 1))
        elif kind == "multilabel":
            yield rng.integers(0, 2, (N, K)).astype(float), rng.random((N, K))
        elif kind == "onehot":
            yield np.eye(K)[labels], p
        elif kind == "sparse":
            yield labels, p
        elif kind == "labels":
            yield labels, np.where(rng.random(N) < 0.6, labels, rng.integers(0, K, N))
        elif kind == "regression":
            yield rng.normal(size=(N, 2)), rng.normal(size=(N, 2))
        elif kind == "positive":
            yield rng.uniform(0.1, 2, (N, 2)), rng.uniform(0.1, 2, (N, 2))


#: (our metric, Keras's metric, data kind, rtol)
CASES = {
    "BinaryAccuracy": (lambda: M.BinaryAccuracy(threshold=0.3), lambda: keras.metrics.BinaryAccuracy(threshold=0.3), "binary"),
    "CategoricalAccuracy": (M.CategoricalAccuracy, keras.metrics.CategoricalAccuracy, "onehot"),
    "SparseCategoricalAccuracy": (M.SparseCategoricalAccuracy, keras.metrics.SparseCategoricalAccuracy, "sparse"),
    "TopK": (lambda: M.TopKCategoricalAccuracy(k=2), lambda: keras.metrics.TopKCategoricalAccuracy(k=2), "onehot"),
    "SparseTopK": (lambda: M.SparseTopKCategoricalAccuracy(k=2), lambda: keras.metrics.SparseTopKCategoricalAccuracy(k=2),
                   "sparse"),
    "Accuracy": (M.Accuracy, keras.metrics.Accuracy, "labels"),
    "AUC": (M.AUC, keras.metrics.AUC, "binary"),
    "AUC_pooled": (M.AUC, keras.metrics.AUC, "multilabel"),
    "AUC_multilabel": (lambda: M.AUC(multi_label=True), lambda: keras.metrics.AUC(multi_label=True), "multilabel"),
    "Precision": (M.Precision, keras.metrics.Precision, "multilabel"),
    "Precision_top_k": (lambda: M.Precision(top_k=2), lambda: keras.metrics.Precision(top_k=2), "onehot"),
    "Recall_class_id": (lambda: M.Recall(class_id=1), lambda: keras.metrics.Recall(class_id=1), "onehot"),
    "Recall": (M.Recall, keras.metrics.Recall, "binary"),
    "TruePositives": (M.TruePositives, keras.metrics.TruePositives, "multilabel"),
    "FalsePositives": (lambda: M.FalsePositives(thresholds=[0.2, 0.7]),
                       lambda: keras.metrics.FalsePositives(thresholds=[0.2, 0.7]), "multilabel"),
    "TrueNegatives": (M.TrueNegatives, keras.metrics.TrueNegatives, "binary"),
    "FalseNegatives": (M.FalseNegatives, keras.metrics.FalseNegatives, "binary"),
    "MeanSquaredError": (M.MeanSquaredError, keras.metrics.MeanSquaredError, "regression"),
    "RootMeanSquaredError": (M.RootMeanSquaredError, keras.metrics.RootMeanSquaredError, "regression"),
    "MeanAbsoluteError": (M.MeanAbsoluteError, keras.metrics.MeanAbsoluteError, "regression"),
    "MeanAbsolutePercentageError": (M.MeanAbsolutePercentageError, keras.metrics.MeanAbsolutePercentageError,
                                    "positive"),
    "MeanSquaredLogarithmicError": (M.MeanSquaredLogarithmicError, keras.metrics.MeanSquaredLogarithmicError,
                                    "positive"),
    "BinaryCrossentropy": (M.BinaryCrossentropy, keras.metrics.BinaryCrossentropy, "multilabel"),
    "CategoricalCrossentropy": (lambda: M.CategoricalCrossentropy(label_smoothing=0.1),
                                lambda: keras.metrics.CategoricalCrossentropy(label_smoothing=0.1), "onehot"),
    "SparseCategoricalCrossentropy": (M.SparseCategoricalCrossentropy, keras.metrics.SparseCategoricalCrossentropy,
                                      "sparse"),
    "KLDivergence": (M.KLDivergence, keras.metrics.KLDivergence, "onehot"),
    "Poisson": (M.Poisson, keras.metrics.Poisson, "positive"),
    "Hinge": (M.Hinge, keras.metrics.Hinge, "binary"),
    "SquaredHinge": (M.SquaredHinge, keras.metrics.SquaredHinge, "binary"),
    "LogCoshError": (M.LogCoshError, keras.metrics.LogCoshError, "regression"),
}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", sorted(CASES))
def test_batch_by_batch_against_keras(case, weighted):
    ours_factory, theirs_factory, kind = CASES[case]
    ours, theirs = ours_factory(), theirs_factory()
    assert ours.name == re.sub(r"_\d+$", "", theirs.name)       # Keras numbers a second "auc" "auc_1"
    # Keras approximates the AUC on 200 thresholds, neurona's is exact: the approximation's error is an
    # area (the pairs whose scores share a bucket), so it is bounded in absolute terms, not relative ones
    rtol, atol = (0.0, 2e-2) if case.startswith("AUC") else (1e-5, 1e-7)
    for y, p in batches(kind):
        w = rng.uniform(0, 2, N) if weighted else None
        ours.update_state(y, p, sample_weight=w)
        theirs.update_state(y, p, sample_weight=w)
        np.testing.assert_allclose(ours.result(), keras.ops.convert_to_numpy(theirs.result()), rtol=rtol, atol=atol)
    ours.reset_state()
    theirs.reset_state()
    y, p = next(batches(kind))
    np.testing.assert_allclose(ours(y, p), keras.ops.convert_to_numpy(theirs(y, p)), rtol=rtol, atol=atol)


def test_mean_and_sum():
    mean, total = M.Mean(), M.Sum()
    for values, w in (([1.0, 3.0], None), ([5.0, 7.0], [1.0, 0.0])):
        mean.update_state(values, sample_weight=w)
        total.update_state(values, sample_weight=w)
    assert mean.result() == pytest.approx((1 + 3 + 5) / 3) and total.result() == 9.0
    keras_mean = keras.metrics.Mean()
    keras_mean.update_state([1.0, 3.0])
    keras_mean.update_state([5.0, 7.0], sample_weight=[1.0, 0.0])
    assert mean.result() == pytest.approx(float(keras_mean.result()))


def test_log_keys_as_keras_names_them():
    bce = nr.losses.get("binary_crossentropy")
    assert M.get("acc", bce)[0] == "acc" and M.get("accuracy", bce)[0] == "accuracy"
    assert M.get("mae")[0] == "mae" and M.get("AUC")[0] == "AUC"
    assert M.get(M.AUC())[0] == "auc" and M.get(M.Precision(name="p"))[0] == "p"
    assert M.get(M.BinaryAccuracy())[0] == "binary_accuracy"
    assert M.get(M.TruePositives())[0] == "true_positives"
    assert M.get(nr.losses.mean_squared_error)[0] == "mean_squared_error"
    assert isinstance(M.get("MeanSquaredError")[1], M.MeanSquaredError)
    assert isinstance(M.get("RootMeanSquaredError")[1], M.RootMeanSquaredError)


def test_settings_round_trip_through_config_and_model_files(tmp_path):
    for metric in (M.BinaryAccuracy(threshold=0.7), M.AUC(multi_label=True, name="auc_ml"),
                   M.Precision(thresholds=[0.3, 0.6], name="p"), M.TopKCategoricalAccuracy(k=3),
                   M.BinaryCrossentropy(from_logits=True)):
        again = M.registry.get(metric.get_config())
        assert type(again) is type(metric) and again.get_config() == metric.get_config()
        assert again.name == metric.name
        assert type(metric).from_config({k: v for k, v in metric.get_config().items()}).name == metric.name
    x = rng.normal(size=(40, 3))
    y = (x[:, :1] > 0).astype(float)
    model = nr.Sequential([nr.layers.Dense(1, activation="sigmoid")], input_dim=3, seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=[M.BinaryAccuracy(threshold=0.7), "acc", M.AUC(name="area")])
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.safetensors")
    loaded = nr.load_model(tmp_path / "m.safetensors")
    names = [name for name, _ in loaded.metrics[1].named_metrics]      # [loss tracker, compile_metrics]
    assert names == ["binary_accuracy", "acc", "area"]
    assert loaded.metrics[1].metrics[0].threshold == 0.7


def test_unknown_metrics_list_what_exists():
    with pytest.raises(ValueError, match="Known metrics"):
        M.get("Circle")
    with pytest.raises(NotImplementedError, match="It has: .*AUC"):
        M.Circle


@pytest.mark.parametrize("case", ["distinct", "ties", "weighted", "weighted_ties"])
def test_pr_auc_is_keras_interpolation_at_every_distinct_score(case):
    rng = np.random.default_rng(len(case))
    y = (rng.random(300) < 0.3).astype("float32")
    score = np.clip(0.5 * y + rng.normal(0, 0.3, 300), 1e-4, 1 - 1e-4).astype("float32")
    if "ties" in case:
        score = np.round(score, 1)
    weight = rng.random(300).astype("float32") if "weighted" in case else None
    distinct = np.unique(score)
    reference = keras.metrics.AUC(curve="PR", thresholds=list((distinct[:-1] + distinct[1:]) / 2))
    reference.update_state(y, score, sample_weight=weight)
    ours = M.AUC(curve="PR")
    for part in np.array_split(np.arange(300), 3):           # streamed over batches
        ours.update_state(y[part, None], score[part, None], None if weight is None else weight[part])
    assert ours.result() == pytest.approx(float(reference.result()), rel=1e-5)
    coarse = keras.metrics.AUC(curve="PR")                   # Keras's default 200 thresholds: close
    coarse.update_state(y, score, sample_weight=weight)
    assert ours.result() == pytest.approx(float(coarse.result()), abs=2e-2)


def test_pr_auc_refuses_what_it_does_not_compute():
    with pytest.raises(ValueError, match="summation_method must be one of"):
        M.AUC(curve="PR", summation_method="trapezoid")
    with pytest.raises(ValueError, match="multi_class"):
        M.AUC(curve="PR", multi_class="ovr")
    with pytest.raises(ValueError, match="'ROC' or 'PR'"):
        M.AUC(curve="DET")
