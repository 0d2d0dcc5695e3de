import numpy as np
import pytest
from gradcheck import central_difference, relative_error

import neurona as nr
from neurona.autodiff import Tensor
from neurona.layers import Activation, Dense, Dropout
from registry_cases import canonical_names

RNG = np.random.default_rng(0)
X = RNG.normal(size=(5, 3))

CASES = {
    "sigmoid-bce": ([Dense(4, activation="tanh"), Dense(1, activation="sigmoid")], "bce",
                    (RNG.random(5) > 0.5).astype(float)),
    "softmax-cce": ([Dense(4, activation="sigmoid"), Dense(3, activation="softmax")], "cce",
                    nr.data.one_hot(np.array([0, 2, 1, 1, 0]), 3)),
    "relu-mse-l2": ([Dense(4, activation="relu", kernel_regularizer=nr.regularizers.L2(0.1)),
                     Dense(2, activation="identity")], "mse", RNG.normal(size=(5, 2))),
    "activation-layer": ([Dense(4), Activation("softplus"), Dropout(0.5), Dense(1, activation="sigmoid")],
                         "bce", (RNG.random(5) > 0.5).astype(float)),
}


def _model(case):
    layers, loss, y = CASES[case]
    model = nr.Sequential([nr.layers.get(layer.get_config()) for layer in layers],     # fresh layers each time
                          input_dim=3, seed=1, dtype="float64")
    model.compile(optimizer="sgd", loss=loss)
    return model, y


@pytest.mark.parametrize("case", CASES)
def test_explain_equals_the_models_own_backward_pass(case):
    model, y = _model(case)
    result = model.explain(X, y, print_fn=None)
    if any(isinstance(layer, Dropout) for layer in model.layers):
        model.layers[2].rate = 0.0                          # the model's own pass, with dropout off too
    x, targets = model._check_xy(X, y)
    model.loss_backward(targets, model._forward(x, training=True))
    dense = [(layer, record) for layer, record in zip(model.layers, result["layers"]) if isinstance(layer, Dense)]
    for layer, record in dense:
        np.testing.assert_allclose(record["dL/dW"], layer.grads[0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(record["dL/db"], layer.grads[1], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(result["layers"][-1]["a"], model.predict(X), rtol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_explain_equals_central_differences(case):
    model, y = _model(case)
    result = model.explain(X, y, print_fn=None)
    x, targets = model._check_xy(X, y)

    def cost(_):
        return model.loss(targets, model.predict(x)) + sum(layer.penalty(x.shape[0]) for layer in model.layers)

    assert result["loss"] == pytest.approx(cost(None), rel=1e-12)
    for layer, record in zip(model.layers, result["layers"]):
        if isinstance(layer, Dense):
            assert relative_error(record["dL/dW"], central_difference(cost, layer.kernel)) < 1e-6


def test_chain_rule_factors_multiply_out():
    model, y = _model("sigmoid-bce")
    last = model.explain(X, y, print_fn=None)["layers"][-1]
    a, target = last["a"], y.reshape(-1, 1)
    # seed 001: dL/da = ((1 - y)/(1 - a) - y/a) / N, da/dz = a (1 - a), dz/dw = a[l-1]
    np.testing.assert_allclose(last["dL/da"], ((1 - target) / (1 - a) - target / a) / 5, rtol=1e-9)
    np.testing.assert_allclose(last["da/dz"], a * (1 - a), rtol=1e-12)
    np.testing.assert_allclose(last["dL/dz"], (a - target) / 5, rtol=1e-9)      # = (a - y)/N
    np.testing.assert_array_equal(last["dz/dW"], last["a_prev"])


def test_explain_prints_every_factor_with_its_shape():
    model, y = _model("softmax-cce")
    lines = []
    model.explain(X[:1], y[:1], print_fn=lines.append)
    text = lines[0]
    for piece in ["a[0] = x   shape (1, 3)", "z[1] = a[0] W[1] + b[1]   shape (1, 4)",
                  "a[2] = softmax(z[2])   shape (1, 3)", "dL/da[2] = from the loss   shape (1, 3)",
                  "da[2]/dz[2] = softmax'(z[2]) (one Jacobian per sample)   shape (1, 3, 3)",
                  "dz[2]/dW[2] = a[1]   shape (1, 4)", "dL/dW[2] = a[1]^T dL/dz[2]   shape (4, 3)",
                  "dL/db[1] = sum over samples of dL/dz[1]   shape (4,)", "dL/da[1] = dL/dz[2] W[2]^T   shape (1, 4)"]:
        assert piece in text, piece


def test_explain_needs_a_compiled_model_and_matching_data():
    model = nr.Sequential([Dense(2, activation="sigmoid")], input_dim=3, dtype="float64")
    with pytest.raises(RuntimeError, match="compile"):
        model.explain(X, np.zeros((5, 2)))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="features per sample but the model expects 3"):
        model.explain(X[:, :2], np.zeros((5, 2)))
    with pytest.raises(ValueError, match="same number of samples"):
        model.explain(X, np.zeros((4, 2)))
    before = model.get_weights()
    model.explain(X, np.zeros((5, 2)), print_fn=None)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)              # explaining changes nothing


class _Doubling(nr.layers.Layer):
    r"""y = 2x: a layer whose backward factor explain cannot know."""

    def forward(self, x, training=False):
        return 2 * x

    def backward(self, grad, pre_activation=False, need_input_grad=True):
        return 2 * grad


def test_explain_writes_out_any_layer_through_its_own_backward():
    model = nr.Sequential([Dense(2), _Doubling(), Dense(1, activation="sigmoid")], input_dim=3, dtype="float64")
    model.compile(optimizer="sgd", loss="bce")
    lines = []
    result = model.explain(X, np.ones(5), print_fn=lines.append)
    doubling = result["layers"][1]
    np.testing.assert_array_equal(doubling["a"], 2 * doubling["a_prev"])
    np.testing.assert_array_equal(doubling["dL/da_prev"], 2 * doubling["dL/da"])
    assert "_Doubling's backward of dL/da[2]" in lines[0]


@pytest.mark.parametrize("name", canonical_names(nr.activations.registry))
def test_the_tapes_da_dz_and_dL_dz_equal_the_hand_written_derivative(name):
    model = nr.Sequential([Dense(3, activation=name)], input_dim=3, seed=2, dtype="float64")
    model.compile(optimizer="sgd", loss="mse")
    record = model.explain(X, RNG.normal(size=(5, 3)), print_fn=None)["layers"][0]
    f = model.layers[0].activation
    np.testing.assert_allclose(record["da/dz"], f.derivative(record["z"]), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(record["dL/dz"], f.backward(record["dL/da"], record["z"], record["a"]),
                               rtol=1e-9, atol=1e-12)


def test_a_layer_names_its_values_only_while_explain_listens():
    layer = Dense(2, activation="tanh")
    layer.build((None, 3), np.random.default_rng(0), np.float64)
    params = [Tensor(p) for p in layer.params]
    layer.tape_forward(Tensor(X), params)
    with layer.listening() as named:
        a, _ = layer.tape_forward(Tensor(X), params)
        layer.tape_forward(Tensor(2 * X), params)                  # a second call keeps the first values
    assert sorted(named) == ["dz/dW", "z"]
    np.testing.assert_allclose(named["z"].data, X @ layer.kernel + layer.bias)
    np.testing.assert_allclose(a.data, np.tanh(named["z"].data))
    layer.tape_forward(Tensor(3 * X), params)
    np.testing.assert_array_equal(named["dz/dW"].data, X)


def test_a_layer_without_lines_of_its_own_shows_its_weights_gradients_from_the_tape():
    model = nr.Sequential([Dense(4), nr.layers.BatchNormalization(), Dense(1, activation="sigmoid")], input_dim=3,
                          seed=1, dtype="float64")
    model.compile(optimizer="sgd", loss="bce")
    y = (RNG.random(5) > 0.5).astype(float)
    lines = []
    norm = model.explain(X, y, print_fn=lines.append)["layers"][1]
    assert "dL/dgamma[2]" in lines[0] and "BatchNormalization's backward of dL/da[2]" in lines[0]
    layer = model.layers[1]                                     # at inference: a[l] = gamma x^ + beta
    x_hat = (norm["a_prev"] - layer.moving_mean) / np.sqrt(layer.moving_variance + layer.epsilon)
    np.testing.assert_allclose(norm["dL/dgamma"], (norm["dL/da"] * x_hat).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(norm["dL/da_prev"], norm["dL/da"] * layer.gamma / np.sqrt(
        layer.moving_variance + layer.epsilon), rtol=1e-12)


class _Scale(nr.layers.Layer):
    r"""y = x * w: a Keras-style custom layer (call and add_weight)."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="random_normal")

    def call(self, inputs):
        return inputs * self.w


class _Block(nr.layers.Layer):
    r"""y = 2 tanh(x W + b) through a Dense held as an attribute (a sublayer)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = Dense(2, activation="tanh")

    def call(self, inputs):
        return self.inner(inputs) * 2.0


@pytest.mark.parametrize("custom", [_Scale, _Block])
def test_explain_reads_a_custom_layers_call_and_its_sublayers_from_the_tape(custom):
    model = nr.Sequential([Dense(3), custom(), Dense(1, activation="sigmoid")], input_dim=3, seed=0, dtype="float64")
    model.compile(optimizer="sgd", loss="bce")
    y = np.ones(5)
    record = model.explain(X, y, print_fn=None)["layers"][1]
    x, targets = model._check_xy(X, y)
    model.loss_backward(targets, model._forward(x, training=True))
    layer = model.layers[1]
    for name, grad in zip(layer.param_names, layer.grads):
        np.testing.assert_allclose(record[f"dL/d{name}"], grad, rtol=1e-10, atol=1e-12)


def test_explain_writes_out_chains_only():
    a, b = nr.Input((3,)), nr.Input((3,))
    two_inputs = nr.Model([a, b], Dense(1)(nr.layers.Add()([a, b])))
    x = nr.Input((3,))
    branches = nr.Model(x, Dense(1)(nr.layers.Concatenate()([Dense(2)(x), Dense(2)(x)])))
    chain = nr.Model(x, Dense(1)(Dense(2)(x)))
    for model in (two_inputs, branches, chain):
        model.compile(optimizer="sgd", loss="mse")
    for model in (two_inputs, branches):
        with pytest.raises(TypeError, match="chain of layers"):
            model.explain([X, X] if model is two_inputs else X, np.zeros((5, 1)), print_fn=None)
    assert len(chain.explain(X, np.zeros((5, 1)), print_fn=None)["layers"]) == 2
