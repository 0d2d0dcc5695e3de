r"""Hyperband's schedule against Keras Tuner's own oracle: both driven by the same asks and tells
(one worker or several at once), the n-th trial created scored alike in both, every trial's
bracket, round, epochs, initial epoch and promoted parent (by its place in the order of creation)
must agree, for several ``max_epochs``, ``factor``, ``hyperband_iterations`` and directions."""
import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras_tuner = pytest.importorskip("keras_tuner")

from neurona.tune import HyperbandOracle, HyperParameters, Objective, TrialStatus  # noqa: E402
from neurona.tune.oracle import IDLE, STOPPED  # noqa: E402


def score_of(n):
    r"""The score of the n-th trial created: a fixed shuffle of [0, 1), so that promotions depend on
    the order of creation only (the two oracles draw different random values)."""
    return (n * 7919 % 1009) / 1009


class Schedule:
    r"""Runs an oracle with up to ``workers`` trials at once (the oldest ends first) and records, per
    trial created, (bracket, round, epochs, initial epoch, the parent's place in creation order)."""

    def __init__(self, workers):
        self.workers, self.rows, self.order, self.running = workers, [], {}, []

    def run(self, create, end, limit=2000):
        while len(self.rows) < limit:
            while len(self.running) < self.workers:
                created = create()
                if created is None:
                    break
                trial_id, values = created
                self.order[trial_id] = len(self.order)
                parent = values.get("tuner/trial_id")
                self.rows.append((values["tuner/bracket"], values["tuner/round"], values["tuner/epochs"],
                                  values["tuner/initial_epoch"], None if parent is None else self.order[parent]))
                self.running.append(trial_id)
            if not self.running:
                return self.rows
            trial_id = self.running.pop(0)
            end(trial_id, score_of(self.order[trial_id]))
        raise AssertionError("the oracle did not stop")


def neurona_schedule(workers, direction, **options):
    hp = HyperParameters()
    hp.Float("x", 0.0, 1.0)
    oracle = HyperbandOracle(objective=Objective("score", direction), hyperparameters=hp, seed=0, **options)
    trials = {}

    def create():
        trial = oracle.create_trial()
        if trial in (IDLE, STOPPED):
            return None
        trials[trial.trial_id] = trial
        trial.tries += 1
        return trial.trial_id, trial.values

    def end(trial_id, score):
        oracle.end_trial(trials[trial_id], {"status": TrialStatus.COMPLETED, "score": score})

    return Schedule(workers).run(create, end)


def keras_tuner_schedule(workers, direction, directory, **options):
    hp = keras_tuner.HyperParameters()
    hp.Float("x", 0.0, 1.0)
    oracle = keras_tuner.oracles.HyperbandOracle(objective=keras_tuner.Objective("score", direction),
                                                 hyperparameters=hp, seed=0, **options)
    oracle._set_project_dir(str(directory), "hyperband")      # where Keras Tuner's oracle keeps its files
    created = iter(range(10 ** 6))

    def create():
        trial = oracle.create_trial(f"worker{next(created)}")
        if trial.status in ("IDLE", "STOPPED"):
            return None
        return trial.trial_id, trial.hyperparameters.values

    def end(trial_id, score):
        oracle.update_trial(trial_id, {"score": score})
        trial = oracle.get_trial(trial_id)
        trial.status = "COMPLETED"
        oracle.end_trial(trial)

    return Schedule(workers).run(create, end)


@pytest.mark.parametrize("max_epochs, factor, iterations", [(27, 3, 1), (10, 3, 1), (20, 2, 1), (5, 4, 2), (9, 3, 2)])
@pytest.mark.parametrize("direction", ["min", "max"])
def test_hyperband_s_schedule_is_keras_tuner_s(max_epochs, factor, iterations, direction, tmp_path, capsys):
    options = dict(max_epochs=max_epochs, factor=factor, hyperband_iterations=iterations)
    theirs = keras_tuner_schedule(1, direction, tmp_path, **options)
    ours = neurona_schedule(1, direction, **options)
    assert ours == theirs
    assert len({row[0] for row in ours}) > 1 and any(row[4] is not None for row in ours)


@pytest.mark.parametrize("workers", [2, 3])
def test_hyperband_with_several_trials_at_once_is_keras_tuner_s(workers, tmp_path, capsys):
    options = dict(max_epochs=27, factor=3, hyperband_iterations=1)
    ours = neurona_schedule(workers, "min", **options)
    theirs = keras_tuner_schedule(workers, "min", tmp_path, **options)
    assert [row[1:] for row in ours] == [row[1:] for row in theirs]
    # the bracket a promoted trial is labelled with is its parent's (Keras Tuner labels it with the newest
    # bracket opened, which differs once a later bracket has started while an earlier one still promotes)
    assert all(row[0] == ours[row[4]][0] for row in ours if row[4] is not None)
    assert any(a[0] != b[0] for a, b in zip(ours, theirs))
