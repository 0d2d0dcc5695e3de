r"""The small networks students train most: time per optimisation step of neurona, PyTorch and
scikit-learn on the same data, one thread each.

The three networks (each framework's same architecture, loss and optimizer, float32 where the
framework allows; scikit-learn computes in float64):

* ``playground``: TensorFlow-Playground-sized 2-8-8-1, tanh, sigmoid output, binary
  cross-entropy, SGD(0.03), batch 10, on the playground's circle (500 points);
* ``breast_cancer``: 30-16-1, ReLU, sigmoid output, Adam(1e-3), batch 32, on the bundled breast
  cancer set (569 samples, standardised);
* ``digits``: 64-32-10, ReLU, softmax output, Adam(1e-3), batch 32, on the bundled digits (1,797
  images, scaled to [0, 1]).

Each timing is a ``fit`` of ``--epochs`` epochs, shuffled (neurona: ``model.fit(..., verbose=0)``;
PyTorch: a ``randperm`` per epoch, a batch index, ``zero_grad``, forward, loss, ``backward``, ``step``;
scikit-learn: ``MLPClassifier(...).fit`` with ``max_iter=epochs``, no L2 penalty, no early stopping),
divided by its number of optimisation steps. The three take turns for ``--rounds`` rounds (the
order rotating), and the script prints the median microseconds per step of each and the median of
the round-by-round ratio to PyTorch, against the target (neurona <= 0.25x PyTorch per step).

    python benchmarks/small_nets.py                  # 5 rounds of 20 epochs each
    python benchmarks/small_nets.py --rounds 9 --epochs 10 --nets digits
"""
from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"          # read once, when NumPy loads its BLAS

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

import neurona  # noqa: E402
from neurona import datasets, optimizers  # noqa: E402
from neurona.layers import Dense  # noqa: E402

from machine import cpu_name  # noqa: E402

TARGET = 0.25

#: name -> (hidden units, activation, optimizer, learning rate, batch size)
NETS = {
    "playground": ((8, 8), "tanh", "sgd", 0.03, 10),
    "breast_cancer": ((16,), "relu", "adam", 1e-3, 32),
    "digits": ((32,), "relu", "adam", 1e-3, 32),
}


def load(name: str):
    r"""(x float32, integer labels) of each network's data set."""
    if name == "playground":
        x, y = datasets.make_circle(500, noise=0.0, seed=0)
        return x.astype(np.float32), y
    if name == "breast_cancer":
        x, y = datasets.load_breast_cancer()
        return ((x - x.mean(axis=0)) / x.std(axis=0)).astype(np.float32), y
    x, y = datasets.load_digits()
    return (x / 16.0).astype(np.float32), y


def neurona_fit(name, x, labels, epochs):
    hidden, activation, optimizer, rate, batch_size = NETS[name]
    n_classes = int(labels.max()) + 1
    if n_classes == 2:
        output, loss, y = Dense(1, activation="sigmoid"), "binary_crossentropy", labels[:, None].astype(np.float32)
    else:
        output, loss, y = Dense(n_classes, activation="softmax"), "categorical_crossentropy", \
            np.eye(n_classes, dtype=np.float32)[labels]
    model = neurona.Sequential([Dense(units, activation=activation) for units in hidden] + [output],
                               input_dim=x.shape[1], seed=0)
    model.compile(optimizer=optimizers.get({"name": optimizer, "learning_rate": rate}), loss=loss)

    def fit():
        model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0, shuffle=True)
    return fit


def torch_fit(name, x_np, labels, epochs):
    import torch
    import torch.nn.functional as F
    from torch import nn

    hidden, activation, optimizer, rate, batch_size = NETS[name]
    n_classes = int(labels.max()) + 1
    sizes = (x_np.shape[1], *hidden, 1 if n_classes == 2 else n_classes)
    act = {"tanh": nn.Tanh, "relu": nn.ReLU}[activation]
    modules = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        modules += [nn.Linear(n_in, n_out), act()]
    model = nn.Sequential(*modules[:-1])
    make = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[optimizer]
    opt = make(model.parameters(), lr=rate)
    x = torch.from_numpy(x_np)
    if n_classes == 2:
        y = torch.from_numpy(labels.astype(np.float32))[:, None]
        loss_of = F.binary_cross_entropy_with_logits
    else:
        y = torch.from_numpy(labels.astype(np.int64))
        loss_of = F.cross_entropy
    generator = torch.Generator().manual_seed(0)
    n = x.shape[0]

    def fit():
        model.train()
        for _ in range(epochs):
            order = torch.randperm(n, generator=generator)
            for start in range(0, n, batch_size):
                index = order[start:start + batch_size]
                opt.zero_grad(set_to_none=True)
                loss = loss_of(model(x[index]), y[index])
                loss.backward()
                opt.step()
    return fit


def sklearn_fit(name, x, labels, epochs):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    hidden, activation, optimizer, rate, batch_size = NETS[name]
    options = {"momentum": 0.0, "nesterovs_momentum": False} if optimizer == "sgd" else {}

    def fit():
        model = MLPClassifier(hidden_layer_sizes=hidden, activation=activation, solver=optimizer,
                              learning_rate_init=rate, batch_size=batch_size, max_iter=epochs, alpha=0.0,
                              shuffle=True, tol=0.0, n_iter_no_change=epochs + 1, random_state=0, **options)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, labels)
    return fit


FRAMEWORKS = {"neurona": neurona_fit, "torch": torch_fit, "sklearn": sklearn_fit}


def measure(name: str, epochs: int, rounds: int) -> dict:
    x, labels = load(name)
    batch_size = NETS[name][-1]
    steps = epochs * math.ceil(len(x) / batch_size)
    fits = {kind: make(name, x, labels, epochs) for kind, make in FRAMEWORKS.items()}
    for fit in fits.values():                         # warm-up: first calls, allocations
        fit()
    per_step = {kind: [] for kind in fits}
    kinds = list(fits)
    for round_ in range(rounds):
        order = kinds[round_ % 3:] + kinds[:round_ % 3]
        for kind in order:
            start = time.perf_counter()
            fits[kind]()
            per_step[kind].append((time.perf_counter() - start) / steps)
    ratios = {kind: statistics.median(a / b for a, b in zip(per_step[kind], per_step["torch"]))
              for kind in kinds if kind != "torch"}
    return {"net": name, "steps": steps, "us_per_step": {k: 1e6 * statistics.median(v) for k, v in per_step.items()},
            "ratio_to_torch": ratios}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nets", default=",".join(NETS), help=f"comma-separated, of {', '.join(NETS)}")
    parser.add_argument("--epochs", type=int, default=20, help="epochs of each timed fit (default 20)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the three frameworks (default 5)")
    args = parser.parse_args(argv)
    names = [n for n in args.nets.split(",") if n]
    unknown = [n for n in names if n not in NETS]
    if unknown:
        parser.error(f"unknown network {unknown[0]!r}; known: {', '.join(NETS)}")

    import sklearn
    import torch
    torch.set_num_threads(1)
    load_at_start = os.getloadavg()
    rows = [measure(name, args.epochs, args.rounds) for name in names]

    print(f"\nPer optimisation step (µs), one thread, median of {args.rounds} rounds of {args.epochs}-epoch fits; "
          f"ratio = median of the rounds' neurona / torch (target <= {TARGET})")
    header = ["network", "layers", "batch", "neurona", "torch", "sklearn", "ratio n/t", "ratio s/t", "met"]
    lines = []
    for row in rows:
        hidden, _, optimizer, _, batch = NETS[row["net"]]
        x, labels = load(row["net"])
        n_out = 1 if labels.max() == 1 else int(labels.max()) + 1
        us, ratio = row["us_per_step"], row["ratio_to_torch"]
        lines.append([row["net"], "-".join(map(str, (x.shape[1], *hidden, n_out))) + f" {optimizer}", str(batch),
                      f"{us['neurona']:.0f}", f"{us['torch']:.0f}", f"{us['sklearn']:.0f}",
                      f"{ratio['neurona']:.2f}", f"{ratio['sklearn']:.2f}",
                      "yes" if ratio["neurona"] <= TARGET else "no"])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths)))
    print(f"\nCPU: {cpu_name()}")
    print(f"neurona {neurona.__version__}, NumPy {np.__version__}, PyTorch {torch.__version__}, "
          f"scikit-learn {sklearn.__version__}; load average {load_at_start[0]:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
