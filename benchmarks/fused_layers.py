r"""Does fusing the layers' elementwise work pay, beyond the optimizer kernels? A measurement of
candidate numba kernels that are *not* in the library, in the real training loop.

The candidates (each one pass over its arrays, compiled like ``neurona.kernels``):

* bias + ReLU in the forward pass:   a = max(x W + b, 0)   (NumPy: ``z += b``, ``np.maximum``);
* ReLU's backward:                    delta = dL/da * [a > 0]   (NumPy: ``np.multiply(grad, a > 0)``);
* softmax of the output layer:        a = e^{z - max z} / sum e^{z - max z}, row by row;
* its fused cross-entropy gradient:   dL/dz = (a sum_i y_i - y) / (N ln(base)).

For the timing they replace ``Dense.forward`` / ``Dense.backward`` (ReLU layers),
``Softmax.__call__`` and ``CategoricalCrossentropy.fused_gradient`` while a "fused" epoch runs, and
are put back for a "stock" epoch; the two alternate in one process on real MNIST (784-256-128-10,
Adam, float32, 2 threads, the Adam kernel of ``neurona[fast]`` on in both) and the script prints the
median of the epoch-by-epoch ratio fused / stock per batch size. The first epoch of each is checked
to give the same loss (float32 rounding apart).

    python benchmarks/fused_layers.py [--batch-sizes 32,128] [--rounds 7]
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

import numba  # noqa: E402
import numpy as np  # noqa: E402

import neurona  # noqa: E402
from neurona import activations, losses  # noqa: E402
from neurona.datasets import load_mnist  # noqa: E402
from neurona.layers import Dense  # noqa: E402
from neurona.optimizers import Adam  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
jit = numba.njit(cache=True, error_model="numpy")


@jit
def bias_relu(z, b):
    r"""z <- max(z + b, 0), row by row, in place."""
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            v = z[i, j] + b[j]
            z[i, j] = v if v > 0 else 0


@jit
def relu_backward(grad, a):
    r"""grad <- grad [a > 0], in place."""
    for i in range(grad.shape[0]):
        for j in range(grad.shape[1]):
            if not a[i, j] > 0:
                grad[i, j] = 0


@jit
def softmax_rows(z, out):
    for i in range(z.shape[0]):
        top = z[i, 0]
        for j in range(1, z.shape[1]):
            top = max(top, z[i, j])
        total = 0.0
        for j in range(z.shape[1]):
            out[i, j] = math.exp(z[i, j] - top)
            total += out[i, j]
        for j in range(z.shape[1]):
            out[i, j] /= total


@jit
def softmax_crossentropy_gradient(a, y, scale, out):
    for i in range(a.shape[0]):
        row = 0.0
        for j in range(a.shape[1]):
            row += y[i, j]
        for j in range(a.shape[1]):
            out[i, j] = (a[i, j] * row - y[i, j]) * scale


STOCK = {"forward": Dense.forward, "backward": Dense.backward, "softmax": activations.Softmax.__call__,
         "gradient": losses.CategoricalCrossentropy.fused_gradient}


def fused_forward(self, x, training=False):
    if not (isinstance(self.activation, activations.ReLU) and self.use_bias and not self._keeps_z):
        return STOCK["forward"](self, x, training)
    z = x @ self.kernel
    bias_relu(z, self.bias)
    if training:
        self._x, self._z, self._a = x, None, z
    return z


def fused_backward(self, grad, pre_activation=False, need_input_grad=True):
    if not pre_activation and isinstance(self.activation, activations.ReLU):
        relu_backward(grad, self._a)
        pre_activation = True
    return STOCK["backward"](self, grad, pre_activation, need_input_grad)


def fused_softmax(self, z):
    z = np.ascontiguousarray(z)
    if z.ndim != 2:
        return STOCK["softmax"](self, z)
    out = np.empty_like(z)
    softmax_rows(z, out)
    return out


def fused_gradient(self, activation, y_true, a):
    if activation.registry_name != "softmax" or self.from_logits:
        return STOCK["gradient"](self, activation, y_true, a)
    out = np.empty_like(a)
    softmax_crossentropy_gradient(a, y_true, a.dtype.type(1.0 / (a.shape[0] * math.log(self.log_base))), out)
    return out


def use(fused: bool):
    Dense.forward = fused_forward if fused else STOCK["forward"]
    Dense.backward = fused_backward if fused else STOCK["backward"]
    activations.Softmax.__call__ = fused_softmax if fused else STOCK["softmax"]
    losses.CategoricalCrossentropy.fused_gradient = fused_gradient if fused else STOCK["gradient"]


def model():
    m = neurona.Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"),
                            Dense(10, activation="softmax")], input_dim=784, seed=0)
    m.compile(optimizer=Adam(1e-3), loss="categorical_crossentropy")
    return m


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory of the MNIST .gz IDX files")
    parser.add_argument("--batch-sizes", default="32,128")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--samples", type=int, default=None, help="train on the first N images only")
    args = parser.parse_args(argv)
    x, labels, _, _ = load_mnist(args.data)
    x, labels = x[:args.samples], labels[:args.samples]
    y = np.eye(10, dtype=np.float32)[labels]
    load_at_start = os.getloadavg()
    print(f"NEURONA_FAST={os.environ.get('NEURONA_FAST', '1')} (the optimizer kernels), numba {numba.__version__}")
    for batch_size in [int(b) for b in args.batch_sizes.split(",") if b]:
        models = {True: model(), False: model()}
        first = {}
        for fused in (True, False):                         # warm-up: compiles, and the same first epoch
            use(fused)
            first[fused] = models[fused].fit(x, y, epochs=1, batch_size=batch_size, verbose=0,
                                             shuffle=False).history["loss"][0]
        times = {True: [], False: []}
        for round_ in range(args.rounds):
            for fused in (True, False) if round_ % 2 == 0 else (False, True):
                use(fused)
                start = time.perf_counter()
                models[fused].fit(x, y, epochs=1, batch_size=batch_size, verbose=0, shuffle=True)
                times[fused].append(time.perf_counter() - start)
        use(False)
        ratios = [a / b for a, b in zip(times[True], times[False])]
        print(f"batch {batch_size:>4}: stock {statistics.median(times[False]):.3f} s/epoch, fused "
              f"{statistics.median(times[True]):.3f}; ratio fused / stock, round by round "
              f"{', '.join(f'{r:.3f}' for r in ratios)}; median {statistics.median(ratios):.3f}; first-epoch "
              f"loss {first[True]:.6f} vs {first[False]:.6f}")
    print(f"load average {load_at_start[0]:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
