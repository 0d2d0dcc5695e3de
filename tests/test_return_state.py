r"""Recurrent layers' final states as outputs (return_state) and given initial states
(initial_state): backward vs tape vs central differences, Keras 3 on the same weights, the graph of
an encoder-decoder model (keras.io's character-level sequence to sequence) and its file."""
from __future__ import annotations

import os

import numpy as np
import pytest

import neurona as nr
from gradcheck import central_difference, relative_error
from neurona import layers
from neurona.autodiff import GradientTape, Variable
from neurona.layers.masking import with_mask

TOLERANCE = 1e-6
KINDS = ["SimpleRNN", "LSTM", "GRU", "GRU-reset-before"]
N_STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1, "GRU-reset-before": 1}


def make(kind, module=layers, units=3, **options):
    if kind == "GRU-reset-before":
        return module.GRU(units, reset_after=False, **options)
    return getattr(module, kind)(units, **options)


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _inputs(kind, m=3, T=4, d=2, units=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(m, T, d))
    states = [rng.normal(size=(m, units)) for _ in range(N_STATES[kind])]
    grads = [rng.normal(size=(m, T, units)), *(rng.normal(size=(m, units)) for _ in states)]
    return x, states, grads


# ------------------------------------------------------------------ gradients, three ways

@pytest.mark.parametrize("masked", [False, True], ids=["", "masked"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["", "backwards"])
@pytest.mark.parametrize("kind", KINDS)
def test_states_in_and_out_pass_the_three_way_gradient_check(kind, go_backwards, masked):
    x, states, grads = _inputs(kind)
    mask = np.ones(x.shape[:2], bool)
    if masked:
        mask[0, -2:], mask[1, 0] = False, False
    layer = make(kind, return_sequences=True, return_state=True, go_backwards=go_backwards,
                 bias_initializer="random_normal", recurrent_dropout=0.3, seed=3)
    layer([x, *states])                                   # builds in float64, with initial states
    drop = np.random.default_rng(11).bit_generator.state

    def objective():
        layer._rng.bit_generator.state = drop                # the same recurrent dropout mask each time
        outs = layer.forward([with_mask(x, mask if masked else None), *states], training=True)
        return sum(float(np.sum(g * o)) for g, o in zip(grads, outs))

    objective()
    dx, *dstates = layer.backward([g.copy() for g in grads])
    weights = [q.copy() for q in layer.grads]
    assert relative_error(dx, central_difference(lambda _: objective(), x)) < TOLERANCE, "dL/dx"
    for k, (s, ds) in enumerate(zip(states, dstates)):
        assert relative_error(ds, central_difference(lambda _: objective(), s)) < TOLERANCE, f"dL/dstate{k}"
    for name, p, q in zip(layer.param_names, layer.params, weights):
        assert relative_error(q, central_difference(lambda _: objective(), p)) < TOLERANCE, name

    objective()                                              # the tape form, the same dropout mask
    given = [with_mask(Variable(x.copy()), mask if masked else None)] + [Variable(s.copy()) for s in states]
    params = [Variable(p.copy()) for p in layer.params]
    with GradientTape() as tape:
        outs, _ = layer.tape_forward(given, params)
        total = sum((o * g).sum() for o, g in zip(outs, grads))
    taped = tape.gradient(total, given + params, unconnected_gradients="zero")
    for mine, theirs in zip([dx, *dstates, *weights], taped):
        assert relative_error(mine, theirs) < TOLERANCE


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_only_the_states_carry_a_gradient(kind):
    r"""An encoder whose sequence output is unused: dL/dy is None, the states' gradients still flow."""
    x, _, grads = _inputs(kind)
    layer = make(kind, return_state=True, bias_initializer="random_normal")
    layer(x)
    def objective():
        return sum(float(np.sum(g * o)) for g, o in zip(grads[1:], layer.forward(x, training=True)[1:]))

    objective()
    dx = layer.backward([None, *grads[1:]])
    assert relative_error(dx, central_difference(lambda _: objective(), x)) < TOLERANCE
    assert np.abs(dx).max() > 0


def test_bidirectional_states_pass_the_gradient_check():
    x, _, _ = _inputs("LSTM")
    rng = np.random.default_rng(5)
    layer = layers.Bidirectional(layers.LSTM(3, return_sequences=True, return_state=True,
                                             bias_initializer="random_normal"))
    outs = layer(x)
    assert [o.shape for o in outs] == [(3, 4, 6)] + [(3, 3)] * 4
    grads = [rng.normal(size=o.shape) for o in outs]
    objective = lambda: sum(float(np.sum(g * o)) for g, o in zip(grads, layer.forward(x, training=True)))  # noqa: E731
    objective()
    dx = layer.backward([g.copy() for g in grads])
    weights = [q.copy() for q in layer.grads]
    assert relative_error(dx, central_difference(lambda _: objective(), x)) < TOLERANCE
    for name, p, q in zip(layer.param_names, layer.params, weights):
        assert relative_error(q, central_difference(lambda _: objective(), p)) < TOLERANCE, name


def test_initial_state_checks_its_count_and_shapes():
    x = np.zeros((2, 4, 2), "float32")
    with pytest.raises(ValueError, match=r"initial_state takes 2 state\(s\) \(h, c\).*got 1"):
        layers.LSTM(3)(x, initial_state=[np.zeros((2, 3), "float32")])
    with pytest.raises(ValueError, match=r"each initial state has shape \(batch, 3\)"):
        layers.GRU(3)(x, initial_state=np.zeros((2, 5), "float32"))


# ------------------------------------------------------------------ against Keras 3

def _keras_layer_gradients(keras, layer, x, states, grads):
    import torch
    given = [torch.tensor(a, requires_grad=True) for a in [x, *states]]
    outs = layer(given[0], initial_state=given[1:]) if states else layer(given[0])
    total = sum((o * torch.tensor(g)).sum() for o, g in zip(outs, grads))
    weights = [w.value for w in layer.trainable_weights]
    found = torch.autograd.grad(total, given + weights)
    return [o.detach().numpy() for o in outs], [q.numpy() for q in found]


@pytest.mark.parametrize("given_states", [False, True], ids=["zero-states", "initial-state"])
@pytest.mark.parametrize("kind", KINDS)
def test_outputs_states_and_gradients_match_keras(keras, kind, given_states):
    x, states, grads = _inputs(kind, seed=2)
    x = x.astype("float32")
    states = [s.astype("float32") for s in states] if given_states else []
    grads = [g.astype("float32") for g in grads]
    ours = make(kind, return_sequences=True, return_state=True)
    ours([x, *states] if states else x)
    rng = np.random.default_rng(1)
    weights = [rng.normal(0, 0.6, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs = make(kind, keras.layers, return_sequences=True, return_state=True)
    theirs.build((None, *x.shape[1:]))
    theirs.set_weights(weights)
    outs = ours.forward([x, *states] if states else x, training=True)
    back = ours.backward([g.copy() for g in grads])
    back = back if states else [back]
    outs_k, grads_k = _keras_layer_gradients(keras, theirs, x, states, grads)
    assert len(outs) == len(outs_k) == 1 + N_STATES[kind]
    for mine, theirs_out in zip(outs, outs_k):
        np.testing.assert_allclose(mine, theirs_out, atol=1e-5)
    for mine, theirs_grad in zip([*back, *ours.grads], grads_k):
        np.testing.assert_allclose(mine, theirs_grad, atol=1e-5)


def test_bidirectional_states_match_keras(keras):
    x, _, _ = _inputs("LSTM", seed=4)
    x = x.astype("float32")
    ours = layers.Bidirectional(layers.LSTM(3, return_state=True))
    ours(x)
    rng = np.random.default_rng(2)
    weights = [rng.normal(0, 0.6, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(3, return_state=True))
    theirs.build((None, *x.shape[1:]))
    theirs.set_weights(weights)
    for mine, expected in zip(ours(x), theirs(x)):
        np.testing.assert_allclose(mine, expected.detach().numpy(), atol=1e-5)


# ------------------------------------------------------------------ keras.io's sequence to sequence

def seq2seq(module, encoder_tokens=5, decoder_tokens=6, decoder_steps=4, units=8):
    r"""keras.io's character-level translation model: the encoder's final (h, c) start the decoder.
    (Its per-step softmax is flattened so the loss reads (samples, steps x tokens) targets.)"""
    L = module.layers
    encoder_inputs = module.Input(shape=(None, encoder_tokens))
    _, state_h, state_c = L.LSTM(units, return_state=True)(encoder_inputs)
    decoder_inputs = module.Input(shape=(decoder_steps, decoder_tokens))
    decoder_outputs, _, _ = L.LSTM(units, return_sequences=True, return_state=True)(
        decoder_inputs, initial_state=[state_h, state_c])
    outputs = L.Flatten()(L.Dense(decoder_tokens, activation="softmax")(decoder_outputs))
    return module.Model([encoder_inputs, decoder_inputs], outputs)


def _seq2seq_data(m=16):
    rng = np.random.default_rng(0)
    encoder = np.eye(5, dtype="float32")[rng.integers(0, 5, (m, 7))]
    decoder = np.eye(6, dtype="float32")[rng.integers(0, 6, (m, 4))]
    target = np.concatenate([decoder[:, 1:], decoder[:, :1]], axis=1).reshape(m, -1)
    return [encoder, decoder], target


def test_sequence_to_sequence_trains_as_keras_does(keras):
    xs, y = _seq2seq_data()
    ours = seq2seq(nr)
    assert [type(layer).__name__ for layer in ours.layers] == ["LSTM", "LSTM", "Dense", "Flatten"]
    assert ours.count_params() == 448 + 480 + 54
    theirs = seq2seq(keras)
    weights = [np.random.default_rng(3).normal(0, 0.4, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    np.testing.assert_allclose(ours.predict(xs, verbose=0), theirs.predict(xs, verbose=0), atol=1e-5)
    ours.compile(optimizer=nr.optimizers.SGD(2.0), loss="mse")      # (per-step targets flattened)
    theirs.compile(optimizer=keras.optimizers.SGD(2.0), loss="mse")
    ours_loss = ours.fit(xs, y, epochs=6, batch_size=8, shuffle=False, verbose=0).history["loss"]
    theirs_loss = theirs.fit(xs, y, epochs=6, batch_size=8, shuffle=False, verbose=0).history["loss"]
    assert ours_loss[-1] < ours_loss[0]
    np.testing.assert_allclose(ours_loss, theirs_loss, rtol=1e-4)


def test_sequence_to_sequence_round_trips_through_a_file(tmp_path):
    xs, _ = _seq2seq_data(4)
    model = seq2seq(nr)
    model.save(tmp_path / "s2s.keras")
    again = nr.models.load_model(tmp_path / "s2s.keras")
    np.testing.assert_array_equal(again.predict(xs, verbose=0), model.predict(xs, verbose=0))


def keras_io_seq2seq(module):
    r"""keras.io's model as written: any number of steps, a softmax per step, rmsprop."""
    L = module.layers
    encoder_inputs = module.Input(shape=(None, 5))
    _, state_h, state_c = L.LSTM(8, return_state=True)(encoder_inputs)
    decoder_inputs = module.Input(shape=(None, 6))
    decoder_outputs, _, _ = L.LSTM(8, return_sequences=True, return_state=True)(
        decoder_inputs, initial_state=[state_h, state_c])
    model = module.Model([encoder_inputs, decoder_inputs], L.Dense(6, activation="softmax")(decoder_outputs))
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return model


def test_keras_io_sequence_to_sequence_as_written(keras):
    r"""The same model with keras.io's per-step softmax and targets (samples, steps, tokens), rmsprop."""
    xs, y = _seq2seq_data()
    ours, theirs = keras_io_seq2seq(nr), keras_io_seq2seq(keras)
    weights = [np.random.default_rng(4).normal(0, 0.4, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    y = y.reshape(len(y), 4, 6)
    ours_loss = ours.fit(xs, y, epochs=4, batch_size=8, shuffle=False, verbose=0).history["loss"]
    theirs_loss = theirs.fit(xs, y, epochs=4, batch_size=8, shuffle=False, verbose=0).history["loss"]
    assert ours_loss[-1] < ours_loss[0]
    np.testing.assert_allclose(ours_loss, theirs_loss, rtol=2e-4)


def test_the_inference_models_of_keras_io_decode_step_by_step(tmp_path):
    r"""keras.io's inference part: an encoder model giving the states, a decoder model taking them as
    inputs and giving them back (the trained layers called again); decoding one step at a time with
    the true previous characters gives the whole model's outputs."""
    xs, _ = _seq2seq_data(3)
    model = keras_io_seq2seq(nr)
    model.save(tmp_path / "s2s.keras")
    model = nr.models.load_model(tmp_path / "s2s.keras")
    encoder_lstm, decoder_lstm, dense = model.layers
    _, state_h, state_c = encoder_lstm.output
    encoder_model = nr.Model(model.input[0], [state_h, state_c])
    h_in, c_in = nr.Input(shape=(8,)), nr.Input(shape=(8,))
    step_inputs = nr.Input(shape=(1, 6))                     # one step, the layer built for None steps
    outputs, h_out, c_out = decoder_lstm(step_inputs, initial_state=[h_in, c_in])
    decoder_model = nr.Model([step_inputs, h_in, c_in], [dense(outputs), h_out, c_out])
    h, c = encoder_model.predict(xs[0], verbose=0)
    steps = []
    for t in range(4):
        probabilities, h, c = decoder_model.predict([xs[1][:, t:t + 1], h, c], verbose=0)
        steps.append(probabilities[:, 0])
    whole = model.predict(xs, verbose=0)
    np.testing.assert_allclose(np.stack(steps, axis=1), whole, atol=1e-6)


def test_a_built_layer_takes_any_length_where_it_was_built_for_none():
    lstm = layers.LSTM(4)
    lstm(nr.Input(shape=(None, 3)))
    assert lstm(nr.Input(shape=(7, 3))).shape == (None, 4)
    with pytest.raises(ValueError, match=r"built for inputs of shape \(None, 3\) and is now called on \(7, 2\)"):
        lstm(nr.Input(shape=(7, 2)))
    dense = layers.Dense(2)
    dense(nr.Input(shape=(4,)))
    with pytest.raises(ValueError, match=r"built for inputs of shape \(4,\) and is now called on \(5,\)"):
        dense(nr.Input(shape=(5,)))
