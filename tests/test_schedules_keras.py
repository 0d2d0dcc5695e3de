r"""Keras 3's learning-rate schedules against ``keras.optimizers.schedules`` (torch backend), step
by step; the lectures' schedules keep their numbers beside them."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import neurona as nr                           # noqa: E402
from neurona import schedules                  # noqa: E402

KS = keras.optimizers.schedules
CASES = {
    "exponential": (lambda m: m.ExponentialDecay(0.1, 7, 0.8), ),
    "exponential_staircase": (lambda m: m.ExponentialDecay(0.1, decay_steps=7, decay_rate=0.8, staircase=True), ),
    "inverse_time": (lambda m: m.InverseTimeDecay(0.1, 5, 0.5), ),
    "inverse_time_staircase": (lambda m: m.InverseTimeDecay(0.1, 5, 0.5, staircase=True), ),
    "piecewise": (lambda m: m.PiecewiseConstantDecay([10, 30, 55], [0.1, 0.05, 0.01, 0.001]), ),
    "polynomial": (lambda m: m.PolynomialDecay(0.1, 40, end_learning_rate=0.001, power=2.0), ),
    "polynomial_cycle": (lambda m: m.PolynomialDecay(0.1, 17, end_learning_rate=0.01, power=0.5, cycle=True), ),
    "cosine": (lambda m: m.CosineDecay(0.1, 50, alpha=0.1), ),
    "cosine_warmup": (lambda m: m.CosineDecay(0.0, 50, alpha=0.05, warmup_target=0.2, warmup_steps=12), ),
    "cosine_restarts": (lambda m: m.CosineDecayRestarts(0.1, 9, t_mul=2.0, m_mul=0.7, alpha=0.02), ),
    "cosine_restarts_even": (lambda m: m.CosineDecayRestarts(0.1, 9, t_mul=1.0, m_mul=0.9), ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_match_keras(case):
    build, = CASES[case]
    ours, theirs = build(schedules), build(KS)
    steps = np.arange(0, 120)
    got = [ours(int(t)) for t in steps]
    expected = [float(keras.ops.convert_to_numpy(theirs(int(t)))) for t in steps]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-9)
    again = schedules.get(ours.get_config())
    assert [again(int(t)) for t in steps[:20]] == got[:20]


def test_reachable_as_keras_writes_them():
    assert nr.optimizers.schedules.ExponentialDecay is schedules.ExponentialDecay
    from neurona.optimizers.schedules import CosineDecay      # noqa: F401
    config = {"class_name": "InverseTimeDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 2,
                                                            "decay_rate": 1.0}}
    assert isinstance(schedules.get(config), schedules.InverseTimeDecay)
    opt = nr.optimizers.SGD(learning_rate=schedules.InverseTimeDecay(0.1, 1, 1.0))
    assert opt.current_learning_rate == pytest.approx(0.1)


def test_lectures_schedules_keep_their_numbers():
    assert schedules.TimeBasedDecay(0.5, decay_rate=0.1, decay_steps=3)(6) == pytest.approx(0.5 / 1.2)
    assert schedules.CosineAnnealing(0.1, 10, min_learning_rate=0.01)(10) == pytest.approx(0.01)
    assert schedules.ExponentialDecay(0.1, decay_rate=0.5, decay_steps=10)(20) == pytest.approx(0.025)


def test_bad_arguments_and_unknown_schedules():
    with pytest.raises(ValueError, match="one more value than boundaries"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(NotImplementedError, match="It has: .*CosineDecay"):
        schedules.OneCycle
