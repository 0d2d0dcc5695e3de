import os
import signal
import sys
import time
from collections import Counter

import pytest

from neurona import tune
from neurona.tune import TrialStatus

from tune_models import KillsItsWorker, build_model, digits

HERE = os.path.dirname(os.path.abspath(__file__))


def runs_by_units(directory):
    with open(os.path.join(directory, "runs.log")) as log:
        return [line.split() for line in log]


def check_the_killed_trial_was_retried(tuner, directory, max_trials):
    trials = list(tuner.oracle.trials.values())
    assert len(trials) == max_trials and [t.trial_id for t in trials] == sorted({t.trial_id for t in trials})
    assert all(t.status == TrialStatus.COMPLETED for t in trials), [(t.status, t.message) for t in trials]
    assert os.path.exists(os.path.join(directory, "killed"))
    victims = [t for t in trials if t.values["units"] == 16]
    runs = Counter(units for units, _ in runs_by_units(directory))
    assert victims and runs["16"] >= len(victims) + 1         # the killed run, then the retry
    return {t.worker for t in trials}


def test_local_processes_retry_a_trial_whose_worker_is_killed(tmp_path):
    x, y, x_val, y_val = digits(300, 150)
    tuner = tune.GridSearch(KillsItsWorker(str(tmp_path)), objective="val_accuracy", max_trials=4,
                            max_retries_per_trial=1, directory=tmp_path, executor=2,
                            hyperparameters=_units_only())
    tuner.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    workers = check_the_killed_trial_was_retried(tuner, tmp_path, 4)
    assert len(workers) >= 2                     # both processes ran trials
    tries = {t.values["units"]: t.tries for t in tuner.oracle.trials.values()}
    assert tries == {8: 1, 16: 2, 24: 1, 32: 1}  # the other worker's trials were not disturbed
    assert len({pid for _, pid in runs_by_units(tmp_path)} - {str(os.getpid())}) >= 2
    model = tuner.get_best_models(1)[0]          # model files written by the workers
    assert model.predict(x_val[:3]).shape == (3, 10)


def _units_only():
    hp = tune.HyperParameters()
    hp.Int("units", 8, 32, step=8)
    hp.Fixed("learning_rate", 0.01)
    return hp


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([HERE, *filter(None, [old])])     # the workers import tune_models
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                                       silence_logs=50)
    client = distributed.Client(cluster)
    client.wait_for_workers(2)
    yield client
    client.close()
    cluster.close()
    if old is None:
        os.environ.pop("PYTHONPATH")
    else:
        os.environ["PYTHONPATH"] = old


def test_dask_trials_land_on_both_workers_and_a_killed_worker_is_survived(dask_client, tmp_path):
    x, y, x_val, y_val = digits(300, 150)
    addresses = set(dask_client.scheduler_info()["workers"])
    calm = tune.RandomSearch(KillsItsWorker(str(tmp_path), victim=None), objective="val_accuracy", max_trials=4,
                             directory=tmp_path, project_name="calm", executor=dask_client)
    calm.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    assert {t.worker for t in calm.oracle.trials.values()} == addresses
    os.unlink(tmp_path / "runs.log")
    tuner = tune.GridSearch(KillsItsWorker(str(tmp_path)), objective="val_accuracy", max_trials=4,
                            max_retries_per_trial=1, directory=tmp_path, executor=dask_client,
                            hyperparameters=_units_only())
    tuner.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    check_the_killed_trial_was_retried(tuner, tmp_path, 4)
    assert len(tuner.get_best_models(1)) == 1
    # the data went to the cluster once, scattered, and was released at the end
    def data_left():
        return [key for key in dask_client.who_has() if "neurona-trial" not in str(key)]
    deadline = time.monotonic() + 10            # the scheduler releases cancelled data asynchronously
    while data_left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not data_left()


def test_a_thread_pool_runs_trials(tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    x, y, x_val, y_val = digits(300, 150)
    with ThreadPoolExecutor(2) as pool:
        tuner = tune.RandomSearch(build_model, objective="val_accuracy", max_trials=3, directory=tmp_path,
                                  executor=pool, seed=0)
        tuner.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    assert [t.status for t in tuner.oracle.trials.values()] == [TrialStatus.COMPLETED] * 3
    with pytest.raises(TypeError, match="executor must be None"):
        tune.RandomSearch(build_model, objective="val_loss", directory=tmp_path, project_name="bad",
                          executor="cluster").search(x, y)


def test_dask_futures_the_scheduler_drops_are_lost_workers_and_lost_data_is_sent_again(dask_client):
    from neurona.tune import executors
    executor = executors.make(dask_client)
    executor.start({"data": list(range(10))})
    dropped = dask_client.submit(time.sleep, 30, pure=False)
    dropped.cancel()                                   # as the scheduler does when a worker dies with it
    assert dropped in executor.wait([dropped])
    with pytest.raises(executors.WorkerLost, match="dropped"):
        executor.result(dropped)
    first = executor.payload
    dask_client.cancel([first])                        # the payload's replicas gone
    deadline = time.monotonic() + 10
    while first.status == "finished" and time.monotonic() < deadline:
        time.sleep(0.05)
    future = executor.submit({"trial_id": "00", "try": 1})
    assert executor.payload.key != first.key and executor.payload.status == "finished"
    future.cancel()
    executor.shutdown()
