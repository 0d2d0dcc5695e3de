import itertools
import math

import numpy as np
import pytest

from neurona.tune import (BayesianOptimizationOracle, GridSearchOracle, HyperbandOracle, HyperParameters,
                          RandomSearchOracle, TrialStatus)
from neurona.tune.grid_search import grid
from neurona.tune.oracle import IDLE, STOPPED, SearchStopped


def drive(oracle, score, limit=10_000):
    r"""Ask and tell until the oracle stops, scoring each trial with score(values)."""
    asked = []
    for _ in range(limit):
        trial = oracle.create_trial()
        if trial in (IDLE, STOPPED):
            assert trial == STOPPED
            return asked
        trial.tries += 1
        asked.append(dict(trial.values))
        oracle.end_trial(trial, {"status": TrialStatus.COMPLETED, "score": score(trial.values)})
    raise AssertionError("the oracle did not stop")


def space(*build):
    hp = HyperParameters()
    for step in build:
        step(hp)
    return hp


def test_grid_visits_exactly_the_product_in_odometer_order():
    hp = space(lambda h: h.Choice("optimizer", ["sgd", "adam"]), lambda h: h.Int("units", 16, 48, step=16),
               lambda h: h.Boolean("bn"))
    visited = drive(GridSearchOracle(objective="val_loss", hyperparameters=hp), lambda v: 0.0)
    expected = [dict(zip(["optimizer", "units", "bn"], c))
                for c in itertools.product(["sgd", "adam"], [16, 32, 48], [False, True])]
    assert visited == expected


def test_grid_explores_every_condition_once_and_float_has_ten_values():
    hp = HyperParameters()
    hp.Choice("model", ["mlp", "linear"])
    with hp.conditional_scope("model", ["mlp"]):
        hp.Int("depth", 1, 3)
    hp.Float("lr", 0.0, 1.0)
    visited = drive(GridSearchOracle(objective="val_loss", hyperparameters=hp), lambda v: 0.0)
    assert len(visited) == (3 + 1) * 10            # mlp x 3 depths, linear alone; 10 learning rates
    assert len({tuple(v.items()) for v in visited}) == len(visited)
    assert all(v["depth"] is None for v in visited if v["model"] == "linear")
    assert visited[0] == {"model": "mlp", "depth": 1, "lr": pytest.approx(0.05)}
    assert len(list(grid(hp))) == 40
    limited = GridSearchOracle(objective="val_loss", hyperparameters=hp, max_trials=7)
    assert len(drive(limited, lambda v: 0.0)) == 7


def test_random_search_is_reproducible_and_stops_when_the_space_is_exhausted():
    hp = space(lambda h: h.Float("x", 0.0, 1.0), lambda h: h.Choice("c", ["a", "b"]))
    first = drive(RandomSearchOracle(objective="loss", max_trials=8, hyperparameters=hp, seed=3), lambda v: v["x"])
    again = drive(RandomSearchOracle(objective="loss", max_trials=8, hyperparameters=hp, seed=3), lambda v: v["x"])
    other = drive(RandomSearchOracle(objective="loss", max_trials=8, hyperparameters=hp, seed=4), lambda v: v["x"])
    assert first == again and first != other and len(first) == 8
    tiny = space(lambda h: h.Choice("c", ["a", "b", "c"]))
    assert len(drive(RandomSearchOracle(objective="loss", max_trials=10, hyperparameters=tiny), lambda v: 0.0)) == 3


def keras_tuner_brackets(max_epochs, factor):
    r"""Keras Tuner's Hyperband formula: brackets s_max..0, round sizes and epochs."""
    s_max = 0
    while max_epochs / factor ** (s_max + 1) >= 1:
        s_max += 1
    end = math.ceil(1 + math.log(max_epochs, factor))
    return {s: [(math.ceil(end / (s + 1) * factor ** (s - r)), math.ceil(max_epochs / factor ** (s - r)))
                for r in range(s + 1)] for s in range(s_max, -1, -1)}


@pytest.mark.parametrize("max_epochs, factor", [(27, 3), (10, 3), (81, 3), (20, 2), (5, 4)])
def test_hyperband_brackets_and_epochs_are_keras_tuners(max_epochs, factor):
    hp = space(lambda h: h.Float("x", 0.0, 1.0))
    oracle = HyperbandOracle(objective="val_loss", max_epochs=max_epochs, factor=factor, hyperparameters=hp, seed=0)
    visited = drive(oracle, lambda v: (v["x"] - 0.3) ** 2)
    expected = keras_tuner_brackets(max_epochs, factor)
    seen = {}
    for v in visited:
        seen.setdefault(v["tuner/bracket"], {}).setdefault(v["tuner/round"], []).append(v)
    assert list(seen) == list(expected)                                 # brackets from s_max down to 0
    by_id = {}
    for trial in oracle.trials.values():
        by_id[trial.trial_id] = trial
    for s, rounds in expected.items():
        for r, (size, epochs) in enumerate(rounds):
            assert len(seen[s][r]) == size
            assert {v["tuner/epochs"] for v in seen[s][r]} == {epochs}
            if r:
                assert {v["tuner/initial_epoch"] for v in seen[s][r]} == {rounds[r - 1][1]}
                parents = [by_id[v["tuner/trial_id"]] for v in seen[s][r]]
                last = sorted(seen[s][r - 1], key=lambda v: (v["x"] - 0.3) ** 2)
                assert sorted(p.values["x"] for p in parents) == sorted(v["x"] for v in last[:size])


def branin(v):
    x1, x2 = v["x1"], v["x2"]
    return ((x2 - 5.1 / (4 * math.pi ** 2) * x1 ** 2 + 5 / math.pi * x1 - 6) ** 2
            + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10)


_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                      [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])


def hartmann6(v):
    x = np.array([v[f"x{i}"] for i in range(6)])
    return float(-np.array([1.0, 1.2, 3.0, 3.2]) @ np.exp(-(_A * (x - _P) ** 2).sum(1)))


@pytest.mark.parametrize("function, bounds, budget", [
    (branin, {"x1": (-5.0, 10.0), "x2": (0.0, 15.0)}, 20),
    (hartmann6, {f"x{i}": (0.0, 1.0) for i in range(6)}, 25)])
def test_bayesian_optimization_beats_random_search_in_the_median_over_20_seeds(function, bounds, budget):
    hp = space(*[lambda h, n=n, b=b: h.Float(n, *b) for n, b in bounds.items()])
    best = {"random": [], "bayesian": []}
    for seed in range(20):
        random = RandomSearchOracle(objective="loss", max_trials=budget, hyperparameters=hp, seed=seed)
        bayes = BayesianOptimizationOracle(objective="loss", max_trials=budget, hyperparameters=hp, seed=seed,
                                           num_initial_points=2 * len(bounds))
        best["random"].append(min(map(function, drive(random, function))))
        best["bayesian"].append(min(map(function, drive(bayes, function))))
    assert np.median(best["bayesian"]) < np.median(best["random"])


def test_bayesian_maximises_a_max_objective():
    hp = space(lambda h: h.Float("x", 0.0, 1.0))
    oracle = BayesianOptimizationOracle(objective="val_accuracy", max_trials=12, hyperparameters=hp, seed=0)
    visited = drive(oracle, lambda v: 1 - (v["x"] - 0.7) ** 2)
    assert abs(oracle.get_best_trials(1)[0].values["x"] - 0.7) < 0.05
    assert len(visited) == 12


def test_failures_are_retried_then_counted_and_stop_the_search():
    hp = space(lambda h: h.Float("x", 0.0, 1.0))
    oracle = RandomSearchOracle(objective="loss", max_trials=10, hyperparameters=hp, max_retries_per_trial=1,
                                max_consecutive_failed_trials=2)
    trial = oracle.create_trial()
    trial.tries += 1
    assert oracle.end_trial(trial, {"status": TrialStatus.COMPLETED, "score": math.nan})   # NaN: retried
    assert oracle.create_trial() is trial
    trial.tries += 1
    assert not oracle.end_trial(trial, {"status": TrialStatus.COMPLETED, "score": math.nan})
    assert trial.status == TrialStatus.INVALID
    second = oracle.create_trial()
    second.tries = 2
    with pytest.raises(SearchStopped, match="2 consecutive trials failed.*ValueError: boom"):
        oracle.end_trial(second, {"status": TrialStatus.FAILED, "message": "ValueError: boom"})


def test_optuna_drives_the_same_space():
    optuna = pytest.importorskip("optuna")
    from neurona.tune.optuna_search import OptunaOracle
    hp = HyperParameters()
    hp.Int("units", 2, 64, step=2, sampling="log")         # a log scale with a step: a categorical for Optuna
    hp.Float("lr", 1e-4, 1e-1, sampling="log")
    hp.Choice("model", ["a", "b"])
    with hp.conditional_scope("model", ["b"]):
        hp.Float("m", 0.5, 0.99, sampling="reverse_log")
    oracle = OptunaOracle(objective="loss", max_trials=25, hyperparameters=hp, seed=0,
                          sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=5))
    visited = drive(oracle, lambda v: (math.log10(v["lr"]) + 2) ** 2 + (v["units"] != 16))
    assert {v["units"] for v in visited} <= {2, 4, 8, 16, 32, 64}
    assert all((v["m"] is None) == (v["model"] == "a") for v in visited)
    assert all(0.5 <= v["m"] <= 0.99 for v in visited if v["m"] is not None)
    assert len(oracle.study.trials) == 25
    assert oracle.get_best_trials(1)[0].score == oracle.study.best_value
