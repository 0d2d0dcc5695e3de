r"""Training on a set larger than memory: peak memory of ``fit`` reading a batch at a time from disk.

The set is ``--features`` float32 columns and one target, written to disk at two lengths (the larger
above the memory limit). Each run is a fresh process whose private memory is capped with
``RLIMIT_DATA`` (``--limit-mb``: heap and anonymous maps; the file's pages are the kernel's page
cache, which it drops when memory is short) and trains a 256-64-1 network (ReLU, Adam, MSE) for one
epoch, batch ``--batch-size``, from

* ``memmap``: ``fit(np.memmap(...), y_memmap)``, rows gathered per batch (shuffled);
* ``pydataset``: a ``keras.utils.PyDataset`` whose ``__getitem__`` reads its rows with ``np.fromfile``;
* ``load``: ``np.fromfile`` of the whole set first (what fitting on an in-memory array needs), which
  the limit stops on the larger set.

A thread samples the process's private resident memory (``RssAnon`` in ``/proc/self/status``) every
5 ms; the script prints its peak per source and length, and the time per epoch. The claim: the peak
does not grow with the data's length.

    python benchmarks/streaming.py                       # 64 MB and 768 MB sets, a 384 MB limit
    python benchmarks/streaming.py --sizes-mb 32,256 --limit-mb 192
"""
from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402


def rss_anon_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    return 0


def write_set(directory: Path, rows: int, features: int, seed: int = 0) -> tuple[Path, Path]:
    r"""x (rows, features) and y (rows, 1), float32, written in chunks (never whole in memory)."""
    x_path, y_path = directory / f"x_{rows}.f32", directory / f"y_{rows}.f32"
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(features, 1)).astype("float32") / np.sqrt(features)
    with open(x_path, "wb") as fx, open(y_path, "wb") as fy:
        for start in range(0, rows, 16384):
            chunk = rng.normal(size=(min(16384, rows - start), features)).astype("float32")
            chunk.tofile(fx)
            np.tanh(chunk @ w).astype("float32").tofile(fy)
    return x_path, y_path


def worker(source: str, x_path: str, y_path: str, rows: int, features: int, batch_size: int, limit_mb: int):
    import resource
    limit = limit_mb * 2 ** 20
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    import neurona as keras
    from neurona import layers

    peak = [rss_anon_kb()]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_anon_kb())
            time.sleep(0.005)
    threading.Thread(target=sample, daemon=True).start()

    class FileRows(keras.utils.PyDataset):
        def __len__(self):
            return -(-rows // batch_size)

        def __getitem__(self, i):
            start = i * batch_size
            count = min(batch_size, rows - start)
            x = np.fromfile(x_path, dtype="float32", count=count * features, offset=start * features * 4)
            y = np.fromfile(y_path, dtype="float32", count=count, offset=start * 4)
            return x.reshape(count, features), y.reshape(count, 1)

    model = keras.Sequential([keras.Input((features,)), layers.Dense(64, activation="relu"), layers.Dense(1)], seed=0)
    model.compile(optimizer="adam", loss="mse")
    before = rss_anon_kb()
    started = time.perf_counter()
    try:
        if source == "memmap":
            x = np.memmap(x_path, dtype="float32", mode="r", shape=(rows, features))
            y = np.memmap(y_path, dtype="float32", mode="r", shape=(rows, 1))
            history = model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
        elif source == "pydataset":
            history = model.fit(FileRows(), epochs=1, verbose=0)
        else:
            x = np.fromfile(x_path, dtype="float32").reshape(rows, features)
            y = np.fromfile(y_path, dtype="float32").reshape(rows, 1)
            history = model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
        outcome = f"loss {history.history['loss'][0]:.4f}"
    except MemoryError:
        outcome = "MemoryError"
    seconds = time.perf_counter() - started
    done.set()
    peak[0] = max(peak[0], rss_anon_kb())
    print(json.dumps({"peak_mb": peak[0] / 1024, "before_mb": before / 1024, "seconds": seconds, "outcome": outcome}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes-mb", default="64,768", help="sizes of the sets in MB (default 64,768)")
    parser.add_argument("--limit-mb", type=int, default=384, help="RLIMIT_DATA of each run, MB (default 384)")
    parser.add_argument("--features", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--sources", default="memmap,pydataset,load")
    parser.add_argument("--worker", nargs=7, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        source, x_path, y_path, rows, features, batch_size, limit = args.worker
        worker(source, x_path, y_path, int(rows), int(features), int(batch_size), int(limit))
        return
    from machine import cpu_name
    print(f"CPU: {cpu_name()}")
    print(f"memory limit (RLIMIT_DATA) {args.limit_mb} MB, {args.features} features, batch {args.batch_size}, "
          f"one epoch of a {args.features}-64-1 network")
    print(f"{'set':>8} {'source':>10} {'peak private MB':>16} {'s / epoch':>10}  outcome")
    with tempfile.TemporaryDirectory() as directory:
        for size_mb in (int(s) for s in args.sizes_mb.split(",")):
            rows = size_mb * 2 ** 20 // ((args.features + 1) * 4)
            x_path, y_path = write_set(Path(directory), rows, args.features)
            for source in args.sources.split(","):
                command = [sys.executable, __file__, "--worker", source, str(x_path), str(y_path), str(rows),
                           str(args.features), str(args.batch_size), str(args.limit_mb)]
                run = subprocess.run(command, capture_output=True, text=True)
                if run.returncode != 0:
                    last = (run.stderr.strip().splitlines() or ["?"])[-1]
                    print(f"{size_mb:>6}MB {source:>10} {'-':>16} {'-':>10}  failed: {last[:90]}")
                    continue
                result = json.loads(run.stdout.strip().splitlines()[-1])
                print(f"{size_mb:>6}MB {source:>10} {result['peak_mb']:>16.1f} {result['seconds']:>10.2f}  "
                      f"{result['outcome']}")
            x_path.unlink()
            y_path.unlink()


if __name__ == "__main__":
    main()
