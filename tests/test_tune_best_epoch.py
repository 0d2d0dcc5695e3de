r"""Which epoch a trial keeps, in every direction, against Keras Tuner's rule: the same scripted
sequence of logged values gives the same best epoch and score as Keras Tuner's MetricsTracker with
the direction Keras Tuner infers (or is given), and that epoch is the one the score, the model file
and trial.json all speak of."""
import json
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

import neurona as nr  # noqa: E402
from neurona import callbacks, layers, tune  # noqa: E402

#: logged values of five epochs: a best in the middle, a tie for it, the worst at the end
SEQUENCE = [0.5, 0.9, 0.6, 0.9, 0.3]
WEIGHTS = []        # each epoch's weights, as the Inject callbacks (copies) saw them


class Inject(callbacks.Callback):
    r"""Writes the scripted value of ``name`` into each epoch's logs (before the tuner reads them)."""

    def __init__(self, name):
        self.name = name

    def on_epoch_end(self, epoch, logs=None):
        logs[self.name] = SEQUENCE[epoch]
        WEIGHTS.append([w.copy() for w in self.model.get_weights()])


class Scripted(tune.HyperModel):
    def build(self, hp):
        model = nr.Sequential(input_dim=3, seed=hp.Int("seed", 0, 100))
        model.add(layers.Dense(1))
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        return model

    def fit(self, hp, model, *args, **kwargs):
        model.fit(*args, **kwargs)      # the scores are the epochs' logs the tuner recorded


def keras_tuner_best(name, direction=None):
    r"""(best value, best step) by Keras Tuner's MetricsTracker, in the direction it infers for ``name``."""
    pytest.importorskip("keras_tuner")
    from keras_tuner.src.engine import metrics_tracking, objective
    direction = direction or objective.create_objective(name).direction
    tracker = metrics_tracking.MetricsTracker()
    tracker.register(name, direction=direction)
    for step, value in enumerate(SEQUENCE):
        tracker.update(name, value, step=step)
    return tracker.get_best_value(name), tracker.get_best_step(name)


@pytest.mark.parametrize("name, objective", [
    ("val_accuracy", "val_accuracy"), ("val_loss", "val_loss"), ("val_auc", "val_auc"), ("val_mae", "val_mae"),
    ("val_score", ("max",)), ("val_score", ("min",))])
def test_a_trial_keeps_the_best_epoch_in_the_objective_s_direction(tmp_path, name, objective):
    direction = objective[0] if isinstance(objective, tuple) else None
    objective = tune.Objective(name, direction) if direction else objective
    value, step = keras_tuner_best(name, direction)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)), rng.normal(size=32)
    WEIGHTS.clear()
    tuner = tune.RandomSearch(Scripted(), objective=objective, max_trials=1, directory=tmp_path, project_name="p",
                              seed=0)
    tuner.search(x, y, epochs=len(SEQUENCE), callbacks=[Inject(name)], verbose=0)
    trial = tuner.oracle.get_best_trials(1)[0]
    assert (trial.score, trial.best_epoch) == (value, step)
    on_disk = json.loads((tmp_path / "p" / f"trial_{trial.trial_id}" / "trial.json").read_text())
    assert (on_disk["score"], on_disk["best_epoch"]) == (value, step)
    model = tuner.get_best_models(1)[0]
    for got, expected in zip(model.get_weights(), WEIGHTS[step]):
        np.testing.assert_array_equal(got, expected)
