"""Divergence is noticed however the loss hides it: a clipped cross-entropy pinned near -log(eps),
parameters or moments that overflow, a loss that rises by orders of magnitude; fit and
`neurona train` stop with the advice."""
import math
import warnings

import numpy as np
import pytest

import neurona as nr
from neurona import cli, losses
from neurona.models import divergence
from neurona.callbacks import DivergenceWarning

X, Y = nr.datasets.load_breast_cancer()          # unscaled: features up to 4254


def model_of(output, optimizer, dtype="float32", loss=None):
    model = nr.Sequential([nr.layers.Dense(16, activation="relu"),
                           nr.layers.Dense(1 if output == "sigmoid" else 2, activation=output)],
                          input_dim=30, seed=0, dtype=dtype)
    loss = loss or ("binary_crossentropy" if output == "sigmoid" else "sparse_categorical_crossentropy")
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_a_huge_learning_rate_on_unscaled_data_stops_with_the_advice(output, optimizer):
    model = model_of(output, {"name": optimizer, "learning_rate": 1e6})
    with pytest.warns(DivergenceWarning) as caught:
        history = model.fit(X, Y, epochs=20, verbose=0)
    assert caught[0].filename == __file__          # the warning points at the user's line
    assert len(history.history["loss"]) <= 4
    reason = model.stop_reason
    assert reason.startswith("Training diverged: the loss has stayed at") and "-log(eps) = 16.1" in reason
    assert "standardise x" in reason and "10x lower" in reason


def test_a_saturated_start_that_learns_is_not_stopped():
    # unscaled inputs with Adam's default rate: the first epoch's loss is about 6, then it falls
    model = model_of("softmax", "adam")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        history = model.fit(X, Y, epochs=8, verbose=0)
    assert model.stop_reason is None and len(history.history["loss"]) == 8
    assert history.history["loss"][0] > 4 > history.history["loss"][-1]


def test_adams_second_moment_never_overflows_silently():
    x = np.full((8, 30), 1e300)                     # finite float64 inputs, squares beyond float64
    y = np.arange(8) % 2
    model = model_of("sigmoid", "adam", dtype="float64")
    before = model.get_weights()
    with pytest.warns(DivergenceWarning):
        model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert "Adam's second moment overflowed at step 1" in model.stop_reason
    assert "standardise x" in model.stop_reason
    slots = model.optimizer.get_state()["slots"][0]
    assert all(np.isfinite(v).all() for v in slots.values())       # the slots stay usable
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)                    # the refused step changed nothing


def detector_on(model):
    detector = divergence.DivergenceDetector()
    detector.set_model(model)
    detector.on_train_begin()
    return detector


def test_a_loss_that_rises_by_orders_of_magnitude_stops():
    model = nr.Sequential([nr.layers.Dense(1)], input_dim=3, seed=0)
    model.compile(optimizer="sgd", loss="mse")
    detector = detector_on(model)
    for epoch, loss in enumerate([2.0, 1.0, 300.0, 3000.0]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)
            detector.on_epoch_end(epoch, {"loss": loss})
        assert (model.stop_reason is None) == (epoch < 3)
    assert "the loss rose from 2 (epoch 1 of this run) to 3000 at epoch 4" in model.stop_reason


@pytest.mark.parametrize("where", ["parameters", "slot"])
def test_non_finite_parameters_or_moments_stop(where):
    model = nr.Sequential([nr.layers.Dense(1)], input_dim=3, seed=0)
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 3)), np.ones(4), verbose=0)
    detector = detector_on(model)
    if where == "parameters":
        model.flat_parameters.values[0] = np.inf
    else:
        model.optimizer.slots[0]["v_sum"][1] = np.nan
    with pytest.warns(DivergenceWarning):
        detector.on_epoch_end(0, {"loss": 1.0})
    expected = "the parameters hold NaN or inf" if where == "parameters" else "'v_sum' slot holds NaN or inf"
    assert expected in model.stop_reason


def test_clip_loss_of_each_loss():
    assert math.isclose(divergence.clip_loss(losses.get("binary_crossentropy")), -math.log(1e-7))
    assert math.isclose(divergence.clip_loss(losses.CategoricalCrossentropy(log_base=2)), -math.log2(1e-7))
    assert divergence.clip_loss(losses.CategoricalCrossentropy(from_logits=True)) is None
    assert divergence.clip_loss(losses.get("mse")) is None


def test_neurona_train_reports_the_divergence(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = cli.main(["train", "--dataset", "breast_cancer", "--no-scale", "--learning-rate", "1e6", "--layers", "16",
                     "--epochs", "20", "--verbose", "0"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("neurona: error: training failed: Training diverged: the loss has stayed")
    assert "standardise x" in err
    assert list(tmp_path.iterdir()) == []
