r"""What the compiled kernels of ``neurona[fast]`` cost before they pay: the first ``fit`` of a fresh
process, with numba's disk cache cold (compiling) and warm (loading), and ``neurona train``'s default
run.

Each measurement is a fresh Python process, in three settings:

* ``numpy``: ``NEURONA_FAST=0`` (the NumPy reference; numba is never imported);
* ``cold``: the kernels on, numba's cache an empty directory (``NUMBA_CACHE_DIR``), so the first
  update compiles its kernel;
* ``warm``: the kernels on, the same cache directory again, so the kernel is loaded from disk.

What is timed in each process:

* ``first fit``: ``import neurona`` is done, the data loaded; then the first ``fit`` of the MNIST
  MLP 784-256-128-10 (Adam, batch 128, one epoch on ``--samples`` images), and a second one (the
  steady state) for comparison: first - second is what the first call costs;
* ``neurona train``: the whole command with its defaults (the digits MLP 64-64-32-10, 30 epochs;
  ``--verbose 0``), wall time of the process. Its 6,570 parameters are below ``kernels.MIN_SIZE``:
  it never imports numba, so its time should not depend on the setting.

The settings take turns for ``--rounds`` rounds (a fresh cache directory for each cold run) and
the medians are printed.

    python benchmarks/first_fit.py [--rounds 5] [--samples 10000]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"

FIRST_FIT = r"""
import json, os, sys, time
os.environ["OPENBLAS_NUM_THREADS"] = "2"
import numpy as np
import neurona
from neurona.datasets import load_mnist
from neurona.layers import Dense
x, labels, _, _ = load_mnist(sys.argv[1])
x, y = x[:int(sys.argv[2])], np.eye(10, dtype=np.float32)[labels[:int(sys.argv[2])]]
model = neurona.Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"),
                            Dense(10, activation="softmax")], input_dim=784, seed=0)
model.compile(optimizer="adam", loss="categorical_crossentropy")
times = []
for _ in range(2):
    start = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=128, verbose=0)
    times.append(time.perf_counter() - start)
print(json.dumps({"first": times[0], "second": times[1], "numba": "numba" in sys.modules}))
"""


def environment(setting: str, cache: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NEURONA_FAST", "NUMBA_CACHE_DIR")}
    env["NEURONA_FAST"] = "0" if setting == "numpy" else "1"
    if cache:
        env["NUMBA_CACHE_DIR"] = cache
    return env


def first_fit(setting, cache, args) -> dict:
    result = subprocess.run([sys.executable, "-c", FIRST_FIT, str(args.data), str(args.samples)],
                            env=environment(setting, cache), capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def train_command(setting, cache, workdir) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "neurona", "train", "--verbose", "0", "--out",
                    str(Path(workdir) / "model.safetensors")], env=environment(setting, cache), cwd=workdir,
                   capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory of the MNIST .gz IDX files")
    parser.add_argument("--samples", type=int, default=10_000, help="images of the timed fit (default 10,000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the three settings (default 5)")
    args = parser.parse_args(argv)
    load_at_start = os.getloadavg()
    fits = {s: [] for s in ("numpy", "cold", "warm")}
    trains = {s: [] for s in ("numpy", "cold", "warm")}
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(args.rounds):
            cache = tempfile.mkdtemp(dir=scratch)          # empty: the cold run compiles into it
            for setting in ("numpy", "cold", "warm"):
                fits[setting].append(first_fit(setting, None if setting == "numpy" else cache, args))
            train_cache = tempfile.mkdtemp(dir=scratch)
            for setting in ("numpy", "cold", "warm"):
                trains[setting].append(train_command(setting, None if setting == "numpy" else train_cache, scratch))

    print(f"\nFresh processes, median of {args.rounds} rounds (seconds)")
    print(f"  first fit of 784-256-128-10, Adam, batch 128, {args.samples:,} images (and the second fit):")
    for setting, runs in fits.items():
        first = statistics.median(r["first"] for r in runs)
        second = statistics.median(r["second"] for r in runs)
        print(f"    {setting:>5}: first {first:.3f}, second {second:.3f}, first - second "
              f"{statistics.median(r['first'] - r['second'] for r in runs):+.3f}; numba imported: "
              f"{all(r['numba'] for r in runs)}")
    print("  `neurona train` with its defaults (whole process):")
    for setting, runs in trains.items():
        print(f"    {setting:>5}: {statistics.median(runs):.3f}  ({', '.join(f'{t:.2f}' for t in runs)})")
    print(f"\nload average {load_at_start[0]:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
