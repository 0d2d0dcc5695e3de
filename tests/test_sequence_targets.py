r"""Outputs with time steps, (m, T, k): targets (m, T, k) or labels (m, T), every step a row of the loss and
of the metrics, as Keras averages them; the same losses, steps and accuracies as Keras 3 on the same weights."""
from __future__ import annotations

import os

import numpy as np
import pytest

import neurona as nr

os.environ.setdefault("KERAS_BACKEND", "torch")
RNG = np.random.default_rng(7)
X = RNG.normal(size=(6, 5, 3)).astype(np.float32)
LABELS = RNG.integers(0, 4, size=(6, 5))
WEIGHTS = RNG.uniform(0.5, 2.0, size=6)


def tagger(lib, loss, metrics):
    inputs = lib.Input((5, 3))
    h = lib.layers.SimpleRNN(8, return_sequences=True)(inputs)
    outputs = lib.layers.Dense(4, activation="softmax")(h)
    model = lib.Model(inputs, outputs)
    model.compile(optimizer=lib.optimizers.SGD(0.5), loss=loss, metrics=metrics)
    return model


@pytest.mark.parametrize("loss, targets", [("sparse_categorical_crossentropy", LABELS),
                                           ("categorical_crossentropy", np.eye(4, dtype=np.float32)[LABELS]),
                                           ("mse", np.eye(4, dtype=np.float32)[LABELS])])
def test_steps_losses_and_accuracy_are_keras_s(loss, targets):
    keras = pytest.importorskip("keras")
    metric = "sparse_categorical_accuracy" if loss.startswith("sparse") else "categorical_accuracy"
    ours, theirs = tagger(nr, loss, [metric]), tagger(keras, loss, [metric])
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    for _ in range(3):
        mine = ours.train_on_batch(X, targets, return_dict=True)
        reference = theirs.train_on_batch(X, targets, return_dict=True)
        assert mine["loss"] == pytest.approx(float(reference["loss"]), rel=1e-4)
        assert mine[metric] == pytest.approx(float(reference[metric]), rel=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.evaluate(X, targets, verbose=0), theirs.evaluate(X, targets, verbose=0),
                               rtol=1e-4)


def test_a_sample_weight_weighs_every_step_of_its_sample():
    model = tagger(nr, "sparse_categorical_crossentropy", [])
    per_step = nr.losses.SparseCategoricalCrossentropy(reduction="none")(LABELS, model.predict(X, verbose=0))
    assert per_step.shape == (6, 5)
    expected = float(np.mean(per_step * WEIGHTS[:, None]))
    assert model.evaluate(X, LABELS, sample_weight=WEIGHTS, verbose=0) == pytest.approx(expected, rel=1e-5)


def test_fit_on_sequence_targets_learns_and_checks_shapes():
    model = tagger(nr, "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit(X, LABELS, epochs=30, batch_size=3, verbose=0, validation_split=0.34)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(X, verbose=0).shape == (6, 5, 4)
    with pytest.raises(ValueError, match=r"y must have shape \(samples, 5, \.\.\.\) to match the model's output"):
        model.fit(X, LABELS[:, :4], epochs=1, verbose=0)


def test_a_sequence_to_sequence_model_from_keras_io_trains_step_for_step_as_keras():
    keras = pytest.importorskip("keras")
    tokens, steps = 6, 4
    enc = RNG.integers(0, 2, size=(8, steps, tokens)).astype(np.float32)
    dec = RNG.integers(0, 2, size=(8, steps, tokens)).astype(np.float32)
    target = np.eye(tokens, dtype=np.float32)[RNG.integers(0, tokens, size=(8, steps))]

    def build(lib):
        encoder_inputs = lib.Input(shape=(None, tokens))
        _, state_h, state_c = lib.layers.LSTM(5, return_state=True)(encoder_inputs)
        decoder_inputs = lib.Input(shape=(None, tokens))
        decoder_outputs, _, _ = lib.layers.LSTM(5, return_sequences=True, return_state=True)(
            decoder_inputs, initial_state=[state_h, state_c])
        decoder_outputs = lib.layers.Dense(tokens, activation="softmax")(decoder_outputs)
        model = lib.Model([encoder_inputs, decoder_inputs], decoder_outputs)
        model.compile(optimizer=lib.optimizers.RMSprop(0.01), loss="categorical_crossentropy", metrics=["accuracy"])
        return model

    ours, theirs = build(nr), build(keras)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    for _ in range(3):
        mine = ours.train_on_batch([enc, dec], target, return_dict=True)
        reference = theirs.train_on_batch([enc, dec], target, return_dict=True)
        assert mine["loss"] == pytest.approx(float(reference["loss"]), rel=1e-4)
        assert mine["accuracy"] == pytest.approx(float(reference["accuracy"]), rel=1e-5)


def test_padded_steps_count_for_nothing_in_the_loss_and_metrics_as_keras():
    keras = pytest.importorskip("keras")
    ids = RNG.integers(1, 9, size=(6, 5))
    ids[0, 3:] = 0
    ids[1, 1:] = 0
    ids[4, 4:] = 0

    def build(lib):
        inputs = lib.Input((5,), dtype="int32")
        e = lib.layers.Embedding(9, 4, mask_zero=True)(inputs)
        h = lib.layers.SimpleRNN(6, return_sequences=True)(e)
        outputs = lib.layers.Dense(4, activation="softmax")(h)
        model = lib.Model(inputs, outputs)
        model.compile(optimizer=lib.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model

    ours, theirs = build(nr), build(keras)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    for _ in range(3):
        mine = ours.train_on_batch(ids, LABELS, return_dict=True)
        reference = theirs.train_on_batch(ids, LABELS, return_dict=True)
        assert mine["loss"] == pytest.approx(float(reference["loss"]), rel=1e-4)
        assert mine["accuracy"] == pytest.approx(float(reference["accuracy"]), rel=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-4, atol=1e-5)
