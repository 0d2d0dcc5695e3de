r"""The oracle: which point of the space each trial tries, and what became of it.

An oracle only decides (Optuna's ask / tell seam): ``create_trial()`` asks it for the next trial,
``end_trial(trial, result)`` tells it the outcome. Whoever runs the trials (this process, local
processes, a Dask cluster) sits between the two calls. Each searcher overrides one method,
``populate_space(trial_id)``, which returns ``{"status": "RUNNING", "values": {...}}``, or
"IDLE" (wait for running trials) or "STOPPED" (nothing left to try).

A trial that raises, or whose worker dies, is run again up to ``max_retries_per_trial`` times
under the same id; so is one whose score is NaN. ``max_consecutive_failed_trials`` trials in a row
that end FAILED or INVALID stop the search.
"""
from __future__ import annotations

import hashlib
import json
import math

import numpy as np

from . import objective as objective_module
from .hyperparameters import HyperParameters
from .trial import Trial, TrialStatus

RUNNING, IDLE, STOPPED = "RUNNING", "IDLE", "STOPPED"


class SearchStopped(RuntimeError):
    r"""Too many trials in a row failed: the message quotes the last one's error."""


class Oracle:
    r"""The bookkeeping every searcher shares (trials, retries, failures, the best trials)."""

    def __init__(self, objective=None, max_trials=None, hyperparameters=None, allow_new_entries=True,
                 tune_new_entries=True, seed=None, max_retries_per_trial=0, max_consecutive_failed_trials=3):
        self.objective = objective_module.create(objective)
        if max_trials is not None and (isinstance(max_trials, bool) or int(max_trials) != max_trials or max_trials < 1):
            raise ValueError(f"max_trials must be a positive integer or None; got {max_trials!r}.")
        self.max_trials = None if max_trials is None else int(max_trials)
        for name, value in (("max_retries_per_trial", max_retries_per_trial),
                            ("max_consecutive_failed_trials", max_consecutive_failed_trials)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be an integer >= 0; got {value!r}.")
        self.max_retries_per_trial = max_retries_per_trial
        self.max_consecutive_failed_trials = max_consecutive_failed_trials
        self.hyperparameters = hyperparameters.copy() if hyperparameters is not None else HyperParameters()
        self.hyperparameters.allow_new_entries = allow_new_entries
        self.hyperparameters.tune_new_entries = tune_new_entries
        self.seed = int(np.random.SeedSequence().entropy % 2**31) if seed is None else int(seed)
        self.trials: dict[str, Trial] = {}
        self.to_retry: list[str] = []
        self.consecutive_failures = 0

    # -- the space ---------------------------------------------------------------------------
    def get_space(self) -> HyperParameters:
        return self.hyperparameters.copy()

    def update_space(self, hyperparameters: HyperParameters) -> None:
        r"""Add the parameters a build met for the first time."""
        self.hyperparameters.merge(hyperparameters)

    # -- ask ---------------------------------------------------------------------------------
    def _id(self, index: int) -> str:
        width = len(str(self.max_trials - 1)) if self.max_trials else 2
        return str(index).zfill(max(width, 2))

    @property
    def remaining_trials(self) -> int | None:
        return None if self.max_trials is None else self.max_trials - len(self.trials)

    def create_trial(self) -> Trial | str:
        r"""The next trial to run (a retry first), or IDLE / STOPPED."""
        if self.to_retry:
            trial = self.trials[self.to_retry.pop(0)]
            trial.status = TrialStatus.RUNNING
            return trial
        if self.remaining_trials is not None and self.remaining_trials <= 0:
            return IDLE if self.ongoing_trials() else STOPPED
        trial_id = self._id(max((int(t) + 1 for t in self.trials), default=0))     # past a trial deleted by hand
        answer = self.populate_space(trial_id)
        if answer["status"] != RUNNING:
            return IDLE if self.ongoing_trials() else STOPPED
        hps = self.hyperparameters.with_values(answer["values"])
        trial = Trial(trial_id, hps)
        self.trials[trial_id] = trial
        return trial

    def ongoing_trials(self) -> list[Trial]:
        return [t for t in self.trials.values() if t.status == TrialStatus.RUNNING and t.trial_id not in self.to_retry]

    def populate_space(self, trial_id: str) -> dict:
        raise NotImplementedError

    # -- tell --------------------------------------------------------------------------------
    def end_trial(self, trial: Trial, result: dict) -> bool:
        r"""Record ``result`` (status, score, metrics, ...); return True if the trial will run again."""
        for key in ("score", "best_epoch", "metrics", "best_metrics", "seconds", "message", "worker"):
            if key in result:
                setattr(trial, key, result[key])
        status = result["status"]
        if status == TrialStatus.COMPLETED and (trial.score is None or math.isnan(trial.score)):
            status, trial.message = TrialStatus.INVALID, trial.message or "the score is NaN"
        if status in (TrialStatus.FAILED, TrialStatus.INVALID) and trial.tries <= self.max_retries_per_trial:
            trial.status = TrialStatus.RUNNING
            self.to_retry.append(trial.trial_id)
            return True
        trial.status = status
        if status in (TrialStatus.FAILED, TrialStatus.INVALID):
            self.consecutive_failures += 1
            if self.consecutive_failures >= self.max_consecutive_failed_trials > 0:
                raise SearchStopped(f"{self.consecutive_failures} consecutive trials failed "
                                    f"(max_consecutive_failed_trials={self.max_consecutive_failed_trials}); "
                                    f"the last, trial {trial.trial_id}, with: {trial.message}")
        else:
            self.consecutive_failures = 0
        self.trial_ended(trial)
        return False

    def trial_ended(self, trial: Trial) -> None:
        r"""A hook for searchers that learn from finished trials (Optuna's tell)."""

    # -- results -----------------------------------------------------------------------------
    def scored_trials(self) -> list[Trial]:
        return [t for t in self.trials.values()
                if t.status in (TrialStatus.COMPLETED, TrialStatus.STOPPED) and t.score is not None
                and not math.isnan(t.score)]

    def get_best_trials(self, num_trials: int = 1) -> list[Trial]:
        ranked = sorted(self.scored_trials(), key=lambda t: self.objective.sort_key(t.score))
        return ranked[:num_trials]

    # -- random points -----------------------------------------------------------------------
    def rng_for(self, trial_id: str, attempt: int = 0) -> np.random.Generator:
        r"""The generator of one trial: a resumed search draws what the first run would have drawn."""
        return np.random.default_rng([self.seed, int(trial_id), attempt])

    def random_values(self, trial_id: str, tries: int = 100) -> dict | None:
        r"""Values drawn at random (inactive parameters None), unseen so far; None after ``tries`` collisions."""
        seen = {values_hash(t.values) for t in self.trials.values()}
        for attempt in range(tries):
            hps = self.hyperparameters.copy()
            rng = self.rng_for(trial_id, attempt)
            for hp in hps.space:
                if hps.is_active(hp):
                    hps.set(hp.name, hp.random_sample(rng))
            values = hps.values
            if values_hash(values) not in seen:
                return values
        return None

    # -- state -------------------------------------------------------------------------------
    def get_state(self) -> dict:
        return {"seed": self.seed, "trial_ids": list(self.trials), "space": self.hyperparameters.get_config(),
                "consecutive_failures": self.consecutive_failures}

    def set_state(self, state: dict, trials: dict[str, Trial]) -> None:
        r"""Take back a saved search: finished trials stay, interrupted ones run again."""
        self.seed = state["seed"]
        self.hyperparameters.merge(HyperParameters.from_config(state["space"]))
        self.consecutive_failures = 0       # a new run of the script counts its own failures
        self.trials, self.to_retry = {}, []
        for trial_id in state["trial_ids"]:
            trial = trials.get(trial_id)
            if trial is None:
                continue
            self.trials[trial_id] = trial
            if trial.status not in TrialStatus.FINISHED:
                trial.status = TrialStatus.RUNNING
                self.to_retry.append(trial_id)


def values_hash(values: dict) -> str:
    r"""The identity of a point (inactive parameters and bookkeeping such as tuner/epochs left out)."""
    kept = {k: v for k, v in values.items() if v is not None and not k.startswith("tuner/")}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()[:32]


class RandomSearchOracle(Oracle):
    r"""Each trial draws every active parameter independently from its distribution."""

    def populate_space(self, trial_id):
        values = self.random_values(trial_id)
        return {"status": STOPPED} if values is None else {"status": RUNNING, "values": values}
