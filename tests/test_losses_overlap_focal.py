r"""Dice, Tversky, CategoricalFocalCrossentropy and CategoricalGeneralizedCrossEntropy against Keras 3 (torch backend): values of the class
and function forms with every reduction and sample weights, the hand-written gradient against Keras's
(torch autograd) and central differences, and the tape form ``call`` against ``values``."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

import neurona as nr                                   # noqa: E402
from gradcheck import central_difference, relative_error  # noqa: E402
from neurona import losses                             # noqa: E402

rng = np.random.default_rng(1)
N, K = 6, 4
Z = rng.normal(size=(N, K))
P = np.exp(Z) / np.exp(Z).sum(-1, keepdims=True)
ONE_HOT = np.eye(K)[rng.integers(0, K, N)]
MASK = rng.integers(0, 2, (N, 3, 3, 1)).astype(float)
SOFT_MASK = rng.uniform(0.05, 0.95, (N, 3, 3, 1))
WEIGHTS = rng.uniform(0.2, 2.0, size=N)

#: name -> (our class, Keras's class, arguments, y_true, y_pred)
PAIRS = {
    "dice": (losses.Dice, keras.losses.Dice, {}, MASK, SOFT_MASK),
    "dice_per_sample": (losses.Dice, keras.losses.Dice, {"axis": (1, 2, 3)}, MASK, SOFT_MASK),
    "dice_last_axis": (losses.Dice, keras.losses.Dice, {"axis": -1}, ONE_HOT, P),
    "tversky": (losses.Tversky, keras.losses.Tversky, {"alpha": 0.3, "beta": 0.7}, MASK, SOFT_MASK),
    "tversky_per_sample": (losses.Tversky, keras.losses.Tversky, {"alpha": 0.8, "beta": 0.4, "axis": (1, 2)},
                           MASK, SOFT_MASK),
    "focal": (losses.CategoricalFocalCrossentropy, keras.losses.CategoricalFocalCrossentropy, {}, ONE_HOT, P),
    "focal_logits": (losses.CategoricalFocalCrossentropy, keras.losses.CategoricalFocalCrossentropy,
                     {"alpha": 0.6, "gamma": 1.5, "from_logits": True, "label_smoothing": 0.1}, ONE_HOT, 2 * Z),
    "focal_unnormalised": (losses.CategoricalFocalCrossentropy, keras.losses.CategoricalFocalCrossentropy,
                           {"gamma": 3.0}, ONE_HOT, 2.0 * P + 0.1),
    "generalized": (losses.CategoricalGeneralizedCrossEntropy, keras.losses.CategoricalGeneralizedCrossEntropy,
                    {"q": 0.7}, ONE_HOT.argmax(-1), P),
    "generalized_small_q": (losses.CategoricalGeneralizedCrossEntropy,
                            keras.losses.CategoricalGeneralizedCrossEntropy, {"q": 0.1}, ONE_HOT.argmax(-1), P),
}
REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", "none"]


def keras_value_and_gradient(loss, y, p, sample_weight=None):
    r"""Keras's J and dJ/dy_pred (torch autograd through Keras's own loss)."""
    prediction = torch.tensor(p, requires_grad=True)
    weights = None if sample_weight is None else torch.tensor(sample_weight)
    value = loss(torch.tensor(y), prediction, sample_weight=weights)
    total = value.mean() if value.ndim else value       # "none": the gradient of the mean, as fit's
    total.backward()
    return value.detach().numpy(), prediction.grad.numpy()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_value_and_gradient_match_keras(name, reduction):
    ours, theirs, arguments, y, p = PAIRS[name]
    mine, keras_loss = ours(reduction=reduction, **arguments), theirs(reduction=reduction, **arguments)
    for weights in (None, WEIGHTS):
        expected, expected_gradient = keras_value_and_gradient(keras_loss, y, p, weights)
        got = mine(y, p, sample_weight=weights)
        if np.ndim(expected) > 1:                  # "none" keeps the unsummed axes; ours, one value a sample
            expected = expected.reshape(N, -1).mean(axis=1)
        assert np.shape(got) in (np.shape(expected), (N,))      # Dice(reduction="none"): the batch's value a sample
        np.testing.assert_allclose(got, np.broadcast_to(expected, np.shape(got)), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(mine.gradient(y, p, sample_weight=weights), expected_gradient,
                                   rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_gradient_matches_central_differences_and_the_tape(name):
    ours, _, arguments, y, p = PAIRS[name]
    for reduction in ("sum_over_batch_size", "sum"):
        loss = ours(reduction=reduction, **arguments)
        numeric = central_difference(lambda v: loss(y, v, sample_weight=WEIGHTS), p.copy())
        analytic = loss.gradient(y, p, sample_weight=WEIGHTS)
        assert relative_error(analytic, numeric) < 1e-6
        assert np.abs(analytic).max() > 0
        np.testing.assert_allclose(loss.tape_gradient(y, p, sample_weight=WEIGHTS), analytic, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_function_form_and_tape_form_match_keras_function(name):
    ours, _, arguments, y, p = PAIRS[name]
    function = getattr(losses, ours.registry_name)
    keras_function = getattr(keras.losses, ours.registry_name)
    tensor = keras.ops.convert_to_tensor
    expected = keras.ops.convert_to_numpy(keras_function(tensor(y), tensor(p), **arguments))
    got = function(y, p, **arguments)
    assert np.shape(got) == np.shape(expected)         # Dice's: the unsummed axes, or the batch's one value
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    # the tape form gives one value a sample: the mean of the sample's groups (the batch's value for axis=None)
    loss = ours(**arguments)
    on_tape = loss.sample_losses(nr.autodiff.Tensor(y), nr.autodiff.Tensor(p))
    per_sample = np.broadcast_to(np.reshape(expected, (N, -1)).mean(axis=1) if np.ndim(expected) else expected, (N,))
    np.testing.assert_allclose(on_tape.data, per_sample, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(on_tape.data, loss.values(y, p), rtol=1e-10, atol=1e-12)
    assert losses.get(function).get_config()["name"] == ours.registry_name


def test_names_configs_and_argument_checks():
    assert isinstance(losses.get("dice"), losses.Dice)
    assert isinstance(losses.get("CategoricalFocalCrossentropy"), losses.CategoricalFocalCrossentropy)
    again = losses.get(losses.Tversky(alpha=0.2, beta=0.9, axis=(1, 2)).get_config())
    assert (again.alpha, again.beta, again.axis) == (0.2, 0.9, (1, 2))
    again = losses.get(losses.CategoricalFocalCrossentropy(alpha=0.5, gamma=1.0, from_logits=True).get_config())
    assert (again.alpha, again.gamma, again.from_logits) == (0.5, 1.0, True)
    with pytest.raises(ValueError, match="batch axis 0"):
        losses.Dice(axis=0)
    with pytest.raises(TypeError, match="'axis' argument of Tversky"):
        losses.Tversky(axis="last")
    with pytest.raises(ValueError, match="gamma"):
        losses.CategoricalFocalCrossentropy(gamma=-1)


def test_focal_loss_trains_a_softmax_model():
    x = rng.normal(size=(60, 3))
    y = np.eye(3)[np.argmax(x, axis=1)]
    model = nr.Sequential([nr.layers.Dense(3, activation="softmax")], input_dim=3, seed=0, dtype="float64")
    model.compile(optimizer=nr.optimizers.SGD(0.5), loss="categorical_focal_crossentropy")
    history = model.fit(x, y, epochs=30, batch_size=20, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
