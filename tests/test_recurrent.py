r"""SimpleRNN, LSTM, GRU, Embedding and Masking: backpropagation through time against central
differences and the tape (float64, every option), against Keras 3 (torch backend) and PyTorch's
``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` on the same weights (outputs and gradients), masks from
Embedding(mask_zero=True) and Masking, files and summaries.

For a layer with upstream gradient g = dL/dy the objective is L = sum(g * y) + penalty.
"""
import os

import numpy as np
import pytest

import neurona as nr
from gradcheck import central_difference, relative_error
from neurona import layers
from neurona.autodiff import GradientTape, Tensor, Variable
from neurona.layers.masking import mask_of, with_mask

TOLERANCE = 1e-6
KINDS = ["SimpleRNN", "LSTM", "GRU", "GRU-reset-before"]


def make(kind, module=layers, **options):
    if kind == "GRU-reset-before":
        return module.GRU(3, reset_after=False, **options)
    return getattr(module, kind)(3, **options)


def padded_mask(m, T):
    mask = np.ones((m, T), bool)
    mask[0, -2:] = False                 # a short sequence padded at the end
    mask[1, 0] = False                   # one padded at the start
    return mask


def three_way(layer, m=3, T=4, d=2, mask=None):
    r"""backward vs central differences vs the tape, for x and every weight (float64)."""
    rng = np.random.default_rng(0)
    layer.build((None, T, d), rng, np.float64)
    x = rng.normal(size=(m, T, d))
    g = rng.normal(size=(m, *layer.sample_output_shape))
    state = np.random.default_rng(11).bit_generator.state

    def objective():
        layer._rng.bit_generator.state = state           # the same dropout masks every time
        return float(np.sum(g * layer.forward(with_mask(x, mask), training=True))) + layer.penalty(m)

    objective()
    dx = layer.backward(g.copy())
    grads = [q.copy() for q in layer.grads]
    assert relative_error(dx, central_difference(lambda _: objective(), x)) < TOLERANCE, "dL/dx"
    for name, p, q in zip(layer.param_names, layer.params, grads):
        assert relative_error(q, central_difference(lambda _: objective(), p)) < TOLERANCE, name
    objective()
    xt = with_mask(Variable(x.copy()), mask)
    weights = [Variable(p.copy()) for p in layer.params]
    with GradientTape() as tape:
        y, penalty = layer.tape_forward(xt, weights)
        total = (y * Tensor(g)).sum() + penalty
    taped = tape.gradient(total, [xt] + weights, unconnected_gradients="zero")
    for mine, theirs in zip([dx] + grads, taped):
        assert relative_error(mine, theirs) < TOLERANCE


@pytest.mark.parametrize("masked", [False, True], ids=["", "masked"])
@pytest.mark.parametrize("go_backwards", [False, True], ids=["", "backwards"])
@pytest.mark.parametrize("return_sequences", [False, True], ids=["last", "sequences"])
@pytest.mark.parametrize("kind", KINDS)
def test_backpropagation_through_time(kind, return_sequences, go_backwards, masked):
    layer = make(kind, return_sequences=return_sequences, go_backwards=go_backwards, bias_initializer="random_normal")
    three_way(layer, mask=padded_mask(3, 4) if masked else None)


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_regularizers_and_other_activations(kind):
    three_way(make(kind, return_sequences=True, dropout=0.3, recurrent_dropout=0.4, seed=1,
                   kernel_regularizer=nr.regularizers.L2(0.1), recurrent_regularizer=nr.regularizers.L1(0.05),
                   activity_regularizer=nr.regularizers.L2(0.2)), mask=padded_mask(3, 4))
    three_way(make(kind, activation="softsign", use_bias=False))


def test_lstm_gates_by_hand():
    r"""One LSTM step written out: z = x W + h U + b, i f g o, c = f c + i g, h = o tanh(c)."""
    layer = layers.LSTM(2, return_sequences=True)
    layer.build((None, 2, 3), np.random.default_rng(1), np.float64)
    x = np.random.default_rng(2).normal(size=(1, 2, 3))
    sig = lambda z: 1 / (1 + np.exp(-z))                # noqa: E731
    h, c = np.zeros(2), np.zeros(2)
    for t in range(2):
        z = x[0, t] @ layer.kernel + h @ layer.recurrent_kernel + layer.bias
        i, f, g, o = sig(z[:2]), sig(z[2:4]), np.tanh(z[4:6]), sig(z[6:])
        c = f * c + i * g
        h = o * np.tanh(c)
        np.testing.assert_allclose(layer(x)[0, t], h, rtol=1e-12)
    np.testing.assert_array_equal(layer.bias[2:4], 1.0)      # unit_forget_bias


def test_a_padded_step_carries_the_state():
    layer = layers.GRU(4, return_sequences=True)
    layer.build((None, 5, 2), np.random.default_rng(0))
    x = np.random.default_rng(1).normal(size=(2, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], bool)
    y = layer.forward(with_mask(x, mask))
    np.testing.assert_array_equal(y[0, 3], y[0, 2])
    np.testing.assert_array_equal(y[1, 0], 0.0)
    # the padded steps' values do not matter
    x2 = x.copy()
    x2[0, 3:], x2[1, 0] = 9.0, -9.0
    np.testing.assert_array_equal(layer.forward(with_mask(x2, mask)), y)


# ------------------------------------------------------------------ Embedding and Masking

def test_embedding_rows_gradient_and_mask():
    layer = layers.Embedding(5, 3, mask_zero=True)
    layer.build((None, 4), np.random.default_rng(0), np.float64)
    ids = np.array([[1, 2, 2, 0], [4, 1, 0, 0]])
    y = layer.forward(ids, training=True)
    np.testing.assert_array_equal(y, layer.embeddings[ids])
    np.testing.assert_array_equal(mask_of(y), ids != 0)
    g = np.random.default_rng(1).normal(size=y.shape)
    assert layer.backward(g, need_input_grad=False) is None
    expected = np.zeros((5, 3))
    for n, t in np.ndindex(ids.shape):
        expected[ids[n, t]] += g[n, t]                    # a repeated id adds up
    np.testing.assert_allclose(layer.grads[0], expected)
    assert mask_of(y * 2.0) is None                        # a computed array carries no mask
    assert layer.count_params() == 15


@pytest.mark.parametrize("ids, message", [(np.array([[5]]), "0 .. input_dim - 1 = 4"),
                                          (np.array([[-1]]), "0 .. input_dim - 1"),
                                          (np.array([[1.5]]), "integer ids")])
def test_embedding_rejects_ids_out_of_range(ids, message):
    layer = layers.Embedding(5, 2)
    with pytest.raises(ValueError, match=message):
        layer(ids)


def test_masking_marks_and_zeroes_padded_steps():
    x = np.random.default_rng(0).normal(size=(2, 4, 3))
    x[0, 2:] = 0.5
    layer = layers.Masking(mask_value=0.5)
    y = layer.forward(x)
    np.testing.assert_array_equal(mask_of(y), [[1, 1, 0, 0], [1, 1, 1, 1]])
    np.testing.assert_array_equal(y[0, 2:], 0.0)
    np.testing.assert_array_equal(layer.backward(np.ones_like(x))[0, 2:], 0.0)


# ------------------------------------------------------------------ against Keras 3 and PyTorch

@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def keras_gradients(model, x, g):
    import torch
    y = model(torch.tensor(x))
    grads = torch.autograd.grad((y * torch.tensor(g)).sum(), [w.value for w in model.trainable_weights])
    return y.detach().numpy(), [q.numpy() for q in grads]


def ours_gradients(model, x, g):
    y = model._forward(x, training=True)
    model.backward(g.copy(), need_input_grad=False)
    return y, [q.copy() for layer in model.layers for q in layer.grads]


def assert_matches_keras(keras, stack, ids, rng):
    r"""``stack(module)`` built in neurona and in Keras on the same random weights, fed integer ids:
    outputs and every weight's gradient agree (one gradient per weight, in the same order and shapes)."""
    ours = nr.Sequential(stack(nr), seed=0)
    ours.build((None, ids.shape[1]))
    weights = [rng.normal(0, 0.6, size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs = keras.Sequential([keras.Input((ids.shape[1],), dtype="int32")] + stack(keras))
    theirs.set_weights(weights)
    g = rng.normal(size=(len(ids), *ours.layers[-1].sample_output_shape)).astype("float32")
    y, grads = ours_gradients(ours, ids.astype("float32"), g)
    y_k, grads_k = keras_gradients(theirs, ids, g)
    np.testing.assert_allclose(y, y_k, atol=1e-5)
    assert [a.shape for a in grads] == [tuple(b.shape) for b in grads_k]
    for mine, theirs_grad in zip(grads, grads_k):
        np.testing.assert_allclose(mine, theirs_grad, atol=1e-5)
    return ours


@pytest.mark.parametrize("options", [{}, {"return_sequences": True}, {"go_backwards": True},
                                     {"return_sequences": True, "go_backwards": True}],
                         ids=["last", "sequences", "backwards", "sequences-backwards"])
@pytest.mark.parametrize("kind", KINDS)
def test_matches_keras_with_the_mask_of_an_embedding(keras, kind, options):
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 9, size=(3, 6))
    ids[0, 4:], ids[2, :2] = 0, 0                           # padding at the end and at the start
    stack = lambda k: [k.layers.Embedding(9, 4, mask_zero=True), make(kind, k.layers, **options)]   # noqa: E731
    assert_matches_keras(keras, stack, ids, rng)


def test_matches_keras_after_masking(keras):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    x[0, 3:], x[1, :1] = 0.0, 0.0
    stack = lambda k: [k.layers.Masking(), k.layers.LSTM(4, return_sequences=True)]     # noqa: E731
    ours = nr.Sequential(stack(nr), seed=0)
    ours.build((None, 5, 2))
    theirs = keras.Sequential([keras.Input((5, 2))] + stack(keras))
    theirs.set_weights(ours.get_weights())
    g = rng.normal(size=(3, 5, 4)).astype("float32")
    y, grads = ours_gradients(ours, x, g)
    y_k, grads_k = keras_gradients(theirs, x, g)
    np.testing.assert_allclose(y, y_k, atol=1e-5)
    for mine, theirs_grad in zip(grads, grads_k):
        np.testing.assert_allclose(mine, theirs_grad, atol=1e-5)


def _gru_blocks(w, u):
    r"""Keras's z, r, h blocks <-> PyTorch's r, z, n (the same swap both ways)."""
    return np.concatenate([w[..., u:2 * u], w[..., :u], w[..., 2 * u:]], axis=-1)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_matches_pytorch_on_the_same_weights(kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    m, T, d, u = 4, 7, 3, 5
    layer = getattr(layers, kind)(u, return_sequences=True, bias_initializer="random_normal")
    layer.build((None, T, d), rng, np.float64)
    x = rng.normal(size=(m, T, d))
    g = rng.normal(size=(m, T, u))
    net = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[kind](
        d, u, batch_first=True).double()
    swap = _gru_blocks if kind == "GRU" else (lambda w, u: w)
    bias_in, bias_rec = (layer.bias[0], layer.bias[1]) if kind == "GRU" else (layer.bias, np.zeros_like(layer.bias))
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.tensor(swap(layer.kernel, u).T))
        net.weight_hh_l0.copy_(torch.tensor(swap(layer.recurrent_kernel, u).T))
        net.bias_ih_l0.copy_(torch.tensor(swap(bias_in, u)))
        net.bias_hh_l0.copy_(torch.tensor(swap(bias_rec, u)))
    xt = torch.tensor(x, requires_grad=True)
    out = net(xt)[0]
    (out * torch.tensor(g)).sum().backward()
    y = layer.forward(x, training=True)
    dx = layer.backward(g.copy())
    np.testing.assert_allclose(y, out.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(layer.grads[0], swap(net.weight_ih_l0.grad.numpy().T, u), atol=1e-10)
    np.testing.assert_allclose(layer.grads[1], swap(net.weight_hh_l0.grad.numpy().T, u), atol=1e-10)
    bias_grad = layer.grads[2][0] if kind == "GRU" else layer.grads[2]
    np.testing.assert_allclose(bias_grad, swap(net.bias_ih_l0.grad.numpy(), u), atol=1e-10)


@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU", "GRU-reset-before"])
def test_weights_shapes_and_parameter_counts_match_keras(keras, kind):
    ours = make(kind)
    ours.build((None, 7, 5))
    theirs = make(kind, keras.layers)
    theirs.build((None, 7, 5))
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    assert ours.count_params() == theirs.count_params()


# ------------------------------------------------------------------ models, files, summaries

def test_whole_sequence_model_passes_the_gradient_check():
    from neurona.gradcheck import check_gradients
    model = nr.Sequential([layers.Embedding(6, 3, mask_zero=True), layers.Dropout(0.3),
                           layers.GRU(3, return_sequences=True),
                           layers.LSTM(2), layers.Dense(2, activation="softmax")], seed=0)
    ids = np.array([[1, 2, 3, 0], [4, 5, 0, 0], [2, 2, 2, 1]], dtype="float32")
    model.compile(loss="sparse_categorical_crossentropy")
    model.build((None, 4))
    report = check_gradients(model, ids, np.array([0, 1, 1]))
    assert report.passed, str(report)
    assert all(r.error_autodiff_numerical is not None for r in report.rows)


def test_save_load_summary_and_config(tmp_path):
    model = nr.Sequential([nr.Input((5,)), layers.Embedding(20, 4, mask_zero=True),
                           layers.LSTM(3, return_sequences=True), layers.SimpleRNN(2, go_backwards=True),
                           layers.Dense(1, activation="sigmoid")], seed=1)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    ids = np.random.default_rng(0).integers(0, 20, size=(8, 5))
    path = tmp_path / "seq.keras"
    model.save(path)
    again = nr.models.load_model(path)
    np.testing.assert_allclose(again.predict(ids, verbose=0), model.predict(ids, verbose=0), rtol=1e-6)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "(None, 5, 4)" in text and "(None, 5, 3)" in text and "(None, 2)" in text
    assert str(20 * 4) in text and str(4 * 4 * 3 + 3 * 4 * 3 + 4 * 3) in text


def test_stacked_layers_and_dropout_hand_the_mask_on(keras):
    r"""Embedding(mask_zero) -> Dropout -> LSTM(return_sequences) -> GRU: every layer sees the padding."""
    rng = np.random.default_rng(3)
    ids = rng.integers(1, 9, size=(3, 6))
    ids[0, 3:], ids[1, :2] = 0, 0
    stack = lambda k: [k.layers.Embedding(9, 4, mask_zero=True), k.layers.Dropout(0.0),     # noqa: E731
                       k.layers.LSTM(3, return_sequences=True), k.layers.GRU(2)]
    assert_matches_keras(keras, stack, ids, rng)
    dropout = layers.Dropout(0.5, seed=0)
    dropout.build((None, 3, 4))
    masked = with_mask(np.ones((2, 3, 4)), np.array([[1, 1, 0], [1, 0, 0]], bool))
    np.testing.assert_array_equal(mask_of(dropout.forward(masked, training=True)), mask_of(masked))


def test_explain_writes_out_the_first_lstm_step():
    model = nr.Sequential([nr.Input((3, 2)), layers.LSTM(2), layers.Dense(1, activation="sigmoid")], seed=0)
    model.compile(loss="binary_crossentropy")
    x = np.array([[[0.5, -1.0], [0.2, 0.3], [1.0, 0.0]]], dtype="float32")
    lines = []
    record = model.explain(x, np.array([1.0]), print_fn=lines.append)["layers"][0]
    one_step = layers.LSTM(2)
    one_step.build((None, 1, 2))
    one_step.set_weights(model.layers[0].get_weights())
    np.testing.assert_allclose(record["h_1"], one_step(x[:, :1]), rtol=1e-6)      # every sequence's first step
    np.testing.assert_allclose(record["c_1"], record["i_1"] * record["g_1"], rtol=1e-6)
    text = "\n".join(map(str, lines))
    assert "c_1 = f_1 c_0 + i_1 g_1" in text and "h_1 = o_1 tanh(c_1)" in text


def test_dense_and_layer_normalization_hand_the_mask_on(keras):
    rng = np.random.default_rng(4)
    ids = rng.integers(1, 9, size=(3, 5))
    ids[0, 3:], ids[2, :2] = 0, 0
    stack = lambda k: [k.layers.Embedding(9, 4, mask_zero=True), k.layers.Dense(3, activation="tanh"),   # noqa: E731
                       k.layers.LayerNormalization(), k.layers.SimpleRNN(2)]
    ours = assert_matches_keras(keras, stack, ids, rng)
    from neurona.gradcheck import check_gradients
    ours.compile(loss="mse")
    report = check_gradients(ours, ids.astype("float32"), np.zeros((3, 2)))
    assert report.passed, str(report)


def test_keras_arguments_of_pretrained_embeddings_and_cudnn():
    vectors = np.arange(12.0).reshape(4, 3)
    layer = layers.Embedding(4, 3, weights=[vectors], trainable=False)
    np.testing.assert_array_equal(layer(np.array([[2, 0]]))[0], vectors[[2, 0]])
    assert "weights" not in layer.get_config() and layers.get(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match=r"one \(4, 3\) matrix"):
        layers.Embedding(4, 3, weights=[np.zeros((3, 3))])
    assert layers.LSTM(2, use_cudnn=False).get_config()["use_cudnn"] is False
    assert layers.GRU(2, use_cudnn="auto").units == 2
