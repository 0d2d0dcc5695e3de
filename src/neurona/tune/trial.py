r"""One trial (a point of the search space, trained and scored) and the files that keep the search.

    directory/project_name/
        oracle.json              what is searched (space, objective, tuner settings) and the trials' order
        trial_<id>/trial.json    hyperparameters, metrics per epoch, score, best epoch, status, message, seconds
        trial_<id>/model.safetensors   the model at its best epoch (neurona's model file)

Every file is written atomically: a search killed at any moment leaves each file whole, old or new.
These files are rewritten around every trial, so they are not fsync'ed one by one (that would
cost the tuner about 15 ms a trial here): a killed search loses nothing (the rename is atomic and
the page cache outlives the process), and the search flushes them all to the disk once, at its
end. Model files are written by ``save_model``, fsync'ed.
"""
from __future__ import annotations

import json
import math
import os

from ..atomicfile import remove_stale_temporaries, write_atomic
from .hyperparameters import HyperParameters


class TrialStatus:
    RUNNING = "RUNNING"         # asked for (perhaps interrupted: resumed runs start it again)
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"           # raised on every try; the message says why
    INVALID = "INVALID"         # finished with a NaN score on every try
    STOPPED = "STOPPED"         # pruned early (Optuna's pruner): scored on the epochs it ran
    FINISHED = (COMPLETED, FAILED, INVALID, STOPPED)


MODEL_FILE = "model.safetensors"


class Trial:
    r"""``hyperparameters`` (a HyperParameters placed at this trial's values) and its outcome."""

    def __init__(self, trial_id: str, hyperparameters: HyperParameters, status: str = TrialStatus.RUNNING):
        self.trial_id = trial_id
        self.hyperparameters = hyperparameters
        self.status = status
        self.score: float | None = None
        self.best_epoch: int | None = None
        self.metrics: list[list[dict]] = []     # per execution, the logs of each epoch
        self.best_metrics: dict = {}            # the best epoch's logs, averaged over executions
        self.seconds: float | None = None
        self.message: str | None = None
        self.tries = 0                          # runs started (retries after a failure or a lost worker)
        self.worker: str | None = None

    @property
    def values(self) -> dict:
        return self.hyperparameters.values

    def get_state(self) -> dict:
        return {"trial_id": self.trial_id, "status": self.status,
                "hyperparameters": self.hyperparameters.get_config(),
                "score": _json_number(self.score), "best_epoch": self.best_epoch,
                "metrics": [[{k: _json_number(v) for k, v in logs.items()} for logs in run] for run in self.metrics],
                "best_metrics": {k: _json_number(v) for k, v in self.best_metrics.items()},
                "seconds": self.seconds, "message": self.message, "tries": self.tries, "worker": self.worker}

    @classmethod
    def from_state(cls, state: dict) -> "Trial":
        trial = cls(state["trial_id"], HyperParameters.from_config(state["hyperparameters"]), state["status"])
        trial.score = _number(state.get("score"))
        trial.best_epoch = state.get("best_epoch")
        trial.metrics = [[{k: _number(v) for k, v in logs.items()} for logs in run] for run in state.get("metrics", [])]
        trial.best_metrics = {k: _number(v) for k, v in state.get("best_metrics", {}).items()}
        trial.seconds, trial.message = state.get("seconds"), state.get("message")
        trial.tries, trial.worker = state.get("tries", 0), state.get("worker")
        return trial

    def _repr_html_(self) -> str:
        from ..notebook import trial_html
        return trial_html(self.trial_id, self.status, self.score, self.best_epoch, self.values, self.message)

    def __repr__(self):
        return f"Trial({self.trial_id!r}, {self.status}, score={self.score}, values={self.values})"


def _json_number(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)       # JSON has no NaN / inf: kept as "nan", "inf", "-inf"
    return value


def _number(value):
    return float(value) if isinstance(value, str) and value in ("nan", "inf", "-inf") else value


class Storage:
    r"""The search directory: ``oracle.json`` and one ``trial_<id>/`` per trial."""

    def __init__(self, path):
        self.path = os.fspath(path)

    @property
    def oracle_file(self) -> str:
        return os.path.join(self.path, "oracle.json")

    def trial_dir(self, trial_id: str) -> str:
        return os.path.join(self.path, f"trial_{trial_id}")

    def model_file(self, trial_id: str) -> str:
        return os.path.join(self.trial_dir(trial_id), MODEL_FILE)

    def exists(self) -> bool:
        return os.path.isfile(self.oracle_file)

    def write_oracle(self, state: dict) -> None:
        os.makedirs(self.path, exist_ok=True)
        write_atomic(self.oracle_file, json.dumps(state, indent=1).encode(), durable=False)

    def read_oracle(self) -> dict:
        remove_stale_temporaries(self.oracle_file)
        with open(self.oracle_file, encoding="utf-8") as file:
            try:
                return json.load(file)
            except json.JSONDecodeError as error:
                raise ValueError(f"{self.oracle_file} is not a search's oracle.json ({error}); give overwrite=True "
                                 f"to start afresh.") from None

    def write_trial(self, trial: Trial) -> None:
        os.makedirs(self.trial_dir(trial.trial_id), exist_ok=True)
        write_atomic(os.path.join(self.trial_dir(trial.trial_id), "trial.json"),
                     json.dumps(trial.get_state(), indent=1).encode(), durable=False)

    def flush(self) -> None:
        r"""Bring the search's files to the disk (one sync for the whole search)."""
        if hasattr(os, "sync"):
            os.sync()

    def read_trial(self, trial_id: str) -> Trial | None:
        path = os.path.join(self.trial_dir(trial_id), "trial.json")
        if not os.path.isfile(path):
            return None
        remove_stale_temporaries(path)
        with open(path, encoding="utf-8") as file:
            return Trial.from_state(json.load(file))
