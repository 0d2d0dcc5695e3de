r"""One trial (a point of the search space, trained and scored) and the files that keep the search.

    directory/project_name/
        oracle.json              what is searched (space, objective, tuner settings) and the trials' order
        trial_<id>/trial.json    hyperparameters, metrics per epoch, score, best epoch, status, message, seconds
        trial_<id>/model.safetensors   the model at its best epoch (neurona's model file)
        .neurona-search          the marker: a search wrote here (overwrite=True deletes nothing elsewhere)
        search.lock              while a search runs: its pid, host and start (``lock``)

Every file read back is checked: one ``SearchDirectoryError`` names the file and what is wrong
(not UTF-8, not JSON, nested too deeply, not an object, a field of the wrong kind, a value outside
the search space), as ``load_model`` does for model files. A resumed search deletes the temporary
files its killed run left (under the lock, when no other process writes here).

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
import re
import shutil
import stat

from ..atomicfile import remove_stale_temporaries, write_atomic
from .hyperparameters import HyperParameters
from .lock import DirectoryLock


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


class SearchDirectoryError(ValueError):
    r"""A search directory's file that cannot be taken back: not JSON, not the search's, or a value
    outside the search space. The message names the file and what is wrong."""


#: the marker of a directory a search wrote: overwrite=True deletes only in a directory that has it
MARKER_FILE = ".neurona-search"
_TRIAL_DIR = re.compile(r"trial_(\d+)")
_ADVICE = "give overwrite=True to start afresh, or another directory / project_name"


def read_json(path: str, what: str) -> dict:
    r"""The JSON object in ``path``, or SearchDirectoryError naming the file and the fault."""
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise SearchDirectoryError(f"{path} is not {what}: not a regular file; {_ADVICE}.")
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        raise SearchDirectoryError(f"{path} cannot be read ({error.strerror}); {_ADVICE}.") from None
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise SearchDirectoryError(f"{path} is not {what}: not UTF-8 text (byte {error.start}); {_ADVICE}.") from None
    except json.JSONDecodeError as error:
        raise SearchDirectoryError(f"{path} is not {what}: not valid JSON ({error.msg} at line {error.lineno}, "
                                   f"column {error.colno}; truncated?); {_ADVICE}.") from None
    except RecursionError:
        raise SearchDirectoryError(f"{path} is not {what}: its JSON is nested too deeply; {_ADVICE}.") from None
    if not isinstance(value, dict):
        raise SearchDirectoryError(f"{path} is not {what}: a JSON {type(value).__name__}, not an object; "
                                   f"{_ADVICE}.")
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_score(value) -> bool:
    return value is None or _is_number(value) or value in ("nan", "inf", "-inf")


def _is_logs(value) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and _is_score(v) for k, v in value.items())


#: each field of trial.json and what it must hold
TRIAL_FIELDS = {
    "status": ("one of " + ", ".join(TrialStatus.FINISHED + (TrialStatus.RUNNING,)),
               lambda v: v in TrialStatus.FINISHED + (TrialStatus.RUNNING,)),
    "hyperparameters": ("a search space and values ({'space': [...], 'values': {...}})",
                        lambda v: isinstance(v, dict) and isinstance(v.get("space", []), list)
                        and isinstance(v.get("values", {}), dict)),
    "score": ("a number, null, 'nan', 'inf' or '-inf'", _is_score),
    "best_epoch": ("an integer >= 0 or null",
                   lambda v: v is None or _is_whole(v)),
    "metrics": ("a list (per execution) of lists of epoch logs {name: number}",
                lambda v: isinstance(v, list) and all(isinstance(r, list) and all(map(_is_logs, r)) for r in v)),
    "best_metrics": ("epoch logs {name: number}", _is_logs),
    "seconds": ("a number >= 0 or null", lambda v: v is None or (_is_number(v) and v >= 0)),
    "message": ("a string or null", lambda v: v is None or isinstance(v, str)),
    "tries": ("an integer >= 0", _is_whole),
    "worker": ("a string or null", lambda v: v is None or isinstance(v, str)),
}


def trial_from_file(state: dict, path: str, trial_id: str) -> Trial:
    r"""The Trial of a trial.json's ``state``, every field checked (SearchDirectoryError naming ``path``)."""
    where = f"{path} is not this search's trial.json"
    if state.get("trial_id") != trial_id:
        raise SearchDirectoryError(f"{where}: its trial_id is {state.get('trial_id')!r}, its folder says "
                                   f"{trial_id!r}; {_ADVICE}.")
    for key, (expected, check) in TRIAL_FIELDS.items():
        if (key in state or key in ("status", "hyperparameters")) and not check(state.get(key)):
            raise SearchDirectoryError(f"{where}: {key!r} must be {expected}; got {state.get(key)!r:.80}; {_ADVICE}.")
    try:
        return Trial.from_state(state)
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        raise SearchDirectoryError(f"{where}: {type(error).__name__}: {error}; {_ADVICE}.") from None


def check_values(trial: Trial, space: HyperParameters, path: str) -> None:
    r"""Every value of ``trial`` inside ``space``: a file edited (or corrupted) to units=100000 for
    hp.Int("units", 2, 16) is refused before it reaches build."""
    for hp in space.space:
        value = trial.values.get(hp.name)
        if value is None:
            continue
        try:
            hp.check_value(value)
        except ValueError as error:
            raise SearchDirectoryError(f"{path}: the value of {hp.name!r} is outside the search space ({error}); "
                                       f"{_ADVICE}.") from None


class Storage:
    r"""The search directory: ``oracle.json``, one ``trial_<id>/`` per trial, the marker that says a
    search wrote here, and the lock of the search that runs."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self.lock = DirectoryLock(self.path)

    @property
    def oracle_file(self) -> str:
        return os.path.join(self.path, "oracle.json")

    def trial_dir(self, trial_id: str) -> str:
        return os.path.join(self.path, f"trial_{trial_id}")

    def model_file(self, trial_id: str) -> str:
        return os.path.join(self.trial_dir(trial_id), MODEL_FILE)

    def exists(self) -> bool:
        return os.path.lexists(self.oracle_file)

    def _mark(self) -> None:
        marker = os.path.join(self.path, MARKER_FILE)
        if not os.path.isfile(marker):
            write_atomic(marker, b'{"written_by": "neurona.tune"}\n', durable=False)

    def is_marked(self) -> bool:
        return os.path.isfile(os.path.join(self.path, MARKER_FILE))

    def write_oracle(self, state: dict) -> None:
        os.makedirs(self.path, exist_ok=True)
        self._mark()
        write_atomic(self.oracle_file, json.dumps(state, indent=1).encode(), durable=False)

    def read_oracle(self) -> dict:
        r"""oracle.json, checked: a fingerprint and the oracle's seed, trial ids and space."""
        saved = read_json(self.oracle_file, "a search's oracle.json")
        where = f"{self.oracle_file} is not a search's oracle.json"
        oracle = saved.get("oracle")
        if not isinstance(saved.get("fingerprint"), dict) or not isinstance(oracle, dict):
            raise SearchDirectoryError(f"{where}: it needs the objects 'fingerprint' and 'oracle'; {_ADVICE}.")
        ids = oracle.get("trial_ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) and re.fullmatch(r"\d+", i) for i in ids):
            raise SearchDirectoryError(f"{where}: 'trial_ids' must be a list of trial numbers such as \"00\"; "
                                       f"got {ids!r:.80}; {_ADVICE}.")
        if not isinstance(oracle.get("seed"), int) or isinstance(oracle.get("seed"), bool):
            raise SearchDirectoryError(f"{where}: 'seed' must be an integer; got {oracle.get('seed')!r:.80}; "
                                       f"{_ADVICE}.")
        try:
            HyperParameters.from_config(oracle.get("space"))
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            raise SearchDirectoryError(f"{where}: its 'space' is not a search space ({type(error).__name__}: "
                                       f"{error}); {_ADVICE}.") from None
        return saved

    def _checked_trial_dir(self, trial_id: str) -> str:
        r"""The trial's folder, refused if it is a file or a link (the search would write elsewhere)."""
        folder = self.trial_dir(trial_id)
        if os.path.islink(folder):
            raise SearchDirectoryError(f"{folder} is not a trial's folder: it is a link to "
                                       f"{os.path.realpath(folder)}, where the search would write; {_ADVICE}.")
        if os.path.lexists(folder) and not os.path.isdir(folder):
            raise SearchDirectoryError(f"{folder} is not a trial's folder: it is a file; {_ADVICE}.")
        return folder

    def write_trial(self, trial: Trial) -> None:
        os.makedirs(self._checked_trial_dir(trial.trial_id), exist_ok=True)
        write_atomic(os.path.join(self.trial_dir(trial.trial_id), "trial.json"),
                     json.dumps(trial.get_state(), indent=1).encode(), durable=False)

    def flush(self) -> None:
        r"""Bring the search's files to the disk (one sync for the whole search)."""
        if hasattr(os, "sync"):
            os.sync()

    def read_trial(self, trial_id: str) -> Trial | None:
        folder = self._checked_trial_dir(trial_id)
        path = os.path.join(folder, "trial.json")
        if not os.path.lexists(path):
            return None
        return trial_from_file(read_json(path, "a search's trial.json"), path, trial_id)

    def own_entries(self) -> list[str]:
        r"""The entries of the directory this search wrote: oracle.json and trial_<number>/ folders
        (with their temporaries); none unless the directory carries the search's marker."""
        if not os.path.isdir(self.path) or not self.is_marked():
            return []
        return [os.path.join(self.path, entry) for entry in sorted(os.listdir(self.path))
                if entry == "oracle.json" or (entry.startswith(".oracle.json.") and entry.endswith(".tmp"))
                or self._is_trial_folder(entry)]

    def _is_trial_folder(self, entry: str) -> bool:
        r"""Whether the entry ``entry`` is a trial_<number>/ folder (not a file, not a link)."""
        folder = os.path.join(self.path, entry)
        return bool(_TRIAL_DIR.fullmatch(entry)) and os.path.isdir(folder) and not os.path.islink(folder)

    def foreign_entries(self) -> list[str]:
        r"""What overwrite=True would have to delete but cannot prove a search wrote (no marker)."""
        if not os.path.isdir(self.path) or self.is_marked():
            return []
        return [os.path.join(self.path, e) for e in sorted(os.listdir(self.path))
                if e == "oracle.json" or _TRIAL_DIR.fullmatch(e)]

    def remove_own_files(self) -> None:
        r"""overwrite=True: delete what the search wrote here (see own_entries), nothing else."""
        for path in self.own_entries():
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)

    def remove_temporaries(self) -> None:
        r"""Delete the half-written files an earlier run killed mid-write left (model files, trial.json,
        oracle.json): only under the lock, when no other process writes here."""
        if not os.path.isdir(self.path):
            return
        remove_stale_temporaries(self.oracle_file)
        for entry in os.listdir(self.path):
            if self._is_trial_folder(entry):
                for name in (MODEL_FILE, "trial.json"):
                    remove_stale_temporaries(os.path.join(self.path, entry, name))
