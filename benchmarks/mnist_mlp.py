r"""Training speed of a 784-256-128-10 MLP on real MNIST: neurona against PyTorch eager CPU.

What it measures, at each batch size (128 and 32 by default):

* seconds per epoch (60,000 training images, shuffled every epoch) of
  - neurona: ``Sequential([Dense(256, relu), Dense(128, relu), Dense(10, softmax)], input_dim=784,
    seed=0)`` compiled with ``Adam(1e-3)`` and categorical cross-entropy on one-hot labels, timed as
    ``fit(x, y, epochs=1, batch_size=B, verbose=0, shuffle=True)``;
  - PyTorch eager: ``nn.Sequential(Linear, ReLU, Linear, ReLU, Linear)``, ``Adam(lr=1e-3,
    fused=True)`` (its fastest eager Adam on this CPU; ``--torch-adam foreach`` for the multi-tensor one), ``F.cross_entropy`` on logits and integer labels, ``zero_grad(set_to_none=True)``,
    tensors converted once, a ``torch.randperm`` per epoch and one index per batch;
  after one warm-up epoch each, ``--repeats`` rounds of one epoch of each framework, back to back
  (neurona first in odd rounds, torch first in even ones); the median epoch of each, and the
  ratio neurona / torch as the median of the rounds' ratios (the two epochs of a round see the
  same moment of a machine whose speed drifts), against the target (<= 0.8 at batch 128, <= 0.6
  at batch 32). Each framework trains in its own subprocess (this script re-invoked with
  ``--worker``); the one not training is stopped with SIGSTOP (an idle PyTorch process keeps its
  OpenMP threads spinning and slows a process beside it);
* peak memory of each framework (its own process): the resident set after import + data load is
  the baseline, the peak is ``getrusage(RUSAGE_SELF).ru_maxrss`` once training is over;
* test accuracy after the 1 + repeats epochs (a sanity check: about 97% for both);
* the NumPy floor of a step: the needed products plus one Adam update of the 235,146 parameters
  timed alone (the elementwise part that no GEMM speed removes), against the target's seconds;
* a hardware lower bound: the float32 GEMM throughput of NumPy at this network's shapes (the
  three forward products, the three weight gradients x^T delta and the three input gradients
  delta W^T of one batch), timed in a loop, and the seconds an epoch of 6 x (number of weights)
  x 60,000 FLOPs (2 for the forward and 4 for the backward multiply-adds per weight and sample)
  needs at that rate; each framework's time is shown as the fraction of that bound it reaches.

Everything is float32 on 2 threads (BLAS thread variables are set before NumPy is imported;
``torch.set_num_threads(2)``).

NumPy's BLAS (OpenBLAS) picks its kernel for the CPU unless ``OPENBLAS_CORETYPE`` names one; some
machines set it (with ``OPENBLAS_L2_SIZE``) to work around old OpenBLAS bugs, which pins a current
NumPy to an older, slower kernel. The script prints the kernel it ran; to run the CPU's own, unset
both for that command alone: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/mnist_mlp.py``.

Run it from the repository root:

    python benchmarks/mnist_mlp.py                      # full run, several minutes
    python benchmarks/mnist_mlp.py --quick              # smoke run: 10,000 images, 1 repeat
    python benchmarks/mnist_mlp.py --batch-sizes 128,32 --repeats 3 --json mnist_mlp.json
    python benchmarks/mnist_mlp.py --torch-adam foreach  # torch's multi-tensor Adam instead of fused

``--data`` points at the directory of the four MNIST ``.gz`` IDX files (default:
``../shared/data/mnist`` beside the repository).
"""
from __future__ import annotations

import os

THREADS = 2
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
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
LAYER_SIZES = (784, 256, 128, 10)
N_WEIGHTS = sum(a * b for a, b in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:]))    # kernels only: 234,752
N_PARAMS = N_WEIGHTS + sum(LAYER_SIZES[1:])                                   # and biases: 235,146
DEFAULT_TARGETS = {128: 0.8, 32: 0.6}
QUICK_SAMPLES = 10_000
RESULT_TAG = "BENCH-RESULT "
NOISY_SPREAD = 1.25
MIB = 1024.0    # ru_maxrss and /proc sizes are in KiB on Linux


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

    model = neurona.Sequential([Dense(256, activation="relu"), Dense(128, activation="relu"),
                                Dense(10, activation="softmax")], input_dim=784, seed=0)
    model.compile(optimizer=Adam(1e-3), loss="categorical_crossentropy")

    def run_epoch():
        history = model.fit(x, y, epochs=1, batch_size=args.batch_size, verbose=0, shuffle=True)
        return history.history["loss"][-1]

    def test_accuracy():
        return float(np.mean(model.predict(x_test).argmax(axis=1) == y_test))

    info = {"framework": "neurona", "version": neurona.__version__, "n_train": int(x.shape[0])}
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

    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
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
    reply(dict(info, event="result", epoch_s=epochs, train_loss=float(loss), test_accuracy=test_accuracy(),
               memory=memory, blas_threads=blas_threads()))


def gemm_shapes(batch_size: int):
    r"""The matrix products of one training step: (name, left shape, right shape, transposed
    operand, needed). ``needed`` is False for the input gradient of the first layer, which
    neither framework computes (the images need no gradient)."""
    shapes = []
    for layer, (n_in, n_out) in enumerate(zip(LAYER_SIZES[:-1], LAYER_SIZES[1:]), start=1):
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


def adam_update_seconds(rounds: int) -> float:
    r"""One Adam update of neurona on this network's parameters (weights and biases, float32, one
    flat vector as in ``Sequential``), timed alone: the elementwise floor of a step."""
    from neurona.optimizers import Adam

    rng = np.random.default_rng(0)
    params = [rng.standard_normal(N_PARAMS, dtype=np.float32)]
    grads = [rng.standard_normal(N_PARAMS, dtype=np.float32)]
    adam = Adam(1e-3)
    return best_time(lambda: adam.apply(params, grads), rounds)


def worker_gemm(args) -> dict:
    r"""Best-of-rounds time of each float32 product of a training step at this batch size, and of
    one Adam update."""
    rng = np.random.default_rng(0)
    batch_size = args.batch_size
    ops = []
    for name, (m, k), (_, n), transposed, needed in gemm_shapes(batch_size):
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
            "adam_s": adam_update_seconds(args.gemm_rounds), "numpy": np.__version__}


TRAINING = {"neurona": prepare_neurona, "torch": prepare_torch}


def worker_command(kind: str, batch_size: int, args) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--batch-size", str(batch_size),
               "--data", str(args.data), "--torch-adam", args.torch_adam, "--gemm-rounds", str(args.gemm_rounds)]
    if args.train_samples:
        command += ["--train-samples", str(args.train_samples)]
    return command


class Worker:
    r"""A worker subprocess, spoken to by lines on its stdin and JSON lines on its stdout."""

    def __init__(self, kind: str, batch_size: int, args):
        self.kind, self.batch_size = kind, batch_size
        self.process = subprocess.Popen(worker_command(kind, batch_size, args), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, env=os.environ.copy())

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


def run_training(batch_size: int, args) -> tuple[dict, dict]:
    r"""Both workers in turns, never running side by side: each trains its warm-up epoch, then the
    two alternate timed epochs (neurona, torch, then torch, neurona, ...), so that each pair of
    epochs sees the same moment of a machine whose speed drifts. The worker that is not training
    is stopped (SIGSTOP): an idle PyTorch process keeps its OpenMP threads spinning for a while and
    was measured to slow a NumPy process beside it by up to 50%."""
    workers, warmups = {}, {}
    for kind in ("neurona", "torch"):
        workers[kind] = Worker(kind, batch_size, args)
        warmups[kind] = workers[kind].receive()["warmup_s"]
        workers[kind].pause()
    for round_ in range(args.repeats):
        for kind in ("neurona", "torch") if round_ % 2 == 0 else ("torch", "neurona"):
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
    return results["neurona"], results["torch"]


def summarize(batch_size: int, n_train: int, gemm: dict, neurona_result: dict, torch_result: dict,
              target: float | None) -> dict:
    steps = n_train / batch_size
    bound = gemm["step_gemm_s"] * steps            # = 6 x N_WEIGHTS x n_train FLOPs at the measured rate
    needed_bound = gemm["step_needed_gemm_s"] * steps
    row = {"batch_size": batch_size, "n_train": n_train, "gemm_gflops": gemm["gflops"],
           "bound_s": bound, "bound_needed_s": needed_bound, "target": target,
           "adam_s": gemm["adam_s"] * steps, "floor_s": needed_bound + gemm["adam_s"] * steps,
           "blas": gemm["blas_threads"]}
    for result in (neurona_result, torch_result):
        name = result["framework"]
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
        }
    # the epochs of a round ran one after the other: their ratio is the one least moved by drift
    row["round_ratios"] = [a / b for a, b in zip(neurona_result["epoch_s"], torch_result["epoch_s"])]
    row["ratio"] = statistics.median(row["round_ratios"])
    row["met"] = None if target is None else row["ratio"] <= target
    return row


def print_table(rows, args):
    def fmt(value, spec):
        return "-" if value is None else format(value, spec)

    print()
    print(f"MNIST MLP 784-256-128-10, float32, {THREADS} threads, Adam(1e-3); median of {args.repeats} "
          f"epoch(s) after 1 warm-up; {rows[0]['n_train']:,} training images")
    header = ["batch", "neurona s/ep", "torch s/ep", "ratio n/t", "target", "met", "peak MiB n/t",
              "bound s/ep", "% bound n/t", "test acc n/t"]
    lines = []
    for row in rows:
        n, t = row["neurona"], row["torch"]
        lines.append([
            str(row["batch_size"]), f"{n['epoch_s']:.3f}", f"{t['epoch_s']:.3f}", f"{row['ratio']:.2f}",
            fmt(row["target"], ".2f"), "-" if row["met"] is None else ("yes" if row["met"] else "no"),
            f"{n['peak_mib']:.0f} / {t['peak_mib']:.0f}", f"{row['bound_s']:.3f}",
            f"{100 * n['fraction_of_bound']:.0f}% / {100 * t['fraction_of_bound']:.0f}%",
            f"{100 * n['test_accuracy']:.2f} / {100 * t['test_accuracy']:.2f}"])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths)))

    print()
    print("Epoch times (s): warm-up, then the timed epochs (each framework alone); 'spread' = "
          f"slowest / fastest timed epoch (above {NOISY_SPREAD} the machine was busy: run again)")
    for row in rows:
        for name in ("neurona", "torch"):
            r = row[name]
            times = ", ".join(f"{t:.3f}" for t in r["epoch_s_all"])
            flag = "  <- noisy" if r["spread"] > NOISY_SPREAD else ""
            print(f"  batch {row['batch_size']:>4} {name:>8}: warm-up {r['warmup_s']:.3f}; {times}; "
                  f"spread {r['spread']:.2f}{flag}")
        ratios = ", ".join(f"{r:.2f}" for r in row["round_ratios"])
        print(f"  batch {row['batch_size']:>4}    ratio, epoch by epoch: {ratios}; median "
              f"{statistics.median(row['round_ratios']):.2f}")

    print()
    print("Memory (MiB): baseline = resident after import + data load; train peak = peak RSS while "
          "training; peak = ru_maxrss of the worker")
    header = ["batch", "framework", "baseline", "train peak", "overhead", "peak"]
    lines = []
    for row in rows:
        for name in ("neurona", "torch"):
            r = row[name]
            overhead = None if r["train_peak_mib"] is None else r["train_peak_mib"] - r["baseline_rss_mib"]
            lines.append([str(row["batch_size"]), name, f"{r['baseline_rss_mib']:.0f}",
                          fmt(r["train_peak_mib"], ".0f"), fmt(overhead, "+.0f"), f"{r['peak_mib']:.0f}"])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for line in lines:
        print("  ".join(cell.rjust(w) for cell, w in zip(line, widths)))

    print()
    print("GEMM lower bound: NumPy float32 products of one step at the measured speed (bound = 6 x "
          f"{N_WEIGHTS:,} weights x n FLOPs; 'needed' leaves out the first layer's input gradient)")
    for row in rows:
        print(f"  batch {row['batch_size']:>4}: {row['gemm_gflops']:6.1f} GFLOP/s -> bound {row['bound_s']:.3f} "
              f"s/epoch, needed {row['bound_needed_s']:.3f} s/epoch")
    print()
    print(f"NumPy floor of a step: the needed products + one Adam update of the {N_PARAMS:,} parameters, "
          "each timed alone (neither counts activations, loss, gathering the batch or Python)")
    for row in rows:
        goal = "" if row["target"] is None else \
            f"; the target asks for <= {row['target'] * row['torch']['epoch_s']:.3f} s/epoch"
        print(f"  batch {row['batch_size']:>4}: {row['bound_needed_s']:.3f} + Adam {row['adam_s']:.3f} = "
              f"{row['floor_s']:.3f} s/epoch{goal}")
    print()
    for pool in rows[0]["blas"] or []:
        print(f"NumPy's BLAS: {pool['api']} {pool['version']}, kernel {pool['kernel']}, {pool['threads']} threads")
    pinned = {v: os.environ[v] for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
    if pinned:
        print("  The environment sets " + ", ".join(f"{k}={v}" for k, v in pinned.items()) + ": OpenBLAS runs "
              "that kernel, not the one it would pick for this CPU. To measure with its own: "
              "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/mnist_mlp.py")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory of the MNIST .gz IDX files")
    parser.add_argument("--batch-sizes", default="128,32", help="comma-separated batch sizes (default 128,32)")
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs after the warm-up (median reported)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK_SAMPLES:,} training images and 1 repeat")
    parser.add_argument("--train-samples", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--torch-adam", choices=("foreach", "fused"), default="fused",
                        help="torch Adam implementation (default fused, one kernel per step and the fastest "
                             "eager Adam on this CPU; foreach is the multi-tensor one)")
    parser.add_argument("--gemm-rounds", type=int, default=7, help="rounds of the GEMM timing (best kept)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    parser.add_argument("--worker", choices=("gemm", "neurona", "torch"), help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 1
        args.train_samples = args.train_samples or QUICK_SAMPLES
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
    batch_sizes = [int(b) for b in args.batch_sizes.split(",") if b.strip()]
    rows, raw = [], []
    for batch_size in batch_sizes:
        print(f"batch {batch_size}: GEMM bound ...", end=" ", flush=True)
        gemm = run_gemm(batch_size, args)
        print(f"{gemm['gflops']:.1f} GFLOP/s; neurona, then torch ...", end=" ", flush=True)
        neurona_result, torch_result = run_training(batch_size, args)
        print(f"{statistics.median(neurona_result['epoch_s']):.3f} and "
              f"{statistics.median(torch_result['epoch_s']):.3f} s/epoch", flush=True)
        rows.append(summarize(batch_size, neurona_result["n_train"], gemm, neurona_result, torch_result,
                              DEFAULT_TARGETS.get(batch_size)))
        raw.append({"gemm": gemm, "neurona": neurona_result, "torch": torch_result})

    print_table(rows, args)
    if args.json:
        info = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
                "processor": _cpu_name(), "threads": THREADS, "repeats": args.repeats, "quick": args.quick,
                "torch_adam": args.torch_adam, "n_weights": N_WEIGHTS}
        args.json.write_text(json.dumps({"info": info, "rows": rows, "raw": raw}, indent=2) + "\n")
        print(f"\nFigures written to {args.json}")


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
