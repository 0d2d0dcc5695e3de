r"""Layers and whole models against central differences (float64), dropout's statistics,
initializers, and the get_config contract of every registry.

A layer's check: with upstream gradient g = dL/dy, the objective is

    L(x, params) = sum(g * layer.forward(x)) + layer.penalty(m)      (m = samples in x)

whose gradients are what ``backward(g)`` returns (dL/dx) and leaves in ``layer.grads``.
"""
import inspect
import json

import numpy as np
import pytest

import neurona
from gradcheck import central_difference, relative_error
from registry_cases import canonical_names
from neurona import (activations, initializers, layers, losses, metrics, optimizers, regularizers,
                     schedules)
from neurona.initializers import RandomNormal, RandomUniform
from neurona.layers import Activation, Dense, Dropout
from neurona.regularizers import L1, L1L2, L2

TOLERANCE = 1e-6


# ------------------------------------------------------------------ Dense

DENSE_ACTIVATIONS = ["relu", "sigmoid", "tanh", "softmax", "leaky_relu", "selu", "softplus", "softsign", "identity"]
KINKED = {"relu", "leaky_relu", "selu"}

REGULARIZATION = {
    "none": (None, None),
    "kernel-l2": (L2(0.3), None),
    "kernel-l1": (L1(0.2), None),
    "kernel-l1l2-bias-l2": (L1L2(l1=0.1, l2=0.2), L2(0.5)),
    "bias-l1": (None, L1(0.25)),
}


def built_dense(activation, use_bias, kernel_regularizer, bias_regularizer, n_in=3, units=4, m=6):
    r"""A float64 Dense layer and an input batch with no pre-activation z within 1e-3 of the
    activation's kink at 0 and no parameter within 1e-3 of the L1 kink at 0 (seeds are tried in
    turn until one qualifies)."""
    for seed in range(100):
        rng = np.random.default_rng(seed)
        layer = Dense(units, activation=activation, use_bias=use_bias, bias_initializer=RandomNormal(0.0, 0.5),
                      kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer)
        layer.build(n_in, rng, np.float64)
        x = rng.normal(size=(m, n_in))
        z = x @ layer.kernel + (layer.bias if use_bias else 0.0)
        if activation in KINKED and np.min(np.abs(z)) < 1e-3:
            continue
        if min(np.min(np.abs(p)) for p in layer.params) < 1e-3:
            continue
        return layer, x, rng.normal(size=(m, units))
    raise AssertionError("no seed gave a batch away from the kinks")


def check_layer_gradients(layer, x, upstream, check_params=True):
    m = x.shape[0]
    layer.forward(x, training=True)
    dx = layer.backward(upstream)
    grads = [g.copy() for g in layer.grads]

    def objective(inputs):
        return float(np.sum(upstream * layer.forward(inputs, training=False))) + layer.penalty(m)

    assert dx.shape == x.shape
    assert relative_error(dx, central_difference(objective, x.copy())) < TOLERANCE, "dL/dx"
    if check_params:
        assert len(grads) == len(layer.params) == len(layer.param_names)
        for name, param, grad in zip(layer.param_names, layer.params, grads):
            assert grad.shape == param.shape
            numeric = central_difference(lambda _: objective(x), param)   # perturbs the layer's own array
            assert relative_error(grad, numeric) < TOLERANCE, name


@pytest.mark.parametrize("regularization", sorted(REGULARIZATION))
@pytest.mark.parametrize("use_bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("activation", DENSE_ACTIVATIONS)
def test_dense_gradients(activation, use_bias, regularization):
    layer, x, upstream = built_dense(activation, use_bias, *REGULARIZATION[regularization])
    assert layer.param_names == (["kernel", "bias"] if use_bias else ["kernel"])
    check_layer_gradients(layer, x, upstream)


def test_dense_grads_include_the_regularizer_gradient():
    layer, x, upstream = built_dense("tanh", True, L2(0.4, convention="lectures"), L1(0.3, convention="lectures"))
    m = x.shape[0]
    a = layer.forward(x, training=True)
    layer.backward(upstream)
    delta = upstream * (1 - a ** 2)
    np.testing.assert_allclose(layer.grads[0], x.T @ delta + 0.4 / m * layer.kernel, rtol=1e-12)
    np.testing.assert_allclose(layer.grads[1], delta.sum(axis=0) + 0.3 / m * np.sign(layer.bias), rtol=1e-12)
    assert layer.penalty(m) == pytest.approx(0.4 / (2 * m) * np.sum(layer.kernel ** 2) + 0.3 / m * np.sum(np.abs(layer.bias)))


def test_dense_pre_activation_backward_skips_the_activation():
    layer, x, upstream = built_dense("sigmoid", True, None, None)
    layer.forward(x, training=True)
    dx = layer.backward(upstream, pre_activation=True)
    np.testing.assert_allclose(layer.grads[0], x.T @ upstream, rtol=1e-12)
    np.testing.assert_allclose(layer.grads[1], upstream.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(dx, upstream @ layer.kernel.T, rtol=1e-12)


def test_dense_first_layer_returns_no_input_gradient_but_fills_grads():
    layer, x, upstream = built_dense("tanh", True, None, None)
    layer.forward(x, training=True)
    assert layer.backward(upstream, need_input_grad=False) is None
    full = Dense(4, activation="tanh", bias_initializer=RandomNormal(0.0, 0.5))
    full.build(3, np.random.default_rng(0), np.float64)
    full.kernel[...], full.bias[...] = layer.kernel, layer.bias
    full.forward(x, training=True)
    full.backward(upstream)
    for mine, theirs in zip(layer.grads, full.grads):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_keeps_the_dtype(dtype):
    layer = Dense(4, activation="relu", kernel_regularizer=L2(0.1))
    layer.build(3, np.random.default_rng(0), dtype)
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(dtype)
    y = layer.forward(x, training=True)
    dx = layer.backward(np.ones_like(y))
    assert y.dtype == dtype and dx.dtype == dtype
    assert all(p.dtype == dtype for p in layer.params) and all(g.dtype == dtype for g in layer.grads)
    assert layer.count_params() == 3 * 4 + 4


# ------------------------------------------------------------------ Activation layer

ALL_ACTIVATIONS = canonical_names(activations.registry)


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS)
def test_activation_layer_gradient(activation):
    rng = np.random.default_rng(2)
    layer = Activation(activation)
    assert layer.build(4, rng, np.float64) == 4
    x = rng.normal(0.0, 2.0, size=(6, 4))
    x[np.abs(x) < 1e-2] = 0.5                            # away from the kinks at 0
    check_layer_gradients(layer, x, rng.normal(size=(6, 4)))
    assert layer.params == [] and layer.grads == []


def test_activation_layer_passes_pre_activation_gradients_through():
    layer = Activation("softmax")
    layer.build(3, np.random.default_rng(0), np.float64)
    x = np.random.default_rng(3).normal(size=(2, 3))
    layer.forward(x, training=True)
    g = np.arange(6.0).reshape(2, 3)
    assert layer.backward(g, pre_activation=True) is g
    assert layer.backward(g, need_input_grad=False) is None


# ------------------------------------------------------------------ Dropout

def built_dropout(rate, n=5, seed=0, dtype=np.float64):
    layer = Dropout(rate)
    layer.build(n, np.random.default_rng(seed), dtype)
    return layer


@pytest.mark.parametrize("rate", [0.2, 0.5, 0.9])
def test_dropout_gradient_with_its_mask(rate):
    layer = built_dropout(rate)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(8, 5))
    x[np.abs(x) < 1e-2] = 0.5
    upstream = rng.normal(size=x.shape)
    y = layer.forward(x, training=True)
    mask = y / x                                       # the mask of this forward pass, scaled
    assert np.all(np.isclose(mask, 0.0) | np.isclose(mask, 1.0 / (1.0 - rate)))
    dx = layer.backward(upstream)
    numeric = central_difference(lambda v: np.sum(upstream * v * mask), x.copy())
    assert relative_error(dx, numeric) < TOLERANCE
    assert layer.params == [] and layer.grads == []


def test_dropout_is_identity_at_inference():
    layer = built_dropout(0.5)
    x = np.random.default_rng(5).normal(size=(4, 5))
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    g = np.ones_like(x)
    np.testing.assert_array_equal(layer.backward(g), g)
    zero = built_dropout(0.0)
    np.testing.assert_array_equal(zero.forward(x, training=True), x)


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_keeps_one_minus_rate_and_preserves_the_mean(rate, dtype):
    layer = built_dropout(rate, n=1000, seed=6, dtype=dtype)
    x = np.ones((1000, 1000), dtype=dtype)
    y = layer.forward(x, training=True)
    assert y.dtype == dtype
    kept = float(np.mean(y != 0))
    assert kept == pytest.approx(1.0 - rate, abs=0.003)
    assert float(np.mean(y, dtype=np.float64)) == pytest.approx(1.0, abs=0.01)
    np.testing.assert_allclose(y[y != 0], 1.0 / (1.0 - rate), rtol=1e-6)


def test_dropout_masks_are_seeded_and_change_between_calls():
    x = np.ones((20, 30))
    first = built_dropout(0.5, n=30, seed=7).forward(x, training=True)
    again = built_dropout(0.5, n=30, seed=7)
    np.testing.assert_array_equal(again.forward(x, training=True), first)
    assert not np.array_equal(again.forward(x, training=True), first)


def test_dropout_rate_must_be_below_one():
    with pytest.raises(ValueError):
        Dropout(1.0)
    with pytest.raises(ValueError):
        Dropout(-0.1)


# ------------------------------------------------------------------ whole models

def one_hot(labels, k):
    return np.eye(k)[labels]


def model_cases():
    rng = np.random.default_rng(8)
    m = 7
    cases = {
        "4-5-3-tanh-softmax-cce": (
            [Dense(5, "tanh", kernel_regularizer=L2(0.1)), Dense(3, "softmax")], 4, "categorical_crossentropy",
            one_hot(rng.integers(0, 3, m), 3)),
        "3-4-1-sigmoid-bce": (
            [Dense(4, "sigmoid"), Dense(1, "sigmoid", kernel_regularizer=L1L2(0.05, 0.1))], 3, "binary_crossentropy",
            rng.integers(0, 2, size=(m, 1)).astype(np.float64)),
        "3-6-2-mse-regression": (
            [Dense(6, "tanh", bias_regularizer=L2(0.2), bias_initializer=RandomNormal(0.0, 0.5)), Dense(2)], 3,
            "mean_squared_error", rng.normal(size=(m, 2))),
        "3-6-2-mse-half": (
            [Dense(6, "softplus"), Dense(2)], 3, {"name": "mse", "half": True}, rng.normal(size=(m, 2))),
        "4-5-3-sparse-cce-base2": (
            [Dense(5, "selu"), Dense(3, "softmax")], 4, {"name": "sparse_categorical_crossentropy", "log_base": 2},
            rng.integers(0, 3, m)),
        "4-5-3-cce-from-logits": (
            [Dense(5, "softsign"), Dense(3)], 4, {"name": "categorical_crossentropy", "from_logits": True},
            one_hot(rng.integers(0, 3, m), 3)),
        "3-4-2-bce-from-logits-multilabel": (
            [Dense(4, "tanh"), Dense(2)], 3, {"name": "binary_crossentropy", "from_logits": True},
            rng.integers(0, 2, size=(m, 2)).astype(np.float64)),
        "4-5-3-activation-layers-cce-base10": (
            [Dense(5), Activation("tanh"), Dense(3, kernel_regularizer=L2(0.3)), Activation("softmax")], 4,
            {"name": "categorical_crossentropy", "log_base": 10}, one_hot(rng.integers(0, 3, m), 3)),
        "3-5-4-2-deep-mae": (
            [Dense(5, "sigmoid"), Dense(4, "tanh", kernel_regularizer=L1(0.1)), Dense(2)], 3,
            "mean_absolute_error", rng.normal(size=(m, 2)) * 3),
        "3-4-1-tanh-hinge": (
            [Dense(4, "sigmoid"), Dense(1, "tanh")], 3, "hinge", rng.choice([-1.0, 1.0], size=(m, 1))),
    }
    return [pytest.param(*case, id=name) for name, case in cases.items()]


@pytest.mark.parametrize("model_layers, input_dim, loss, y", model_cases())
def test_model_gradients(model_layers, input_dim, loss, y):
    model = neurona.Sequential(model_layers, input_dim=input_dim, seed=3, dtype="float64")
    model.compile(optimizer="sgd", loss=loss)
    x = np.random.default_rng(9).normal(size=(y.shape[0], input_dim))
    y = model.loss.prepare_targets(y, model.output_dim, model.dtype)
    y_pred = model._forward(x, training=True)
    model.loss_backward(y, y_pred)
    analytic = [g.copy() for g in model.grads]
    assert len(analytic) == len(model.params) > 0

    def cost(_):
        return model.loss(y, model._forward(x, training=False)) + sum(layer.penalty(len(x)) for layer in model.layers)

    for i, (param, grad) in enumerate(zip(model.params, analytic)):
        assert grad.shape == param.shape
        numeric = central_difference(cost, param)
        assert relative_error(grad, numeric) < TOLERANCE, f"parameter {i}"


# ------------------------------------------------------------------ initializers

INITIALIZER_NAMES = canonical_names(initializers.registry)


@pytest.mark.parametrize("shape", [(3, 4), (7,), (1, 1)], ids=str)
@pytest.mark.parametrize("name", INITIALIZER_NAMES)
def test_initializer_shape_dtype_and_seed(name, shape):
    init = initializers.get(name)
    a = init(shape, np.random.default_rng(42))
    assert a.shape == shape and a.dtype == np.float32
    b = init(shape, np.random.default_rng(42), dtype="float64")
    assert b.shape == shape and b.dtype == np.float64
    np.testing.assert_array_equal(init(shape, np.random.default_rng(42)), a)
    np.testing.assert_allclose(a, b, rtol=1e-6)       # the same draw, only rounded
    assert np.all(np.isfinite(b))


@pytest.mark.parametrize("name", ["random_uniform", "random_normal", "glorot_uniform", "glorot_normal", "he_normal",
                                  "he_uniform"])
def test_random_initializers_depend_on_the_seed(name):
    init = initializers.get(name)
    assert not np.array_equal(init((10, 10), np.random.default_rng(1)), init((10, 10), np.random.default_rng(2)))


@pytest.mark.parametrize("name, variance", [
    ("glorot_uniform", lambda fan_in, fan_out: 2.0 / (fan_in + fan_out)),
    ("glorot_normal", lambda fan_in, fan_out: 2.0 / (fan_in + fan_out)),
    ("he_normal", lambda fan_in, fan_out: 2.0 / fan_in),
    ("he_uniform", lambda fan_in, fan_out: 2.0 / fan_in),
])
@pytest.mark.parametrize("shape", [(1000, 1000), (1000, 500)], ids=str)
def test_initializer_variance(name, variance, shape):
    w = initializers.get(name)(shape, np.random.default_rng(10), dtype="float64")
    expected = variance(*shape)
    assert float(np.var(w)) == pytest.approx(expected, rel=0.03)
    assert abs(float(np.mean(w))) < 0.01 * np.sqrt(expected)
    if name.endswith("uniform"):
        limit = np.sqrt(3.0 * expected)                 # U(-l, l) has variance l^2 / 3
        assert np.max(np.abs(w)) <= limit
        assert np.max(np.abs(w)) > 0.999 * limit


def test_random_uniform_minus_one_to_one():
    w = RandomUniform(-1, 1)((1000, 1000), np.random.default_rng(11), dtype="float64")
    assert w.min() >= -1.0 and w.max() < 1.0
    assert w.min() < -0.999 and w.max() > 0.999
    assert float(np.mean(w)) == pytest.approx(0.0, abs=0.005)
    assert float(np.var(w)) == pytest.approx(1.0 / 3.0, rel=0.01)
    assert initializers.get("random_uniform") == RandomUniform(-1.0, 1.0)
    with pytest.raises(ValueError):
        RandomUniform(1.0, 1.0)


def test_constant_initializers():
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(initializers.get("zeros")((2, 3), rng), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.get("ones")((4,), rng), np.ones(4))
    np.testing.assert_array_equal(initializers.get({"name": "constant", "value": 0.5})((2, 2), rng), np.full((2, 2), 0.5))


# ------------------------------------------------------------------ the get_config contract of every registry

REGISTRY_MODULES = {"activations": activations, "losses": losses, "initializers": initializers,
                    "regularizers": regularizers, "schedules": schedules, "optimizers": optimizers,
                    "layers": layers, "metrics": metrics}

#: arguments for the classes that cannot be built without them (a new one fails until listed here)
REQUIRED_ARGUMENTS = {
    ("layers", "category_encoding"): {"num_tokens": 4},
    ("layers", "discretization"): {"bin_boundaries": [0.0, 1.0]},
    ("layers", "center_crop"): {"height": 4, "width": 3},
    ("layers", "resizing"): {"height": 4, "width": 3},
    ("layers", "rescaling"): {"scale": 1 / 255},
    ("layers", "random_contrast"): {"factor": 0.2},
    ("layers", "random_rotation"): {"factor": 0.1},
    ("layers", "random_translation"): {"height_factor": 0.1, "width_factor": 0.2},
    ("layers", "random_zoom"): {"height_factor": 0.1},
    ("schedules", "step_decay"): {"initial_learning_rate": 0.1},
    ("schedules", "time_based_decay"): {"initial_learning_rate": 0.1},
    ("schedules", "exponential_decay"): {"initial_learning_rate": 0.1},
    ("schedules", "cosine_annealing"): {"initial_learning_rate": 0.1, "decay_steps": 100},
    ("schedules", "cosine_annealing_warm_restarts"): {"initial_learning_rate": 0.1, "first_decay_steps": 10},
    ("schedules", "inverse_time_decay"): {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
    ("schedules", "piecewise_constant_decay"): {"boundaries": [10, 20], "values": [0.1, 0.05, 0.01]},
    ("schedules", "polynomial_decay"): {"initial_learning_rate": 0.1, "decay_steps": 100},
    ("schedules", "cosine_decay"): {"initial_learning_rate": 0.1, "decay_steps": 100},
    ("schedules", "cosine_decay_restarts"): {"initial_learning_rate": 0.1, "first_decay_steps": 10},
    ("layers", "dense"): {"units": 4},
    ("layers", "activation"): {"activation": "tanh"},
    ("layers", "dropout"): {"rate": 0.25},
    ("layers", "reshape"): {"target_shape": (2, -1)},
    ("layers", "op"): {"function": "multiply", "constants": [None, 2.0]},
    ("layers", "input_layer"): {"shape": (3,)},
    **{("layers", name): {"filters": 2, "kernel_size": 3} for name in (
        "conv1d", "conv2d", "conv3d", "conv1d_transpose", "conv2d_transpose", "separable_conv1d", "separable_conv2d")},
    ("layers", "depthwise_conv1d"): {"kernel_size": 3},
    ("layers", "depthwise_conv2d"): {"kernel_size": 3},
    ("layers", "embedding"): {"input_dim": 10, "output_dim": 4},
    ("layers", "simple_rnn"): {"units": 3},
    ("layers", "lstm"): {"units": 3},
    ("layers", "gru"): {"units": 3},
    ("layers", "bidirectional"): {"layer": layers.LSTM(3)},
    ("layers", "rnn"): {"cell": layers.LSTMCell(3)},
    ("layers", "time_distributed"): {"layer": layers.Dense(3)},
    ("layers", "multi_head_attention"): {"num_heads": 2, "key_dim": 4},
    ("layers", "lambda"): {"function": "neurona.ops:square"},
    ("layers", "gaussian_noise"): {"stddev": 0.1},
    ("layers", "gaussian_dropout"): {"rate": 0.2},
    ("layers", "alpha_dropout"): {"rate": 0.2},
    **{("layers", f"spatial_dropout{d}d"): {"rate": 0.2} for d in (1, 2, 3)},
    ("layers", "dot"): {"axes": 1},
    ("layers", "permute"): {"dims": (2, 1)},
    ("layers", "repeat_vector"): {"n": 3},
    ("layers", "einsum_dense"): {"equation": "ab,bc->ac", "output_shape": 4},
    ("layers", "hashing"): {"num_bins": 4},
    ("metrics", "iou"): {"num_classes": 3, "target_class_ids": [0, 2]},
    ("metrics", "one_hot_iou"): {"num_classes": 3, "target_class_ids": [1]},
    ("metrics", "mean_iou"): {"num_classes": 3},
    ("metrics", "one_hot_mean_iou"): {"num_classes": 3},
    ("metrics", "precision_at_recall"): {"recall": 0.8},
    ("metrics", "recall_at_precision"): {"precision": 0.7},
    ("metrics", "sensitivity_at_specificity"): {"specificity": 0.6},
    ("metrics", "specificity_at_sensitivity"): {"sensitivity": 0.9},
}

#: objects with arguments other than the defaults, nested configs among them
EXTRA_EXAMPLES = [
    ("activations", activations.LeakyReLU(0.2)),
    ("losses", losses.BinaryCrossentropy(from_logits=True, log_base=2)),
    ("initializers", initializers.Constant(0.5)),
    ("initializers", RandomUniform(-0.5, 2.0)),
    ("regularizers", L1L2(l1=0.01, l2=0.02)),
    ("schedules", schedules.ExponentialDecay(0.1, decay_rate=0.5, decay_steps=10, staircase=True)),
    ("schedules", schedules.CosineAnnealingWarmRestarts(0.1, 10, t_mult=2, min_learning_rate=1e-4)),
    ("optimizers", optimizers.SGD(0.1, momentum=0.9, nesterov=True)),
    ("optimizers", optimizers.Adam(schedules.ExponentialDecay(1e-3, decay_rate=0.9, decay_steps=100))),
    ("optimizers", optimizers.RMSprop(learning_rate=schedules.StepDecay(0.01, drop=0.5, step_size=5))),
    ("layers", Dense(8, activation=activations.LeakyReLU(0.1), use_bias=False, kernel_initializer=RandomNormal(0.0, 0.1),
                     kernel_regularizer=L2(0.01), bias_regularizer=L1(0.1), input_dim=3, name="hidden")),
    ("layers", Activation("softmax", name="probabilities")),
    ("metrics", metrics.BinaryAccuracy(threshold=0.7)),
    ("layers", layers.Normalization(mean=[0.5, 1.0], variance=[2.0, 4.0], invert=True)),
    ("layers", layers.BatchNormalization(momentum=0.9, center=False, name="bn")),
    ("layers", layers.LeakyReLU(0.2)),
    ("layers", layers.Op("mean", keywords={"axis": -1, "keepdims": True})),
    ("layers", layers.Embedding(100, 8, mask_zero=True, embeddings_initializer="glorot_uniform", input_length=5)),
    ("layers", layers.LSTM(4, return_sequences=True, go_backwards=True, dropout=0.1, unit_forget_bias=False,
                           recurrent_activation="hard_sigmoid", kernel_regularizer=L2(0.01))),
    ("layers", layers.GRU(4, reset_after=False, recurrent_dropout=0.2, seed=3)),
    ("layers", layers.RNN([layers.GRUCell(4, reset_after=False), layers.LSTMCell(2, dropout=0.1)], return_state=True,
                          go_backwards=True, zero_output_for_mask=True)),
    ("layers", layers.Bidirectional(layers.GRU(4, return_sequences=True), merge_mode="ave",
                                    backward_layer=layers.GRU(4, return_sequences=True, go_backwards=True))),
    ("layers", layers.LayerNormalization(axis=[-2, -1], epsilon=1e-5, center=False, gamma_regularizer=L2(0.1))),
    ("layers", layers.GroupNormalization(groups=4, scale=False)),
    ("layers", layers.Attention(use_scale=True)),
    ("layers", layers.MultiHeadAttention(4, 8, value_dim=6, use_bias=False, output_shape=10, kernel_regularizer=L2(0.1))),
]


def registry_examples():
    params = []
    for module_name, module in REGISTRY_MODULES.items():
        registry = module.registry
        for name in canonical_names(registry):
            cls = registry.lookup(name)
            required = [p for p in inspect.signature(cls.__init__).parameters.values()
                        if p.name != "self" and p.default is inspect.Parameter.empty
                        and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
            arguments = REQUIRED_ARGUMENTS.get((module_name, name), {})
            if any(p.name not in arguments for p in required):
                params.append(pytest.param(module_name, None, (cls, [p.name for p in required]),
                                           id=f"{module_name}.{name}-needs-example"))
                continue
            try:
                obj = cls(**arguments)
            except (TypeError, ValueError):           # a default that must be set (e.g. num_tokens)
                params.append(pytest.param(module_name, None, (cls, ["(defaults refused)"]),
                                           id=f"{module_name}.{name}-needs-example"))
                continue
            params.append(pytest.param(module_name, obj, None, id=f"{module_name}.{name}"))
    for i, (module_name, obj) in enumerate(EXTRA_EXAMPLES):
        params.append(pytest.param(module_name, obj, None, id=f"{module_name}.{obj.registry_name}-{i}"))
    return params


@pytest.mark.parametrize("module_name, obj, missing", registry_examples())
def test_get_config_round_trip(module_name, obj, missing):
    assert missing is None, f"add example arguments to REQUIRED_ARGUMENTS for {missing[0].__name__}: {missing[1]}"
    registry = REGISTRY_MODULES[module_name].registry
    config = obj.get_config()
    assert config["name"] == type(obj).registry_name
    again = registry.get(config)
    assert type(again) is type(obj)
    assert again == obj
    assert again.get_config() == config
    # the same through JSON, the format of model and experiment files
    assert registry.get(json.loads(json.dumps(config))) == obj


def test_every_module_exposes_its_registry():
    for module in REGISTRY_MODULES.values():
        assert canonical_names(module.registry)
