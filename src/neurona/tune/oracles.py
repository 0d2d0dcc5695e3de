r"""``keras_tuner.oracles``: every oracle in one namespace, as Keras Tuner names them
(``tune.oracles.GridSearchOracle(objective=..., max_trials=...)`` for ``Tuner(oracle=...)`` and
``SklearnTuner``). Each lives in its own module; this one only gathers them."""
from .bayesian import BayesianOptimizationOracle
from .grid_search import GridSearchOracle
from .hyperband import HyperbandOracle
from .oracle import Oracle, RandomSearchOracle, SearchStopped

__all__ = ["Oracle", "RandomSearchOracle", "GridSearchOracle", "BayesianOptimizationOracle", "HyperbandOracle",
           "SearchStopped"]
