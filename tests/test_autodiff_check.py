r"""check_gradients over every registered layer, activation, loss and regularizer (hand-written
backward == autodiff == numerical), and custom losses and metrics written as functions.

A newly registered activation, loss or regularizer without its own tape form (``call``) fails
``test_every_registered_piece_has_its_own_tape_form``, a loss without a setup below
``test_every_registered_loss_has_a_setup``; a layer without one fails
``test_every_registered_layer_has_a_case`` of test_layers_keras.py.
"""
import io
import math
import warnings

import numpy as np
import pytest
from rich.console import Console

import neurona as nr
from neurona import activations, autodiff as ad, layers, losses, regularizers
from neurona.gradcheck import check_gradients
from neurona.layers import Activation, Dense, Dropout
from neurona.losses import Loss
from registry_cases import canonical_names

TOLERANCE = 1e-6


def data(seed=0, n=6, d=3):
    return np.random.default_rng(seed).normal(size=(n, d))


def check(model_layers, loss, x, y, **kwargs):
    model = nr.Sequential(model_layers, input_dim=x.shape[1], seed=1, dtype="float64")
    model.compile(optimizer="sgd", loss=loss)
    report = check_gradients(model, x, y, **kwargs)
    assert report.rows and report.passed, str(report)
    for row in report.rows:
        assert row.autodiff is not None
        assert row.backward.shape == row.autodiff.shape == row.numerical.shape == row.shape
    return report


@pytest.mark.parametrize("registry, base", [(activations.registry, activations.Activation),
                                            (nr.losses.registry, nr.losses.Loss),
                                            (nr.regularizers.registry, nr.regularizers.Regularizer)])
def test_every_registered_piece_has_its_own_tape_form(registry, base):
    without = [name for name in registry.names() if registry.lookup(name).call is base.call]
    assert without == []
    assert not any(registry.lookup(name).uses_tape for name in registry.names() if base is nr.losses.Loss)


@pytest.mark.parametrize("name", canonical_names(activations.registry))
def test_every_activation_backward_autodiff_numerical_agree(name):
    x, rng = data(1), np.random.default_rng(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nr.NoGradientWarning)       # step and sign pass no gradient
        check([Dense(4, activation=name), Dense(2)], "mse", x, rng.normal(size=(6, 2)))
        check([Dense(4), Activation(name), Dense(2, activation=name)], "mae", x, rng.normal(size=(6, 2)))


def one_hot_targets(rng, n=6, k=3):
    return np.eye(k)[rng.integers(0, k, n)]


# loss name -> [(loss, output activation, targets from an rng)]
LOSS_SETUPS = {
    "mean_squared_error": [(losses.MeanSquaredError(), None, lambda r: r.normal(size=(6, 2))),
                           (losses.MeanSquaredError(half=True), "tanh", lambda r: r.normal(size=(6, 2)))],
    "mean_absolute_error": [(losses.MeanAbsoluteError(), None, lambda r: r.normal(size=(6, 2)))],
    "binary_crossentropy": [(losses.BinaryCrossentropy(), "sigmoid", lambda r: r.integers(0, 2, (6, 2))),
                            (losses.BinaryCrossentropy(log_base=10), "sigmoid", lambda r: r.random((6, 1))),
                            (losses.BinaryCrossentropy(from_logits=True), None, lambda r: r.integers(0, 2, (6, 1)))],
    "categorical_crossentropy": [(losses.CategoricalCrossentropy(), "softmax", one_hot_targets),
                                 (losses.CategoricalCrossentropy(log_base=2), "softmax", one_hot_targets),
                                 (losses.CategoricalCrossentropy(from_logits=True), None, one_hot_targets)],
    "sparse_categorical_crossentropy": [
        (losses.SparseCategoricalCrossentropy(), "softmax", lambda r: r.integers(0, 3, 6)),
        (losses.SparseCategoricalCrossentropy(from_logits=True), None, lambda r: r.integers(0, 3, 6))],
    "mean_absolute_percentage_error": [(losses.MeanAbsolutePercentageError(), None, lambda r: r.uniform(1, 2, (6, 2)))],
    "mean_squared_logarithmic_error": [(losses.MeanSquaredLogarithmicError(), "softplus",
                                        lambda r: r.uniform(0, 2, (6, 2)))],
    "huber": [(losses.Huber(delta=0.3), None, lambda r: r.normal(size=(6, 2)))],
    "log_cosh": [(losses.LogCosh(), None, lambda r: r.normal(size=(6, 2)))],
    "poisson": [(losses.Poisson(), "softplus", lambda r: r.integers(0, 4, (6, 2)).astype(float))],
    "kl_divergence": [(losses.KLDivergence(), "softmax", lambda r: r.dirichlet(np.ones(3), 6))],
    "squared_hinge": [(losses.SquaredHinge(), "tanh", lambda r: r.choice([-1.0, 1.0], (6, 1)))],
    "categorical_hinge": [(losses.CategoricalHinge(), None, one_hot_targets)],
    "binary_focal_crossentropy": [
        (losses.BinaryFocalCrossentropy(), "sigmoid", lambda r: r.integers(0, 2, (6, 2))),
        (losses.BinaryFocalCrossentropy(from_logits=True, apply_class_balancing=True), None,
         lambda r: r.integers(0, 2, (6, 1)))],
    "cosine_similarity": [(losses.CosineSimilarity(), None, lambda r: r.normal(size=(6, 2)))],
    "categorical_focal_crossentropy": [(losses.CategoricalFocalCrossentropy(), "softmax", one_hot_targets),
                                       (losses.CategoricalFocalCrossentropy(from_logits=True), None, one_hot_targets)],
    "categorical_generalized_cross_entropy": [(losses.CategoricalGeneralizedCrossEntropy(), "softmax",
                                              lambda r: r.integers(0, 3, 6))],
    "dice": [(losses.Dice(), "sigmoid", lambda r: r.integers(0, 2, (6, 3)).astype(float))],
    "tversky": [(losses.Tversky(alpha=0.3, beta=0.7, axis=(1,)), "sigmoid", lambda r: r.integers(0, 2, (6, 3)).astype(float))],
    "hinge": [(losses.Hinge(), "tanh", lambda r: r.choice([-1.0, 1.0], (6, 1))),
              (losses.Hinge(), None, lambda r: r.integers(0, 2, (6, 2)))],
}


def test_every_registered_loss_has_a_setup():
    assert sorted(LOSS_SETUPS) == canonical_names(losses.registry)


@pytest.mark.parametrize("name, k", [(name, k) for name in sorted(LOSS_SETUPS) for k in range(len(LOSS_SETUPS[name]))])
def test_every_loss_backward_autodiff_numerical_agree(name, k):
    loss, output, targets = LOSS_SETUPS[name][k]
    rng = np.random.default_rng(k)
    y = targets(rng)
    units = 3 if y.ndim == 1 else y.shape[1]          # integer labels of 3 classes
    check([Dense(4, activation="tanh"), Dense(units, activation=output)], loss, data(3), y)


@pytest.mark.parametrize("name", canonical_names(regularizers.registry))
def test_every_regularizer_backward_autodiff_numerical_agree(name):
    regularizer = regularizers.get({"name": name, **({"l1": 0.3, "l2": 0.2} if name == "l1_l2" else {})})
    y = np.random.default_rng(4).normal(size=(6, 2))
    check([Dense(4, activation="tanh", kernel_regularizer=regularizer, bias_regularizer=regularizer,
                 bias_initializer="glorot_uniform"),
           Dense(2, kernel_regularizer=regularizer)], "mse", data(4), y)


def test_every_layer_in_one_model_with_a_dropout_mask_shared_by_all_three():
    y = one_hot_targets(np.random.default_rng(5), n=8)
    report = check([Dense(6, activation="relu"), Dropout(0.5), Dense(3, use_bias=False), Activation("softmax")],
                   "categorical_crossentropy", data(5, n=8), y, seed=3)
    assert [(r.layer, r.parameter) for r in report.rows] == [("dense_0", "kernel"), ("dense_0", "bias"),
                                                             ("dense_2", "kernel")]


def small_model(dtype="float32"):
    model = nr.Sequential([Dense(4, activation="tanh"), Dense(3, activation="softmax")], input_dim=3, seed=0,
                          dtype=dtype)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def test_report_is_readable_and_its_numbers_are_data():
    model = small_model()
    weights = model.get_weights()
    y = one_hot_targets(np.random.default_rng(0))
    printed = []
    report = check_gradients(model, data(), y, print_fn=printed.append)
    assert printed == [report] and report.passed
    text = str(report)
    for words in ("layer", "parameter", "backward vs numerical", "autodiff vs numerical", "dense_0", "kernel",
                  "bias", "ok", "all gradients agree"):
        assert words in text
    rows = report.to_dicts()
    assert len(rows) == 4 and rows[0]["shape"] == (3, 4) and rows[0]["numerical"].dtype == np.float64
    assert report.max_error < 1e-7
    console = Console(file=io.StringIO(), width=160)
    console.print(report)
    assert "Gradient check" in console.file.getvalue() and "dense_1" in console.file.getvalue()
    for before, after in zip(weights, model.get_weights()):        # the model itself is untouched
        assert after.dtype == np.float32 and np.array_equal(before, after)


def test_a_wrong_backward_is_caught(monkeypatch):
    monkeypatch.setattr(activations.Tanh, "backward", lambda self, grad, z, a: grad * (1.0 - a))
    report = check_gradients(small_model(), data(), one_hot_targets(np.random.default_rng(0)))
    assert not report.passed and "WRONG" in str(report) and "DISAGREE" in str(report)
    first = report.rows[0]
    assert first.error_backward_numerical > 1e-3 and first.error_autodiff_numerical < 1e-7


def test_a_piece_without_autodiff_form_still_gets_backward_against_numerical(monkeypatch):
    monkeypatch.setattr(activations.Tanh, "call", activations.Activation.call)
    report = check_gradients(small_model(), data(), one_hot_targets(np.random.default_rng(0)))
    assert report.passed and all(r.autodiff is None and r.error_autodiff_numerical is None for r in report.rows)
    assert "No autodiff form: The activation Tanh has no tape form." in str(report)


def test_check_gradients_bad_input():
    with pytest.raises(TypeError, match="neurona model; got LinearRegression"):
        check_gradients(nr.linear.LinearRegression(), data(), np.zeros(6))
    model = nr.Sequential([Dense(2)], input_dim=3)
    with pytest.raises(RuntimeError, match="compile"):
        check_gradients(model, data(), np.zeros((6, 2)))
    with pytest.raises(ValueError, match="features"):
        check_gradients(small_model(), data(d=4), one_hot_targets(np.random.default_rng(0)))
    with pytest.raises(ValueError, match="'delta' argument of check_gradients"):
        check_gradients(small_model(), data(), one_hot_targets(np.random.default_rng(0)), delta=-1.0)


# ------------------------------------------------------------------ custom losses and metrics

def huber(y_true, y_pred, delta=1.0):
    r"""Huber loss with autodiff ops: 1/2 d^2 where |d| <= delta, delta (|d| - delta / 2) beyond."""
    d = y_pred - y_true
    size = ad.abs(d)
    return ad.mean(ad.where(size <= delta, 0.5 * d * d, delta * (size - 0.5 * delta)))


class HandHuber(Loss):
    r"""The same Huber loss with its derivative written by hand: dJ/dy_hat = clip(d, -1, 1) / (N k)."""

    def __call__(self, y_true, y_pred):
        d = y_pred - y_true
        return float(np.mean(np.where(np.abs(d) <= 1.0, 0.5 * d * d, np.abs(d) - 0.5)))

    def gradient(self, y_true, y_pred):
        d = y_pred - y_true
        return np.clip(d, -1.0, 1.0) / d.size


def regression_with_outliers(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(200, 3))
    y = x @ np.array([[1.5], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(200, 1))
    y[::20] += 8.0                                     # outliers: where Huber and MSE part ways
    return x, y


def train(loss, dtype="float64", metrics=None):
    x, y = regression_with_outliers()
    model = nr.Sequential([Dense(8, activation="tanh"), Dense(1)], input_dim=3, seed=7, dtype=dtype)
    model.compile(optimizer=nr.optimizers.SGD(learning_rate=0.05, momentum=0.9), loss=loss, metrics=metrics)
    history = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    return model, history


def test_custom_huber_loss_trains_like_the_hand_written_one():
    by_tape, history = train(huber)
    by_hand, hand_history = train(HandHuber())
    assert isinstance(by_tape.loss, nr.losses.FunctionLoss)
    for a, b in zip(by_tape.get_weights(), by_hand.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history.history["loss"], hand_history.history["loss"], rtol=1e-10)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    by_mse, _ = train("mse")
    assert not np.allclose(by_mse.get_weights()[0], by_tape.get_weights()[0], atol=1e-3)


def test_custom_loss_in_float32_and_its_gradient_check():
    model, history = train(huber, dtype="float32")
    assert model.get_weights()[0].dtype == np.float32 and np.isfinite(history.history["loss"]).all()
    x, y = regression_with_outliers()
    report = check_gradients(model, x[:10], y[:10])
    assert report.passed, str(report)


def test_custom_loss_per_sample_values_are_averaged_and_bad_returns_are_explained():
    y, p = np.array([[1.0], [2.0]]), np.array([[1.5], [1.0]])
    per_sample = losses.get(lambda t, q: ((q - t) ** 2).sum(axis=1))
    assert per_sample(y, p) == pytest.approx(0.625)
    np.testing.assert_allclose(per_sample.gradient(y, p), [[0.5], [-1.0]])
    with pytest.raises(TypeError, match="must return a Tensor"):
        losses.get(lambda t, q: np.mean((q.numpy() - t.numpy()) ** 2))(y, p)
    by_numpy_functions = losses.get(lambda t, q: np.mean((q - t) ** 2))     # np.mean of a Tensor records
    np.testing.assert_allclose(by_numpy_functions.gradient(y, p), [[0.5], [-1.0]])
    assert losses.get("mse") == losses.MeanSquaredError()            # names still resolve


def test_custom_metric_functions_in_compile():
    def absolute_error(y_true, y_pred):             # one value per sample and output
        return np.abs(y_pred - y_true)

    def batch_mae(y_true, y_pred):                  # one value per batch
        return float(np.mean(np.abs(y_pred - y_true)))

    model, history = train("mse", metrics=["mae", absolute_error, batch_mae])
    logs = history.history
    np.testing.assert_allclose(logs["absolute_error"], logs["mae"], rtol=1e-12)
    np.testing.assert_allclose(logs["batch_mae"], logs["mae"], rtol=1e-12)
    x, y = regression_with_outliers()
    result = model.evaluate(x, y, return_dict=True)
    assert result["batch_mae"] == pytest.approx(np.mean(np.abs(model.predict(x) - y)), rel=1e-12)


def test_custom_loss_with_accuracy():
    def bce(y_true, y_pred):
        p = ad.clip(y_pred, 1e-7, 1 - 1e-7)
        return -ad.mean(y_true * ad.log(p) + (1 - y_true) * ad.log(1 - p))

    x = data(0, n=40)
    y = (x[:, :1] > 0).astype(float)
    model = nr.Sequential([Dense(1, activation="sigmoid")], input_dim=3, seed=0, dtype="float64")
    model.compile(optimizer=nr.optimizers.SGD(0.5), loss=nr.losses.FunctionLoss(bce, accuracy_kind="binary"),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, batch_size=8, verbose=0)
    assert history.history["accuracy"][-1] >= 0.9
    reference = nr.Sequential([Dense(1, activation="sigmoid")], input_dim=3, seed=0, dtype="float64")
    reference.compile(optimizer=nr.optimizers.SGD(0.5), loss="binary_crossentropy", metrics=["accuracy"])
    reference.fit(x, y, epochs=30, batch_size=8, verbose=0)
    np.testing.assert_allclose(model.get_weights()[0], reference.get_weights()[0], rtol=1e-9)
    with pytest.raises(ValueError, match="accuracy"):
        nr.Sequential([Dense(1)], input_dim=3).compile(loss=bce, metrics=["accuracy"])
    with pytest.raises(ValueError, match="accuracy_kind"):
        nr.losses.FunctionLoss(bce, accuracy_kind="multiclass")
    assert math.isfinite(model.evaluate(x, y, return_dict=True)["loss"])


def test_custom_loss_on_class_labels_trains_like_sparse_categorical_crossentropy():
    def sparse_crossentropy(labels, probabilities):       # labels: integers of shape (samples,)
        picked = probabilities[np.arange(labels.shape[0]), labels]
        return -ad.mean(ad.log(ad.clip(picked, 1e-7, 1.0)))

    x = data(0, n=60)
    labels = np.argmax(x, axis=1)
    runs = []
    for loss in (nr.losses.FunctionLoss(sparse_crossentropy, accuracy_kind="sparse"), "sparse_categorical_crossentropy"):
        model = nr.Sequential([Dense(3, activation="softmax")], input_dim=3, seed=0, dtype="float64")
        model.compile(optimizer=nr.optimizers.SGD(0.5), loss=loss, metrics=["accuracy"])
        runs.append((model, model.fit(x, labels, epochs=20, batch_size=10, verbose=0)))
    (custom, history), (reference, reference_history) = runs
    np.testing.assert_allclose(custom.get_weights()[0], reference.get_weights()[0], rtol=1e-9)
    np.testing.assert_allclose(history.history["accuracy"], reference_history.history["accuracy"])
    assert history.history["accuracy"][-1] >= 0.9
    assert check_gradients(custom, x[:6], labels[:6]).passed
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\].*to 3"):
        custom.fit(x, labels + 1, epochs=1, verbose=0)
