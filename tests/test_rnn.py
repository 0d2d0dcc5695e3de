r"""layers.RNN with SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells and a user's cell: the backward
against central differences and the tape (float64, masks, go_backwards, initial and returned
states), RNN(LSTMCell) against LSTM on the same weights, outputs and gradients against Keras 3
(torch backend), configs and files, and keras.io's "Working with RNNs" code.

For a layer with upstream gradient g = dL/dy the objective is L = sum(g * y) + penalty.
"""
import os

import numpy as np
import pytest

import neurona as nr
from gradcheck import central_difference, relative_error
from neurona import layers
from neurona.autodiff import GradientTape, Tensor, Variable
from neurona.layers.masking import with_mask

TOLERANCE = 1e-6


def minimal_cell(keras_like, dtype=None):
    r"""The MinimalRNNCell of Keras's RNN docstring, written against ``keras_like`` (keras or neurona);
    its weights of ``dtype`` (float64 for the central differences)."""
    ops = keras_like.ops

    class MinimalRNNCell(keras_like.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel",
                                          dtype=dtype)
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                    name="recurrent_kernel", dtype=dtype)
            self.built = True

        def call(self, inputs, states):
            prev_output = states[0]
            h = ops.matmul(inputs, self.kernel)
            output = h + ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

        def get_config(self):
            return {"units": self.units}

    return MinimalRNNCell


def cells(kind, module=layers, dtype=None):
    r"""The cell(s) of each case, made in ``module`` (neurona's layers, or Keras's)."""
    if kind == "minimal":
        return minimal_cell(nr if module is layers else __import__("keras"), dtype)(3)
    if kind == "stacked":
        return [module.LSTMCell(3), module.GRUCell(2, reset_after=False), module.SimpleRNNCell(2)]
    if kind == "gru_stack":
        return module.StackedRNNCells([module.GRUCell(3), module.LSTMCell(2)])
    return getattr(module, kind)(3)


KINDS = ["minimal", "stacked", "gru_stack"]


def padded_mask(m, T):
    mask = np.ones((m, T), bool)
    mask[0, -2:] = False
    mask[1, 0] = False
    return mask


def three_way(layer, m=3, T=4, d=2, mask=None, states=None):
    r"""backward vs central differences vs the tape, for x, the initial states and every weight."""
    rng = np.random.default_rng(0)
    shapes = (None, T, d) if states is None else [(None, T, d)] + [(None, s) for s in states]
    if states is not None:
        layer.n_inputs = 1 + len(states)
    layer.build(shapes, rng, np.float64)
    for p in layer.params:
        p[...] = rng.normal(0, 0.5, size=p.shape)
    x = [rng.normal(size=(m, T, d))] + [rng.normal(size=(m, s)) for s in (states or [])]
    outputs = layer.sample_output_shapes or [layer.sample_output_shape]
    g = [rng.normal(size=(m, *shape)) for shape in outputs]

    def inputs(arrays):
        return [with_mask(arrays[0], mask), *arrays[1:]] if states else with_mask(arrays[0], mask)

    def objective():
        y = layer.forward(inputs(x), training=True)
        y = y if layer.return_state else [y]
        return float(sum(np.sum(a * b) for a, b in zip(g, y))) + layer.penalty(m)

    objective()
    dx = layer.backward(g if layer.return_state else g[0])
    dx = dx if states else [dx]
    grads = [q.copy() for q in layer.grads]
    for k, (mine, array) in enumerate(zip(dx, x)):
        assert relative_error(mine, central_difference(lambda _: objective(), array)) < TOLERANCE, f"input {k}"
    for name, p, q in zip(layer.param_names, layer.params, grads):
        assert relative_error(q, central_difference(lambda _: objective(), p)) < TOLERANCE, name
    xt = [Variable(a.copy()) for a in x]
    weights = [Variable(p.copy()) for p in layer.params]
    with GradientTape() as tape:
        y, penalty = layer.tape_forward(inputs(xt) if states else with_mask(xt[0], mask), weights)
        y = y if layer.return_state else [y]
        total = penalty
        for a, b in zip(y, g):
            total = total + (a * Tensor(b)).sum()
    taped = tape.gradient(total, xt + weights, unconnected_gradients="zero")
    for mine, theirs in zip(dx + grads, taped):
        assert relative_error(mine, theirs) < TOLERANCE


@pytest.mark.parametrize("masked", [False, True], ids=["", "masked"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("kind", KINDS)
def test_backpropagation_through_time_of_the_tape_loop(kind, return_sequences, go_backwards, masked):
    layer = layers.RNN(cells(kind, dtype="float64"), return_sequences=return_sequences, go_backwards=go_backwards)
    three_way(layer, mask=padded_mask(3, 4) if masked else None)


@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_initial_and_returned_states(zero_output_for_mask):
    layer = layers.RNN(cells("stacked"), return_sequences=True, return_state=True,
                       zero_output_for_mask=zero_output_for_mask)
    three_way(layer, mask=padded_mask(3, 4), states=[3, 3, 2, 2])


def test_regularizers_of_stacked_cells_join_the_gradient():
    layer = layers.RNN([layers.LSTMCell(3, kernel_regularizer=nr.regularizers.L2(0.1)),
                        layers.GRUCell(2, recurrent_regularizer=nr.regularizers.L1(0.05))])
    three_way(layer)


def test_dropout_masks_are_fixed_over_the_steps():
    layer = layers.RNN([layers.LSTMCell(3, dropout=0.5, recurrent_dropout=0.5, seed=1), layers.GRUCell(2)],
                       return_sequences=True)
    x = np.ones((4, 6, 5), dtype="float32")
    layer.build((None, 6, 5), np.random.default_rng(0))
    y = layer.forward(x, training=True)
    kept = layer.cell.cells[0].get_dropout_mask(x[:, 0])[0]
    assert set(np.unique(kept)) == {0.0, 2.0}
    layer.backward(np.ones_like(y))
    assert not np.allclose(layer.forward(x, training=True), layer.forward(x))


@pytest.mark.parametrize("options", [{}, {"return_sequences": True, "go_backwards": True},
                                     {"return_state": True}, {"return_sequences": True, "dropout": 0.3}],
                         ids=["last", "backwards", "state", "dropout"])
@pytest.mark.parametrize("cell, layer", [("SimpleRNNCell", "SimpleRNN"), ("LSTMCell", "LSTM"), ("GRUCell", "GRU")])
def test_rnn_of_a_built_in_cell_is_its_layer(cell, layer, options):
    dropout = {k: v for k, v in options.items() if k == "dropout"}
    sequence = {k: v for k, v in options.items() if k != "dropout"}
    ours = layers.RNN(getattr(layers, cell)(4, seed=3, **dropout), **sequence)
    theirs = getattr(layers, layer)(4, seed=3, **options)
    x = np.random.default_rng(0).normal(size=(3, 5, 2))
    for lay in (ours, theirs):
        lay.build((None, 5, 2), np.random.default_rng(1), np.float64)
    theirs.set_weights(ours.get_weights())
    assert ours.param_names == theirs.param_names
    ys = [lay.forward(with_mask(x, padded_mask(3, 5)), training=True) for lay in (ours, theirs)]
    for a, b in zip(*(y if options.get("return_state") else [y] for y in ys)):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    g = np.random.default_rng(2).normal(size=(3, *ours.sample_output_shape))
    grad = [g, None, *([None] if layer == "LSTM" else [])] if options.get("return_state") else g
    np.testing.assert_allclose(ours.backward(grad), theirs.backward(grad), rtol=1e-12)
    for a, b in zip(ours.grads, theirs.grads):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_array_equal(ours.cell.kernel, ours.get_weights()[0])


# ------------------------------------------------------------------ against Keras 3
@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def keras_gradients(model, x, g):
    import torch
    y = model(torch.tensor(x))
    grads = torch.autograd.grad((y * torch.tensor(g)).sum(), [w.value for w in model.trainable_weights])
    return y.detach().numpy(), [q.numpy() for q in grads]


@pytest.mark.parametrize("options", [{}, {"return_sequences": True, "go_backwards": True}],
                         ids=["last", "backwards"])
@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "SimpleRNNCell", "minimal", "stacked", "gru_stack"])
def test_matches_keras_on_the_same_weights(keras, kind, options):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    x[0, 3:] = 0.0                                          # padding, read by Masking
    ours = nr.Sequential([nr.Input((5, 2)), layers.Masking(), layers.RNN(cells(kind), **options)], seed=0)
    theirs = keras.Sequential([keras.Input((5, 2)), keras.layers.Masking(),
                               keras.layers.RNN(cells(kind, keras.layers), **options)])
    weights = [rng.normal(0, 0.6, size=w.shape).astype("float32") for w in ours.get_weights()]
    assert [w.shape for w in weights] == [tuple(w.shape) for w in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    g = rng.normal(size=(3, *ours.layers[-1].sample_output_shape)).astype("float32")
    y = ours._forward(x, training=True)
    ours.backward(g.copy(), need_input_grad=False)
    y_k, grads_k = keras_gradients(theirs, x, g)
    np.testing.assert_allclose(y, y_k, atol=1e-5)
    for mine, other in zip([q for layer in ours.layers for q in layer.grads], grads_k):
        np.testing.assert_allclose(mine, other, atol=1e-5)


def test_state_sizes_and_outputs_as_keras(keras):
    for kind in ("LSTMCell", "GRUCell", "SimpleRNNCell"):
        assert getattr(layers, kind)(3).state_size == getattr(keras.layers, kind)(3).state_size
    ours = layers.RNN(cells("stacked"), return_state=True)
    theirs = keras.layers.RNN(cells("stacked", keras.layers), return_state=True)
    x = np.zeros((2, 4, 3), dtype="float32")
    shapes = [tuple(np.shape(o)) for o in keras.tree.flatten(theirs(x))]
    assert [np.shape(o) for o in ours(x)] == shapes


# ------------------------------------------------------------------ configs, files, keras.io's guide
def test_config_round_trip_and_save_load(tmp_path):
    Minimal = minimal_cell(nr)
    model = nr.Sequential([nr.Input((None, 3)), layers.RNN([layers.LSTMCell(4, dropout=0.1), Minimal(2)],
                                                            return_sequences=True),
                           layers.RNN(layers.GRUCell(3, reset_after=False), go_backwards=True), layers.Dense(1)],
                          seed=1)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(6, 5, 3)).astype("float32")
    model.fit(x, np.ones((6, 1)), epochs=1, verbose=0)
    path = tmp_path / "rnn.keras"
    model.save(path)
    again = nr.models.load_model(path, custom_objects={"MinimalRNNCell": Minimal})
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    config = model.layers[1].get_config()
    assert layers.get(config).get_config() == config
    for cell in (layers.LSTMCell(3, dropout=0.2, unit_forget_bias=False), layers.GRUCell(2, reset_after=False),
                 layers.StackedRNNCells([layers.SimpleRNNCell(2, activation="relu"), layers.LSTMCell(3)])):
        assert type(cell).from_config(cell.get_config()).get_config() == cell.get_config()
    lines = []
    model.summary(print_fn=lines.append)
    assert "RNN" in "\n".join(lines)


def test_a_cell_refuses_the_arguments_of_a_sequence():
    with pytest.raises(TypeError, match="return_sequences belong to the layer"):
        layers.LSTMCell(3, return_sequences=True)
    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(layers.Dense(3))
    with pytest.raises(ValueError, match="initial_state takes the cell's 2 state"):
        layers.RNN(layers.LSTMCell(3))(np.zeros((1, 2, 3)), initial_state=[np.zeros((1, 3))])


def test_keras_io_guide_lstm_and_rnn_of_lstm_cell_agree():
    r"""keras.io, "Working with RNNs": the same model with LSTM and with RNN(LSTMCell), weights copied."""
    units, input_dim, output_size = 8, 6, 10

    def build_model(allow_cudnn_kernel=True):
        if allow_cudnn_kernel:
            lstm_layer = layers.LSTM(units, input_shape=(None, input_dim))
        else:
            lstm_layer = layers.RNN(layers.LSTMCell(units), input_shape=(None, input_dim))
        return nr.models.Sequential([lstm_layer, layers.BatchNormalization(), layers.Dense(output_size)])

    x = np.random.default_rng(0).normal(size=(16, 7, input_dim)).astype("float32")
    y = np.random.default_rng(1).integers(0, output_size, 16)
    model = build_model(allow_cudnn_kernel=True)
    model.compile(loss=nr.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="sgd",
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    other = build_model(allow_cudnn_kernel=False)
    other.set_weights(model.get_weights())
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_keras_docstring_minimal_cell_in_a_functional_model():
    r"""The RNN docstring: RNN(MinimalRNNCell(32)) and RNN([MinimalRNNCell(32), MinimalRNNCell(64)])."""
    Minimal = minimal_cell(nr)
    x = nr.Input((None, 5))
    assert layers.RNN(Minimal(32))(x).shape == (None, 32)
    y = layers.RNN([Minimal(32), Minimal(64)])(x)
    assert y.shape == (None, 64)
    model = nr.Model(x, y)
    out = model.predict(np.ones((2, 3, 5), dtype="float32"), verbose=0)
    assert out.shape == (2, 64)


def two_state_cell(keras_like, dtype=None):
    r"""A user's cell with two states of different sizes, its own output_size and get_initial_state."""
    ops = keras_like.ops

    class TwoStateCell(keras_like.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units, self.state_size, self.output_size = units, [units, 2], units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel", dtype=dtype)
            self.mix = self.add_weight(shape=(2, self.units), name="mix", dtype=dtype)

        def call(self, inputs, states, training=False):
            h, s = states
            out = ops.tanh(ops.matmul(inputs, self.kernel) + h + ops.matmul(s, self.mix))
            return out, [out, s * 0.5 + ops.mean(out, axis=-1, keepdims=True)]

        def get_initial_state(self, batch_size=None):
            return [ops.ones((batch_size, self.units)) * 0.1, ops.ones((batch_size, 2))]

    return TwoStateCell


def test_a_cell_with_two_states_and_its_own_initial_state():
    three_way(layers.RNN(two_state_cell(nr, "float64")(3), return_sequences=True, return_state=True),
              mask=padded_mask(3, 4))


def test_a_cell_with_two_states_matches_keras(keras):
    import torch
    x = np.random.default_rng(7).normal(size=(3, 5, 2)).astype("float32")
    ours = layers.RNN(two_state_cell(nr)(3), return_state=True, go_backwards=True)
    theirs = keras.layers.RNN(two_state_cell(keras)(3), return_state=True, go_backwards=True)
    ours(x)
    theirs(x)
    weights = [np.random.default_rng(8).normal(0, 0.5, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    mine = ours.forward(x, training=True)
    other = theirs(torch.tensor(x))
    gs = [np.random.default_rng(9).normal(size=np.shape(o)).astype("float32") for o in mine]
    for a, b in zip(mine, other):
        np.testing.assert_allclose(a, b.detach().numpy(), atol=1e-5)
    ours.backward(gs)
    total = sum((b * torch.tensor(g)).sum() for b, g in zip(other, gs))
    grads = torch.autograd.grad(total, [w.value for w in theirs.trainable_weights])
    for a, b in zip(ours.grads, grads):
        np.testing.assert_allclose(a, b.numpy(), atol=1e-5)


@pytest.mark.parametrize("cell, layer", [("SimpleRNNCell", "SimpleRNN"), ("LSTMCell", "LSTM"), ("GRUCell", "GRU")])
def test_a_cell_called_on_one_step_is_its_layer_on_a_sequence_of_one(cell, layer):
    rng = np.random.default_rng(0)
    x, h, c = rng.normal(size=(2, 3)), rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    step = getattr(layers, cell)(4, bias_initializer="random_normal")
    states = [h, c] if cell == "LSTMCell" else [h]
    output, new = step(x, states)
    whole = getattr(layers, layer)(4, return_state=True)
    whole(x[:, None], initial_state=states)
    whole.set_weights(step.get_weights())
    y, *finals = whole(x[:, None], initial_state=states)
    np.testing.assert_allclose(output, y, rtol=1e-12)
    for a, b in zip(new, finals):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("decoder_cell", ["LSTMCell", "stacked"])
def test_an_encoder_states_start_a_decoder_as_keras(keras, decoder_cell):
    r"""A functional encoder-decoder: RNN(LSTMCell, return_state) hands h, c to the decoder's initial_state."""
    def model(module):
        encoder_inputs, decoder_inputs = module.Input((4, 2)), module.Input((3, 2))
        _, h, c = module.layers.RNN(module.layers.LSTMCell(3), return_state=True)(encoder_inputs)
        cell = (module.layers.LSTMCell(3) if decoder_cell == "LSTMCell"
                else [module.layers.LSTMCell(3), module.layers.SimpleRNNCell(2)])
        states = [h, c] if decoder_cell == "LSTMCell" else [[h, c], module.layers.Dense(2)(h)]    # nested, as Keras
        y = module.layers.RNN(cell, return_sequences=True)(decoder_inputs, initial_state=states)
        return module.Model([encoder_inputs, decoder_inputs], module.layers.Dense(1)(y))

    import torch
    ours, theirs = model(nr), model(keras)
    rng = np.random.default_rng(11)
    weights = [rng.normal(0, 0.5, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    xs = [rng.normal(size=(2, 4, 2)).astype("float32"), rng.normal(size=(2, 3, 2)).astype("float32")]
    y, y_k = ours.predict(xs, verbose=0), theirs([torch.tensor(x) for x in xs])
    np.testing.assert_allclose(y, y_k.detach().numpy(), atol=1e-5)
    with nr.GradientTape() as tape:
        loss = nr.ops.sum(ours(xs, training=True))
    grads = tape.gradient(loss, ours.trainable_weights)
    grads_k = torch.autograd.grad(theirs([torch.tensor(x) for x in xs]).sum(),
                                  [w.value for w in theirs.trainable_weights])
    for a, b in zip(grads, grads_k):
        np.testing.assert_allclose(a, b.numpy(), atol=1e-5)
