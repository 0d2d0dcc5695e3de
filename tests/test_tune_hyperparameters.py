import math

import numpy as np
import pytest

from neurona.tune import HyperParameters
from neurona.tune.hyperparameters import Boolean, Choice, Fixed, Float, HyperParameter, Int


def test_defaults_are_keras_tuners():
    hp = HyperParameters()
    assert hp.Int("units", 32, 512, step=32) == 32
    assert hp.Float("rate", 1e-4, 1e-2, sampling="log") == 1e-4
    assert hp.Choice("act", ["relu", "tanh"]) == "relu"
    assert hp.Boolean("shortcut") is False
    assert hp.Fixed("depth", 3) == 3
    assert hp.Choice("k", [3, 5], default=5) == 5
    assert hp.values == {"units": 32, "rate": 1e-4, "act": "relu", "shortcut": False, "depth": 3, "k": 5}
    assert hp["units"] == 32 and "act" in hp and "nope" not in hp


@pytest.mark.parametrize("hp", [
    Int("a", 32, 512, step=32), Int("b", 1, 100, sampling="log"), Int("c", 2, 64, step=2, sampling="log"),
    Int("d", 1, 10), Float("e", 1e-4, 1e-1, sampling="log"), Float("f", 0.0, 1.0, step=0.25),
    Float("g", 0.1, 10.0, sampling="reverse_log"), Choice("h", ["x", "y", "z"]), Boolean("i"), Fixed("j", 7)])
def test_probability_map_round_trips_and_stays_in_range(hp):
    rng = np.random.default_rng(0)
    for _ in range(200):
        value = hp.random_sample(rng)
        hp.check_value(value)
        assert hp.prob_to_value(hp.value_to_prob(value)) == pytest.approx(value)
        assert 0.0 <= hp.value_to_prob(value) <= 1.0


def test_grid_values():
    assert Int("a", 32, 128, step=32).values == [32, 64, 96, 128]
    assert Int("b", 2, 64, step=2, sampling="log").values == [2, 4, 8, 16, 32, 64]
    values = Float("c", 0.0, 1.0).values            # no step: 10 evenly spaced (Keras Tuner's rule)
    assert values == pytest.approx([0.05 + 0.1 * i for i in range(10)])
    log_values = Float("d", 1e-4, 1e-1, sampling="log").values
    assert len(log_values) == 10 and np.allclose(np.diff(np.log(log_values)), np.log(1e3) / 10)
    assert Float("e", 0.0, 1.0, step=0.25).values == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_log_sampling_spreads_over_decades():
    hp = Float("rate", 1e-4, 1e-0, sampling="log")
    draws = np.array([hp.random_sample(np.random.default_rng(i)) for i in range(4000)])
    per_decade = np.histogram(np.log10(draws), bins=[-4, -3, -2, -1, 0])[0]
    assert per_decade.min() > 850          # about 1000 in each decade
    reverse = Float("m", 0.1, 0.999, sampling="reverse_log")
    near_top = np.mean([reverse.random_sample(np.random.default_rng(i)) > 0.9 for i in range(2000)])
    assert near_top > 0.25          # 30% (uniform: 11%): the mass crowds near the top


def test_conditional_scope_inactive_is_none_and_conditions_nest():
    hp = HyperParameters()
    model = hp.Choice("model", ["mlp", "linear"])
    with hp.conditional_scope("model", ["mlp"]):
        depth = hp.Int("depth", 1, 3)
        with hp.conditional_scope("depth", [2, 3]):
            hp.Int("units_2", 8, 32, step=8)
    assert (model, depth) == ("mlp", 1)
    assert hp.values == {"model": "mlp", "depth": 1, "units_2": None}
    hp.values = {"model": "mlp", "depth": 2, "units_2": 16}
    assert hp["units_2"] == 16
    hp.values = {"model": "linear", "depth": 2, "units_2": 16}
    assert hp["depth"] is None and hp["units_2"] is None       # inactive because its parent is
    hp2 = HyperParameters()
    hp2.Choice("opt", ["sgd", "adam"])
    assert hp2.Float("momentum", 0.0, 0.9, parent_name="opt", parent_values=["sgd"]) == 0.0
    hp2.values = {"opt": "adam"}
    assert hp2["momentum"] is None


def test_name_scope_prefixes():
    hp = HyperParameters()
    with hp.name_scope("block1"):
        hp.Int("units", 1, 4)
        with hp.name_scope("inner"):
            hp.Boolean("bn")
    assert list(hp.values) == ["block1/units", "block1/inner/bn"]


def test_config_round_trip():
    hp = HyperParameters()
    hp.Choice("model", ["a", "b"])
    with hp.conditional_scope("model", "b"):
        hp.Float("lr", 1e-3, 1e-1, sampling="log", default=1e-2)
    hp.Fixed("f", "x")
    hp.values = {"model": "b", "lr": 0.05, "f": "x"}
    back = HyperParameters.from_config(hp.get_config())
    assert back.values == hp.values and back.space == hp.space
    assert HyperParameter.from_config(hp.space[1].get_config()).default == 1e-2


def test_bad_arguments_name_what_is_wrong():
    hp = HyperParameters()
    with pytest.raises(ValueError, match="min_value 5 is greater than max_value 1"):
        hp.Int("a", 5, 1)
    with pytest.raises(ValueError, match="sampling='log' needs min_value > 0"):
        hp.Float("b", 0.0, 1.0, sampling="log")
    with pytest.raises(ValueError, match="sampling must be one of"):
        hp.Float("c", 0.1, 1.0, sampling="cubic")
    with pytest.raises(TypeError, match="step must be an integer"):
        hp.Int("d", 1, 10, step=0.5)
    with pytest.raises(ValueError, match="values must be a non-empty list"):
        hp.Choice("e", [])
    with pytest.raises(TypeError, match="all numbers, all strings"):
        hp.Choice("f", [1, "a"])
    with pytest.raises(ValueError, match="parent 'g' must be defined first"):
        with hp.conditional_scope("g", ["x"]):
            pass
    hp.Choice("h", ["x", "y"])
    with pytest.raises(ValueError, match="'z' is not a value of 'h'"):
        with hp.conditional_scope("h", ["z"]):
            pass
    closed = HyperParameters()
    closed.allow_new_entries = False
    with pytest.raises(RuntimeError, match="allow_new_entries=False"):
        closed.Int("x", 1, 2)


def test_tune_new_entries_false_fixes_new_parameters_at_their_default():
    hp = HyperParameters()
    hp.tune_new_entries = False
    assert hp.Int("units", 8, 64, step=8, default=16) == 16
    assert isinstance(hp.space[0], Fixed) and hp.space[0].value == 16
    assert math.isclose(hp.Float("x", 0.5, 1.0), 0.5)


def test_check_value_and_on_grid_know_each_kind_without_listing_it():
    big = Int("n", 0, 10**15, step=5)
    assert big.on_grid(10**15) and not big.on_grid(7) and not big.on_grid(-5) and not big.on_grid(2.5)
    with pytest.raises(ValueError, match="must be an integer"):
        Int("u", 2, 16).check_value(5.5)
    Int("u", 2, 16).check_value(16)
    with pytest.raises(ValueError, match="fixed at 3"):
        Fixed("f", 3).check_value(4)
    with pytest.raises(ValueError, match="fixed at 1"):
        Fixed("f", 1).check_value(True)
    assert Int("b", 2, 64, step=2, sampling="log").on_grid(32) and not Int("b", 2, 64, step=2, sampling="log").on_grid(48)
    assert list(Int("a", 32, 128, step=32).grid_values()) == Int("a", 32, 128, step=32).values
