r"""A search killed with SIGKILL at random moments, then run again with the same arguments, ends as
an uninterrupted search would: every finished trial read back (not rerun), interrupted ones rerun,
exactly max_trials trials."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from neurona import tune

from tune_models import digits

EPOCHS = 20
HERE = os.path.dirname(os.path.abspath(__file__))

SCRIPT = """
import os, sys
sys.path.insert(0, {here!r})
from neurona import tune
from tune_models import build_model, digits

class Logged(tune.HyperModel):
    def build(self, hp):
        return build_model(hp)
    def fit(self, hp, model, *args, **kwargs):
        with open(os.path.join({directory!r}, "runs.log"), "a") as log:
            log.write(f"{{hp['units']}} {{hp['learning_rate']!r}}\\n")
        return model.fit(*args, **kwargs)

x, y, x_val, y_val = digits(300, 150)
tuner = tune.RandomSearch(Logged(), objective="val_accuracy", max_trials=6, seed=7, directory={directory!r},
                          project_name="p")
tuner.search(x, y, epochs={epochs}, validation_data=(x_val, y_val), verbose=0)
"""


def finished(project):
    done = set()
    for entry in os.listdir(project) if os.path.isdir(project) else []:
        path = os.path.join(project, entry, "trial.json")
        if entry.startswith("trial_") and os.path.exists(path):
            with open(path) as file:
                state = json.load(file)
            if state["status"] == "COMPLETED":
                done.add((state["hyperparameters"]["values"]["units"], state["hyperparameters"]["values"]["learning_rate"]))
    return done


def log_lines(directory):
    path = os.path.join(directory, "runs.log")
    if not os.path.exists(path):
        return []
    with open(path) as log:
        return [(int(u), float(lr)) for u, lr in (line.split() for line in log)]


def test_kill_at_random_moments_then_resume(tmp_path):
    from tune_models import build_model
    x, y, x_val, y_val = digits(300, 150)
    reference = tune.RandomSearch(build_model, objective="val_accuracy", max_trials=6, seed=7,
                                  directory=tmp_path / "reference", project_name="p")
    start = time.perf_counter()
    reference.search(x, y, epochs=EPOCHS, validation_data=(x_val, y_val), verbose=0)
    search_seconds = time.perf_counter() - start

    script = tmp_path / "search.py"
    script.write_text(SCRIPT.format(here=HERE, directory=str(tmp_path), epochs=EPOCHS))
    project = str(tmp_path / "p")
    rng = np.random.default_rng(0)
    kills = []          # (trials finished when killed, runs logged by then)
    for _ in range(3):
        before = len(log_lines(tmp_path))
        process = subprocess.Popen([sys.executable, str(script)])
        deadline = time.monotonic() + 60
        while len(log_lines(tmp_path)) == before and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)           # until this run starts a trial; then a random moment later,
        # after a quarter of the search at least (one of its 6 trials is done) but before its end
        time.sleep(rng.uniform(0.25, 0.6) * search_seconds)
        if process.poll() is not None:
            break
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        kills.append((finished(project), len(log_lines(tmp_path))))
    subprocess.run([sys.executable, str(script)], check=True, timeout=120)
    assert kills and any(done for done, _ in kills)
    runs = log_lines(tmp_path)
    for done_at_kill, logged in kills:
        assert not set(runs[logged:]) & done_at_kill          # a finished trial never runs again
    resumed = tune.RandomSearch(build_model, objective="val_accuracy", max_trials=6, seed=7, directory=tmp_path,
                                project_name="p")
    trials = resumed.oracle.trials
    assert list(trials) == ["00", "01", "02", "03", "04", "05"] and resumed.remaining_trials == 0
    assert all(t.status == "COMPLETED" for t in trials.values())
    for trial_id, trial in reference.oracle.trials.items():
        assert trials[trial_id].values == trial.values
        assert trials[trial_id].score == pytest.approx(trial.score)     # as if it had never been killed
    assert not [f for f in os.listdir(project) if f.endswith(".tmp")]
