r"""Keras Tuner's guides run on ``neurona.tune`` with only the import changed, side by side with
Keras Tuner (torch backend): a Tuner subclass whose ``run_trial`` returns a float, a dict of
metrics or a History ("tune anything", "custom training loop"); a HyperModel whose ``fit`` tunes
the batch size; ``conditional_scope``; ``search_space_summary``, ``results_summary(num_trials=)``
and ``get_best_models(num_models=2)``. A grid search visits the same trials in the same order in
both libraries, so trial ids, hyperparameters and scores compare one to one where the scores do not
come from training (random initial weights differ between the libraries)."""
import contextlib
import io
import os
import re

import numpy as np
import pytest

import neurona
from neurona import tune

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
kt = pytest.importorskip("keras_tuner")

LIBRARIES = {"neurona": (neurona, tune), "keras": (keras, kt)}
RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 4)).astype("float32")
Y = (X[:, :1] > 0).astype("float32")
VALIDATION = (X[:16], Y[:16])


def printed(function, *args, **kwargs) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        function(*args, **kwargs)
    return buffer.getvalue()


def trials(tuner) -> list:
    r"""(id, hyperparameter values, score) of every trial, in id order."""
    found = tuner.oracle.trials
    return [(k, dict(found[k].hyperparameters.values), float(found[k].score)) for k in sorted(found)]


def model_builder(lib):
    def build_model(hp):
        model = lib.Sequential([lib.Input(shape=(4,))])
        model.add(lib.layers.Dense(hp.Choice("units", [4, 8]), activation="relu"))
        if hp.Boolean("dropout"):
            model.add(lib.layers.Dropout(rate=0.25))
        model.add(lib.layers.Dense(1, activation="sigmoid"))
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        return model
    return build_model


def tune_anything(name, directory):
    _, kt_module = LIBRARIES[name]

    class MyTuner(kt_module.GridSearch):
        def run_trial(self, trial, *args, **kwargs):
            hp = trial.hyperparameters
            v = hp.Int("v", -2, 2)
            with hp.conditional_scope("v", [1, 2]):
                if v > 0:
                    hp.Choice("w", ["a", "b"])
            return float(v * v + 1)

    tuner = MyTuner(max_trials=10, overwrite=True, directory=str(directory), project_name="anything")
    tuner.search()
    return tuner


@pytest.mark.parametrize("run", [tune_anything])
def test_run_trial_returning_a_float_visits_the_trials_of_keras_tuner(run, tmp_path):
    ours, theirs = run("neurona", tmp_path / "ours"), run("keras", tmp_path / "theirs")
    assert trials(ours) == trials(theirs)
    assert len(trials(ours)) == 7                       # v = -2..2, with w for v = 1 and 2 only
    assert ours.get_best_hyperparameters()[0].values == theirs.get_best_hyperparameters()[0].values == {"v": 0}
    assert printed(ours.search_space_summary) == printed(theirs.search_space_summary)


def summary_lines(text):
    r"""The results summary without the project path and neurona's extra "Best epoch" lines."""
    return [line for line in text.splitlines() if not line.startswith(("Results in", "Best epoch"))]


def test_results_summary_shows_the_best_trials_as_keras_tuner(tmp_path):
    ours, theirs = tune_anything("neurona", tmp_path / "ours"), tune_anything("keras", tmp_path / "theirs")
    for n in (1, 3):
        assert summary_lines(printed(ours.results_summary, num_trials=n)) == summary_lines(
            printed(theirs.results_summary, num_trials=n))
    assert printed(ours.results_summary, num_trials=3).count("summary\nHyperparameters:") == 3


def custom_loop(name, directory):
    lib, kt_module = LIBRARIES[name]

    class MyTuner(kt_module.GridSearch):
        def run_trial(self, trial, x, y, validation_data):
            hp = trial.hyperparameters
            model = self.hypermodel.build(hp)
            model.fit(x, y, epochs=1, verbose=0)
            loss, accuracy = model.evaluate(*validation_data, verbose=0)
            return {"my_score": float(hp.get("units")) + (1.0 if hp.get("dropout") else 0.0), "accuracy": accuracy}

    tuner = MyTuner(model_builder(lib), objective=kt_module.Objective("my_score", "min"), max_trials=10,
                    overwrite=True, directory=str(directory), project_name="loop")
    tuner.search(X, Y, validation_data=VALIDATION)
    return tuner


def test_run_trial_returning_a_dict_of_metrics(tmp_path):
    ours, theirs = custom_loop("neurona", tmp_path / "ours"), custom_loop("keras", tmp_path / "theirs")
    assert trials(ours) == trials(theirs)
    assert [s for _, _, s in trials(ours)] == [4.0, 5.0, 8.0, 9.0]
    best = ours.oracle.get_best_trials(1)[0]
    assert best.score == 4.0 and 0.0 <= best.best_metrics["accuracy"] <= 1.0
    assert theirs.oracle.get_best_trials(1)[0].metrics.get_last_value("accuracy") is not None


def history_trials(name, directory):
    lib, kt_module = LIBRARIES[name]

    class MyTuner(kt_module.GridSearch):
        def run_trial(self, trial, *args, **kwargs):
            model = self.hypermodel.build(trial.hyperparameters)
            return model.fit(*args, **kwargs)

    tuner = MyTuner(model_builder(lib), objective="val_loss", max_trials=3, overwrite=True,
                    directory=str(directory), project_name="history")
    tuner.search(X, Y, epochs=2, validation_data=VALIDATION, verbose=0)
    return tuner


def visited(tuner):
    r"""The hyperparameters of each trial in order (neurona numbers trials with two digits at least,
    Keras Tuner with as many as max_trials has)."""
    return [v for _, v, _ in trials(tuner)]


def test_run_trial_returning_a_history_scores_its_best_epoch(tmp_path):
    ours, theirs = history_trials("neurona", tmp_path / "ours"), history_trials("keras", tmp_path / "theirs")
    assert visited(ours) == visited(theirs) and len(visited(ours)) == 3
    for trial in ours.oracle.trials.values():
        (run,) = trial.metrics                          # one execution of two epochs
        assert len(run) == 2 and trial.score == min(logs["val_loss"] for logs in run)


def batch_size_tuning(name, directory, seen):
    lib, kt_module = LIBRARIES[name]
    build_model = model_builder(lib)

    class Batches(lib.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen[-1] += 1

    class MyHyperModel(kt_module.HyperModel):
        def build(self, hp):
            return build_model(hp)

        def fit(self, hp, model, *args, **kwargs):
            seen.append(0)
            callbacks = kwargs.pop("callbacks", []) + [Batches()]      # the tuner's own come in kwargs
            return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 32]), callbacks=callbacks, **kwargs)

    tuner = kt_module.GridSearch(MyHyperModel(), objective="val_loss", max_trials=8, overwrite=True,
                                 directory=str(directory), project_name="batches")
    summary = printed(tuner.search_space_summary)
    tuner.search(X, Y, epochs=1, validation_data=VALIDATION, verbose=0)
    return tuner, summary


def test_hypermodel_fit_tunes_the_batch_size_as_keras_tuner(tmp_path):
    seen_ours, seen_theirs = [], []
    ours, summary = batch_size_tuning("neurona", tmp_path / "ours", seen_ours)
    theirs, their_summary = batch_size_tuning("keras", tmp_path / "theirs", seen_theirs)
    assert summary == their_summary                     # units and dropout: batch_size appears at search
    assert visited(ours) == visited(theirs) and len(visited(ours)) == 8
    assert seen_ours == seen_theirs == [64 // v["batch_size"] for _, v, _ in trials(ours)]
    best = ours.get_best_models(num_models=2)
    assert len(best) == 2 and all(m.predict(X[:3], verbose=0).shape == (3, 1) for m in best)
    scores = sorted(s for _, _, s in trials(ours))
    assert best[0].evaluate(*VALIDATION, verbose=0)[0] == pytest.approx(scores[0], rel=1e-5)
    assert re.search(r"batch_size \(Choice\)", printed(ours.search_space_summary))


def test_conditional_scope_as_keras_tuner():
    for _, kt_module in LIBRARIES.values():
        hp = kt_module.HyperParameters()
        kind = hp.Choice("model_type", ["mlp", "linear"])
        with hp.conditional_scope("model_type", ["mlp"]):
            if kind == "mlp":
                hp.Int("units", 8, 16, step=8)
        assert hp.values == {"model_type": "mlp", "units": 8} and hp.is_active("units")
