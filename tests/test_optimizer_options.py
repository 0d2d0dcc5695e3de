r"""Every option of every registered optimizer, one at a time, against Keras 3's optimizer of the
same name (torch backend, float64 variables) on the same gradients for 30 steps. The cases are
generated from each constructor's signature and ``VALUES`` (a value off the default for every
option name): a new optimizer or option is compared as soon as it has a value here, and
``test_option_coverage`` reads ``CASES``."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("keras")

from neurona import optimizers  # noqa: E402
from test_optimizers import random_gradients, random_params, run_neurona  # noqa: E402
from test_optimizers_keras import keras_run  # noqa: E402

#: a value other than the default for each option; learning rates float32 holds exactly (Keras keeps
#: the rate in a float32 variable)
VALUES = {"beta_1": 0.7, "beta_2": 0.95, "epsilon": 1e-3, "rho": 0.8, "momentum": 0.7, "amsgrad": True,
          "centered": True, "nesterov": True, "weight_decay": 0.0625, "clipnorm": 0.5, "clipvalue": 0.125,
          "global_clipnorm": 0.75, "initial_accumulator_value": 0.25, "learning_rate_power": -0.75,
          "l1_regularization_strength": 0.0625, "l2_regularization_strength": 0.125,
          "l2_shrinkage_regularization_strength": 0.0625, "beta": 0.125}
#: what each case also sets: a rate of 2^-6, and an epsilon small enough that where it is added
#: (Keras: to sqrt(v); neurona, like PyTorch: to sqrt(v_hat)) does not show unless it is the option
BASE = {"learning_rate": 2 ** -6}
SMALL_EPSILON = {"Adam", "AdamW", "Nadam", "Adamax"}
#: options a case needs beside it
NEEDS = {"nesterov": {"momentum": 0.7}}
#: options compared elsewhere, and why not here
ELSEWHERE = {"dampening": "Keras has no dampening: the slides' EWMA velocity is checked against seeds 001 and 004 "
                          "in test_optimizers.py", "learning_rate": "every case sets it; schedules in "
                          "test_optimizers_keras.py", "name": "not a number"}
#: options whose epsilon convention differs from Keras's on purpose: against PyTorch in test_optimizers_keras.py
EPSILON_AS_PYTORCH = {"Adam", "AdamW", "Nadam"}


def cases():
    from test_option_coverage import options
    found = []
    for name in sorted({optimizers.registry.lookup(n).__name__ for n in optimizers.registry.names()}):
        cls = getattr(optimizers, name)
        for option in options(cls):
            if option in ELSEWHERE or (option == "epsilon" and name in EPSILON_AS_PYTORCH):
                continue
            if option in VALUES:
                settings = {**BASE, **({"epsilon": 1e-12} if name in SMALL_EPSILON else {}),
                            **NEEDS.get(option, {}), option: VALUES[option]}
                found.append((name, option, settings))
    return found


CASES = cases()


@pytest.mark.parametrize("name, option, settings", CASES, ids=[f"{n}-{o}" for n, o, _ in CASES])
def test_each_option_against_keras(name, option, settings):
    params, gradients = random_params(2), random_gradients(30, seed=3)
    ours = getattr(optimizers, name)(**settings)
    expected = keras_run(lambda m: getattr(m, name)(**settings), params, gradients)
    for got, want in zip(run_neurona(ours, params, gradients), expected):
        # Keras holds the clipping thresholds in float32: entries near 0 differ by ~1e-8
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
