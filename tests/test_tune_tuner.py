import csv
import gc
import json
import math
import os
import tracemalloc

import numpy as np
import pytest

import neurona as nr
from neurona import callbacks, layers, optimizers, tune
from neurona.tune import TrialStatus

from tune_models import FailsOn, NaNFirst, accuracy, build_model, digits


def test_getting_started_random_search(tmp_path):
    x, y, x_val, y_val = digits()
    tuner = tune.RandomSearch(build_model, objective="val_accuracy", max_trials=3, seed=1,
                              directory=tmp_path, project_name="helloworld")
    printed = []
    assert tuner.search_space_summary(print_fn=printed.append) is None
    (text,) = printed
    assert "Default search space size: 2" in text and "units (Int)" in text
    tuner.search(x, y, epochs=3, validation_data=(x_val, y_val), verbose=0)
    trials = list(tuner.oracle.trials.values())
    assert [t.status for t in trials] == [TrialStatus.COMPLETED] * 3 and tuner.remaining_trials == 0
    best_trial = tuner.oracle.get_best_trials(1)[0]
    assert best_trial.score == max(t.score for t in trials) > 0.8
    best_hp = tuner.get_best_hyperparameters(1)[0]
    assert best_hp.values == best_trial.values
    model = tuner.get_best_models(1)[0]
    # the saved model is the trial's best epoch: its validation accuracy is the trial's score
    assert accuracy(model, x_val, y_val) == pytest.approx(best_trial.score)
    on_disk = json.loads((tmp_path / "helloworld" / f"trial_{best_trial.trial_id}" / "trial.json").read_text())
    assert on_disk["status"] == "COMPLETED" and on_disk["best_epoch"] == best_trial.best_epoch
    assert len(on_disk["metrics"][0]) == 3 and on_disk["seconds"] > 0
    assert set(on_disk["hyperparameters"]["values"]) == {"units", "learning_rate"}
    assert json.loads((tmp_path / "helloworld" / "oracle.json").read_text())["oracle"]["trial_ids"] == ["00", "01", "02"]
    printed.clear()
    assert tuner.results_summary(1, print_fn=printed.append) is None
    (summary,) = printed
    assert f"Trial {best_trial.trial_id} summary" in summary and "Score:" in summary


class TunedFit(tune.HyperModel):
    r"""Keras Tuner's pattern for tuning fit: the HyperModel's fit asks hp for the batch size."""

    def build(self, hp):
        model = nr.Sequential(input_dim=64, seed=0)
        if hp.Choice("kind", ["mlp", "linear"]) == "mlp":
            with hp.conditional_scope("kind", ["mlp"]):
                model.add(layers.Dense(hp.Int("units", 8, 16, step=8), activation="relu"))
        model.add(layers.Dense(10, activation="softmax"))
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(*args, batch_size=hp.Choice("batch_size", [32, 128]), **kwargs)


STEPS = []


class RecordSteps(callbacks.Callback):
    r"""The batches of each (one-epoch) fit."""

    def on_train_begin(self, logs=None):
        STEPS.append(0)

    def on_train_batch_end(self, batch, logs=None):
        STEPS[-1] += 1


def test_grid_over_conditions_and_tuned_batch_sizes(tmp_path):
    x, y, x_val, y_val = digits()
    tuner = tune.GridSearch(TunedFit(), objective="val_loss", directory=tmp_path)
    # every condition's parameters are found before the first trial
    assert [hp.name for hp in tuner.oracle.hyperparameters.space] == ["kind", "units"]
    tuner.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    visited = [t.values for t in tuner.oracle.trials.values()]
    # batch_size is met in the first fit: it joins the space then, and the grid covers it
    assert {(v["kind"], v["units"], v["batch_size"]) for v in visited} >= {
        ("mlp", 8, 32), ("mlp", 8, 128), ("mlp", 16, 32), ("mlp", 16, 128), ("linear", None, 32), ("linear", None, 128)}
    del STEPS[:]
    searched = tune.RandomSearch(build_model, objective="val_loss", max_trials=4, seed=0, directory=tmp_path,
                                 project_name="fit_args")
    searched.search(x, y, epochs=1, validation_data=(x_val, y_val), callbacks=[RecordSteps()], verbose=0,
                    batch_size=tune.Choice("batch_size", [50, 200]))
    sizes = [t.values["batch_size"] for t in searched.oracle.trials.values()]
    assert STEPS == [math.ceil(600 / b) for b in sizes] and set(sizes) <= {50, 200}
    assert "batch_size" in searched.results()[0]


def test_a_failing_trial_is_recorded_and_the_search_goes_on(tmp_path):
    x, y, x_val, y_val = digits()
    tuner = tune.GridSearch(FailsOn(units=(16,)), objective="val_accuracy", max_trials=12, directory=tmp_path)
    tuner.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    failed = [t for t in tuner.oracle.trials.values() if t.status == TrialStatus.FAILED]
    assert len(tuner.oracle.trials) == 12 and len(failed) == 2 and all(t.values["units"] == 16 for t in failed)
    assert failed[0].message == "ValueError: boom at units=16"
    rows = tuner.results()
    assert {r["status"] for r in rows} == {"COMPLETED", "FAILED"}
    assert all(r["score"] is None for r in rows if r["status"] == "FAILED")


def test_consecutive_failures_stop_the_search_quoting_the_last_message(tmp_path):
    x, y, x_val, y_val = digits()
    tuner = tune.RandomSearch(FailsOn(), objective="val_accuracy", max_trials=10, directory=tmp_path)
    with pytest.raises(tune.SearchStopped, match=r"3 consecutive trials failed.*ValueError: boom at units="):
        tuner.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    assert len(tuner.oracle.trials) == 3


def test_a_nan_score_is_invalid_and_retried(tmp_path):
    x, y, x_val, y_val = digits()
    markers = tmp_path / "markers"
    markers.mkdir()
    tuner = tune.RandomSearch(NaNFirst(str(markers)), objective="val_accuracy", max_trials=2, max_retries_per_trial=1,
                              directory=tmp_path, seed=0)
    tuner.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    assert [(t.status, t.tries) for t in tuner.oracle.trials.values()] == [(TrialStatus.COMPLETED, 2)] * 2
    stubborn = tune.RandomSearch(NaNFirst(str(markers), times=99), objective="val_accuracy", max_trials=1,
                                 directory=tmp_path, project_name="nan", seed=5)
    stubborn.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    (trial,) = stubborn.oracle.trials.values()
    assert trial.status == TrialStatus.INVALID and trial.message == "the score is NaN" and trial.tries == 1



def test_resume_reloads_finished_trials_and_refuses_another_search(tmp_path):
    x, y, x_val, y_val = digits()
    args = dict(objective="val_accuracy", seed=3, directory=tmp_path, project_name="p")
    first = tune.RandomSearch(build_model, max_trials=2, **args)
    first.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    # pretend the second trial was running when the search was killed
    path = tmp_path / "p" / "trial_01" / "trial.json"
    state = json.loads(path.read_text())
    state["status"] = "RUNNING"
    path.write_text(json.dumps(state))
    done = (tmp_path / "p" / "trial_00" / "trial.json").read_bytes()
    again = tune.RandomSearch(build_model, max_trials=4, **args)
    assert again.oracle.trials["00"].status == TrialStatus.COMPLETED
    again.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    assert (tmp_path / "p" / "trial_00" / "trial.json").read_bytes() == done      # not run again
    assert list(again.oracle.trials) == ["00", "01", "02", "03"]
    assert all(t.status == TrialStatus.COMPLETED for t in again.oracle.trials.values())
    assert again.oracle.trials["01"].values == first.oracle.trials["01"].values
    assert again.oracle.trials["01"].score == pytest.approx(first.oracle.trials["01"].score)

    def other_model(hp):
        hp.Int("depth", 1, 2)
        return build_model(hp)

    with pytest.raises(ValueError, match="different build space.*overwrite=True"):
        tune.RandomSearch(other_model, max_trials=4, **args)
    with pytest.raises(ValueError, match="different objective"):
        tune.RandomSearch(build_model, max_trials=4, **{**args, "objective": "val_loss"})
    (tmp_path / "p" / "notes.txt").write_text("mine")
    fresh = tune.RandomSearch(other_model, max_trials=1, overwrite=True, **args)
    assert fresh.oracle.trials == {} and not (tmp_path / "p" / "trial_03").exists()
    assert (tmp_path / "p" / "notes.txt").read_text() == "mine"          # only the search's own files go


def test_results_csv_and_objectives(tmp_path):
    x, y, x_val, y_val = digits()
    tuner = tune.RandomSearch(build_model, objective=[tune.Objective("val_accuracy", "max"), "val_loss"],
                              max_trials=2, executions_per_trial=2, directory=tmp_path)
    tuner.search(x, y, epochs=2, validation_data=(x_val, y_val), verbose=0)
    trial = tuner.oracle.trials["00"]
    per_run = [min(-logs["val_accuracy"] + logs["val_loss"] for logs in run) for run in trial.metrics]
    assert len(per_run) == 2 and trial.score == pytest.approx(np.mean(per_run))
    tuner.results_csv(tmp_path / "results.csv")
    with open(tmp_path / "results.csv") as file:
        rows = list(csv.DictReader(file))
    assert [r["trial_id"] for r in rows] == ["00", "01"]
    assert set(rows[0]) >= {"status", "score", "best_epoch", "seconds", "units", "learning_rate"}
    assert float(rows[0]["score"]) == pytest.approx(trial.score)
    assert tune.objectives.create("val_accuracy").direction == "max"
    assert tune.objectives.create("val_loss").direction == "min"
    assert tune.objectives.create("mean_absolute_error").direction == "min"
    with pytest.raises(ValueError, match="Cannot infer whether 'wiggles'"):
        tune.objectives.create("wiggles")


def test_hyperband_promotes_and_continues_from_the_parent_model(tmp_path):
    x, y, x_val, y_val = digits()
    tuner = tune.Hyperband(build_model, objective="val_loss", max_epochs=4, factor=2, seed=0, directory=tmp_path)
    tuner.search(x, y, validation_data=(x_val, y_val), verbose=0)
    trials = tuner.oracle.trials
    promoted = [t for t in trials.values() if t.values.get("tuner/trial_id")]
    assert promoted
    for trial in promoted:
        parent = trials[trial.values["tuner/trial_id"]]
        first_epoch = trial.metrics[0][0]
        assert len(trial.metrics[0]) == trial.values["tuner/epochs"] - trial.values["tuner/initial_epoch"]
        assert trial.best_epoch >= trial.values["tuner/initial_epoch"]
        # it starts where its parent's best epoch ended, not from fresh weights
        assert first_epoch["loss"] < parent.metrics[0][0]["loss"]


MEMORY = []


class Measured(tune.HyperModel):
    r"""A model of 2 to 4 MB (weights, gradients, Adam's slots): one kept per trial would show."""

    def build(self, hp):
        model = nr.Sequential([layers.Dense(hp.Int("units", 1024, 2048, step=64), activation="relu"),
                               layers.Dense(10, activation="softmax")], input_dim=64, seed=0)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    def fit(self, hp, model, *args, **kwargs):
        gc.collect()
        MEMORY.append(tracemalloc.get_traced_memory()[0])
        return model.fit(*args, **kwargs)


def test_memory_does_not_grow_from_trial_to_trial(tmp_path):
    # the bytes Python and NumPy hold (tracemalloc), not the resident size: the allocator's arenas
    # grow and shrink with what earlier tests in the process left, a kept model does not hide
    x, y, x_val, y_val = digits(100, 50)
    del MEMORY[:]
    tuner = tune.RandomSearch(Measured(), objective="val_loss", max_trials=10, directory=tmp_path)
    tracemalloc.start()
    try:
        tuner.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    finally:
        tracemalloc.stop()
    growth = (MEMORY[-1] - MEMORY[3]) / (len(MEMORY) - 4)
    assert growth < 400_000, f"{growth:.0f} bytes per trial"     # a model kept per trial: 2 MB or more


class SlowOrFast(tune.HyperModel):
    r"""A learning rate of 1e-5 barely learns: a pruner should stop such trials early."""

    def build(self, hp):
        model = nr.Sequential([layers.Dense(16, activation="relu"), layers.Dense(10, activation="softmax")],
                              input_dim=64, seed=0)
        model.compile(optimizer=optimizers.Adam(hp.Choice("learning_rate", [1e-2, 1e-5])),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model


def test_optuna_search_with_a_median_pruner(tmp_path):
    optuna = pytest.importorskip("optuna")
    x, y, x_val, y_val = digits(300, 150)
    tuner = tune.OptunaSearch(SlowOrFast(), objective="val_loss", max_trials=8, directory=tmp_path,
                              sampler=optuna.samplers.RandomSampler(seed=0),
                              pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0))
    tuner.search(x, y, epochs=6, validation_data=(x_val, y_val), verbose=0)
    trials = list(tuner.oracle.trials.values())
    stopped = [t for t in trials if t.status == TrialStatus.STOPPED]
    assert len(trials) == 8 and stopped
    assert all(t.values["learning_rate"] == 1e-5 and len(t.metrics[0]) < 6 for t in stopped)
    assert tuner.get_best_hyperparameters()[0]["learning_rate"] == 1e-2
    states = [s.state for s in tuner.oracle.study.trials]
    assert states.count(optuna.trial.TrialState.PRUNED) == len(stopped)


class TuneAnything(tune.RandomSearch):
    r"""Keras Tuner's "tune anything" pattern: run_trial overridden, no hypermodel, a number returned."""

    def run_trial(self, trial, *args, **kwargs):
        x = trial.hyperparameters.Float("x", -1.0, 1.0)
        return x * x + 1


def test_a_tuner_with_its_own_run_trial(tmp_path):
    tuner = TuneAnything(max_trials=12, directory=tmp_path, project_name="anything", seed=0)
    tuner.search(verbose=0)
    trials = list(tuner.oracle.trials.values())
    assert len(trials) == 12 and all(t.status == TrialStatus.COMPLETED for t in trials)
    best = tuner.get_best_hyperparameters()[0].get("x")
    assert all(abs(best) <= abs(t.values["x"]) for t in trials) and abs(best) < 0.3
    assert tuner.oracle.objective.name == "default_objective"
    with pytest.raises(TypeError, match="needs a hypermodel"):
        tune.RandomSearch(max_trials=2, directory=tmp_path)


class DictScores(tune.HyperModel):
    def build(self, hp):
        return build_model(hp)

    def fit(self, hp, model, x, y, validation_data, callbacks=None, **kwargs):
        model.fit(x, y, callbacks=callbacks, **kwargs)
        x_val, y_val = validation_data
        return {"metric_a": -accuracy(model, x_val, y_val), "metric_b": hp["units"]}


class Counting(callbacks.Callback):
    def __init__(self):
        self.epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1


def test_fit_returning_a_dict_and_callbacks_copied_per_execution(tmp_path):
    x, y, x_val, y_val = digits(200, 100)
    counter = Counting()
    tuner = tune.RandomSearch(DictScores(), objective=tune.Objective("metric_a", "min"), max_trials=2,
                              executions_per_trial=2, directory=tmp_path, seed=0)
    tuner.search(x, y, epochs=2, validation_data=(x_val, y_val), callbacks=[counter], verbose=0)
    assert counter.epochs == 0                    # each execution trained with its own copy
    trial = tuner.oracle.get_best_trials(1)[0]
    assert trial.score < -0.5 and trial.best_metrics["metric_b"] == trial.values["units"]


def test_bookkeeping_writes_are_atomic_without_fsync(tmp_path, monkeypatch):
    from neurona import atomicfile
    synced = []
    monkeypatch.setattr(atomicfile.os, "fsync", lambda fd: synced.append(fd))
    atomicfile.write_atomic(tmp_path / "a.json", b"{}", durable=False)
    assert synced == [] and (tmp_path / "a.json").read_bytes() == b"{}"
    atomicfile.write_atomic(tmp_path / "a.json", b"[]")
    assert len(synced) == 2 and (tmp_path / "a.json").read_bytes() == b"[]"     # the file, then the directory
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
