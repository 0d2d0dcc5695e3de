r"""The tuner on one machine and on a Dask cluster: 12 trials of a digits MLP (about 1 s each).

Runs the same RandomSearch four ways and prints the wall time of each and its ratio to the serial
run: in this process (serial), in 1 and 2 local worker processes, and on a 2-worker Dask
LocalCluster (processes, one thread each). Every process computes with one BLAS thread, so that
two workers on two cores do not fight over them. It also prints the tuner's own cost per trial:
the bookkeeping around each trial in the calling process (oracle, trial.json and oracle.json
written atomically), the median over the trials of the serial run.

    python benchmarks/tune.py                 # 12 trials, 200 epochs each (about 1 s a trial)
    python benchmarks/tune.py --trials 8 --epochs 10 --no-dask
"""
from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"          # read once, when NumPy loads its BLAS (workers inherit it)

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import neurona as nr  # noqa: E402
from neurona import layers, optimizers, tune  # noqa: E402


def build_model(hp):
    model = nr.Sequential([layers.Dense(hp.Int("units", 64, 256, step=64), activation="relu"),
                           layers.Dense(10, activation="softmax")], input_dim=64, seed=0)
    model.compile(optimizer=optimizers.Adam(hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def run(executor, data, trials, epochs, directory):
    x, y, x_val, y_val = data
    tuner = tune.RandomSearch(build_model, objective="val_accuracy", max_trials=trials, seed=0,
                              directory=directory, project_name="bench", overwrite=True, executor=executor)
    start = time.perf_counter()
    tuner.search(x, y, epochs=epochs, batch_size=32, validation_data=(x_val, y_val), verbose=0)
    seconds = time.perf_counter() - start
    trial_seconds = [t.seconds for t in tuner.oracle.trials.values()]
    return seconds, statistics.median(trial_seconds), statistics.median(tuner.overhead)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--no-dask", action="store_true", help="skip the LocalCluster run")
    args = parser.parse_args()
    x, y = nr.datasets.load_digits()
    x = (x / 16.0).astype("float32")
    data = (x[:1400], y[:1400], x[1400:], y[1400:])
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        serial, per_trial, overhead = run(None, data, args.trials, args.epochs, directory)
        rows.append(("serial (this process)", serial, per_trial))
        for n in (1, 2):
            seconds, per_trial_n, _ = run(n, data, args.trials, args.epochs, directory)
            rows.append((f"{n} local worker process{'es' if n > 1 else ''}", seconds, per_trial_n))
        if not args.no_dask:
            from distributed import Client, LocalCluster
            with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None,
                              silence_logs=40) as cluster, Client(cluster) as client:
                client.wait_for_workers(2)
                seconds, per_trial_d, _ = run(client, data, args.trials, args.epochs, directory)
                rows.append(("Dask LocalCluster, 2 workers", seconds, per_trial_d))
    print(f"{args.trials} trials of a digits MLP ({args.epochs} epochs each), {os.cpu_count()} cores")
    print(f"{'where':32s} {'wall s':>8s} {'/ serial':>9s} {'median trial s':>15s}")
    for name, seconds, trial in rows:
        print(f"{name:32s} {seconds:8.2f} {seconds / serial:9.2f} {trial:15.2f}")
    print(f"tuner overhead per trial (serial run, median): {overhead * 1000:.1f} ms")


if __name__ == "__main__":
    main()
