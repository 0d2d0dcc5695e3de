r"""What a search trusts of its directory: files it reads back (corrupt, edited, out of the space),
two processes on one directory (the lock), what a killed run left, what overwrite=True may delete,
a grid too large to list, and the CLI's account of failed trials."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from neurona import tune
from neurona.cli import main
from neurona.tune.grid_search import ordered_values
from neurona.tune.lock import LOCK_FILE, DirectoryLock

HERE = os.path.dirname(os.path.abspath(__file__))


def build(hp):
    hp.Int("units", 2, 16)
    hp.Choice("activation", ["relu", "tanh"])
    return None             # the space only: run_trial scores a trial itself


PAUSE = 0.0       # seconds a trial of Quick takes (the concurrent test makes the two searches overlap)


class Quick(tune.RandomSearch):
    r"""A search whose trials cost nothing: the score is a function of the values."""

    def run_trial(self, trial, *args, **kwargs):
        time.sleep(PAUSE)
        return float((trial.hyperparameters.get("units") - 7) ** 2)


def quick(directory, **kwargs):
    return Quick(build, max_trials=kwargs.pop("max_trials", 3), seed=1, directory=str(directory),
                 project_name="p", **kwargs)


@pytest.fixture
def searched(tmp_path):
    tuner = quick(tmp_path)
    tuner.search()
    return tmp_path / "p"


# -- files read back -----------------------------------------------------------------------------
CORRUPT = {
    "random bytes": (bytes(range(256)) * 4, "not UTF-8 text"),
    "nested 100,000 deep": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "a JSON list": (b"[1, 2, 3]", "a JSON list, not an object"),
    "truncated": (None, "not valid JSON"),
    "empty": (b"", "not valid JSON"),
}


@pytest.mark.parametrize("case", list(CORRUPT))
@pytest.mark.parametrize("name", ["oracle.json", "trial_01/trial.json"])
def test_a_corrupt_file_is_one_error_naming_the_file(searched, tmp_path, name, case):
    path = searched / name
    data, message = CORRUPT[case]
    path.write_bytes(path.read_bytes()[:40] if data is None else data)
    with pytest.raises(tune.SearchDirectoryError, match=message) as error:
        quick(tmp_path)
    assert str(path) in str(error.value) and "overwrite=True" in str(error.value)


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["oracle"].update(trial_ids=["00", "../../elsewhere"]), "'trial_ids' must be a list of trial numbers"),
    (lambda s: s["oracle"].update(seed="seven"), "'seed' must be an integer"),
    (lambda s: s.pop("fingerprint"), "needs the objects 'fingerprint' and 'oracle'"),
    (lambda s: s["oracle"].update(space={"space": [{"class_name": "Int", "name": "u"}]}), "is not a search space"),
])
def test_an_oracle_json_of_the_wrong_shape_is_refused(searched, tmp_path, edit, message):
    path = searched / "oracle.json"
    state = json.loads(path.read_text())
    edit(state)
    path.write_text(json.dumps(state))
    with pytest.raises(tune.SearchDirectoryError, match=message) as error:
        quick(tmp_path)
    assert str(path) in str(error.value)


def edit_trial(project, trial_id, edit):
    path = project / f"trial_{trial_id}" / "trial.json"
    state = json.loads(path.read_text())
    edit(state)
    path.write_text(json.dumps(state))
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["hyperparameters"]["values"].update(units=100000), r"'units' is outside the search space"),
    (lambda s: s["hyperparameters"]["values"].update(units=5.5), r"'units' must be an integer"),
    (lambda s: s["hyperparameters"]["values"].update(activation="gelu"), r"'activation' must be one of"),
    (lambda s: s.update(score="high"), r"'score' must be a number"),
    (lambda s: s.update(status="DONE"), r"'status' must be one of"),
    (lambda s: s.update(trial_id="02"), r"its trial_id is '02', its folder says '01'"),
    (lambda s: s.update(metrics=[[{"loss": "low"}]]), r"'metrics' must be"),
    (lambda s: s.update(best_epoch=-1), r"'best_epoch' must be"),
    (lambda s: s.update(hyperparameters=[]), r"'hyperparameters' must be"),
])
def test_a_trial_json_is_checked_against_the_space_on_read(searched, tmp_path, edit, message):
    path = edit_trial(searched, "01", edit)
    with pytest.raises(tune.SearchDirectoryError, match=message) as error:
        quick(tmp_path)
    assert str(path) in str(error.value)


def test_an_edited_value_never_reaches_build(tmp_path):
    built = []

    def recording_build(hp):
        built.append(hp.Int("units", 2, 16))
        return None

    class Recorded(tune.RandomSearch):
        def run_trial(self, trial, *args, **kwargs):
            recording_build(trial.hyperparameters)
            return 1.0

    Recorded(recording_build, max_trials=2, seed=1, directory=str(tmp_path), project_name="p").search()
    edit_trial(tmp_path / "p", "01", lambda s: (s["hyperparameters"]["values"].update(units=100000),
                                               s.update(status="RUNNING")))       # interrupted: would run again
    built.clear()
    with pytest.raises(tune.SearchDirectoryError, match="units"):
        Recorded(recording_build, max_trials=3, seed=1, directory=str(tmp_path), project_name="p").search()
    assert 100000 not in built


# -- two processes, one directory ------------------------------------------------------------------
SLOW_SEARCH = """
import sys, time
sys.path.insert(0, {here!r})
from neurona import tune
from test_tune_directory import build

class Quick(tune.RandomSearch):          # the same tuner as the test's, with slow trials
    def run_trial(self, trial, *args, **kwargs):
        open({started!r}, "w").close()
        time.sleep(60)
        return 1.0

Quick(build, max_trials=6, seed=1, directory={directory!r}, project_name="p").search()
"""


def start_slow_search(tmp_path):
    started = tmp_path / "started"
    process = subprocess.Popen([sys.executable, "-c", SLOW_SEARCH.format(here=HERE, started=str(started),
                                                                         directory=str(tmp_path))])
    deadline = time.monotonic() + 60
    while not started.exists():
        assert process.poll() is None and time.monotonic() < deadline, "the first search did not start"
        time.sleep(0.05)
    return process


def test_a_second_process_is_refused_naming_the_holder_until_the_holder_is_killed(tmp_path):
    first = start_slow_search(tmp_path)
    try:
        with pytest.raises(tune.SearchLocked) as error:
            quick(tmp_path, max_trials=6).search()
        message = str(error.value)
        assert f"process {first.pid} on {socket.gethostname()!r} since " in message
        with pytest.raises(tune.SearchLocked):      # nor may overwrite=True delete its files meanwhile
            quick(tmp_path, overwrite=True)
        assert (tmp_path / "p" / "trial_00" / "trial.json").exists()
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    lock = json.loads((tmp_path / "p" / LOCK_FILE).read_text())
    assert lock["pid"] == first.pid                 # left behind by the kill
    # what a kill in the middle of saving a model leaves; and a user's file that looks alike
    half = tmp_path / "p" / "trial_00" / ".model.safetensors.k1ll3d.tmp"
    half.write_bytes(b"half a model")
    mine = tmp_path / "p" / "notes" / ".model.safetensors.mine.tmp"
    mine.parent.mkdir()
    mine.write_bytes(b"not the tuner's")
    tuner = quick(tmp_path, max_trials=6)
    tuner.search()                                  # the dead holder's lock is stale: taken over
    assert len(tuner.oracle.trials) == 6 and all(t.status == "COMPLETED" for t in tuner.oracle.trials.values())
    assert not half.exists() and mine.exists()
    assert not (tmp_path / "p" / LOCK_FILE).exists()     # released at the end


def test_two_searches_at_once_stay_consistent(tmp_path):
    script = ("import sys; sys.path.insert(0, {here!r})\n"
              "from neurona import tune\n"
              "import test_tune_directory\n"
              "from test_tune_directory import quick\n"
              "test_tune_directory.PAUSE = 0.2\n"
              "try:\n"
              "    quick({directory!r}, max_trials=6).search(verbose=0)\n"
              "    print('searched')\n"
              "except tune.SearchLocked as error:\n"
              "    print('locked', error)\n").format(here=HERE, directory=str(tmp_path))
    processes = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    assert any(o.strip().endswith("searched") for o in outputs), outputs
    tuner = quick(tmp_path, max_trials=6)
    tuner.search()          # whatever the interleaving, the directory reads back whole: six trials, each once
    trials = tuner.oracle.trials
    assert sorted(trials) == ["00", "01", "02", "03", "04", "05"]
    for trial_id, trial in trials.items():
        state = json.loads((tmp_path / "p" / f"trial_{trial_id}" / "trial.json").read_text())
        assert state["hyperparameters"]["values"] == trial.values and state["status"] == "COMPLETED"


def test_a_stale_lock_on_this_host_is_taken_over_and_one_elsewhere_is_explained(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    project = tmp_path / "p"
    project.mkdir()
    (project / LOCK_FILE).write_text(json.dumps({"pid": gone.pid, "host": socket.gethostname(), "since": "then"}))
    with DirectoryLock(project):
        assert json.loads((project / LOCK_FILE).read_text())["pid"] == os.getpid()
    (project / LOCK_FILE).write_text(json.dumps({"pid": 1, "host": "far-away", "since": "2026-01-01T00:00:00+00:00"}))
    with pytest.raises(tune.SearchLocked, match=r"process 1 on 'far-away' since 2026-01-01.*delete .*search\.lock"):
        DirectoryLock(project).acquire()
    (project / LOCK_FILE).write_text(json.dumps({"pid": os.getppid(), "host": socket.gethostname(), "since": "now"}))
    with pytest.raises(tune.SearchLocked, match=f"process {os.getppid()}"):
        DirectoryLock(project).acquire()       # a live holder on this host


# -- overwrite=True deletes only what a search wrote -----------------------------------------------
def test_a_project_path_that_leaves_directory_is_refused(tmp_path):
    (tmp_path / "trial_data").mkdir()
    (tmp_path / "trial_data" / "x.csv").write_text("1,2\n")
    for name in ("..", "../elsewhere", str(tmp_path / "abs"), "a/../../b"):
        with pytest.raises(ValueError, match="leads out of directory"):
            Quick(build, directory=str(tmp_path / "runs"), project_name=name, overwrite=True)
    assert (tmp_path / "trial_data" / "x.csv").exists()
    with pytest.raises(ValueError, match="project_name must be a folder name"):
        Quick(build, directory=str(tmp_path), project_name="")


def test_overwrite_deletes_only_the_search_s_own_files(searched, tmp_path):
    (searched / "trial_backups").mkdir()
    (searched / "trial_backups" / "old.csv").write_text("keep\n")
    (searched / "notes.txt").write_text("keep\n")
    tuner = quick(tmp_path, overwrite=True)
    assert not (searched / "oracle.json").exists() and not (searched / "trial_00").exists()
    assert (searched / "trial_backups" / "old.csv").exists() and (searched / "notes.txt").exists()
    tuner.search()
    assert len(tuner.oracle.trials) == 3


def test_overwrite_leaves_a_folder_no_search_marked(tmp_path):
    folder = tmp_path / "p"
    (folder / "trial_01").mkdir(parents=True)
    (folder / "trial_01" / "results.csv").write_text("mine\n")
    with pytest.raises(tune.SearchDirectoryError, match="nothing proves a search wrote"):
        quick(tmp_path, overwrite=True)
    assert (folder / "trial_01" / "results.csv").exists()


# -- a grid too large to list ------------------------------------------------------------------------
def test_a_huge_grid_is_walked_lazily(tmp_path):
    class Grid(tune.GridSearch):
        def run_trial(self, trial, *args, **kwargs):
            return float(trial.hyperparameters.get("n"))

    def huge(hp):
        hp.Int("n", 0, 10**15)
        hp.Float("rate", 0.0, 1.0, step=1e-12)
        return None

    start = time.perf_counter()
    tuner = Grid(huge, max_trials=2, directory=str(tmp_path), project_name="g")
    tuner.search()
    assert [t.values for t in tuner.oracle.trials.values()] == [{"n": 0, "rate": 0.0}, {"n": 0, "rate": 1e-12}]
    assert time.perf_counter() - start < 5
    values = ordered_values(tune.Int("k", 0, 10**15, step=5, default=10))
    assert [next(values) for _ in range(4)] == [10, 0, 5, 15]


# -- neurona tune when every trial fails -----------------------------------------------------------
def test_tune_prints_each_failed_trial_s_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text('[data]\ndataset = "iris"\n[fit]\nepochs = 2\nvalidation_split = 0.25\n'
                                       '[search]\nbatch_size = {choice = [-1, -2]}\n')
    code = main(["tune", "bad.toml", "--max-trials", "2", "--directory", "runs", "--tuner", "grid"])
    captured = capsys.readouterr()
    assert code == 1
    out = captured.out + captured.err
    assert "trial 00 failed: ValueError" in out and "trial 01 failed: ValueError" in out
    assert "batch_size" in out.split("trial 00 failed:")[1].splitlines()[0]
    final = captured.err.strip().splitlines()[-1]
    assert "no trial finished with a score; the last, trial 01, with: ValueError" in final and "batch_size" in final


# -- folders that are not what they seem ------------------------------------------------------------
def test_a_project_or_trial_folder_that_is_a_file_is_named(searched, tmp_path):
    import shutil
    shutil.rmtree(searched / "trial_02")
    (searched / "trial_02").write_text("not a folder")
    with pytest.raises(tune.SearchDirectoryError, match="trial_02 is not a trial's folder"):
        quick(tmp_path)
    (tmp_path / "q").write_text("a file")
    with pytest.raises(tune.SearchDirectoryError, match="exists and is not a folder"):
        Quick(build, directory=str(tmp_path), project_name="q")
    with pytest.raises(tune.SearchDirectoryError, match="directory .* exists and is not a folder"):
        Quick(build, directory=str(tmp_path / "q"), project_name="p")


def test_a_trial_folder_that_is_a_link_is_refused_before_anything_is_written_through_it(searched, tmp_path):
    import shutil
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "model.safetensors").write_bytes(b"the user's own model")
    shutil.rmtree(searched / "trial_01")
    (searched / "trial_01").symlink_to(elsewhere)
    with pytest.raises(tune.SearchDirectoryError, match="trial_01 is not a trial's folder: it is a link"):
        quick(tmp_path).search()
    (searched / "trial_05").symlink_to(elsewhere)        # where the next trials would go
    (searched / "trial_01").unlink()
    with pytest.raises(tune.SearchDirectoryError, match="trial_05 is not a trial's folder: it is a link"):
        quick(tmp_path, max_trials=6).search(verbose=0)
    assert os.listdir(elsewhere) == ["model.safetensors"]
    assert (elsewhere / "model.safetensors").read_bytes() == b"the user's own model"


def test_a_trial_folder_deleted_by_hand_is_not_overwritten_by_the_next_trial(searched, tmp_path):
    import shutil
    shutil.rmtree(searched / "trial_01")
    kept = (searched / "trial_02" / "trial.json").read_bytes()
    tuner = quick(tmp_path, max_trials=4)
    tuner.search(verbose=0)
    assert (searched / "trial_02" / "trial.json").read_bytes() == kept
    assert sorted(tuner.oracle.trials) == ["00", "02", "03", "04"]


def test_tune_refuses_a_directory_another_search_holds(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris.toml").write_text('[data]\ndataset = "iris"\n[fit]\nepochs = 1\nvalidation_split = 0.25\n'
                                        '[search]\nunits = {int = [4, 8], step = 4}\n')
    (tmp_path / "runs" / "iris").mkdir(parents=True)
    holder = {"pid": os.getppid(), "host": socket.gethostname(), "since": "2026-12-07T20:00:00+00:00"}
    (tmp_path / "runs" / "iris" / LOCK_FILE).write_text(json.dumps(holder))
    for extra in ([], ["--overwrite"]):
        assert main(["tune", "iris.toml", "--max-trials", "1", "--directory", "runs", *extra]) == 1
        err = capsys.readouterr().err
        assert f"is being searched by process {os.getppid()} on {socket.gethostname()!r} since 2026-12-07" in err
    assert not list((tmp_path / "runs" / "iris").glob("trial_*"))
