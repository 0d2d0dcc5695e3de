r"""Adafactor against Keras 3 (torch backend): 100 steps in float64 on the same gradients (matrices,
a 3-axis array and vectors), and fit on a model whose packed parameter vector it splits into its
variables' shapes."""
import os

import numpy as np
import pytest

from neurona import optimizers
from test_optimizers_keras import keras_run
from test_optimizers_more import fit_alike

os.environ.setdefault("KERAS_BACKEND", "torch")

SHAPES = [(4, 3), (2, 3, 5), (6,), ()]
#: rates that float32 holds exactly (Keras keeps the rate in a float32 variable)
KERAS = {
    "adafactor": lambda m: m.Adafactor(learning_rate=2 ** -10),
    "adafactor_rate": lambda m: m.Adafactor(learning_rate=0.5, beta_2_decay=-0.5, epsilon_2=1e-2,
                                            clip_threshold=0.5),
    "adafactor_absolute": lambda m: m.Adafactor(learning_rate=2 ** -6, relative_step=False, weight_decay=0.125),
    "adafactor_epsilon_1": lambda m: m.Adafactor(learning_rate=2 ** -6, epsilon_1=0.25),
    "adafactor_schedule": lambda m: m.Adafactor(learning_rate=m.schedules.PiecewiseConstantDecay([5, 40],
                                                                                                  [0.5, 2 ** -3, 2 ** -8])),
}


@pytest.mark.parametrize("name", sorted(KERAS))
def test_matches_keras_after_100_steps(name):
    rng = np.random.default_rng(4)
    params = [rng.normal(size=s) for s in SHAPES]
    gradients = [[rng.normal(size=s) * 0.3 for s in SHAPES] for _ in range(100)]
    ours = KERAS[name](optimizers)
    assert ours.slot_names() == ["r", "c", "velocity"]
    assert optimizers.get(ours.get_config()).get_config() == ours.get_config()
    expected = keras_run(KERAS[name], params, gradients)
    got = [p.copy() for p in params]
    for grads in gradients:
        ours.apply(got, grads)
    for mine, want, start in zip(got, expected, params):
        assert not np.allclose(want, start)
        # 1e-7 absolute on values of order 1: Keras's torch backend computes a few constants in float32
        np.testing.assert_allclose(mine, want, rtol=1e-6, atol=1e-7)


def test_fit_matches_keras_through_the_packed_parameter_vector():
    for ours, theirs in zip(*fit_alike(lambda m: m.Adafactor(learning_rate=0.05))):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=2e-4, atol=2e-5)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="beta_2_decay"):
        optimizers.Adafactor(beta_2_decay=0.5)
    with pytest.raises(ValueError, match="clip_threshold"):
        optimizers.Adafactor(clip_threshold=0)
