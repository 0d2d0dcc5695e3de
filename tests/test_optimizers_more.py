r"""Adadelta, Ftrl, Lion and Lamb against Keras 3 (torch backend) on the same gradients, 100 steps in
float64; Lamb's trust ratio per variable inside a model's packed parameter vector, against Keras's fit."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona import optimizers
from test_optimizers import assert_close, random_gradients, random_params, run_neurona
from test_optimizers_keras import keras_run

os.environ.setdefault("KERAS_BACKEND", "torch")

#: learning rates that float32 holds exactly (Keras keeps the rate in a float32 variable; Lamb's trust ratio
#: and Lion's signs would otherwise carry its rounding into the comparison)
KERAS = {
    "adadelta": lambda m: m.Adadelta(learning_rate=0.5),
    "adadelta_rho": lambda m: m.Adadelta(learning_rate=1.0, rho=0.8, epsilon=1e-5),
    "ftrl": lambda m: m.Ftrl(learning_rate=0.05),
    "ftrl_regularized": lambda m: m.Ftrl(learning_rate=0.05, learning_rate_power=-0.7, initial_accumulator_value=0.3,
                                         l1_regularization_strength=0.01, l2_regularization_strength=0.02,
                                         l2_shrinkage_regularization_strength=0.01, beta=0.1),
    "lion": lambda m: m.Lion(learning_rate=0.003),
    "lion_betas": lambda m: m.Lion(learning_rate=2 ** -10, beta_1=0.8, beta_2=0.95, weight_decay=0.125),
    "lamb": lambda m: m.Lamb(learning_rate=2 ** -7),
    "lamb_clipnorm": lambda m: m.Lamb(learning_rate=2 ** -6, beta_1=0.75, clipnorm=1.0),
}


@pytest.mark.parametrize("name", sorted(KERAS))
def test_matches_keras_after_100_steps(name):
    params, gradients = random_params(2), random_gradients(seed=3)
    ours = KERAS[name](optimizers)
    assert optimizers.get(ours.get_config()) == ours
    expected = keras_run(KERAS[name], params, gradients)
    for got, want in zip(run_neurona(ours, params, gradients), expected):
        assert_close(got, want)


def fit_alike(make_optimizer):
    r"""The weights of the same model after the same 3 epochs of fit, neurona's and Keras's, each library's
    optimizer made by ``make_optimizer(lib.optimizers)``."""
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 5)).astype(np.float32), rng.normal(size=(64, 1)).astype(np.float32)
    weights = [rng.normal(size=(5, 8)).astype(np.float32), rng.normal(size=8).astype(np.float32) * 0.1,
               rng.normal(size=(8, 1)).astype(np.float32), np.zeros(1, np.float32)]
    results = []
    for lib in (nr, keras):
        model = lib.Sequential([lib.Input((5,)), lib.layers.Dense(8, activation="tanh"), lib.layers.Dense(1)])
        model.set_weights(weights)
        model.compile(optimizer=make_optimizer(lib.optimizers), loss="mse")
        model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
        results.append(model.get_weights())
    return results


@pytest.mark.parametrize("name", ["lamb", "lion", "ftrl", "adadelta"])
def test_fit_matches_keras(name):
    for ours, theirs in zip(*fit_alike(KERAS[name])):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=2e-4, atol=2e-5)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=1.5)
    assert optimizers.get("lamb").slot_names() == ["m", "v"]
