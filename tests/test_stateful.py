r"""stateful=True recurrent layers (SimpleRNN, LSTM, GRU, RNN of a cell): batch k starts from the
states batch k - 1 ended with, as in Keras 3 (torch backend) on the same weights; reset_states,
layer.states as another layer's initial_state (keras.io's "Working with RNNs"), the fixed batch
size, and fit with shuffle=False against Keras."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona import layers

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

KINDS = ["SimpleRNN", "LSTM", "GRU", "RNN-LSTMCell", "RNN-stacked"]


def make(module, kind, **options):
    if kind == "RNN-LSTMCell":
        return module.layers.RNN(module.layers.LSTMCell(4), **options)
    if kind == "RNN-stacked":
        return module.layers.RNN([module.layers.GRUCell(3), module.layers.SimpleRNNCell(4)], **options)
    return getattr(module.layers, kind)(4, **options)


def batches(count, m=3, T=5, d=2, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(m, T, d)).astype("float32") for _ in range(count)]


def reset_keras(layer):
    r"""Keras's reset_states, also for nested states (a stacked cell's, which its own does not reach)."""
    for v in keras.tree.flatten(layer.states):
        v.assign(np.zeros(v.shape, dtype="float32"))


def as_numpy(value):
    return value.detach().numpy() if hasattr(value, "detach") else np.asarray(value)


@pytest.mark.parametrize("kind", KINDS)
def test_consecutive_batches_carry_the_states_as_keras(kind):
    ours, theirs = make(nr, kind, stateful=True, return_sequences=True), make(keras, kind, stateful=True,
                                                                              return_sequences=True)
    first, second, third = batches(3)
    ours(first)
    theirs(first)
    weights = [np.random.default_rng(1).normal(0, 0.5, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    ours.reset_states()
    reset_keras(theirs)
    for x in (first, second):
        np.testing.assert_allclose(ours(x), as_numpy(theirs(x)), atol=1e-5)
    for mine, other in zip(ours.states, keras.tree.flatten(theirs.states)):
        np.testing.assert_allclose(mine, as_numpy(other), atol=1e-5)
    ours.reset_states()
    reset_keras(theirs)
    np.testing.assert_allclose(ours(third), as_numpy(theirs(third)), atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_a_stateful_layer_reads_one_long_sequence_in_pieces(kind):
    r"""Two halves through a stateful layer = the whole sequence through the same layer, not stateful."""
    x = batches(1, T=8)[0]
    pieces, whole = make(nr, kind, stateful=True), make(nr, kind)
    pieces(x[:, :4])
    whole(x)
    whole.set_weights(pieces.get_weights())
    pieces.reset_states()
    pieces(x[:, :4])
    np.testing.assert_allclose(pieces(x[:, 4:]), whole(x), atol=1e-6)


def test_keras_io_guide_state_reuse():
    r"""keras.io: paragraphs through LSTM(64, stateful=True), reset_states, then states handed on."""
    paragraph1, paragraph2, paragraph3 = (np.random.random((20, 10, 50)).astype(np.float32) for _ in range(3))
    lstm_layer = layers.LSTM(64, stateful=True)
    lstm_layer(paragraph1)
    lstm_layer(paragraph2)
    output = lstm_layer(paragraph3)
    existing_state = lstm_layer.states
    new_lstm_layer = layers.LSTM(64)
    new_lstm_layer(paragraph3, initial_state=existing_state)
    new_lstm_layer.set_weights(lstm_layer.get_weights())
    new_output = new_lstm_layer(paragraph3, initial_state=existing_state)
    assert output.shape == new_output.shape == (20, 64)
    np.testing.assert_allclose(new_output, lstm_layer(paragraph3), atol=1e-6)     # both from the same states
    lstm_layer.reset_states()
    np.testing.assert_array_equal(lstm_layer.states[0], 0.0)


def test_the_batch_size_is_fixed():
    layer = layers.GRU(3, stateful=True)
    layer(np.zeros((4, 2, 2), dtype="float32"))
    with pytest.raises(ValueError, match="batch size of its states, 4; got a batch of 3"):
        layer(np.zeros((3, 2, 2), dtype="float32"))
    declared = layers.LSTM(3, stateful=True, batch_input_shape=(5, 2, 2))
    with pytest.raises(ValueError, match="5; got a batch of 2"):
        declared(np.zeros((2, 2, 2), dtype="float32"))
    declared = layers.RNN(layers.LSTMCell(3), stateful=True, batch_input_shape=(5, 2, 2))
    with pytest.raises(ValueError, match="5; got a batch of 2"):
        declared(np.zeros((2, 2, 2), dtype="float32"))
    assert layers.LSTM(3).states is None and layers.RNN([layers.LSTMCell(3)]).states is None
    layer.reset_states([np.ones((4, 3))])
    np.testing.assert_array_equal(layer.states[0], 1.0)


def test_fit_without_shuffling_as_keras():
    r"""Two epochs of two batches; RNN(LSTMCell) (Keras's stateful LSTM layer does not train on the torch
    backend: autograd refuses its in-place state update)."""
    x = np.concatenate(batches(2, m=4, T=3), axis=0)
    y = np.random.default_rng(5).normal(size=(8, 1)).astype("float32")

    def model(module):
        return module.Sequential([module.Input(batch_shape=(4, 3, 2)), make(module, "RNN-LSTMCell", stateful=True),
                                  module.layers.Dense(1)])

    ours, theirs = model(nr), model(keras)
    ours.compile(optimizer=nr.optimizers.SGD(0.1), loss="mse")
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.predict(x[:4], batch_size=4, verbose=0)
    theirs.predict(x[:4], batch_size=4, verbose=0)
    weights = [np.random.default_rng(6).normal(0, 0.4, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    for m in (ours.layers[0], theirs.layers[0]):
        m.reset_states()
    history = ours.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history["loss"]
    expected = theirs.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(history, expected, rtol=1e-4)
    for mine, other in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, other, atol=1e-5)
    for mine, other in zip(ours.layers[0].states, theirs.layers[0].states):
        np.testing.assert_allclose(mine, as_numpy(other), atol=1e-5)
