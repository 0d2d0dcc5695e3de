r"""Cost of the streaming metrics in ``fit``: one epoch of a small MLP on 60,000 samples, with
``metrics=["accuracy"]`` and with ``["accuracy", "auc"]`` (the AUC sorts every score seen so far,
so it must be computed per epoch, not per batch).

    python benchmarks/streaming_metrics.py [--samples 60000] [--batch-size 128] [--verbose 0]
"""
import argparse
import time

import numpy as np

import neurona as nr


def epoch_seconds(x, y, metrics, batch_size, verbose) -> float:
    model = nr.Sequential([nr.layers.Dense(16, activation="relu"), nr.layers.Dense(1, activation="sigmoid")],
                          input_dim=x.shape[1], seed=0)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=metrics)
    start = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=batch_size, verbose=verbose)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.samples, 20)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    for metrics in (["accuracy"], ["accuracy", "auc"]):
        seconds = epoch_seconds(x, y, metrics, args.batch_size, args.verbose)
        print(f"metrics={metrics}: {seconds:.3f} s per epoch ({args.samples:,} samples, batch {args.batch_size})")


if __name__ == "__main__":
    main()
