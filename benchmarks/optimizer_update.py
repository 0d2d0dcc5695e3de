r"""One optimizer update timed alone, NumPy's (``NEURONA_FAST=0``) against the compiled one-pass
kernel of ``neurona[fast]``, for vectors from 1,000 to 1,000,000 float32 parameters: where the
kernel pays, and so where ``kernels.MIN_SIZE`` sits.

    python benchmarks/optimizer_update.py [--sizes 1000,6570,20000,65536,235146,1000000]

Each figure is the best of 7 rounds of a loop calibrated to about 10 ms, in microseconds per
update; below MIN_SIZE the optimizers take NumPy's path whatever the setting, so the kernel is
called directly there.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from neurona import kernels, optimizers  # noqa: E402

OPTIMIZERS = {
    "sgd": lambda: optimizers.SGD(1e-4),
    "momentum": lambda: optimizers.SGD(1e-4, momentum=0.9),
    "nesterov": lambda: optimizers.SGD(1e-4, momentum=0.9, nesterov=True),
    "rmsprop": lambda: optimizers.RMSprop(1e-5),
    "adam": lambda: optimizers.Adam(1e-5),
    "nadam": lambda: optimizers.Nadam(1e-5),
    "adagrad": lambda: optimizers.Adagrad(1e-5),
    "adamax": lambda: optimizers.Adamax(1e-5),
}


def best_time(run, rounds: int = 7) -> float:
    run()
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < 0.05:
        run()
        calls += 1
    calls = max(1, calls // 5)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            run()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,6570,20000,65536,235146,1000000")
    args = parser.parse_args(argv)
    kernels.MIN_SIZE = 0                      # here every size may take the kernel
    print(f"µs per update, NumPy / kernel (float32); kernels.MIN_SIZE in the library = {1 << 16:,}")
    print(f"{'parameters':>10}  " + "  ".join(f"{name:>17}" for name in OPTIMIZERS))
    for size in [int(s) for s in args.sizes.split(",") if s]:
        rng = np.random.default_rng(0)
        param = rng.standard_normal(size, dtype=np.float32)
        grad = rng.standard_normal(size, dtype=np.float32)
        cells = []
        for make in OPTIMIZERS.values():
            optimizer = make()
            times = []
            for fast in ("0", "1"):
                os.environ["NEURONA_FAST"] = fast
                times.append(best_time(lambda: optimizer.apply([param], [grad])))
            cells.append(f"{1e6 * times[0]:8.1f} / {1e6 * times[1]:6.1f}")
        print(f"{size:>10,}  " + "  ".join(f"{c:>17}" for c in cells), flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
