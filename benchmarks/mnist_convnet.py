r"""Training speed of keras.io's "Simple MNIST convnet" on real MNIST: neurona against PyTorch eager CPU.

The network (34,826 parameters), batch 128, Adam(1e-3), categorical cross-entropy, and each epoch as
keras.io's ``fit(..., validation_split=0.1)`` runs it: 54,000 training images shuffled, then the
6,000 held-out ones evaluated:

    Conv2D(32, 3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten
    -> Dropout(0.5) -> Dense(10, softmax)

* seconds per epoch of
  - neurona: that ``Sequential`` (channels last), ``fit(x, y, epochs=1, batch_size=128,
    validation_split=0.1, verbose=0)``; with numba (``neurona[fast]``) and with ``NEURONA_FAST=0``
    (the NumPy reference) when numba is installed;
  - PyTorch eager: the same layers (``nn.Conv2d`` ... channels first, its usual layout),
    ``Adam(lr=1e-3)``, ``F.cross_entropy`` on logits, a ``randperm`` per epoch, the held-out
    images evaluated under ``inference_mode``;
  after one warm-up epoch each, ``--repeats`` rounds of one epoch of each, back to back (the order
  rotating from round to round; the ones not training stopped with SIGSTOP), the median epoch of
  each and the ratio neurona / torch as the median of the rounds' ratios; target <= 1.0;
* the CPU seconds each worker spent on its epochs (``process_time``, all its threads), and their
  ratio: on a machine shared with other work these move less than the clock;
* peak memory of each worker (ru_maxrss; the resident set after loading the data as baseline);
* test accuracy on the 10,000 test images after the 1 + repeats epochs (keras.io reports 99%
  after 15: ``--epochs 15`` trains neurona that long alone and prints its accuracy);
* the GEMM bound: every matrix product of a training step (each convolution's im2col product
  x W, its weight gradient X^T delta and its input gradient delta W^T, the Dense layer's three),
  timed alone in NumPy float32 at this batch size: the seconds an epoch spends in them at best,
  shape by shape, and what fraction of each framework's epoch that is.

Everything is float32 on 2 threads (``--threads``; the BLAS variables are set before NumPy loads),
OpenBLAS's idle threads sleeping after 2^16 cycles of spinning (``OPENBLAS_THREAD_TIMEOUT=16`` unless
the environment sets it; 28 is OpenBLAS's default).
Run it from the repository root, with the CPU's own OpenBLAS kernel:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/mnist_convnet.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/mnist_convnet.py --quick   # 10,000 images
    python benchmarks/mnist_convnet.py --repeats 5 --json mnist_convnet.json
    python benchmarks/mnist_convnet.py --epochs 15          # neurona alone, keras.io's 15 epochs: accuracy
"""
from __future__ import annotations

import os
import sys

# OpenBLAS's idle threads spin 2^28 cycles (about 0.1 s) before they sleep (its THREAD_TIMEOUT): between
# the products of a step they hold a core the layers' own work needs, and on a shared machine the
# scheduler splits the cores among spinning threads. 2^16 cycles (tens of microseconds) still covers
# products back to back. Set before NumPy loads (OpenBLAS reads it once); torch (MKL, OpenMP) ignores it.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "16")

from mnist_mlp import (MIB, RESULT_TAG, THREADS, best_time, blas_threads, numba_version, peak_kib,  # noqa: E402
                       reply, reset_peak, rss_kib)

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from machine import cpu_name  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
BATCH = 128
TARGET = 1.0
QUICK_SAMPLES = 10_000
NEURONA_PATHS = {"neurona": "1", "neurona-numpy": "0"}     # worker -> NEURONA_FAST
#: (name, rows M of the product per image, K, N) of each layer's forward product x W
LAYER_PRODUCTS = [("Conv2D 32, 3x3 on 28x28x1", 26 * 26, 9, 32), ("Conv2D 64, 3x3 on 13x13x32", 11 * 11, 288, 64),
                  ("Dense 10 on 1600", 1, 1600, 10)]


def load(data_dir: Path, n_train: int | None):
    from neurona.datasets import load_mnist

    x, labels, x_test, y_test = load_mnist(data_dir, flatten=False)          # float32 in [0, 1], (n, 28, 28)
    if n_train:
        x, labels = x[:n_train], labels[:n_train]
    return x[..., None], labels, x_test[..., None], y_test


# ------------------------------------------------------------------------------ workers
def prepare_neurona(args):
    import neurona as keras
    from neurona import layers

    x, labels, x_test, y_test = load(args.data, args.train_samples)
    y = np.eye(10, dtype=np.float32)[labels]
    memory = {"rss_after_load_kib": rss_kib(), "peak_after_load_kib": peak_kib(), "peak_reset": reset_peak()}
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
                              layers.MaxPooling2D(pool_size=(2, 2)),
                              layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
                              layers.MaxPooling2D(pool_size=(2, 2)), layers.Flatten(), layers.Dropout(0.5),
                              layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

    def run_epoch():
        history = model.fit(x, y, batch_size=BATCH, epochs=1, validation_split=0.1, verbose=0)
        return history.history["loss"][-1]

    def test_accuracy():
        return float(np.mean(model.predict(x_test, verbose=0).argmax(axis=1) == y_test))

    def kernels_used():
        from neurona import kernels
        return sorted(kernels._compiled)

    info = {"framework": args.worker, "version": keras.__version__, "n_train": int(x.shape[0]),
            "NEURONA_FAST": os.environ.get("NEURONA_FAST"), "kernels_used": kernels_used}
    return info, memory, run_epoch, test_accuracy


def prepare_torch(args):
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    x_np, labels, x_test_np, y_test = load(args.data, args.train_samples)
    to_torch = lambda a: torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2)))   # noqa: E731
    x, y, x_test = to_torch(x_np), torch.from_numpy(labels), to_torch(x_test_np)
    memory = {"rss_after_load_kib": rss_kib(), "peak_after_load_kib": peak_kib(), "peak_reset": reset_peak()}
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(0)
    n_fit = int(x.shape[0] * 0.9)                               # validation_split=0.1: the last tenth held out

    def run_epoch():
        model.train()
        order = torch.randperm(n_fit, generator=generator)
        total = 0.0
        for start in range(0, n_fit, BATCH):
            index = order[start:start + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * index.shape[0]
        model.eval()
        with torch.inference_mode():
            for start in range(n_fit, x.shape[0], BATCH):
                F.cross_entropy(model(x[start:start + BATCH]), y[start:start + BATCH])
        return total / n_fit

    def test_accuracy():
        model.eval()
        with torch.inference_mode():
            return float(np.mean(model(x_test).argmax(dim=1).numpy() == y_test))

    info = {"framework": "torch", "version": torch.__version__, "n_train": int(x.shape[0]),
            "torch_threads": torch.get_num_threads()}
    return info, memory, run_epoch, test_accuracy


TRAINING = {"neurona": prepare_neurona, "neurona-numpy": prepare_neurona, "torch": prepare_torch}


def serve(args):
    info, memory, run_epoch, test_accuracy = TRAINING[args.worker](args)
    start = time.perf_counter()
    loss = run_epoch()
    reply({"event": "ready", "warmup_s": time.perf_counter() - start})
    epochs, cpu = [], []
    for line in sys.stdin:
        if line.strip() == "epoch":
            start, start_cpu = time.perf_counter(), time.process_time()
            loss = run_epoch()
            epochs.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            reply({"event": "epoch", "seconds": epochs[-1]})
        elif line.strip() == "finish":
            break
    memory["train_peak_kib"] = peak_kib()
    if "kernels_used" in info:
        info["kernels_used"] = info["kernels_used"]()
    reply(dict(info, event="result", epoch_s=epochs, cpu_s=cpu, train_loss=float(loss), test_accuracy=test_accuracy(),
               memory=memory, blas_threads=blas_threads()))


class Worker:
    r"""A worker subprocess (this script with ``--worker``), spoken to by lines on its stdin."""

    def __init__(self, kind, args):
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--data", str(args.data),
                   "--threads", str(THREADS)] + (["--train-samples", str(args.train_samples)]
                                                  if args.train_samples else [])
        env = dict(os.environ, **({"NEURONA_FAST": NEURONA_PATHS[kind]} if kind in NEURONA_PATHS else {}))
        self.kind = kind
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def receive(self) -> dict:
        for line in self.process.stdout:
            if line.startswith(RESULT_TAG):
                return json.loads(line[len(RESULT_TAG):])
            sys.stdout.write(line)
        self.process.wait()
        raise SystemExit(f"The {self.kind} worker failed (exit code {self.process.returncode}).")

    def ask(self, command: str) -> dict:
        self.process.send_signal(signal.SIGCONT)
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.receive()
        if command == "epoch":
            self.process.send_signal(signal.SIGSTOP)
        return answer


def run_training(args) -> dict:
    r"""Each worker trains its warm-up epoch alone, then they take turns at timed epochs (the order
    rotating each round), never side by side: the epochs of a round see the same moment of a
    shared machine."""
    kinds = list(args.paths) + ["torch"]
    workers, warmups = {}, {}
    for kind in kinds:
        workers[kind] = Worker(kind, args)
        warmups[kind] = workers[kind].receive()["warmup_s"]
        workers[kind].process.send_signal(signal.SIGSTOP)
    for round_ in range(args.repeats):
        shift = round_ % len(kinds)
        for kind in kinds[shift:] + kinds[:shift]:
            workers[kind].ask("epoch")
    results = {}
    for kind, worker in workers.items():
        results[kind] = dict(worker.ask("finish"), warmup_s=warmups[kind])
        worker.process.stdin.close()
        worker.process.wait()
    return results


# ------------------------------------------------------------------------------ the GEMM bound
def gemm_bound(rounds: int) -> list[dict]:
    r"""Each matrix product of a training step at batch 128, timed alone (float32, best of rounds):
    forward x W (M, K) x (K, N), weight gradient X^T delta (K, M) x (M, N), input gradient
    delta W^T (M, N) x (N, K) (the first convolution's is not needed: the images take no gradient)."""
    rng = np.random.default_rng(0)
    rows = []
    for index, (name, per_image, k, n) in enumerate(LAYER_PRODUCTS):
        m = per_image * BATCH
        x = rng.standard_normal((m, k), dtype=np.float32)
        w = rng.standard_normal((k, n), dtype=np.float32)
        delta = rng.standard_normal((m, n), dtype=np.float32)
        products = {"forward x W": lambda: x @ w, "weights X^T delta": lambda: x.T @ delta}
        if index > 0:
            products["input delta W^T"] = lambda: delta @ w.T
        for what, run in products.items():
            seconds = best_time(run, rounds)
            rows.append({"layer": name, "product": what, "shape": (m, k, n), "seconds": seconds,
                         "gflops": 2.0 * m * k * n / seconds / 1e9})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory of the MNIST .gz IDX files")
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs after the warm-up (median reported)")
    parser.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_SAMPLES:,} images, 1 repeat")
    parser.add_argument("--train-samples", type=int, default=None, help="the first N training images only")
    parser.add_argument("--neurona", default=None, help="fast and/or numpy, comma-separated (default: both when "
                        "numba is installed, else numpy)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="train neurona alone this many epochs (keras.io: 15) and print the test accuracy")
    parser.add_argument("--gemm-rounds", type=int, default=5, help="rounds of each product's timing (best kept)")
    parser.add_argument("--threads", type=int, default=THREADS, help="BLAS and torch threads (default 2)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    parser.add_argument("--worker", choices=tuple(TRAINING), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.train_samples = 1, args.train_samples or QUICK_SAMPLES
    if args.worker:
        serve(args)
        return
    if not args.data.is_dir():
        raise SystemExit(f"MNIST directory not found: {args.data} (give --data DIR)")
    if args.epochs:
        return accuracy_run(args)
    paths = (args.neurona or ("fast,numpy" if numba_version() else "numpy")).split(",")
    args.paths = ["neurona" if p == "fast" else "neurona-numpy" for p in paths]

    print("GEMM bound ...", end=" ", flush=True)
    gemm = gemm_bound(args.gemm_rounds)
    print(f"done; training {', '.join(args.paths)} and torch, {args.repeats} round(s) ...", flush=True)
    results = run_training(args)
    n_train = results["torch"]["n_train"]
    steps = -(-int(n_train * 0.9) // BATCH)
    bound = sum(row["seconds"] for row in gemm) * steps
    torch_epochs = results["torch"]["epoch_s"]

    print(f"\nkeras.io's MNIST convnet, float32, {THREADS} threads, batch {BATCH}, Adam(1e-3); {n_train:,} images "
          f"(90% trained, 10% evaluated) per epoch; median of {args.repeats} epoch(s) after 1 warm-up")
    header = f"{'worker':>14}  {'s/epoch':>8}  {'ratio to torch':>14}  {'met <= 1.0':>10}  {'CPU s/epoch':>11}  " \
             f"{'CPU ratio':>9}  {'peak MiB':>8}  {'GEMM share':>10}  {'test acc':>8}  epochs (s)"
    print(header)
    print("-" * len(header))
    for kind, result in results.items():
        median = statistics.median(result["epoch_s"])
        ratios = [a / b for a, b in zip(result["epoch_s"], torch_epochs)]
        ratio = statistics.median(ratios)
        result.update(median_s=median, ratio=ratio, round_ratios=ratios,
                      peak_mib=max(result["memory"]["peak_after_load_kib"], result["memory"]["train_peak_kib"]) / MIB)
        cpu = statistics.median(result["cpu_s"])
        cpu_ratio = statistics.median(a / b for a, b in zip(result["cpu_s"], results["torch"]["cpu_s"]))
        result.update(median_cpu_s=cpu, cpu_ratio=cpu_ratio)
        met = "-" if kind == "torch" else ("yes" if ratio <= TARGET else "no")
        print(f"{kind:>14}  {median:8.2f}  {ratio:14.2f}  {met:>10}  {cpu:11.2f}  {cpu_ratio:9.2f}  {result['peak_mib']:8.0f}  "
              f"{100 * bound / median:9.0f}%  {100 * result['test_accuracy']:7.2f}%  "
              f"{', '.join(f'{t:.2f}' for t in result['epoch_s'])} (warm-up {result['warmup_s']:.2f})")
    print("(CPU s/epoch: the seconds of CPU the worker used, all its threads: less moved by other work on the "
          "machine than the clock, though threads waiting for each other count too)")
    print("\nWhat bounds each shape: the products of one step, timed alone in NumPy (GEMM share = the epoch's "
          "seconds in them at that speed, over the worker's epoch)")
    for row in gemm:
        m, k, n = row["shape"]
        print(f"  {row['layer']:<28} {row['product']:<18} ({m:>6},{k:>5}) x ({k:>5},{n:>4})  "
              f"{1000 * row['seconds']:7.2f} ms  {row['gflops']:6.1f} GFLOP/s  -> {row['seconds'] * steps:6.2f} s/epoch")
    print(f"  all products: {bound:.2f} s/epoch ({steps} steps)")
    print(f"\nCPU: {cpu_name()}; numba {numba_version() or 'not installed'}; NumPy {np.__version__}")
    for pool in blas_threads() or []:
        print(f"NumPy's BLAS: {pool['api']} {pool['version']}, kernel {pool['kernel']}, {pool['threads']} threads")
    print(f"OpenBLAS's idle threads spin 2^{os.environ['OPENBLAS_THREAD_TIMEOUT']} cycles before sleeping "
          f"(OPENBLAS_THREAD_TIMEOUT; OpenBLAS's own default: 2^28)")
    pinned = {v: os.environ[v] for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
    if pinned:
        print("  The environment pins OpenBLAS's kernel (" + ", ".join(f"{k}={v}" for k, v in pinned.items()) +
              "); for the CPU's own: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/mnist_convnet.py")
    try:
        print(f"Load average now: {', '.join(f'{x:.2f}' for x in os.getloadavg())} (the machine is shared: the "
              f"ratio is taken round by round)")
    except OSError:
        pass
    if args.json:
        info = {"python": platform.python_version(), "numpy": np.__version__, "processor": cpu_name(),
                "threads": THREADS, "repeats": args.repeats}
        args.json.write_text(json.dumps({"info": info, "gemm": gemm, "results": results}, indent=2) + "\n")


def accuracy_run(args):
    r"""neurona alone for ``--epochs`` epochs, as keras.io's program: the test accuracy at the end."""
    args.worker = "neurona"
    info, memory, run_epoch, test_accuracy = prepare_neurona(args)
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        loss = run_epoch()
        print(f"epoch {epoch}/{args.epochs}: loss {loss:.4f} ({time.perf_counter() - start:.1f} s)", flush=True)
    print(f"test accuracy after {args.epochs} epochs: {100 * test_accuracy():.2f}% (keras.io: 99%)")


if __name__ == "__main__":
    main()
