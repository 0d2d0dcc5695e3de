r"""Hyperparameter search as Keras Tuner does it: ``from neurona import tune as keras_tuner``.

    def build_model(hp):
        model = neurona.Sequential([layers.Dense(hp.Int("units", 32, 256, step=32), activation="relu"),
                                    layers.Dense(10, activation="softmax")], input_dim=64)
        model.compile(optimizer=optimizers.Adam(hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    tuner = tune.RandomSearch(build_model, objective="val_accuracy", max_trials=10, directory="runs")
    tuner.search(x, y, epochs=5, validation_data=(x_val, y_val))
    tuner.results_summary();  best = tuner.get_best_models(1)[0]

Modules: ``hyperparameters`` (the space), ``objective``, ``trial`` (trials and their files),
``lock`` (one search a directory), ``oracle`` (+ random; ``oracles`` gathers them all), ``grid_search``, ``gaussian_process`` +
``bayesian``, ``hyperband``, ``optuna_search``, ``runner`` (one trial in a worker), ``executors``
(local, processes, futures, Dask), ``tuner`` (the loop), ``tuners`` (the named tuners), ``sklearn_tuner`` (cross-validated estimators), ``compare``
(A/B runs), ``plot``.
"""
from . import hyperparameters, objective as objectives, oracles, plot
from .bayesian import BayesianOptimizationOracle
from .compare import compare
from .grid_search import GridSearchOracle
from .hyperband import HyperbandOracle
from .hyperparameters import Boolean, Choice, Fixed, Float, HyperParameters, Int
from .objective import Objective
from .oracle import Oracle, RandomSearchOracle, SearchStopped
from .runner import HyperModel
from .sklearn_tuner import SklearnTuner
from .lock import SearchLocked
from .trial import SearchDirectoryError, Trial, TrialStatus
from .tuner import Tuner
from .tuners import BayesianOptimization, GridSearch, Hyperband, OptunaSearch, RandomSearch

__all__ = ["HyperParameters", "HyperModel", "Objective", "Tuner", "SklearnTuner", "RandomSearch", "GridSearch",
           "BayesianOptimization", "Hyperband", "OptunaSearch", "Oracle", "RandomSearchOracle", "GridSearchOracle",
           "BayesianOptimizationOracle", "HyperbandOracle", "Trial", "TrialStatus", "SearchStopped", "SearchLocked",
           "SearchDirectoryError", "compare",
           "Int", "Float", "Choice", "Boolean", "Fixed", "hyperparameters", "objectives", "oracles", "plot"]

