"""StandardScaler.fit and transform on MNIST-shaped float32 data (60,000 x 784) beside NumPy's own
mean and std, best of 5 runs each.

    python benchmarks/standard_scaler.py
"""
import time

import numpy as np

from neurona.data import StandardScaler


def best(work, rounds=5) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    x = np.random.default_rng(0).random((60000, 784), dtype=np.float32)
    scaler = StandardScaler().fit(x)
    rows = [("NumPy x.mean(axis=0), x.std(axis=0)", best(lambda: (x.mean(axis=0), x.std(axis=0)))),
            ("StandardScaler().fit(x)", best(lambda: StandardScaler().fit(x))),
            ("scaler.transform(x) (float32 out)", best(lambda: scaler.transform(x)))]
    for name, seconds in rows:
        print(f"{name:<40} {seconds:.3f} s")


if __name__ == "__main__":
    main()
