r"""The Keras 3 surface of losses: class and function forms against ``keras.losses`` (torch
backend) on random data, with every reduction, sample weights, label smoothing and logits;
gradients of the weighted and summed forms against central differences; a ``Loss`` subclass
overriding ``call`` (written with ``neurona.ops``) trained through the tape."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import neurona as nr                                   # noqa: E402
from gradcheck import central_difference, relative_error  # noqa: E402
from neurona import losses, ops                        # noqa: E402

rng = np.random.default_rng(0)
N, K = 8, 3
Z = rng.normal(size=(N, K))
P = np.exp(Z) / np.exp(Z).sum(-1, keepdims=True)
ONE_HOT = np.eye(K)[rng.integers(0, K, N)]
LABELS = rng.integers(0, 2, (N, K)).astype(float)
REAL = rng.normal(size=(N, K))
POSITIVE = rng.uniform(0.1, 3.0, size=(N, K))
WEIGHTS = rng.uniform(0.0, 2.0, size=N)

#: name -> (our class, Keras's class, arguments, y_true, y_pred)
PAIRS = {
    "mse": (losses.MeanSquaredError, keras.losses.MeanSquaredError, {}, REAL, rng.normal(size=(N, K))),
    "mae": (losses.MeanAbsoluteError, keras.losses.MeanAbsoluteError, {}, REAL, rng.normal(size=(N, K))),
    "mape": (losses.MeanAbsolutePercentageError, keras.losses.MeanAbsolutePercentageError, {}, REAL, POSITIVE),
    "msle": (losses.MeanSquaredLogarithmicError, keras.losses.MeanSquaredLogarithmicError, {}, POSITIVE, P),
    "huber": (losses.Huber, keras.losses.Huber, {"delta": 0.7}, REAL, rng.normal(size=(N, K))),
    "log_cosh": (losses.LogCosh, keras.losses.LogCosh, {}, REAL, rng.normal(size=(N, K))),
    "bce": (losses.BinaryCrossentropy, keras.losses.BinaryCrossentropy, {}, LABELS, 1 / (1 + np.exp(-Z))),
    "bce_smooth": (losses.BinaryCrossentropy, keras.losses.BinaryCrossentropy, {"label_smoothing": 0.2},
                   LABELS, 1 / (1 + np.exp(-Z))),
    "bce_logits": (losses.BinaryCrossentropy, keras.losses.BinaryCrossentropy, {"from_logits": True}, LABELS, 3 * Z),
    "cce": (losses.CategoricalCrossentropy, keras.losses.CategoricalCrossentropy, {}, ONE_HOT, P),
    "cce_smooth": (losses.CategoricalCrossentropy, keras.losses.CategoricalCrossentropy,
                   {"label_smoothing": 0.1, "from_logits": True}, ONE_HOT, Z),
    "scce": (losses.SparseCategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy, {},
             ONE_HOT.argmax(-1), P),
    "scce_logits": (losses.SparseCategoricalCrossentropy, keras.losses.SparseCategoricalCrossentropy,
                    {"from_logits": True}, ONE_HOT.argmax(-1), Z),
    "kld": (losses.KLDivergence, keras.losses.KLDivergence, {}, rng.dirichlet(np.ones(K), N), P),
    "poisson": (losses.Poisson, keras.losses.Poisson, {}, rng.integers(0, 4, (N, K)).astype(float), POSITIVE),
    "hinge": (losses.Hinge, keras.losses.Hinge, {}, LABELS, REAL),
    "squared_hinge": (losses.SquaredHinge, keras.losses.SquaredHinge, {}, 2 * LABELS - 1, REAL),
    "categorical_hinge": (losses.CategoricalHinge, keras.losses.CategoricalHinge, {}, ONE_HOT, REAL),
    "focal": (losses.BinaryFocalCrossentropy, keras.losses.BinaryFocalCrossentropy, {}, LABELS, 1 / (1 + np.exp(-Z))),
    "focal_balanced_logits": (losses.BinaryFocalCrossentropy, keras.losses.BinaryFocalCrossentropy,
                              {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5, "from_logits": True},
                              LABELS, 3 * Z),
    "focal_smooth": (losses.BinaryFocalCrossentropy, keras.losses.BinaryFocalCrossentropy,
                     {"label_smoothing": 0.2, "gamma": 3.0}, LABELS, 1 / (1 + np.exp(-Z))),
    "cosine_similarity": (losses.CosineSimilarity, keras.losses.CosineSimilarity, {}, REAL, rng.normal(size=(N, K))),
}
REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_class_form_matches_keras(name, reduction):
    ours, theirs, arguments, y, p = PAIRS[name]
    mine, keras_loss = ours(reduction=reduction, **arguments), theirs(reduction=reduction, **arguments)
    for weights in (None, WEIGHTS):
        expected = keras.ops.convert_to_numpy(keras_loss(y, p, sample_weight=weights))
        got = mine(y, p, sample_weight=weights)
        np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_function_form_matches_keras(name):
    ours, theirs, arguments, y, p = PAIRS[name]
    function = getattr(losses, ours.registry_name)
    keras_function = getattr(keras.losses, ours.registry_name, None)
    assert function.loss_class is ours
    values = function(y, p, **arguments)
    assert values.shape == (N,)
    if keras_function is not None:
        np.testing.assert_allclose(values, keras.ops.convert_to_numpy(keras_function(y, p, **arguments)),
                                   rtol=2e-6, atol=1e-6)
    on_tensors = function(nr.autodiff.Tensor(y), nr.autodiff.Tensor(p), **arguments)
    assert isinstance(on_tensors, nr.autodiff.Tensor)
    np.testing.assert_allclose(on_tensors.data, values, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse", "huber", "bce", "cce_smooth", "scce", "hinge"])
def test_gradient_of_each_reduction_with_weights(name, reduction):
    ours, _, arguments, y, p = PAIRS[name]
    loss = ours(reduction=reduction, **arguments)
    target = ours(reduction="sum_over_batch_size" if reduction == "none" else reduction, **arguments)
    numeric = central_difference(lambda v: target(y, v, sample_weight=WEIGHTS), p.copy())
    assert relative_error(loss.gradient(y, p, sample_weight=WEIGHTS), numeric) < 1e-6


def test_fused_gradient_with_weights_is_the_chain_rule():
    loss, softmax = losses.CategoricalCrossentropy(reduction="sum"), nr.activations.get("softmax")
    fused = loss.fused_gradient(softmax, ONE_HOT, softmax(Z), sample_weight=WEIGHTS)
    chained = softmax.backward(loss.gradient(ONE_HOT, softmax(Z), sample_weight=WEIGHTS), Z, softmax(Z))
    np.testing.assert_allclose(fused, chained, rtol=1e-9, atol=1e-12)


def test_names_class_names_and_function_handles():
    assert isinstance(losses.get("MeanSquaredError"), losses.MeanSquaredError)
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(losses.get("Huber"), losses.Huber)
    assert isinstance(losses.get(losses.mean_squared_error), losses.MeanSquaredError)
    assert isinstance(losses.get(losses.mse), losses.MeanSquaredError)
    assert isinstance(losses.get({"class_name": "Huber", "config": {"delta": 2.0}}), losses.Huber)
    assert losses.get({"class_name": "Huber", "config": {"delta": 2.0}}).delta == 2.0
    assert losses.MeanSquaredError().name == "mean_squared_error"
    named = losses.Huber(delta=0.5, name="robust", reduction="sum")
    again = losses.get(named.get_config())
    assert again.name == "robust" and again.delta == 0.5 and again.reduction == "sum"
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


def test_lecture_conventions_stay():
    half = losses.MeanSquaredError(half=True)
    assert half(np.zeros((2, 1)), np.array([[1.0], [3.0]])) == pytest.approx((1 + 9) / 4)
    assert losses.BinaryCrossentropy(log_base=10)(np.array([[1.0]]), np.array([[0.6]])) == pytest.approx(
        -np.log10(0.6))


def test_unknown_losses_list_what_exists():
    with pytest.raises(ValueError, match="Known losses"):
        losses.get("Circle")
    with pytest.raises(NotImplementedError, match="It has: .*Huber"):
        losses.Circle


class RelativeSquares(losses.Loss):
    r"""A custom Keras-style loss: the squared error relative to the target's scale."""

    def __init__(self, scale=1.0, name="relative_squares", **kwargs):
        super().__init__(name=name, **kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return ops.mean(ops.square(y_pred - y_true) / (self.scale + ops.abs(y_true)), axis=-1)


def test_loss_subclass_with_call_gets_its_gradient_from_the_tape():
    loss = RelativeSquares(scale=0.5, reduction="sum")
    expected = np.sum(np.mean((P - REAL) ** 2 / (0.5 + np.abs(REAL)), axis=-1) * WEIGHTS)
    assert loss(REAL, P, sample_weight=WEIGHTS) == pytest.approx(expected, rel=1e-12)
    numeric = central_difference(lambda v: loss(REAL, v, sample_weight=WEIGHTS), P.copy())
    assert relative_error(loss.gradient(REAL, P, sample_weight=WEIGHTS), numeric) < 1e-6
    assert loss.get_config()["scale"] == 0.5


def test_loss_subclass_trains_a_model():
    x = rng.normal(size=(64, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]])
    model = nr.Sequential([nr.layers.Dense(1)], input_dim=3, seed=0, dtype="float64")
    model.compile(optimizer=nr.optimizers.SGD(0.1), loss=RelativeSquares())
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.05 * history.history["loss"][0]


def test_ops_cross_entropies_match_keras_ops():
    for ours, theirs, target, output in (
            (ops.binary_crossentropy, keras.ops.binary_crossentropy, LABELS, 1 / (1 + np.exp(-Z))),
            (ops.categorical_crossentropy, keras.ops.categorical_crossentropy, ONE_HOT, P),
            (ops.sparse_categorical_crossentropy, keras.ops.sparse_categorical_crossentropy, ONE_HOT.argmax(-1), P)):
        for logits in (False, True):
            value = output if not logits else Z
            np.testing.assert_allclose(ours(target, value, from_logits=logits),
                                       keras.ops.convert_to_numpy(theirs(target, value, from_logits=logits)),
                                       rtol=1e-6, atol=1e-7)
