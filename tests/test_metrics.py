"""Every metric against scikit-learn on many random inputs, the seeds' examples, and the streaming
metrics against the whole-set functions."""
import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk
from sklearn.exceptions import UndefinedMetricWarning

import neurona as nr
from neurona import metrics as M

SEEDS = range(25)


def random_labels(seed, n=None, k=None):
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(1, 40))
    k = k or int(rng.integers(2, 6))
    y_true = rng.integers(0, k, n)
    # predictions right about half the time, and sometimes never predicting some class
    y_pred = np.where(rng.random(n) < 0.5, y_true, rng.integers(0, k - (seed % 2), n))
    return y_true, y_pred


def quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


# ------------------------------------------------------------------ classification vs sklearn

@pytest.mark.parametrize("seed", SEEDS)
def test_counting_metrics_equal_scikit_learn(seed):
    y_true, y_pred = random_labels(seed)
    assert M.accuracy(y_true, y_pred) == sk.accuracy_score(y_true, y_pred)
    assert M.accuracy(y_true, y_pred, normalize=False) == sk.accuracy_score(y_true, y_pred, normalize=False)
    assert quiet(M.balanced_accuracy, y_true, y_pred) == pytest.approx(quiet(sk.balanced_accuracy_score, y_true, y_pred), abs=1e-15)
    if np.unique(y_true).size > 1:
        assert quiet(M.balanced_accuracy, y_true, y_pred, adjusted=True) == pytest.approx(
            quiet(sk.balanced_accuracy_score, y_true, y_pred, adjusted=True), abs=1e-12)
    else:
        with pytest.raises(ValueError, match="two or more classes"):
            quiet(M.balanced_accuracy, y_true, y_pred, adjusted=True)
    for normalize in (None, "true", "pred", "all"):
        np.testing.assert_allclose(M.confusion_matrix(y_true, y_pred, normalize=normalize),
                                   sk.confusion_matrix(y_true, y_pred, normalize=normalize), rtol=1e-15)
    labels = [3, 0, 1]
    if np.isin(labels, y_true).any():
        np.testing.assert_array_equal(M.confusion_matrix(y_true, y_pred, labels=labels),
                                      sk.confusion_matrix(y_true, y_pred, labels=labels))


@pytest.mark.parametrize("seed", range(10))     # 48 comparisons each
def test_precision_recall_f1_equal_scikit_learn(seed):
    y_true, y_pred = random_labels(seed)
    pairs = ((M.precision, sk.precision_score), (M.recall, sk.recall_score), (M.f1, sk.f1_score))
    for (ours, theirs), average, zero_division in itertools.product(
            pairs, ("macro", "micro", "weighted", None), ("warn", 0.0, 1.0, np.nan)):
        with warnings.catch_warnings(record=True) as ours_warned:
            warnings.simplefilter("always")
            mine = ours(y_true, y_pred, average=average, zero_division=zero_division)
        with warnings.catch_warnings(record=True) as theirs_warned:
            warnings.simplefilter("always")
            reference = theirs(y_true, y_pred, average=average, zero_division=zero_division)
        np.testing.assert_allclose(mine, reference, rtol=1e-14, equal_nan=True)
        # the same warning when a class is never predicted (or absent) and zero_division="warn"
        assert any(issubclass(w.category, M.UndefinedMetricWarning) for w in ours_warned) == any(
            w.category is UndefinedMetricWarning for w in theirs_warned)


@pytest.mark.parametrize("seed", SEEDS)
def test_binary_scores_and_labels_equal_scikit_learn(seed):
    y_true, y_pred = random_labels(seed, k=2)
    for pos_label in (0, 1):
        for ours, theirs in ((M.precision, sk.precision_score), (M.recall, sk.recall_score), (M.f1, sk.f1_score)):
            assert quiet(ours, y_true, y_pred, pos_label=pos_label) == pytest.approx(
                quiet(theirs, y_true, y_pred, pos_label=pos_label), abs=1e-15)
    y_true, y_pred = random_labels(seed, n=30, k=4)
    labels = [1, 3]
    for average in ("macro", "micro", "weighted"):
        assert quiet(M.f1, y_true, y_pred, labels=labels, average=average) == pytest.approx(
            quiet(sk.f1_score, y_true, y_pred, labels=labels, average=average), abs=1e-15)


def test_class_never_predicted_warns_like_scikit_learn():
    y_true, y_pred = [0, 1, 2, 2], [0, 0, 2, 2]        # class 1 never predicted
    with pytest.warns(M.UndefinedMetricWarning, match="Precision is ill-defined"):
        assert M.precision(y_true, y_pred, average="macro") == pytest.approx(0.5)
    with pytest.warns(UndefinedMetricWarning):
        sk.precision_score(y_true, y_pred, average="macro")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", UndefinedMetricWarning)     # scikit-learn's filter silences ours
        assert M.precision(y_true, y_pred, average="macro") == pytest.approx(0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # an explicit zero_division is silent
        assert M.precision(y_true, y_pred, average="macro", zero_division=1) == pytest.approx(5 / 6)
        assert M.recall(y_true, y_pred, average="macro") == pytest.approx(2 / 3)   # recall is defined


def test_string_labels_and_report_match_scikit_learn():
    y_true = np.array(["cat", "dog", "dog", "bird", "cat", "dog"])
    y_pred = np.array(["cat", "cat", "dog", "bird", "dog", "dog"])
    assert M.classification_report(y_true, y_pred) == sk.classification_report(y_true, y_pred)
    ours, theirs = (M.classification_report(y_true, y_pred, output_dict=True),
                    sk.classification_report(y_true, y_pred, output_dict=True))
    assert ours.keys() == theirs.keys()
    for key, row in theirs.items():
        if isinstance(row, dict):
            for column, value in row.items():
                assert ours[key][column] == pytest.approx(value, abs=1e-15)
        else:
            assert ours[key] == pytest.approx(row)
    with pytest.warns(UserWarning, match="pos_label='dog' is ignored when average='macro'"):
        assert M.precision(y_true, y_pred, pos_label="dog", average="macro") == pytest.approx(
            sk.precision_score(y_true, y_pred, average="macro"))
    two = (y_true != "bird") & (y_pred != "bird")
    assert M.precision(y_true[two], y_pred[two], pos_label="dog") == pytest.approx(
        sk.precision_score(y_true[two], y_pred[two], pos_label="dog"))


@pytest.mark.parametrize("seed", SEEDS)
def test_report_text_equals_scikit_learn(seed):
    y_true, y_pred = random_labels(seed, n=30)
    assert quiet(M.classification_report, y_true, y_pred, digits=3) == quiet(sk.classification_report, y_true, y_pred, digits=3)
    names = [f"class {k}" for k in np.unique(np.r_[y_true, y_pred])]
    assert quiet(M.classification_report, y_true, y_pred, target_names=names) == quiet(
        sk.classification_report, y_true, y_pred, target_names=names)


# ----------------------------------------------------------------------- probabilities

def random_probabilities(rng, n, k, dtype=np.float64):
    logits = rng.normal(size=(n, k)) * 2
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (p / p.sum(axis=1, keepdims=True)).astype(dtype)


@pytest.mark.parametrize("seed", SEEDS)
def test_log_loss_equals_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(2, 50)), int(rng.integers(2, 5))
    y_true = np.r_[np.arange(k), rng.integers(0, k, n)]
    p = random_probabilities(rng, y_true.size, k)
    p[0, 0] = 1.0 if seed % 3 == 0 else p[0, 0]       # clipping of exact 0 and 1
    p[0] /= p[0].sum()
    assert M.log_loss(y_true, p) == pytest.approx(sk.log_loss(y_true, p), rel=1e-12)
    assert M.log_loss(y_true, p, normalize=False) == pytest.approx(sk.log_loss(y_true, p, normalize=False), rel=1e-12)
    binary = (y_true > 0).astype(int)
    q = rng.random(binary.size)
    assert M.log_loss(binary, q) == pytest.approx(sk.log_loss(binary, q), rel=1e-12)
    q32 = q.astype(np.float32)
    assert M.log_loss(binary, q32) == pytest.approx(sk.log_loss(binary, q32), rel=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_roc_curve_and_binary_auc_equal_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    y_true = np.r_[0, 1, rng.integers(0, 2, n)]
    score = np.round(rng.random(y_true.size) + 0.3 * y_true, 1 + seed % 3)   # rounding makes ties
    for drop in (True, False):
        for ours, theirs in zip(M.roc_curve(y_true, score, drop_intermediate=drop),
                                sk.roc_curve(y_true, score, drop_intermediate=drop)):
            np.testing.assert_allclose(ours, theirs, rtol=1e-15)
    assert M.roc_auc(y_true, score) == pytest.approx(sk.roc_auc_score(y_true, score), abs=1e-15)
    labels = np.where(y_true == 1, "sick", "well")
    for ours, theirs in zip(M.roc_curve(labels, score, pos_label="well"), sk.roc_curve(labels, score, pos_label="well")):
        np.testing.assert_allclose(ours, theirs)
    # AUC = probability that a random positive scores above a random negative, ties one half
    pos, neg = score[y_true == 1], score[y_true == 0]
    pairs = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    assert M.roc_auc(y_true, score) == pytest.approx(pairs, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("multi_class", ["ovr", "ovo"])
@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_multiclass_auc_equals_scikit_learn(seed, multi_class, average):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 6))
    y_true = np.r_[np.arange(k), rng.integers(0, k, int(rng.integers(5, 60)))]
    p = random_probabilities(rng, y_true.size, k)
    p[np.arange(y_true.size), y_true] += rng.random(y_true.size)
    p /= p.sum(axis=1, keepdims=True)
    assert M.roc_auc(y_true, p, multi_class=multi_class, average=average) == pytest.approx(
        sk.roc_auc_score(y_true, p, multi_class=multi_class, average=average), abs=1e-12)


def test_seed_002_auc_example():
    # Kiril, Hans, Carl, Jane, Julie, Carol: 8 (infected, healthy) pairs, 6 ordered right
    scores = [0.21, 0.67, 0.56, 0.31, 0.70, 0.84]
    classes = ["Healthy", "Infected", "Healthy", "Healthy", "Infected", "Healthy"]
    assert M.roc_auc(classes, scores) == pytest.approx(0.75)
    fpr, tpr, thresholds = M.roc_curve(classes, scores, pos_label="Infected", drop_intermediate=False)
    np.testing.assert_allclose(fpr, [0, 0.25, 0.25, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(tpr, [0, 0, 0.5, 1, 1, 1, 1])
    assert M.auc(fpr, tpr) == pytest.approx(0.75)


def test_balanced_accuracy_is_the_mean_of_the_normalised_diagonal():
    # seed 002, steps 2 and 3: normalise the confusion matrix by rows, average its diagonal
    y_true = np.r_[np.zeros(100, int), np.ones(50, int)]
    y_pred = np.r_[np.zeros(55, int), np.ones(45, int), np.ones(28, int), np.zeros(22, int)]
    cm = M.confusion_matrix(y_true, y_pred, normalize="true")
    np.testing.assert_allclose(np.diag(cm), [0.55, 0.56])
    assert M.balanced_accuracy(y_true, y_pred) == pytest.approx((0.55 + 0.56) / 2)
    assert M.accuracy(y_true, y_pred) == pytest.approx(83 / 150)


# ------------------------------------------------------------------------ regression

@pytest.mark.parametrize("seed", SEEDS)
def test_regression_metrics_equal_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(2, 40)),) + ((int(rng.integers(1, 4)),) if seed % 2 else ())
    y_true, y_pred = rng.normal(size=shape), rng.normal(size=shape)
    for ours, theirs in ((M.mean_squared_error, sk.mean_squared_error), (M.mean_absolute_error, sk.mean_absolute_error),
                         (M.r2, sk.r2_score)):
        np.testing.assert_allclose(ours(y_true, y_pred), theirs(y_true, y_pred), rtol=1e-12)
        np.testing.assert_allclose(ours(y_true, y_pred, multioutput="raw_values"),
                                   theirs(y_true, y_pred, multioutput="raw_values"), rtol=1e-12)
    assert M.r2(y_true, y_pred, multioutput="variance_weighted") == pytest.approx(
        sk.r2_score(y_true, y_pred, multioutput="variance_weighted"), rel=1e-12)


def test_r2_of_a_constant_target():
    assert M.r2([2, 2, 2], [2, 2, 2]) == sk.r2_score([2, 2, 2], [2, 2, 2]) == 1.0
    assert M.r2([2, 2, 2], [2, 2, 3]) == sk.r2_score([2, 2, 2], [2, 2, 3]) == 0.0


# ------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("call,fragment", [
    (lambda: M.accuracy([0, 1, 1], [0, 1]), "same length; got 3 and 2"),
    (lambda: M.f1([0, 1], [0, 1, 1]), "same length"),
    (lambda: M.mean_squared_error([0.0, 1.0], [0.0]), "same shape"),
    (lambda: M.confusion_matrix([0, 1], [1, 0], labels=[5, 6]), "None of labels=\\[5, 6\\] occurs"),
    (lambda: M.precision([0, 1, 2], [0, 1, 1]), "3 classes .* average='binary'"),
    (lambda: M.precision([0, 2], [0, 2], pos_label=1), "pos_label=1 is not a label"),
    (lambda: M.confusion_matrix([0, 1], [0, 1], normalize="rows"), "normalize must be"),
    (lambda: M.f1([0, 1], [0, 1], average="samples"), "average must be one of"),
    (lambda: M.f1([0, 1], [0, 1], zero_division=2), "zero_division"),
    (lambda: M.log_loss([0, 1], [0.5, 1.2]), "probabilities in \\[0, 1\\]"),
    (lambda: M.log_loss([0, 1], [-0.1, 0.5]), "probabilities in \\[0, 1\\]"),
    (lambda: M.log_loss([0, 1, 2], [[0.5, 0.2, 0.2], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]]), "must sum to 1 \\(probabilities\\); row 0 sums to 0.89"),
    (lambda: M.log_loss([1, 1], [0.5, 0.7]), "single class"),
    (lambda: M.log_loss([0, 1, 2], [0.5, 0.7, 0.2]), "one column per class"),
    (lambda: M.roc_auc([1, 1, 1], [0.2, 0.5, 0.9]), "Only one class"),
    (lambda: M.roc_auc([0, 1, 2], np.eye(3)), "multi_class='ovr'"),
    (lambda: M.roc_auc([0, 1, 2], np.full((3, 3), 0.5), multi_class="ovr"), "sum to 1"),
    (lambda: M.roc_curve([0, 1, 2], [0.1, 0.2, 0.3]), "needs two"),
    (lambda: M.roc_curve(["a", "b"], [0.1, 0.2]), "pos_label"),
    (lambda: M.accuracy(np.eye(3), [0, 1, 2]), "1-D array of class labels"),
    (lambda: M.accuracy(["a", "b"], [0, 1]), "Mix of label types"),
    (lambda: M.r2([1.0], [1.0]), "two samples"),
    (lambda: M.mean_squared_error([0.0, 1.0], [0.0, np.nan]), "y_pred must hold finite numbers; it has 1 NaN"),
    (lambda: M.mean_absolute_error([np.inf, 1.0], [0.0, 1.0]), "y_true must hold finite numbers"),
    (lambda: M.r2([0.0, 1.0, 2.0], [0.0, np.nan, 1.0]), "y_pred must hold finite numbers"),
    (lambda: M.mean_squared_error(np.zeros((2, 2, 2)), np.zeros((2, 2, 2))), "1-D \\(samples\\) or 2-D"),
    (lambda: M.roc_auc([0, 1, 1, 0], np.full((4, 3), 1 / 3), multi_class="ovr", labels=[0, 1, 2]),
     "Class 2 of labels=\\[0, 1, 2\\] has no sample in y_true"),
])
def test_bad_input_raises_a_clear_error(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()


# ----------------------------------------------------------------------- streaming

def stream(metric, y_true, y_pred, batch_size):
    metric.reset()
    for start in range(0, len(y_true), batch_size):
        metric.update(y_true[start:start + batch_size], y_pred[start:start + batch_size])
    return metric.result()


@pytest.mark.parametrize("seed", range(12))
def test_streaming_equals_whole_set_exactly(seed):
    rng = np.random.default_rng(seed)
    n, batch = int(rng.integers(20, 300)), int(rng.integers(1, 50))
    # a sigmoid output (binary) ...
    y = rng.integers(0, 2, (n, 1)).astype(np.float32)
    p = np.clip(rng.random((n, 1)) * 0.8 + 0.2 * y, 0, 1).astype(np.float32)
    truth, predicted = y[:, 0].astype(int), (p[:, 0] >= 0.5).astype(int)
    for name, whole in (("precision", M.precision), ("recall", M.recall), ("f1", M.f1)):
        assert stream(M.get(name)[1], y, p, batch) == quiet(whole, truth, predicted, zero_division=0)
    assert stream(M.get("auc")[1], y, p, batch) == M.roc_auc(truth, p[:, 0])
    assert stream(M.get("accuracy", nr.losses.get("binary_crossentropy"))[1], y, p, batch) == M.accuracy(truth, predicted)
    # ... and a softmax output with one-hot or sparse targets
    k = int(rng.integers(3, 6))
    labels = rng.integers(0, k, n)
    q = random_probabilities(rng, n, k, np.float32)
    for targets in (nr.data.one_hot(labels, k), labels.reshape(-1, 1)):
        for name, whole in (("precision", M.precision), ("recall", M.recall), ("f1", M.f1)):
            for average in ("macro", "micro", "weighted"):
                metric = M.registry.get({"name": name, "average": average})
                assert stream(metric, targets, q, batch) == quiet(whole, labels, q.argmax(1), average=average, zero_division=0)
        if np.unique(labels).size == k:
            # k outputs as k classes on request (Keras's default pools the outputs: test_metrics_keras)
            assert stream(M.AUC(multi_class="ovr"), targets, q, batch) == M.roc_auc(labels, q, multi_class="ovr")
    # regression: exact float sums, so batch order does not change a bit
    t, r = rng.normal(size=(n, 2)).astype(np.float32), rng.normal(size=(n, 2)).astype(np.float32)
    assert stream(M.get("mse")[1], t, r, batch) == M.mean_squared_error(t, r)
    assert stream(M.get("mae")[1], t, r, batch) == M.mean_absolute_error(t, r)


def test_streaming_metrics_in_fit_and_evaluate():
    x, y = nr.datasets.load_breast_cancer()
    x = nr.data.StandardScaler().fit_transform(x)
    model = nr.Sequential([nr.layers.Dense(1, activation="sigmoid")], input_dim=30, seed=0)
    model.compile(optimizer=nr.optimizers.Adam(0.05), loss="binary_crossentropy",
                  metrics=["accuracy", "precision", "recall", "f1", "auc"])
    history = model.fit(x, y, epochs=3, batch_size=64, verbose=0)
    assert set(history.history) >= {"precision", "recall", "f1", "auc"}
    result = model.evaluate(x, y, batch_size=50)            # 12 batches, streamed
    p = model.predict(x, batch_size=50)[:, 0]               # the same batches, so the same numbers
    assert result["auc"] == M.roc_auc(y, p)
    assert result["f1"] == M.f1(y, (p >= 0.5).astype(int))
    assert M.get("f1")[1].get_config() == {"name": "f1", "average": None, "threshold": 0.5}


@pytest.mark.parametrize("name", ["mse", "mae"])
def test_streaming_regression_metrics_show_a_diverged_model(name):
    # NaN or infinite predictions must show in the log, not vanish from the sum
    for bad, expected in ((np.nan, math.isnan), (np.inf, math.isinf)):
        metric = M.get(name)[1]
        metric.update(np.zeros((2, 1)), np.array([[1.0], [bad]]))
        metric.update(np.zeros((2, 1)), np.ones((2, 1)))            # later finite batches keep it
        assert expected(metric.result())
    metric = M.get(name)[1]
    with np.errstate(over="ignore"):
        metric.update(np.zeros((2, 1)), np.full((2, 1), 1.3e154 if name == "mse" else 1.7e308))
    assert metric.result() == math.inf                             # a sum beyond the float range


def test_streaming_binary_average_needs_one_output_or_two_classes():
    metric = M.registry.get({"name": "precision", "average": "binary"})
    with pytest.raises(ValueError, match="average='binary'.*3 outputs"):
        metric.update(np.eye(3), np.eye(3))
    metric.update(np.eye(2)[[0, 1, 1]], np.eye(2)[[0, 1, 0]])       # two softmax outputs: class 1 positive
    assert metric.result() == 1.0


def test_streaming_metric_arguments_are_checked():
    with pytest.raises(ValueError, match="average must be one of"):
        M.Precision(average="samples")
    with pytest.raises(TypeError, match="'threshold' argument of Recall must be a number"):
        M.Recall(threshold="0.5")
    with pytest.raises(ValueError, match="multi_class must be 'ovr' or 'ovo'; got 'raise'"):
        M.AUC(multi_class="raise")


def test_streaming_metrics_before_any_update_and_with_one_class():
    assert M.get("precision")[1].result() == 0.0                   # Keras's counts: 0 / 0 gives 0
    assert np.isnan(M.Precision(average="macro").result())         # the classes' precision: undefined
    auc = M.get("auc")[1]
    auc.update(np.ones((4, 1)), np.full((4, 1), 0.7))
    assert np.isnan(auc.result())
    assert np.isnan(M.get("mse")[1].result())


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(-1e12, 1e12, allow_nan=False), min_size=1, max_size=60),
       cuts=st.lists(st.integers(1, 59), max_size=6))
def test_streaming_mse_is_exact_for_any_batches(values, cuts):
    # values of wildly different sizes: naive running sums would depend on where the batches end
    y_pred = np.asarray(values).reshape(-1, 1)
    y_true = np.zeros_like(y_pred)
    bounds = sorted({c for c in cuts if c < len(values)})
    metric = M.get("mae")[1]
    for part_true, part_pred in zip(np.split(y_true, bounds), np.split(y_pred, bounds)):
        metric.update(part_true, part_pred)
    assert metric.result() == M.mean_absolute_error(y_true, y_pred) == math.fsum(np.abs(values)) / len(values)
