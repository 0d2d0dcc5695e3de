r"""The tuners of Keras Tuner's API: each is the Tuner loop over one oracle.

    RandomSearch(build_model, objective="val_accuracy", max_trials=10)
    GridSearch(build_model, objective="val_loss")                       every combination (or max_trials)
    BayesianOptimization(build_model, objective="val_loss", max_trials=20, num_initial_points=5, beta=2.6)
    Hyperband(build_model, objective="val_accuracy", max_epochs=27, factor=3)
    OptunaSearch(build_model, objective="val_loss", max_trials=30, sampler=None, pruner=None)

Common keyword arguments (those of ``Tuner``): directory, project_name, overwrite=False,
executions_per_trial=1, executor=None (this process; N local processes; a concurrent.futures
executor; a dask.distributed Client).
"""
from __future__ import annotations

from .bayesian import BayesianOptimizationOracle
from .grid_search import GridSearchOracle
from .hyperband import HyperbandOracle
from .oracle import RandomSearchOracle
from .tuner import Tuner

_ORACLE_KEYS = ("objective", "seed", "hyperparameters", "allow_new_entries", "tune_new_entries",
                "max_retries_per_trial", "max_consecutive_failed_trials")


def _split(kwargs):
    oracle = {k: kwargs.pop(k) for k in list(kwargs) if k in _ORACLE_KEYS}
    return oracle, kwargs


class RandomSearch(Tuner):
    def __init__(self, hypermodel=None, objective=None, max_trials=10, **kwargs):
        oracle, rest = _split(kwargs)
        super().__init__(RandomSearchOracle(objective=objective, max_trials=max_trials, **oracle), hypermodel, **rest)


class GridSearch(Tuner):
    def __init__(self, hypermodel=None, objective=None, max_trials=None, **kwargs):
        oracle, rest = _split(kwargs)
        super().__init__(GridSearchOracle(objective=objective, max_trials=max_trials, **oracle), hypermodel, **rest)


class BayesianOptimization(Tuner):
    def __init__(self, hypermodel=None, objective=None, max_trials=10, num_initial_points=None, alpha=1e-4,
                 beta=2.6, **kwargs):
        oracle, rest = _split(kwargs)
        super().__init__(BayesianOptimizationOracle(objective=objective, max_trials=max_trials,
                                                    num_initial_points=num_initial_points, alpha=alpha, beta=beta,
                                                    **oracle), hypermodel, **rest)


class Hyperband(Tuner):
    r"""Successive halving in brackets; a promoted trial continues from its parent's model file."""

    def __init__(self, hypermodel=None, objective=None, max_epochs=100, factor=3, hyperband_iterations=1,
                 max_trials=None, **kwargs):
        oracle, rest = _split(kwargs)
        super().__init__(HyperbandOracle(objective=objective, max_epochs=max_epochs, factor=factor,
                                         hyperband_iterations=hyperband_iterations, max_trials=max_trials, **oracle),
                         hypermodel, **rest)


class OptunaSearch(Tuner):
    r"""Optuna's samplers (TPE by default) and pruners over the same HyperParameters (``neurona[optuna]``).
    A pruner hears each epoch's objective when trials run in this process (``executor=None``)."""

    def __init__(self, hypermodel=None, objective=None, max_trials=10, sampler=None, pruner=None, **kwargs):
        from .optuna_search import OptunaOracle
        oracle, rest = _split(kwargs)
        super().__init__(OptunaOracle(objective=objective, max_trials=max_trials, sampler=sampler, pruner=pruner,
                                      **oracle), hypermodel, **rest)
