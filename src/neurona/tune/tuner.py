r"""The tuner: runs the oracle's trials on an executor and keeps the search on disk.

    tuner = RandomSearch(build_model, objective="val_accuracy", max_trials=10, directory="runs",
                         project_name="digits")
    tuner.search(x, y, epochs=5, validation_data=(x_val, y_val))
    best = tuner.get_best_models(1)[0]

The search space is found by running ``build(hp)`` here once with the defaults, and again for each
value of every parent of a conditional scope, so that every condition's parameters are known
before the first trial. The loop then keeps every worker busy: ask the oracle, submit, and on each
finished trial tell the oracle and write the trial's file. Running the same script again continues
the search (``overwrite=False``): finished trials are read back (each file checked), interrupted ones
run again. A search holds its folder's lock while it runs; a second one is refused, naming it.
"""
from __future__ import annotations

import csv
import io
import math
import os
import time
import warnings

from ..atomicfile import write_atomic
from . import executors as executors_module
from .hyperparameters import HyperParameter, HyperParameters
from .oracle import IDLE, STOPPED, SearchStopped
from .runner import as_hypermodel, fit_overrides
from .trial import MARKER_FILE, SearchDirectoryError, Storage, Trial, TrialStatus, check_values


class Tuner:
    r"""The search loop over an ``oracle`` (see RandomSearch, GridSearch, BayesianOptimization, Hyperband)."""

    def __init__(self, oracle, hypermodel, directory=None, project_name=None, overwrite=False,
                 executions_per_trial=1, executor=None, verbose=1):
        self.oracle = oracle
        if hypermodel is None and not self._custom_run_trial():
            raise TypeError(f"{type(self).__name__} needs a hypermodel (a build_model(hp) function or a HyperModel), "
                            f"unless a subclass overrides run_trial(trial, *args, **kwargs).")
        self.hypermodel = None if hypermodel is None else as_hypermodel(hypermodel)
        if isinstance(executions_per_trial, bool) or not isinstance(executions_per_trial, int) or executions_per_trial < 1:
            raise ValueError(f"executions_per_trial must be a positive integer; got {executions_per_trial!r}.")
        self.executions_per_trial = executions_per_trial
        self.executor = executor
        self.verbose = verbose
        self.directory = os.path.abspath(directory or ".")
        self.project_name = "untitled_project" if project_name is None else project_name
        self.storage = Storage(project_path(self.directory, self.project_name))
        self.overhead: list[float] = []     # seconds of bookkeeping (oracle, files) per finished trial
        self.on_trial_end = None            # called with each finished trial (the CLI's live table)
        self._populate_initial_space()
        self._build_space = self.oracle.hyperparameters.space_config()
        if overwrite:
            with self.storage.lock:         # not while another process searches here
                self._remove_own_files()
        elif self.storage.exists():
            self._reload(check_fit_space=False)

    # -- the space ---------------------------------------------------------------------------
    def _custom_run_trial(self) -> bool:
        return type(self).run_trial is not Tuner.run_trial

    def run_trial(self, trial, *args, **kwargs):
        r"""Override to train and score a trial yourself (Keras Tuner's pattern): use
        ``trial.hyperparameters`` and return a number (minimised when no objective is given), a dict
        of values, a History, or a list of them. Such trials run in this process."""
        raise NotImplementedError

    def _populate_initial_space(self):
        hp = self.oracle.get_space()
        if self.hypermodel is None:
            self.oracle.update_space(hp)
            return
        self.hypermodel.declare_hyperparameters(hp)
        self.hypermodel.build(hp)
        explored: set = set()
        while True:
            parents = [(c.parent_name, v) for item in hp.space for c in item.conditions for v in c.values]
            todo = [pv for pv in dict.fromkeys(parents) if pv not in explored]
            if not todo:
                break
            for parent, value in todo:
                explored.add((parent, value))
                trial_hp = hp.copy()
                _activate(trial_hp, parent)
                trial_hp.set(parent, value)
                try:
                    self.hypermodel.build(trial_hp)
                except Exception:       # a branch that does not build fails as its trial, with its message
                    pass
                hp.merge(trial_hp)
        self.oracle.update_space(hp)

    def search_space_summary(self, extended: bool = False, print_fn=print) -> None:
        r"""Print the space (or hand its text to ``print_fn``); returns None, as Keras Tuner, so a
        notebook shows it once."""
        space = self.oracle.hyperparameters.space
        lines = ["Search space summary", f"Default search space size: {len(space)}"]
        for hp in space:
            config = {k: v for k, v in hp.get_config().items() if k not in ("class_name", "name")}
            lines.append(f"{hp.name} ({type(hp).__name__})")
            lines.append(str(config))
        print_fn("\n".join(lines))

    # -- files -------------------------------------------------------------------------------
    def _fingerprint(self) -> dict:
        return {"tuner": type(self).__name__, "oracle": type(self.oracle).__name__,
                "objective": self.oracle.objective.get_config(), "build_space": self._build_space,
                "fit_space": getattr(self, "_fit_space", [])}

    def _remove_own_files(self):
        r"""overwrite=True: delete what a search wrote here (oracle.json, trial_<n>/), nothing else:
        only in a directory with the search's marker file."""
        foreign = self.storage.foreign_entries()
        if foreign:
            raise SearchDirectoryError(
                f"overwrite=True: {self.storage.path} holds {', '.join(os.path.basename(p) for p in foreign[:5])}"
                f"{' ...' if len(foreign) > 5 else ''} but no {MARKER_FILE} file, so nothing proves a search wrote "
                f"them; they are left alone. Delete them yourself, or give another directory / project_name.")
        self.storage.remove_own_files()

    def _reload(self, check_fit_space: bool):
        saved = self.storage.read_oracle()
        mine = self._fingerprint()
        keys = ["tuner", "objective", "build_space"] + (["fit_space"] if check_fit_space else [])
        for key in keys:
            if saved.get("fingerprint", {}).get(key) != mine[key]:
                raise ValueError(f"{self.storage.path} holds a search with a different {key.replace('_', ' ')} "
                                 f"({saved.get('fingerprint', {}).get(key)!r}, this one: {mine[key]!r}); give "
                                 f"overwrite=True to start afresh, or another directory / project_name.")
        trials = {}
        for trial_id in saved["oracle"]["trial_ids"]:
            trial = self.storage.read_trial(trial_id)
            if trial is not None:
                trials[trial_id] = trial
        self.oracle.set_state(saved["oracle"], trials)
        for trial_id, trial in trials.items():
            check_values(trial, self.oracle.hyperparameters,
                         os.path.join(self.storage.trial_dir(trial_id), "trial.json"))

    def _save_oracle(self):
        self.storage.write_oracle({"fingerprint": self._fingerprint(), "oracle": self.oracle.get_state()})

    # -- the search --------------------------------------------------------------------------
    def _task(self, trial: Trial) -> dict:
        values = trial.hyperparameters.values
        parent = values.get("tuner/trial_id")
        return {"trial_id": trial.trial_id, "try": trial.tries, "hyperparameters": trial.hyperparameters.get_config(),
                "objective": self.oracle.objective.get_config(), "executions": self.executions_per_trial,
                "model_file": self.storage.model_file(trial.trial_id),
                "parent_model_file": self.storage.model_file(parent) if parent else None,
                "fit_overrides": fit_overrides(values, {}),
                "allow_new_entries": self.oracle.hyperparameters.allow_new_entries,
                "tune_new_entries": self.oracle.hyperparameters.tune_new_entries}

    def _register_fit_hyperparameters(self, fit_kwargs: dict) -> None:
        r"""search(batch_size=Choice("batch_size", [16, 32])): such values join the space."""
        tuned = HyperParameters()
        for value in fit_kwargs.values():
            if isinstance(value, HyperParameter):
                tuned.ask(value)
        self._fit_space = tuned.space_config()
        self.oracle.update_space(tuned)

    def search(self, *fit_args, **fit_kwargs):
        r"""Run trials until ``max_trials`` (or the oracle's end); the arguments go to each fit."""
        verbose = fit_kwargs.pop("verbose", self.verbose)
        self._register_fit_hyperparameters(fit_kwargs)
        with self.storage.lock:             # one search at a time in a directory
            self.storage.remove_temporaries()       # what a run killed mid-write left
            if self.storage.exists():
                self._reload(check_fit_space=True)
            self._search(verbose, fit_args, fit_kwargs)

    def _search(self, verbose, fit_args, fit_kwargs):
        if self._custom_run_trial():
            executor = executors_module.CustomInProcess(self, fit_args, fit_kwargs)
        else:
            executor = executors_module.make(self.executor, getattr(self.oracle, "report", None))
            if getattr(self.oracle, "pruner", None) is not None and not isinstance(executor, executors_module.InProcess):
                warnings.warn("The pruner hears the trials' epoch-end reports only when they run in this process "
                              "(executor=None); with other executors every trial runs to its end.", stacklevel=2)
            executor.start({"hypermodel": self.hypermodel, "args": fit_args, "kwargs": fit_kwargs})
        running: dict = {}
        started = time.perf_counter()
        try:
            while True:
                while len(running) < executor.slots:
                    tick = time.perf_counter()
                    trial = self.oracle.create_trial()
                    if trial in (IDLE, STOPPED):
                        break
                    trial.tries += 1
                    self.storage.write_trial(trial)
                    self._save_oracle()
                    self._submitted = time.perf_counter() - tick
                    running[executor.submit(trial if self._custom_run_trial() else self._task(trial))] = trial
                if not running:
                    break
                for future in executor.wait(running):
                    trial = running.pop(future)
                    try:
                        result = executor.result(future)
                    except executors_module.WorkerLost as error:
                        result = {"status": TrialStatus.FAILED, "message": str(error)}
                    tick = time.perf_counter()
                    self._end_trial(trial, result)
                    self.overhead.append(time.perf_counter() - tick + getattr(self, "_submitted", 0.0))
                    if verbose:
                        self._report(trial, started)
                    if self.on_trial_end is not None:
                        self.on_trial_end(trial)
        finally:
            for future in running:
                future.cancel()
            executor.shutdown()
            self.storage.flush()

    def _end_trial(self, trial: Trial, result: dict) -> None:
        if "space" in result:       # the values of parameters first met in this trial's build or fit
            trial.hyperparameters = HyperParameters.from_config(result["space"])
            self.oracle.update_space(trial.hyperparameters)
        try:
            self.oracle.end_trial(trial, result)
        finally:
            self.storage.write_trial(trial)
            self._save_oracle()

    def _report(self, trial: Trial, started: float) -> None:
        best = self.oracle.get_best_trials(1)
        name = self.oracle.objective.name
        score = "-" if trial.score is None else f"{trial.score:.4g}"
        best_text = f"{best[0].score:.4g}" if best else "-"
        values = ", ".join(f"{k}={_short(v)}" for k, v in trial.values.items() if v is not None)
        status = trial.status if trial.status != TrialStatus.RUNNING else "RETRY"
        line = (f"Trial {trial.trial_id} {status:9s} {name} {score}  best so far {best_text}  "
                f"{trial.seconds or 0:.1f} s  [{values}]")
        if trial.message and trial.status != TrialStatus.COMPLETED:
            line += f"\n  {trial.message}"
        print(line)

    # -- results -----------------------------------------------------------------------------
    @property
    def remaining_trials(self):
        return self.oracle.remaining_trials

    def get_best_hyperparameters(self, num_trials: int = 1) -> list[HyperParameters]:
        return [t.hyperparameters for t in self.oracle.get_best_trials(num_trials)]

    def get_best_models(self, num_models: int = 1) -> list:
        r"""The best trials' models, as saved at each trial's best epoch."""
        from ..saving import load_model
        return [load_model(self.storage.model_file(t.trial_id)) for t in self.oracle.get_best_trials(num_models)]

    def results(self) -> list[dict]:
        r"""Every trial as a row: id, status, score, best epoch, seconds, then each hyperparameter."""
        names = [hp.name for hp in self.oracle.hyperparameters.space]
        extra = sorted({k for t in self.oracle.trials.values() for k in t.values if k not in names})
        rows = []
        for trial in self.oracle.trials.values():
            row = {"trial_id": trial.trial_id, "status": trial.status, "score": trial.score,
                   "best_epoch": trial.best_epoch, "seconds": trial.seconds}
            row.update({name: trial.values.get(name) for name in names + extra})
            row["message"] = trial.message
            rows.append(row)
        return rows

    def results_csv(self, path) -> None:
        r"""Write ``results()`` as a CSV file (atomically)."""
        rows = self.results()
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "" if v is None else v for k, v in row.items()})
        write_atomic(path, buffer.getvalue().encode())

    def results_summary(self, num_trials: int = 10, print_fn=print) -> None:
        r"""Print the ``num_trials`` best trials (or hand the text to ``print_fn``); returns None."""
        best = self.oracle.get_best_trials(num_trials)
        lines = ["Results summary", f"Results in {self.storage.path}", f"Showing {len(best)} best trials",
                 repr(self.oracle.objective)]
        for trial in best:
            lines += ["", f"Trial {trial.trial_id} summary", "Hyperparameters:"]
            lines += [f"{k}: {v}" for k, v in trial.values.items() if v is not None]
            lines.append(f"Score: {trial.score}")
            if trial.best_epoch is not None:
                lines.append(f"Best epoch: {trial.best_epoch}  ({trial.seconds:.2f} s)")
        print_fn("\n".join(lines))

    def ranked_trials(self) -> list[Trial]:
        r"""Every trial, the scored ones best first, then the others (running, failed, invalid) in order."""
        best = self.oracle.get_best_trials(len(self.oracle.trials))
        chosen = {t.trial_id for t in best}
        return best + [t for t in self.oracle.trials.values() if t.trial_id not in chosen]

    def _repr_html_(self) -> str:
        from ..notebook import trials_html
        names = [hp.name for hp in self.oracle.hyperparameters.space]
        names += sorted({k for t in self.oracle.trials.values() for k in t.values if k not in names})
        trials = [(t.trial_id, t.status, t.score, t.best_epoch, t.values) for t in self.ranked_trials()]
        caption = (f"{type(self).__name__}: {len(trials)} trial{'s' if len(trials) != 1 else ''}, "
                   f"objective {self.oracle.objective.name} ({self.oracle.objective.direction}), best first")
        return trials_html(caption, names, trials)


def project_path(directory: str, project_name) -> str:
    r"""``directory/project_name``, refused unless it stays inside ``directory``."""
    if not isinstance(project_name, str) or not project_name.strip():
        raise ValueError(f"project_name must be a folder name inside directory; got {project_name!r}.")
    path = os.path.normpath(os.path.join(directory, project_name))
    if os.path.isabs(project_name) or not (path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)):
        raise ValueError(f"project_name {project_name!r} leads out of directory {directory!r} (to {path!r}): "
                         f"give a folder name inside it, and the parent folder as directory.")
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise SearchDirectoryError(f"directory {directory!r} exists and is not a folder; give a folder for the "
                                   f"searches.")
    if os.path.lexists(path) and not os.path.isdir(path):
        raise SearchDirectoryError(f"{path} is the search's folder, but it exists and is not a folder; give "
                                   f"another directory / project_name.")
    return path


def _activate(hps: HyperParameters, name: str) -> None:
    r"""Give the ancestors of ``name`` values under which it is active."""
    for condition in hps.parameter(name).conditions:
        _activate(hps, condition.parent_name)       # the parent active, its value is the one it holds
        if not condition.holds(hps.values):
            hps.set(condition.parent_name, condition.values[0])


def _short(value):
    return f"{value:.4g}" if isinstance(value, float) and math.isfinite(value) else value


__all__ = ["Tuner", "SearchStopped", "SearchDirectoryError"]
