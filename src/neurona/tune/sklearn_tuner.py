r"""``SklearnTuner``: Keras Tuner's search over scikit-learn estimators (neurona's own or scikit-learn's),
each trial scored by cross-validation:

    score(trial) = mean over the folds k of scoring(model_k, x_test_k, y_test_k)

model_k being ``build(hp)`` fitted on the other folds; ``scoring`` defaults to the estimator's own
``score`` (accuracy for a classifier, R^2 for a regressor), so the objective is usually
``Objective("score", "max")``. ``metrics`` (functions f(y_true, y_pred)) are averaged over the folds
the same way and logged beside the score. The model of the last fold is kept (pickled) in the
trial's folder: ``get_best_models`` reads it back, as Keras Tuner does.
"""
from __future__ import annotations

import os
import pickle

import numpy as np

from .tuner import Tuner

MODEL_PICKLE = "model.pickle"


class SklearnTuner(Tuner):
    r"""Search over the estimators ``hypermodel`` builds, with the ``oracle`` given (Keras Tuner's
    signature: SklearnTuner(oracle, hypermodel, scoring=None, metrics=None, cv=KFold(5, shuffle=True,
    random_state=1), directory=..., project_name=...)); ``search(x, y, sample_weight=None, groups=None)``."""

    def __init__(self, oracle, hypermodel, scoring=None, metrics=None, cv=None, **kwargs):
        if cv is None:
            from sklearn.model_selection import KFold
            cv = KFold(5, shuffle=True, random_state=1)
        if not hasattr(cv, "split"):
            raise TypeError(f"SklearnTuner: cv must be a scikit-learn splitter (with a split(x, y, groups) "
                            f"method, such as KFold(5)); got {cv!r}.")
        self.scoring, self.metrics, self.cv = scoring, list(metrics or []), cv
        super().__init__(oracle, hypermodel, **kwargs)

    def search(self, x, y, sample_weight=None, groups=None):
        r"""Run the trials on (x, y): each one cross-validated with ``cv``."""
        return super().search(x, y, sample_weight=sample_weight, groups=groups)

    def run_trial(self, trial, x, y, sample_weight=None, groups=None):
        x, y = np.asarray(x), np.asarray(y)
        w = None if sample_weight is None else np.asarray(sample_weight)
        found: dict[str, list] = {"score": []}
        for train, test in self.cv.split(x, y, groups):
            model = self.hypermodel.build(trial.hyperparameters)
            if w is None:
                model.fit(x[train], y[train])
            else:
                model.fit(x[train], y[train], sample_weight=w[train])
            test_weight = None if w is None else w[test]
            if self.scoring is None:
                score = model.score(x[test], y[test], sample_weight=test_weight)
            else:
                score = self.scoring(model, x[test], y[test], sample_weight=test_weight)
            found["score"].append(float(score))
            if self.metrics:
                predicted = model.predict(x[test])
                for metric in self.metrics:
                    found.setdefault(metric.__name__, []).append(
                        float(metric(y[test], predicted, sample_weight=test_weight)))
        with open(os.path.join(self.storage.trial_dir(trial.trial_id), MODEL_PICKLE), "wb") as file:
            pickle.dump(model, file)
        return {name: float(np.mean(values)) for name, values in found.items()}

    def get_best_models(self, num_models: int = 1) -> list:
        r"""The estimators of the best trials (each fitted on its last fold)."""
        models = []
        for trial in self.oracle.get_best_trials(num_models):
            with open(os.path.join(self.storage.trial_dir(trial.trial_id), MODEL_PICKLE), "rb") as file:
                models.append(pickle.load(file))
        return models
