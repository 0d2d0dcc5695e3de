r"""Training speed of a 784-256-128-10 MLP on real MNIST: neurona against PyTorch eager CPU.

What it measures, at each batch size (128 and 32 by default), and then for the width sweep
(784-W-W-10 for W = 256, 1024, 2048 at batch 128, on the first 10,000 images: how the cost grows):

* seconds per epoch (60,000 training images, shuffled every epoch) of
  - neurona: ``Sequential([Dense(256, relu), Dense(128, relu), Dense(10, softmax)], input_dim=784,
    seed=0)`` compiled with ``Adam(1e-3)`` and categorical cross-entropy on one-hot labels, timed as
    ``fit(x, y, epochs=1, batch_size=B, verbose=0, shuffle=True)``;
  - PyTorch eager: ``nn.Sequential(Linear, ReLU, Linear, ReLU, Linear)``, ``Adam(lr=1e-3,
    fused=True)`` (its fastest eager Adam on this CPU; ``--torch-adam foreach`` for the multi-tensor one), ``F.cross_entropy`` on logits and integer labels, ``zero_grad(set_to_none=True)``,
    tensors converted once, a ``torch.randperm`` per epoch and one index per batch;
  neurona runs twice, as installed with ``neurona[fast]`` (numba's one-pass optimizer kernels) and
  with ``NEURONA_FAST=0`` (the NumPy reference); without numba only the NumPy path runs;
  after one warm-up epoch each, ``--repeats`` rounds of one epoch of each, back to back (the
  order rotating from round to round); the median epoch of each, and the ratio neurona / torch
  as the median of the rounds' ratios (the epochs of a round see the same moment of a machine
  whose speed drifts), against the target (on an Intel CPU <= 0.8 at batch 128 and <= 0.9 at
  batch 32; on an AMD one <= 0.6 at both). Each trains in its own subprocess (this script
  re-invoked with ``--worker``); the ones not training are stopped with SIGSTOP (an idle PyTorch
  process keeps its OpenMP threads spinning and slows a process beside it);
* peak memory of each framework (its own process): the resident set after import + data load is
  the baseline, the peak is ``getrusage(RUSAGE_SELF).ru_maxrss`` once training is over;
* test accuracy after the 1 + repeats epochs (a sanity check: about 97% for both);
* the floor of a step: the needed products plus one Adam update of the 235,146 parameters
  timed alone (the elementwise part that no GEMM speed removes; NumPy's and the kernel's),
  against the target's seconds;
* a hardware lower bound: the float32 GEMM throughput of NumPy at this network's shapes (the
  three forward products, the three weight gradients x^T delta and the three input gradients
  delta W^T of one batch), timed in a loop, and the seconds an epoch of 6 x (number of weights)
  x 60,000 FLOPs (2 for the forward and 4 for the backward multiply-adds per weight and sample)
  needs at that rate; each framework's time is shown as the fraction of that bound it reaches.

Everything is float32 on 2 threads (``--threads``; BLAS thread variables are set before NumPy is
imported; ``torch.set_num_threads``).

NumPy's BLAS (OpenBLAS) picks its kernel for the CPU unless ``OPENBLAS_CORETYPE`` names one; some
machines set it (with ``OPENBLAS_L2_SIZE``) to work around old OpenBLAS bugs, which pins a current
NumPy to an older, slower kernel. The script prints the kernel it ran; to run the CPU's own, unset
both for that command alone: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/mnist_mlp.py``.

Run it from the repository root:

    python benchmarks/mnist_mlp.py                      # full run, several minutes
    python benchmarks/mnist_mlp.py --quick              # smoke run: 10,000 images, 1 repeat
    python benchmarks/mnist_mlp.py --batch-sizes 128,32 --repeats 3 --json mnist_mlp.json
    python benchmarks/mnist_mlp.py --torch-adam foreach  # torch's multi-tensor Adam instead of fused
    python benchmarks/mnist_mlp.py --widths ""           # without the width sweep
    python benchmarks/mnist_mlp.py --batch-sizes "" --widths 256,1024,2048 --repeats 3   # the sweep alone

``--data`` points at the directory of the four MNIST ``.gz`` IDX files (default:
``../shared/data/mnist`` beside the repository).
"""
from __future__ import annotations

import os
import sys


def _threads(argv) -> int:
    r"""``--threads N`` (default 2), read before NumPy loads its BLAS."""
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return 2


THREADS = _threads(sys.argv[1:])
# The BLAS reads these once, when NumPy loads it: they must be set before ``import numpy``.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = str(THREADS)

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from machine import cpu_name  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
LAYER_SIZES = (784, 256, 128, 10)
INTEL_TARGETS, AMD_TARGETS = {128: 0.8, 32: 0.9}, {128: 0.6, 32: 0.6}
QUICK_SAMPLES = 10_000
SWEEP_SAMPLES = 10_000
NEURONA_PATHS = {"neurona": "1", "neurona-numpy": "0"}     # worker -> NEURONA_FAST
try:
    LOAD_AT_START = os.getloadavg()       # how busy the machine was (printed with the figures)
except (OSError, AttributeError):
    LOAD_AT_START = None
RESULT_TAG = "BENCH-RESULT "
NOISY_SPREAD = 1.25
MIB = 1024.0    # ru_maxrss and /proc sizes are in KiB on Linux


def n_weights(sizes) -> int:
    r"""Kernel entries of an MLP of these layer sizes (234,752 for 784-256-128-10)."""
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def n_params(sizes) -> int:
    r"""Kernels and biases (235,146 for 784-256-128-10)."""
    return n_weights(sizes) + sum(sizes[1:])


def numba_version():
    try:
        import numba
    except ImportError:
        return None
    return numba.__version__


# --------------------------------------------------------------------------------- memory
def rss_kib() -> int:
    r"""The current resident set size (VmRSS) of this process, in KiB (0 if unknown)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak() -> bool:
    r"""Reset the peak-RSS mark to the current RSS (Linux >= 4.0), so that ru_maxrss afterwards
    is the peak of what follows; False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def blas_threads():
    r"""Threads of each BLAS / OpenMP pool NumPy (and torch) loaded, if threadpoolctl is installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    return [{"api": p.get("internal_api"), "threads": p.get("num_threads"), "version": p.get("version"),
             "kernel": p.get("architecture")} for p in threadpool_info()]


# ----------------------------------------------------------------------------------- data
def load_data(data_dir: Path, n_train: int | None):
    from neurona.datasets import load_mnist

    x_train, y_train, x_test, y_test = load_mnist(data_dir)    # float32 (n, 784) in [0, 1], int64
    if n_train:
        x_train, y_train = x_train[:n_train], y_train[:n_train]
    return x_train, y_train, x_test, y_test


# -------------------------------------------------------------------------------- workers
# A training worker loads the data, builds its model, trains the warm-up epoch and reports "ready";
# then it trains one epoch per "epoch" line read from stdin, and on "finish" reports the test
# accuracy and its memory. The parent runs the neurona worker, then the torch worker, each alone.
# Each reply is one JSON line on stdout.

def prepare_neurona(args):
    import neurona
    from neurona.layers import Dense
    from neurona.optimizers import Adam

    x, labels, x_test, y_test = load_data(args.data, args.train_samples)
    y = np.eye(10, dtype=np.float32)[labels]                     # one-hot targets
    memory = {"rss_after_load_kib": rss_kib(), "peak_after_load_kib": peak_kib()}
    memory["peak_reset"] = reset_peak()

    sizes = args.layers
    model = neurona.Sequential([Dense(units, activation="relu") for units in sizes[1:-1]]
                               + [Dense(sizes[-1], activation="softmax")], input_dim=sizes[0], seed=0)
    model.compile(optimizer=Adam(1e-3), loss="categorical_crossentropy")

    def run_epoch():
        history = model.fit(x, y, epochs=1, batch_size=args.batch_size, verbose=0, shuffle=True)
        return history.history["loss"][-1]

    def test_accuracy():
        return float(np.mean(model.predict(x_test).argmax(axis=1) == y_test))

    def kernels_used():
        from neurona import kernels
        return sorted(kernels._compiled)

    info = {"framework": args.worker, "version": neurona.__version__, "n_train": int(x.shape[0]),
            "NEURONA_FAST": os.environ.get("NEURONA_FAST"), "kernels_used": kernels_used}
    return info, memory, run_epoch, test_accuracy


def prepare_torch(args):
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    x_np, labels, x_test_np, y_test = load_data(args.data, args.train_samples)
    x, y = torch.from_numpy(x_np), torch.from_numpy(labels)     # float32 and int64, no copy
    x_test = torch.from_numpy(x_test_np)
    memory = {"rss_after_load_kib": rss_kib(), "peak_after_load_kib": peak_kib()}
    memory["peak_reset"] = reset_peak()

    sizes, modules = args.layers, []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        modules += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*modules[:-1])
    adam_options = {"fused": True} if args.torch_adam == "fused" else {"foreach": True}
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, **adam_options)
    generator = torch.Generator().manual_seed(0)
    n, batch_size = x.shape[0], args.batch_size

    def run_epoch():
        model.train()
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            index = order[start:start + batch_size]
            xb, yb = x[index], y[index]
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * xb.shape[0]       # the epoch loss, as neurona's fit reports it
        return total / n

    def test_accuracy():
        model.eval()
        with torch.inference_mode():
            predicted = model(x_test).argmax(dim=1).numpy()
        return float(np.mean(predicted == y_test))

    info = {"framework": "torch", "version": torch.__version__, "adam": args.torch_adam, "n_train": int(n),
            "torch_threads": torch.get_num_threads()}
    return info, memory, run_epoch, test_accuracy


def reply(message: dict):
    print(RESULT_TAG + json.dumps(message), flush=True)


def serve_training(prepare, args):
    info, memory, run_epoch, test_accuracy = prepare(args)
    start = time.perf_counter()
    loss = run_epoch()
    reply({"event": "ready", "warmup_s": time.perf_counter() - start})
    epochs = []
    for line in sys.stdin:
        command = line.strip()
        if command == "epoch":
            start = time.perf_counter()
            loss = run_epoch()
            epochs.append(time.perf_counter() - start)
            reply({"event": "epoch", "seconds": epochs[-1]})
        elif command == "finish":
            break
    memory["train_peak_kib"] = peak_kib()          # before the test-set pass: the peak of training
    if "kernels_used" in info:
        info["kernels_used"] = info["kernels_used"]()
    reply(dict(info, event="result", epoch_s=epochs, train_loss=float(loss), test_accuracy=test_accuracy(),
               memory=memory, blas_threads=blas_threads()))


def gemm_shapes(batch_size: int, sizes=LAYER_SIZES):
    r"""The matrix products of one training step: (name, left shape, right shape, transposed
    operand, needed). ``needed`` is False for the input gradient of the first layer, which
    neither framework computes (the images need no gradient)."""
    shapes = []
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        shapes.append((f"fwd  x W       L{layer}", (batch_size, n_in), (n_in, n_out), None, True))
        shapes.append((f"grad x^T delta L{layer}", (n_in, batch_size), (batch_size, n_out), "left", True))
        shapes.append((f"back delta W^T L{layer}", (batch_size, n_out), (n_out, n_in), "right", layer > 1))
    return shapes


def best_time(run, rounds: int) -> float:
    r"""Seconds per call of ``run()``: calibrated to about 10 ms a round, best of ``rounds``."""
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


def adam_update_seconds(rounds: int, sizes, fast: str) -> float:
    r"""One Adam update of neurona on this network's parameters (weights and biases, float32, one
    flat vector as in ``Sequential``), timed alone: the elementwise floor of a step. ``fast`` is
    NEURONA_FAST: "0" for NumPy's ten passes, "1" for the one-pass kernel (when numba is there)."""
    from neurona.optimizers import Adam

    rng = np.random.default_rng(0)
    params = [rng.standard_normal(n_params(sizes), dtype=np.float32)]
    grads = [rng.standard_normal(n_params(sizes), dtype=np.float32)]
    adam = Adam(1e-3)
    saved = os.environ.get("NEURONA_FAST")
    os.environ["NEURONA_FAST"] = fast
    try:
        return best_time(lambda: adam.apply(params, grads), rounds)
    finally:
        os.environ.pop("NEURONA_FAST") if saved is None else os.environ.update(NEURONA_FAST=saved)


def worker_gemm(args) -> dict:
    r"""Best-of-rounds time of each float32 product of a training step at this batch size, and of
    one Adam update."""
    rng = np.random.default_rng(0)
    batch_size = args.batch_size
    ops = []
    for name, (m, k), (_, n), transposed, needed in gemm_shapes(batch_size, args.layers):
        # Transposed operands are views of C-ordered arrays, as in a real backward pass.
        left = rng.standard_normal((k, m), dtype=np.float32).T if transposed == "left" else \
            rng.standard_normal((m, k), dtype=np.float32)
        right = rng.standard_normal((n, k), dtype=np.float32).T if transposed == "right" else \
            rng.standard_normal((k, n), dtype=np.float32)
        out = np.empty((m, n), dtype=np.float32)
        best = best_time(lambda: np.matmul(left, right, out=out), args.gemm_rounds)
        flops = 2.0 * m * k * n
        ops.append({"name": name, "shape": f"({m},{k})x({k},{n})", "needed": needed,
                    "seconds": best, "flops": flops, "gflops": flops / best / 1e9})
    step_s = sum(op["seconds"] for op in ops)
    step_flops = sum(op["flops"] for op in ops)                  # = 6 x N_WEIGHTS x batch_size
    needed_s = sum(op["seconds"] for op in ops if op["needed"])
    return {"batch_size": batch_size, "ops": ops, "step_gemm_s": step_s, "step_needed_gemm_s": needed_s,
            "gflops": step_flops / step_s / 1e9, "blas_threads": blas_threads(),
            "adam_s": adam_update_seconds(args.gemm_rounds, args.layers, "0"),
            "adam_fast_s": adam_update_seconds(args.gemm_rounds, args.layers, "1") if numba_version() else None,
            "numpy": np.__version__}


TRAINING = {"neurona": prepare_neurona, "neurona-numpy": prepare_neurona, "torch": prepare_torch}


def worker_command(kind: str, batch_size: int, args) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--batch-size", str(batch_size),
               "--data", str(args.data), "--torch-adam", args.torch_adam, "--gemm-rounds", str(args.gemm_rounds),
               "--layers", ",".join(map(str, args.layers)), "--threads", str(THREADS)]
    if args.train_samples:
        command += ["--train-samples", str(args.train_samples)]
    return command


class Worker:
    r"""A worker subprocess, spoken to by lines on its stdin and JSON lines on its stdout."""

    def __init__(self, kind: str, batch_size: int, args):
        self.kind, self.batch_size = kind, batch_size
        env = os.environ.copy()
        if kind in NEURONA_PATHS:
            env["NEURONA_FAST"] = NEURONA_PATHS[kind]
        self.process = subprocess.Popen(worker_command(kind, batch_size, args), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=env)

    def receive(self) -> dict:
        for line in self.process.stdout:
            if line.startswith(RESULT_TAG):
                return json.loads(line[len(RESULT_TAG):])
            sys.stdout.write(line)                     # anything else the worker printed
        self.process.wait()
        raise SystemExit(f"The {self.kind} worker at batch size {self.batch_size} failed "
                         f"(exit code {self.process.returncode}).")

    def send(self, command: str):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def pause(self):
        if hasattr(signal, "SIGSTOP"):
            self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        if hasattr(signal, "SIGCONT"):
            self.process.send_signal(signal.SIGCONT)

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def run_gemm(batch_size: int, args) -> dict:
    worker = Worker("gemm", batch_size, args)
    result = worker.receive()
    worker.close()
    return result


def run_training(batch_size: int, args) -> dict:
    r"""The workers in turns, never running side by side: each trains its warm-up epoch, then they
    take turns at timed epochs (the order rotating each round, and reversed every other round),
    so that the epochs of a round see the same moment of a machine whose speed drifts. The
    workers that are not training are stopped (SIGSTOP): an idle PyTorch process keeps its OpenMP
    threads spinning for a while and was measured to slow a NumPy process beside it by up to 50%."""
    kinds = list(args.paths) + ["torch"]
    workers, warmups = {}, {}
    for kind in kinds:
        workers[kind] = Worker(kind, batch_size, args)
        warmups[kind] = workers[kind].receive()["warmup_s"]
        workers[kind].pause()
    for round_ in range(args.repeats):
        shift = (round_ // 2) % len(kinds)
        order = kinds[shift:] + kinds[:shift]
        for kind in order if round_ % 2 == 0 else order[::-1]:
            workers[kind].resume()
            workers[kind].send("epoch")
            workers[kind].receive()
            workers[kind].pause()
    results = {}
    for kind, worker in workers.items():
        worker.resume()
        worker.send("finish")
        results[kind] = dict(worker.receive(), warmup_s=warmups[kind])
        worker.close()
    return results


def summarize(batch_size: int, sizes, gemm: dict, results: dict, target: float | None) -> dict:
    n_train = results["torch"]["n_train"]
    steps = n_train / batch_size
    bound = gemm["step_gemm_s"] * steps            # = 6 x weights x n_train FLOPs at the measured rate
    needed_bound = gemm["step_needed_gemm_s"] * steps
    adam_fast = None if gemm["adam_fast_s"] is None else gemm["adam_fast_s"] * steps
    row = {"batch_size": batch_size, "layers": list(sizes), "n_train": n_train, "gemm_gflops": gemm["gflops"],
           "bound_s": bound, "bound_needed_s": needed_bound, "target": target,
           "adam_s": gemm["adam_s"] * steps, "floor_s": needed_bound + gemm["adam_s"] * steps,
           "adam_fast_s": adam_fast, "floor_fast_s": None if adam_fast is None else needed_bound + adam_fast,
           "blas": gemm["blas_threads"], "paths": [k for k in results if k != "torch"]}
    for name, result in results.items():
        median = statistics.median(result["epoch_s"])
        memory = result["memory"]
        row[name] = {
            "epoch_s": median, "epoch_s_all": result["epoch_s"], "warmup_s": result["warmup_s"],
            "fraction_of_bound": bound / median, "test_accuracy": result["test_accuracy"],
            "train_loss": result["train_loss"],
            "spread": max(result["epoch_s"]) / min(result["epoch_s"]),
            "baseline_rss_mib": memory["rss_after_load_kib"] / MIB,
            # ru_maxrss never decreases unless reset: the whole run's peak is the larger of the two
            "peak_mib": max(memory["peak_after_load_kib"], memory["train_peak_kib"]) / MIB,
            "train_peak_mib": memory["train_peak_kib"] / MIB if memory["peak_reset"] else None,
            "kernels_used": result.get("kernels_used"),
        }
        if name != "torch":
            # the epochs of a round ran one after the other: their ratio is the one least moved by drift
            ratios = [a / b for a, b in zip(result["epoch_s"], results["torch"]["epoch_s"])]
            row[name].update(round_ratios=ratios, ratio=statistics.median(ratios),
                             met=None if target is None else statistics.median(ratios) <= target)
    return row


def layers_name(sizes) -> str:
    return "-".join(map(str, sizes))


def print_rows(title: str, rows):
    r"""One table line per (row, neurona path): seconds per epoch, ratio to torch, target, peak
    memory, fraction of the GEMM bound, test accuracy."""
    def fmt(value, spec):
        return "-" if value is None else format(value, spec)

    print()
    print(title)
    header = ["layers", "batch", "neurona", "neurona s/ep", "torch s/ep", "ratio n/t", "target", "met",
              "peak MiB n/t", "bound s/ep", "% bound n/t", "test acc n/t"]
    lines = []
    for row in rows:
        t = row["torch"]
        for path in row["paths"]:
            n = row[path]
            lines.append([
                layers_name(row["layers"]), str(row["batch_size"]),
                "fast" if n["kernels_used"] else "numpy", f"{n['epoch_s']:.3f}", f"{t['epoch_s']:.3f}",
                f"{n['ratio']:.2f}", fmt(row["target"], ".2f"),
                "-" if n["met"] is None else ("yes" if n["met"] else "no"),
                f"{n['peak_mib']:.0f} / {t['peak_mib']:.0f}", f"{row['bound_s']:.3f}",
                f"{100 * n['fraction_of_bound']:.0f}% / {100 * t['fraction_of_bound']:.0f}%",
                f"{100 * n['test_accuracy']:.2f} / {100 * t['test_accuracy']:.2f}"])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths)))


def print_details(rows):
    print()
    print("Epoch times (s): warm-up, then the timed epochs (each alone); 'spread' = slowest / fastest "
          f"timed epoch (above {NOISY_SPREAD} the machine was busy: run again); kernels = the compiled ones used")
    for row in rows:
        where = f"{layers_name(row['layers'])} batch {row['batch_size']:>4}"
        for name in row["paths"] + ["torch"]:
            r = row[name]
            times = ", ".join(f"{t:.3f}" for t in r["epoch_s_all"])
            flag = "  <- noisy" if r["spread"] > NOISY_SPREAD else ""
            used = "" if name == "torch" else f"; kernels {', '.join(r['kernels_used']) or 'none'}"
            print(f"  {where} {name:>13}: warm-up {r['warmup_s']:.3f}; {times}; spread {r['spread']:.2f}{used}{flag}")
            if name != "torch":
                ratios = ", ".join(f"{x:.2f}" for x in r["round_ratios"])
                print(f"  {where} {name:>13}  ratio to torch, round by round: {ratios}; median {r['ratio']:.2f}")

    print()
    print("Memory (MiB): baseline = resident after import + data load; train peak = peak RSS while "
          "training; peak = ru_maxrss of the worker")
    header = ["layers", "batch", "worker", "baseline", "train peak", "overhead", "peak"]
    lines = []
    for row in rows:
        for name in row["paths"] + ["torch"]:
            r = row[name]
            overhead = None if r["train_peak_mib"] is None else r["train_peak_mib"] - r["baseline_rss_mib"]
            lines.append([layers_name(row["layers"]), str(row["batch_size"]), name, f"{r['baseline_rss_mib']:.0f}",
                          "-" if r["train_peak_mib"] is None else f"{r['train_peak_mib']:.0f}",
                          "-" if overhead is None else f"{overhead:+.0f}", f"{r['peak_mib']:.0f}"])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for line in lines:
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths)))

    print()
    print("GEMM lower bound: NumPy float32 products of one step at the measured speed (bound = 6 x weights "
          "x n FLOPs; 'needed' leaves out the first layer's input gradient)")
    for row in rows:
        print(f"  {layers_name(row['layers'])} batch {row['batch_size']:>4}: {row['gemm_gflops']:6.1f} GFLOP/s "
              f"-> bound {row['bound_s']:.3f} s/epoch, needed {row['bound_needed_s']:.3f} s/epoch")
    print()
    print("Floor of a step: the needed products + one Adam update of all parameters, each timed alone "
          "(neither counts activations, loss, gathering the batch or Python); Adam by NumPy / by the kernel")
    for row in rows:
        goal = "" if row["target"] is None else \
            f"; the target asks for <= {row['target'] * row['torch']['epoch_s']:.3f} s/epoch"
        fast = "" if row["adam_fast_s"] is None else \
            f"; with the kernel's Adam {row['adam_fast_s']:.3f} -> {row['floor_fast_s']:.3f}"
        print(f"  {layers_name(row['layers'])} batch {row['batch_size']:>4}: {row['bound_needed_s']:.3f} + Adam "
              f"{row['adam_s']:.3f} = {row['floor_s']:.3f} s/epoch{fast}{goal}")


def print_sweep(rows):
    r"""How the cost grows with the width: the ratio to torch and the fraction of the GEMM bound,
    per width (the ratio should not worsen as the products come to dominate)."""
    print()
    print("Width sweep: ratio neurona / torch and the fraction of the GEMM bound each reaches, by width")
    for row in rows:
        cells = [f"{path} {row[path]['ratio']:.2f} ({100 * row[path]['fraction_of_bound']:.0f}% of bound)"
                 for path in row["paths"]]
        print(f"  {layers_name(row['layers']):>16} ({n_params(row['layers']):>9,} parameters): "
              + "; ".join(cells) + f"; torch {100 * row['torch']['fraction_of_bound']:.0f}% of bound")


def print_machine(rows):
    print()
    print(f"CPU: {cpu_name()}; numba {numba_version() or 'not installed'}")
    for pool in rows[0]["blas"] or []:
        print(f"NumPy's BLAS: {pool['api']} {pool['version']}, kernel {pool['kernel']}, {pool['threads']} threads")
    pinned = {v: os.environ[v] for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
    if pinned:
        print("  The environment sets " + ", ".join(f"{k}={v}" for k, v in pinned.items()) + ": OpenBLAS runs "
              "that kernel, not the one it would pick for this CPU. To measure with its own: "
              "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/mnist_mlp.py")
    try:
        print(f"Load average before the run: {LOAD_AT_START[0]:.2f}, {LOAD_AT_START[1]:.2f}, {LOAD_AT_START[2]:.2f}; "
              f"now {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    except (OSError, AttributeError, TypeError):
        pass


def targets_for_this_cpu() -> dict:
    return AMD_TARGETS if "AMD" in cpu_name().upper() else INTEL_TARGETS


def measure(batch_size: int, sizes, args, target):
    args.layers = tuple(sizes)
    print(f"{layers_name(sizes)} batch {batch_size}: GEMM bound ...", end=" ", flush=True)
    gemm = run_gemm(batch_size, args)
    print(f"{gemm['gflops']:.1f} GFLOP/s; {', '.join(args.paths)}, torch ...", end=" ", flush=True)
    results = run_training(batch_size, args)
    print(", ".join(f"{statistics.median(r['epoch_s']):.3f}" for r in results.values()) + " s/epoch", flush=True)
    return summarize(batch_size, sizes, gemm, results, target), {"gemm": gemm, "results": results}


def int_list(text: str) -> list[int]:
    return [int(b) for b in text.split(",") if b.strip()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory of the MNIST .gz IDX files")
    parser.add_argument("--batch-sizes", default="128,32", help="comma-separated batch sizes (default 128,32)")
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs after the warm-up (median reported)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK_SAMPLES:,} training images and 1 repeat")
    parser.add_argument("--train-samples", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--widths", default="256,1024,2048",
                        help="hidden widths W of the sweep 784-W-W-10 (default 256,1024,2048; '' for none)")
    parser.add_argument("--sweep-batch", type=int, default=128, help="batch size of the width sweep (default 128)")
    parser.add_argument("--sweep-samples", type=int, default=SWEEP_SAMPLES,
                        help=f"training images of the width sweep (default {SWEEP_SAMPLES:,})")
    parser.add_argument("--neurona", default=None,
                        help="neurona's paths: fast (the kernels of neurona[fast]), numpy (NEURONA_FAST=0), "
                             "comma-separated (default: both when numba is installed, else numpy)")
    parser.add_argument("--torch-adam", choices=("foreach", "fused"), default="fused",
                        help="torch Adam implementation (default fused, one kernel per step and the fastest "
                             "eager Adam on this CPU; foreach is the multi-tensor one)")
    parser.add_argument("--gemm-rounds", type=int, default=7, help="rounds of the GEMM timing (best kept)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="BLAS and torch threads (default 2; 1 is less disturbed by a busy machine)")
    parser.add_argument("--worker", choices=("gemm", *TRAINING), help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--layers", type=lambda text: tuple(int_list(text)), default=LAYER_SIZES,
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 1
        args.train_samples = args.train_samples or QUICK_SAMPLES
        args.sweep_samples = min(args.sweep_samples, QUICK_SAMPLES // 2)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    if args.worker == "gemm":
        reply(worker_gemm(args))
        return
    if args.worker:
        serve_training(TRAINING[args.worker], args)
        return

    if not args.data.is_dir():
        raise SystemExit(f"MNIST directory not found: {args.data} (give --data DIR)")
    paths = (args.neurona or ("fast,numpy" if numba_version() else "numpy")).split(",")
    unknown = set(paths) - {"fast", "numpy"}
    if unknown or not paths:
        parser.error(f"--neurona takes fast and/or numpy; got {args.neurona!r}")
    if "fast" in paths and not numba_version():
        parser.error("--neurona fast needs numba (pip install 'neurona[fast]')")
    args.paths = ["neurona" if p == "fast" else "neurona-numpy" for p in paths]

    targets = targets_for_this_cpu()
    rows, sweep, raw = [], [], []
    for batch_size in int_list(args.batch_sizes):
        row, measured = measure(batch_size, LAYER_SIZES, args, targets.get(batch_size))
        rows.append(row)
        raw.append(measured)
    train_samples = args.train_samples
    args.train_samples = args.sweep_samples
    for width in int_list(args.widths):
        row, measured = measure(args.sweep_batch, (784, width, width, 10), args, None)
        sweep.append(row)
        raw.append(measured)
    args.train_samples = train_samples

    if rows:
        print_rows(f"MNIST MLP, float32, {THREADS} threads, Adam(1e-3); median of {args.repeats} epoch(s) after "
                   f"1 warm-up; {rows[0]['n_train']:,} training images", rows)
    if sweep:
        print_rows(f"Width sweep 784-W-W-10 at batch {args.sweep_batch}, {sweep[0]['n_train']:,} training images",
                   sweep)
    print_details(rows + sweep)
    if sweep:
        print_sweep(sweep)
    print_machine(rows + sweep)
    if args.json:
        info = {"python": platform.python_version(), "numpy": np.__version__, "numba": numba_version(),
                "machine": platform.machine(), "processor": cpu_name(), "threads": THREADS,
                "repeats": args.repeats, "quick": args.quick, "torch_adam": args.torch_adam,
                "load_at_start": LOAD_AT_START}
        args.json.write_text(json.dumps({"info": info, "rows": rows, "sweep": sweep, "raw": raw}, indent=2) + "\n")
        print(f"\nFigures written to {args.json}")


if __name__ == "__main__":
    main()
