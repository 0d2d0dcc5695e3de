r"""What a worker does with one trial: build, fit, score, save; a plain function of (the trial's
hyperparameters, the search's data and fit arguments), so that it pickles to any process.

    run_trial(task, payload) -> result
        task      trial id, hyperparameters, objective, executions, the model file (and a parent's)
        payload   the hypermodel and search()'s fit arguments: the same for every trial, so sent to
                  each worker once
        result    status, score, best epoch, metrics of every epoch, seconds, message, worker

For each execution: ``model = hypermodel.build(hp)``, then ``hypermodel.fit(hp, model, *args,
callbacks=<copies>, **kwargs)``. The score of an execution is its objective at its best epoch; the
trial's score is their mean. The model file holds the best execution at its best epoch.
"""
from __future__ import annotations

import copy
import math
import os
import socket
import sys
import time
import traceback
import warnings

from .. import callbacks as callbacks_module
from .hyperparameters import HyperParameter, HyperParameters
from .objective import DEFAULT_NAME, Objective, from_config
from .trial import TrialStatus


class HyperModel:
    r"""A search's model: ``build(hp)`` returns a compiled model; ``fit`` may be overridden to tune
    how it trains (batch size, epochs, ...) and returns a History, a dict of values or a number."""

    def __init__(self, name: str | None = None, tunable: bool = True):
        self.name, self.tunable = name, tunable

    def build(self, hp):
        raise NotImplementedError("A HyperModel defines build(hp), which returns a compiled model.")

    def declare_hyperparameters(self, hp):
        pass

    def fit(self, hp, model, *args, **kwargs):
        return model.fit(*args, **kwargs)


class FunctionHyperModel(HyperModel):
    r"""A plain ``build_model(hp)`` function as a HyperModel."""

    def __init__(self, build):
        super().__init__(getattr(build, "__name__", None))
        self.function = build

    def build(self, hp):
        return self.function(hp)


def as_hypermodel(hypermodel) -> HyperModel:
    if isinstance(hypermodel, HyperModel):
        return hypermodel
    if callable(hypermodel):
        return FunctionHyperModel(hypermodel)
    raise TypeError(f"hypermodel must be a HyperModel or a function build_model(hp) returning a compiled model; "
                    f"got {hypermodel!r}.")


def tuned_fit_kwargs(kwargs: dict, hp: HyperParameters) -> dict:
    r"""search()'s keyword arguments with each HyperParameter (e.g. batch_size=Choice(...)) at the trial's value."""
    return {k: hp.get(v.name) if isinstance(v, HyperParameter) else v for k, v in kwargs.items()}


class EpochRecorder(callbacks_module.Callback):
    r"""Keeps each epoch's logs, the weights of the best epoch, and reports to a pruner."""

    def __init__(self, objective: Objective, report=None):
        self.objective, self.report = objective, report
        self.logs: list[dict] = []
        self.epochs: list[int] = []
        self.best_value = self.best_epoch = self.best_weights = None
        self.pruned = False

    def on_epoch_end(self, epoch, logs=None):
        logs = {k: float(v) for k, v in (logs or {}).items() if isinstance(v, (int, float))}
        self.logs.append(logs)
        self.epochs.append(epoch)
        value = epoch_value(self.objective, logs, required=False)
        if self.objective.better(value, self.best_value):
            self.best_value, self.best_epoch = value, epoch
            self.best_weights = self.model.get_weights() if hasattr(self.model, "get_weights") else None
        if self.report is not None and self.report(epoch, value):
            self.pruned = True
            self.model.stop_training = True


def epoch_value(objective: Objective, logs: dict, required: bool = True) -> float:
    r"""The objective in one epoch's logs; NaN for an epoch that diverged (its val_ values are not computed)."""
    try:
        return objective.value(logs)
    except KeyError:
        if not required or any(isinstance(v, float) and not math.isfinite(v) for v in logs.values()):
            return math.nan
        raise


def _epochs_of(returned, recorder: EpochRecorder, objective: Objective) -> tuple[list[int], list[dict]]:
    r"""The (epoch numbers, logs) a fit gave back: a History, a dict, a number, or None (the recorder's)."""
    if returned is None:
        if not recorder.logs:
            raise ValueError("fit / run_trial returned None and trained no epoch: return the History, a dict "
                             "of values or the objective's value.")
        return recorder.epochs, recorder.logs
    if hasattr(returned, "history") and isinstance(returned.history, dict):
        history = returned.history
        n = max((len(v) for v in history.values()), default=0)
        epochs = list(getattr(returned, "epoch", None) or range(n))
        return epochs, [{k: float(v[i]) for k, v in history.items() if i < len(v)} for i in range(n)]
    if isinstance(returned, dict):
        return [0], [{k: float(v) for k, v in returned.items()}]
    if isinstance(returned, (int, float)) and not isinstance(returned, bool):
        name = objective.name if not hasattr(objective, "objectives") else DEFAULT_NAME
        return [0], [{name: float(returned)}]
    raise TypeError(f"HyperModel.fit must return a History, a dict or a number; got {type(returned).__name__}.")


def worker_name() -> str:
    r"""The Dask worker's address inside a Dask worker, else host:pid."""
    if "distributed" in sys.modules:
        try:
            return sys.modules["distributed"].get_worker().address
        except ValueError:
            pass
    return f"{socket.gethostname()}:{os.getpid()}"


def run_trial(task: dict, payload: dict, report=None) -> dict:
    r"""Run one trial (``task``) on the search's ``payload``; never raises for the trial's own errors."""
    start = time.perf_counter()
    objective = from_config(task["objective"])
    hp = HyperParameters.from_config(task["hyperparameters"])
    hp.allow_new_entries, hp.tune_new_entries = task.get("allow_new_entries", True), task.get("tune_new_entries", True)
    result = {"worker": worker_name()}
    try:
        runs = [_execute(payload, hp, objective, task, report) for _ in range(task.get("executions", 1))]
        scores = [r["score"] for r in runs]
        best_run = min(runs, key=lambda r: objective.sort_key(r["score"]))
        if best_run["model"] is not None and task.get("model_file"):
            _save(best_run, task["model_file"])
        result.update(status=TrialStatus.STOPPED if any(r["pruned"] for r in runs) else TrialStatus.COMPLETED,
                      score=math.nan if any(math.isnan(s) for s in scores) else sum(scores) / len(scores),
                      best_epoch=best_run["best_epoch"], metrics=[r["logs"] for r in runs],
                      best_metrics=_mean_logs([r["best_logs"] for r in runs]),
                      message=next((f"the score is NaN: {r['stop_reason']}" for r in runs if r.get("stop_reason")
                                    and math.isnan(r["score"])), None))
        del runs, best_run
    except Exception as error:      # the trial's failure is its result; the search goes on
        result.update(status=TrialStatus.FAILED, score=None, message=f"{type(error).__name__}: {error}",
                      traceback=traceback.format_exc(limit=-3))
    result["space"] = hp.get_config()
    result["seconds"] = time.perf_counter() - start
    return result


def _execute(payload, hp, objective, task, report) -> dict:
    hypermodel = payload["hypermodel"]
    model = hypermodel.build(hp)
    if model is None:
        raise ValueError("build(hp) returned None: it must return a compiled model.")
    if task.get("parent_model_file"):
        _load_parent(model, task["parent_model_file"])
    kwargs = tuned_fit_kwargs(payload["kwargs"], hp)
    kwargs = {**kwargs, **task.get("fit_overrides", {})}
    kwargs.setdefault("verbose", 0)
    recorder = EpochRecorder(objective, report)
    kwargs["callbacks"] = [*copy.deepcopy(list(kwargs.get("callbacks") or [])), recorder]
    with warnings.catch_warnings():
        # a diverging trial is told by its INVALID status and model.stop_reason, not by a warning per trial
        warnings.simplefilter("ignore", callbacks_module.DivergenceWarning)
        returned = hypermodel.fit(hp, model, *payload["args"], **kwargs)
    epochs, logs = _epochs_of(returned, recorder, objective)
    score, best = best_epoch(objective, logs)
    stop_reason = getattr(model, "stop_reason", None)
    if stop_reason:         # training diverged (NaN, or a loss pinned at the clip value): no score to keep
        score, best = math.nan, None
    if best is None:
        return {"score": score, "best_epoch": None, "logs": logs, "best_logs": {}, "model": None,
                "pruned": recorder.pruned, "stop_reason": stop_reason}
    if recorder.best_weights is not None and recorder.best_epoch == epochs[best]:
        model.set_weights(recorder.best_weights)
    model_to_save = model if hasattr(model, "save") else None
    if model_to_save is not None and hasattr(model_to_save, "epoch"):
        model_to_save.epoch = epochs[best] + 1
    return {"score": score, "best_epoch": int(epochs[best]), "logs": logs, "best_logs": logs[best],
            "model": model_to_save, "pruned": recorder.pruned}


def best_epoch(objective: Objective, logs: list[dict]) -> tuple[float, int | None]:
    r"""(the objective at the best epoch, that epoch's index); (NaN, None) if no epoch has a number."""
    values = [epoch_value(objective, entry) for entry in logs]
    finite = [i for i, v in enumerate(values) if not math.isnan(v)]
    if not finite:
        return math.nan, None
    best = min(finite, key=lambda i: objective.sort_key(values[i]))
    return values[best], best


def run_custom_trial(run, trial, objective: Objective, args, kwargs) -> dict:
    r"""A Tuner subclass's own ``run_trial(trial, *args, **kwargs)``, returning a number, a dict, a
    History or a list of them (one per execution, averaged)."""
    start = time.perf_counter()
    result = {"worker": worker_name()}
    try:
        returned = run(trial, *args, **kwargs)
        runs = returned if isinstance(returned, list) else [returned]
        scored = []
        for one in runs:
            epochs, logs = _epochs_of(one, EpochRecorder(objective), objective)
            score, best = best_epoch(objective, logs)
            scored.append((score, None if best is None else int(epochs[best]), logs, {} if best is None else logs[best]))
        scores = [s for s, _, _, _ in scored]
        chosen = min(scored, key=lambda item: objective.sort_key(item[0]))
        result.update(status=TrialStatus.COMPLETED, score=sum(scores) / len(scores), best_epoch=chosen[1],
                      metrics=[logs for _, _, logs, _ in scored], best_metrics=_mean_logs([b for *_, b in scored]),
                      message=None)
    except Exception as error:
        result.update(status=TrialStatus.FAILED, score=None, message=f"{type(error).__name__}: {error}",
                      traceback=traceback.format_exc(limit=-3))
    result["space"] = trial.hyperparameters.get_config()
    result["seconds"] = time.perf_counter() - start
    return result


def _load_parent(model, path) -> None:
    r"""Start from the weights a Hyperband parent trial saved (its best epoch)."""
    from ..saving import load_model
    parent = load_model(path, compile=False)
    if not getattr(model, "built", True):
        model.build(getattr(parent, "input_shape", None) or parent.input_dim)
    model.set_weights(parent.get_weights())


def _save(run, path) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    run["model"].save(path)


def _mean_logs(all_logs: list[dict]) -> dict:
    keys = set.intersection(*(set(d) for d in all_logs)) if all_logs and all(all_logs) else set()
    return {k: sum(d[k] for d in all_logs) / len(all_logs) for k in sorted(keys)}


def fit_overrides(values: dict, kwargs: dict) -> dict:
    r"""Hyperband's epochs for a trial: to ``tuner/epochs`` from ``tuner/initial_epoch``."""
    if "tuner/epochs" not in values:
        return {}
    initial = int(values.get("tuner/initial_epoch", 0))
    return {"epochs": int(values["tuner/epochs"]) - initial, "initial_epoch": initial}
