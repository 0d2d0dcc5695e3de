r"""``tune.SklearnTuner`` as Keras Tuner's: Keras Tuner's guide (a random forest or a ridge
classifier, chosen by a conditional hyperparameter, scored by 3-fold cross-validation with a
scorer and a metric) finds the same trials with the same scores in both libraries (the folds and
the estimators are scikit-learn's, so the scores agree exactly); neurona's own NeuralClassifier is
searched the same way, and the best estimators come back fitted."""
import os

import numpy as np
import pytest

import neurona
from neurona import tune

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("sklearn")
from sklearn import datasets, ensemble, linear_model, metrics, model_selection  # noqa: E402

X, Y = datasets.load_iris(return_X_y=True)


def build_model(hp):
    model_type = hp.Choice("model_type", ["random_forest", "ridge"])
    if model_type == "random_forest":
        with hp.conditional_scope("model_type", "random_forest"):
            return ensemble.RandomForestClassifier(n_estimators=hp.Int("n_estimators", 10, 50, step=40),
                                                   max_depth=hp.Int("max_depth", 3, 5, step=2), random_state=0)
    with hp.conditional_scope("model_type", "ridge"):
        return linear_model.RidgeClassifier(alpha=hp.Float("alpha", 1e-3, 1, sampling="log"))


def search(kt, directory):
    tuner = kt.SklearnTuner(
        oracle=kt.oracles.GridSearchOracle(objective=kt.Objective("score", "max"), max_trials=20),
        hypermodel=build_model, scoring=metrics.make_scorer(metrics.accuracy_score),
        metrics=[metrics.balanced_accuracy_score], cv=model_selection.StratifiedKFold(3),
        directory=str(directory), project_name="guide", overwrite=True)
    tuner.search(X, Y)
    return tuner


def scored(tuner):
    r"""{active hyperparameters: score} (neurona lists inactive ones as None, Keras Tuner leaves them out)."""
    return {tuple(sorted((k, v) for k, v in t.hyperparameters.values.items() if v is not None)): float(t.score)
            for t in tuner.oracle.trials.values()}


def test_the_guide_finds_keras_tuners_trials_and_scores(tmp_path):
    kt = pytest.importorskip("keras_tuner")
    ours, theirs = search(tune, tmp_path / "ours"), search(kt, tmp_path / "theirs")
    assert len(scored(ours)) == 15                      # 4 forests, 11 ridge penalties
    mine, reference = scored(ours), scored(theirs)
    assert mine.keys() == reference.keys()
    assert all(mine[k] == pytest.approx(reference[k], abs=1e-12) for k in mine)
    assert ours.get_best_hyperparameters()[0].values["model_type"] == "random_forest"
    best = ours.oracle.get_best_trials(1)[0]
    assert best.score == max(mine.values()) and 0.9 < best.best_metrics["balanced_accuracy_score"] <= 1.0
    (model,) = ours.get_best_models(num_models=1)
    assert isinstance(model, ensemble.RandomForestClassifier) and model.score(X, Y) > 0.9


def test_neuronas_own_estimator_and_its_default_score(tmp_path):
    def build(hp):
        return neurona.estimators.NeuralClassifier(hidden_layer_sizes=(hp.Choice("units", [4, 16]),),
                                                   learning_rate=0.05, epochs=30, random_state=0)

    x = (X - X.mean(axis=0)) / X.std(axis=0)
    tuner = tune.SklearnTuner(tune.oracles.GridSearchOracle(objective=tune.Objective("score", "max"), max_trials=2),
                              build, cv=model_selection.KFold(3, shuffle=True, random_state=0),
                              directory=str(tmp_path), project_name="mlp")
    tuner.search(x, Y)
    scores = [t.score for t in tuner.oracle.trials.values()]
    assert len(scores) == 2 and min(scores) > 0.7       # the classifier's own score: accuracy
    best = tuner.get_best_models(num_models=2)
    assert [type(m).__name__ for m in best] == ["NeuralClassifier"] * 2
    assert np.mean(best[0].predict(x) == Y) > 0.7


def test_cv_must_split():
    with pytest.raises(TypeError, match="cv must be a scikit-learn splitter"):
        tune.SklearnTuner(tune.oracles.RandomSearchOracle(objective=tune.Objective("score", "max"), max_trials=1),
                          build_model, cv=3, directory=None, project_name="never", overwrite=False)
