r"""Does updating each layer's parameters right after its backward pass pay?

The idea: a layer's gradient has just been written by its backward product, so it is still in
the cache; an Adam step on that layer's slice of the parameters at once, instead of one step over
all the parameters after the whole backward pass, would read it from the cache instead of from
memory. A layer's input gradient (delta W^T) is computed before its update, so the numbers are the
same as the stock step's.

The script trains the MNIST MLP 784-256-128-10 (Adam, float32, 2 threads, the Adam kernel of
``neurona[fast]``) with the library's own layers, loss and optimizer, in two forms that take turns
epoch by epoch in one process:

* ``whole``: forward, backward through the three layers, then one ``optimizer.apply`` over the
  packed parameter vector (what ``fit`` does);
* ``per-layer``: forward, then for each layer from the last: its backward, then the Adam kernel on
  that layer's slice of the packed parameters, gradients and moments (the step's scalars computed
  once).

It prints each epoch's seconds and the median ratio per-layer / whole per batch size. Measured on
an AMD EPYC (Zen 3), 2 vCPUs, in two runs: 1.16 and 1.18 at batch 32, 1.09 and 1.13 at batch 128,
i.e. slower, so ``fit`` keeps one update per step.

    python benchmarks/per_layer_update.py [--batch-sizes 32,128] [--rounds 6]
"""
from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "2"          # read once, when NumPy loads its BLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import neurona  # noqa: E402
from neurona import kernels  # noqa: E402
from neurona.datasets import load_mnist  # noqa: E402
from neurona.layers import Dense  # noqa: E402
from neurona.optimizers import Adam  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"


def layer_ranges(model):
    r"""(start, stop) of each layer's parameters in the packed parameter vector."""
    flat = model.flat_parameters.values
    base, item = flat.__array_interface__["data"][0], flat.itemsize
    ranges = []
    for layer in model.layers:
        starts = [(p.__array_interface__["data"][0] - base) // item for p in layer.params]
        ranges.append((min(starts), max(s + p.size for s, p in zip(starts, layer.params))))
    return ranges


def trainer(x, y, batch_size):
    model = neurona.Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"),
                                Dense(10, activation="softmax")], input_dim=784, seed=0)
    model.compile(optimizer=Adam(1e-3), loss="categorical_crossentropy")
    model.fit(x[:2000], y[:2000], epochs=1, batch_size=batch_size, verbose=0)     # builds, compiles the kernel
    layers, optimizer = model.layers, model.optimizer
    flat, grads = model.flat_parameters.values, model.flat_parameters.gradients
    m_sum, v_sum = optimizer.slots[0]["m_sum"], optimizer.slots[0]["v_sum"]
    ranges = layer_ranges(model)
    adam = kernels.compiled("adam_update")
    if adam is None:
        raise SystemExit("this benchmark needs numba (pip install 'neurona[fast]')")

    def step_scalars():
        optimizer.iterations += 1
        optimizer._prepare(optimizer.iterations)
        return (optimizer.current_learning_rate * optimizer._c1 / optimizer._sqrt_c2, optimizer.beta_1,
                optimizer.beta_2, optimizer.epsilon / optimizer._sqrt_c2)

    def epoch(per_layer: bool) -> float:
        start_time = time.perf_counter()
        order = model.rng.permutation(x.shape[0])
        for start in range(0, x.shape[0] - batch_size + 1, batch_size):
            index = order[start:start + batch_size]
            xb, yb = x.take(index, axis=0), y.take(index, axis=0)
            out = model._forward_all([xb], True)
            model._batch_cost([yb], out, None, batch_size)
            grad, pre = model._output_gradients([yb], out, None)
            grad, pre = grad[0], pre[0]
            scalars = step_scalars() if per_layer else None
            for k in range(len(layers) - 1, -1, -1):
                grad = layers[k].backward(grad, pre_activation=pre, need_input_grad=k > 0)
                pre = False
                if per_layer:
                    a, b = ranges[k]
                    adam(flat[a:b], grads[a:b], m_sum[a:b], v_sum[a:b], *scalars)
            if not per_layer:
                optimizer.apply([flat], [grads])
        return time.perf_counter() - start_time
    return epoch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory of the MNIST .gz IDX files")
    parser.add_argument("--batch-sizes", default="32,128", help="comma-separated (default 32,128)")
    parser.add_argument("--rounds", type=int, default=6, help="epochs of each form (default 6)")
    args = parser.parse_args(argv)
    x, labels, _, _ = load_mnist(args.data, progress=False)
    y = np.eye(10, dtype=np.float32)[labels]
    for batch_size in (int(b) for b in args.batch_sizes.split(",") if b):
        epoch = trainer(x, y, batch_size)
        times = {False: [], True: []}
        for round_ in range(args.rounds):
            for per_layer in ((False, True) if round_ % 2 == 0 else (True, False)):
                times[per_layer].append(epoch(per_layer))
        ratio = statistics.median(a / b for a, b in zip(times[True], times[False]))
        print(f"batch {batch_size}: whole {', '.join(f'{t:.3f}' for t in times[False])} s; per-layer "
              f"{', '.join(f'{t:.3f}' for t in times[True])} s; median ratio per-layer / whole {ratio:.2f}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
