r"""What neurona's ``fit`` costs beyond the arithmetic: its epoch against a bare NumPy loop.

The bare loop does, batch by batch, exactly the arithmetic of one ``fit`` step of the
784-256-128-10 ReLU / softmax MLP with Adam(1e-3) on real MNIST: gather the batch, three
products with bias and activation, the cross-entropy value, the fused softmax gradient, the
three weight and bias gradients, and Adam on one flat parameter vector, written inline with no
layers, callbacks, checks or logs. Both run in this one process, their epochs alternating, on
2 BLAS threads; the script prints the median seconds per epoch of each and the median of the
epoch-by-epoch ratio neurona / bare loop.

    python benchmarks/fit_overhead.py                     # batch sizes 32 and 128, 7 rounds
    python benchmarks/fit_overhead.py --batch-sizes 64 --rounds 11

``--data`` is the directory of the MNIST IDX files (default ``../shared/data/mnist``).
"""
from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "2"          # read once, when NumPy loads its BLAS

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import neurona  # noqa: E402
from neurona.datasets import load_mnist  # noqa: E402
from neurona.layers import Dense  # noqa: E402
from neurona.optimizers import Adam  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
SIZES = (784, 256, 128, 10)


class BareLoop:
    r"""The MLP as three (W, b) pairs that are views of one flat vector, trained inline."""

    def __init__(self, seed=0, learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.rng = np.random.default_rng(seed)
        total = sum(n_in * n_out + n_out for n_in, n_out in zip(SIZES[:-1], SIZES[1:]))
        self.params, self.grads = np.empty(total, np.float32), np.zeros(total, np.float32)
        self.m_sum, self.v_sum, self.scratch = (np.zeros(total, np.float32) for _ in range(3))
        self.layers, offset = [], 0
        for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
            views = []
            for shape in ((n_in, n_out), (n_out,)):
                size = math.prod(shape)
                views.append((self.params[offset:offset + size].reshape(shape),
                              self.grads[offset:offset + size].reshape(shape)))
                offset += size
            limit = math.sqrt(6.0 / (n_in + n_out))                      # Glorot uniform
            views[0][0][...] = self.rng.uniform(-limit, limit, (n_in, n_out))
            views[1][0][...] = 0.0
            self.layers.append(views)
        self.hyper = (learning_rate, beta_1, beta_2, epsilon)
        self.t = 0

    def epoch(self, x, y, batch_size):
        order = self.rng.permutation(x.shape[0])
        for start in range(0, x.shape[0], batch_size):
            index = order[start:start + batch_size]
            self.step(x[index], y[index])

    def step(self, x, y):
        (w1, g1), (b1, gb1) = self.layers[0]
        (w2, g2), (b2, gb2) = self.layers[1]
        (w3, g3), (b3, gb3) = self.layers[2]
        m = x.shape[0]
        a1 = x @ w1
        a1 += b1
        np.maximum(a1, 0, out=a1)
        a2 = a1 @ w2
        a2 += b2
        np.maximum(a2, 0, out=a2)
        p = a2 @ w3
        p += b3
        p -= p.max(axis=1, keepdims=True)
        np.exp(p, out=p)
        p /= p.sum(axis=1, keepdims=True)
        loss = -np.vdot(y, np.log(np.maximum(p, 1e-7))) / m
        if not math.isfinite(loss):
            raise FloatingPointError("the bare loop diverged")
        delta = p - y
        delta *= 1.0 / m
        np.matmul(a2.T, delta, out=g3)
        np.add.reduce(delta, axis=0, out=gb3)
        delta = delta @ w3.T
        np.multiply(delta, a2 > 0, out=delta)
        np.matmul(a1.T, delta, out=g2)
        np.add.reduce(delta, axis=0, out=gb2)
        delta = delta @ w2.T
        np.multiply(delta, a1 > 0, out=delta)
        np.matmul(x.T, delta, out=g1)
        np.add.reduce(delta, axis=0, out=gb1)
        self.adam()

    def adam(self):
        learning_rate, beta_1, beta_2, epsilon = self.hyper
        self.t += 1
        c1 = (1 - beta_1) / (1 - beta_1 ** self.t)
        sqrt_c2 = math.sqrt((1 - beta_2) / (1 - beta_2 ** self.t))
        g, m_sum, v_sum, tmp = self.grads, self.m_sum, self.v_sum, self.scratch
        m_sum *= beta_1
        m_sum += g
        v_sum *= beta_2
        np.multiply(g, g, out=tmp)
        v_sum += tmp
        np.sqrt(v_sum, out=tmp)
        tmp += epsilon / sqrt_c2
        np.divide(m_sum, tmp, out=tmp)
        tmp *= learning_rate * c1 / sqrt_c2
        self.params -= tmp


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--batch-sizes", default="32,128")
    parser.add_argument("--rounds", type=int, default=7, help="epochs of each, alternating (median kept)")
    args = parser.parse_args(argv)
    x, labels, _, _ = load_mnist(args.data)
    y = np.eye(10, dtype=np.float32)[labels]
    print(f"{x.shape[0]:,} MNIST images; each round one epoch of neurona's fit and one of the bare loop")
    for batch_size in (int(b) for b in args.batch_sizes.split(",")):
        model = neurona.Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"),
                                    Dense(10, activation="softmax")], input_dim=784, seed=0)
        model.compile(optimizer=Adam(1e-3), loss="categorical_crossentropy")
        bare = BareLoop()
        runs = {"neurona": lambda: model.fit(x, y, epochs=1, batch_size=batch_size, verbose=0),
                "bare": lambda: bare.epoch(x, y, batch_size)}
        for run in runs.values():                     # warm-up
            run()
        seconds = {name: [] for name in runs}
        for round_ in range(args.rounds):
            for name in runs if round_ % 2 == 0 else reversed(list(runs)):
                start = time.perf_counter()
                runs[name]()
                seconds[name].append(time.perf_counter() - start)
        ratios = [a / b for a, b in zip(seconds["neurona"], seconds["bare"])]
        print(f"batch {batch_size:>4}: neurona fit {statistics.median(seconds['neurona']):.3f} s/epoch, bare loop "
              f"{statistics.median(seconds['bare']):.3f} s/epoch; ratio {statistics.median(ratios):.3f} "
              f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)})")


if __name__ == "__main__":
    main()
