r"""Training speed of a sequence classifier, LSTM(64) -> Dense(10, softmax): neurona against PyTorch's
``nn.LSTM`` (eager CPU), seconds per epoch, alternating.

The model and data: 2,048 synthetic sequences of 50 steps of 32 features (float32), labels in 0..9
(the feature whose sum over the steps is largest, among the first ten: learnable); batch 64,
Adam(1e-3), sparse categorical cross-entropy.

* neurona: ``Sequential([Input((50, 32)), LSTM(64), Dense(10, activation="softmax")], seed=0)``,
  timed as ``fit(x, y, epochs=1, batch_size=64, shuffle=True, verbose=0)``;
* PyTorch: ``nn.LSTM(32, 64, batch_first=True)`` and ``nn.Linear(64, 10)`` on its last output,
  ``Adam(lr=1e-3)``, ``F.cross_entropy`` on logits, a ``randperm`` per epoch, ``zero_grad(set_to_none=True)``.

After one warm-up epoch each, ``--repeats`` rounds of one epoch of each, back to back, the order
alternating from round to round (the two epochs of a round see the same moment of a machine whose
speed drifts); the ratio neurona / torch is the median of the rounds' ratios, against the target
<= 1.5. Each framework trains in its own process (this script re-invoked with ``--worker``), on
``--threads`` threads, float32; the one not training is stopped (SIGSTOP): the BLAS's and OpenMP's
idle threads spin for a while after their work, and beside a stopped process nothing spins (in one
process, an epoch of torch right after one of neurona took 3.5x longer than after one of torch).
Besides the wall-clock epoch, each worker's CPU time (all its threads) is printed: on a machine
shared with other work it varies less than the wall clock.

What bounds an epoch: the products. Per sample and step, the LSTM does the projection x_t W
(d x 4u multiply-adds), the recurrence h_{t-1} U (u x 4u), and twice each again backwards (the
weight gradients and the gradients of x and h): 3 x 4u (d + u) multiply-adds. The script times
NumPy's float32 GEMM at the two shapes neurona uses, the projection of all steps at once,
(batch x steps, d) @ (d, 4u), and one step's recurrence, (batch, u) @ (u, 4u), and prints the epoch
that those products alone would take: the rest of each framework's epoch is the gates' elementwise
work and the per-step overhead (T steps one after the other, forward and backward).

Run from the repository root (the CPU's own BLAS kernel: unset the variables that pin an older one):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/lstm.py
    python benchmarks/lstm.py --quick                      # 512 sequences, 1 round
    python benchmarks/lstm.py --repeats 5 --threads 1 --json lstm.json
"""
from __future__ import annotations

import os
import sys


def _threads(argv) -> int:
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return 2


THREADS = _threads(sys.argv[1:])
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):    # read when NumPy loads
    os.environ[_variable] = str(THREADS)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from machine import cpu_name  # noqa: E402

TARGET = 1.5
CLASSES = 10


def blas_kernels() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (threadpoolctl not installed)"
    return ", ".join(f"{p.get('internal_api')} {p.get('version')} {p.get('architecture')} ({p.get('num_threads')} "
                     f"threads)" for p in threadpool_info())


def make_data(n, steps, features, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, steps, features)).astype(np.float32)
    y = np.argmax(x[:, :, :CLASSES].sum(axis=1), axis=1)
    return x, y


class Neurona:
    def __init__(self, args, x, y):
        import neurona as nr
        self.model = nr.Sequential([nr.Input((args.steps, args.features)), nr.layers.LSTM(args.units),
                                    nr.layers.Dense(CLASSES, activation="softmax")], seed=0)
        self.model.compile(optimizer=nr.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
        self.x, self.y, self.batch = x, y, args.batch_size

    def epoch(self):
        self.model.fit(self.x, self.y, epochs=1, batch_size=self.batch, shuffle=True, verbose=0)

    def accuracy(self):
        return float(np.mean(np.argmax(self.model.predict(self.x, verbose=0), axis=1) == self.y))


class Torch:
    def __init__(self, args, x, y):
        import torch
        torch.set_num_threads(THREADS)
        torch.manual_seed(0)
        self.torch = torch
        self.lstm = torch.nn.LSTM(args.features, args.units, batch_first=True)
        self.head = torch.nn.Linear(args.units, CLASSES)
        self.optimizer = torch.optim.Adam(list(self.lstm.parameters()) + list(self.head.parameters()), lr=1e-3)
        self.x, self.y, self.batch = torch.from_numpy(x), torch.from_numpy(y), args.batch_size

    def forward(self, x):
        return self.head(self.lstm(x)[0][:, -1])

    def epoch(self):
        torch = self.torch
        order = torch.randperm(len(self.x))
        for start in range(0, len(self.x), self.batch):
            index = order[start:start + self.batch]
            self.optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(self.forward(self.x[index]), self.y[index])
            loss.backward()
            self.optimizer.step()

    def accuracy(self):
        with self.torch.no_grad():
            return float((self.forward(self.x).argmax(dim=1) == self.y).float().mean())


def gemm_seconds(shape_a, shape_b, repeats=30):
    rng = np.random.default_rng(1)
    a = rng.normal(size=shape_a).astype(np.float32)
    b = rng.normal(size=shape_b).astype(np.float32)
    a @ b
    start = time.process_time()           # CPU seconds: on a busy machine the wall clock counts others' turns
    for _ in range(repeats):
        a @ b
    return (time.process_time() - start) / repeats


def products_bound(args) -> dict:
    r"""The CPU seconds of an epoch's products alone, at NumPy's measured rate for each shape, on the
    BLAS threads the LSTM layer uses (measured in neurona's process): compare with the CPU times."""
    from neurona.layers.recurrent import _blas_threads
    n, T, d, u, B = args.samples, args.steps, args.features, args.units, args.batch_size
    batches = -(-n // B)
    with _blas_threads(B, u, 4 * u):
        projection = gemm_seconds((B * T, d), (d, 4 * u))    # x W of all steps at once
        recurrence = gemm_seconds((B, u), (u, 4 * u))        # h_{t-1} U of one step
    seconds = batches * 3 * (projection + T * recurrence)    # forward, and the two products of the backward
    flops = 2 * 3 * n * T * 4 * u * (d + u)
    return {"projection_ms": 1e3 * projection, "recurrence_us": 1e6 * recurrence,
            "projection_gflops": 2 * B * T * d * 4 * u / projection / 1e9,
            "recurrence_gflops": 2 * B * u * 4 * u / recurrence / 1e9,
            "epoch_flops": flops, "bound_seconds": seconds}


def worker(args):
    r"""One framework's process: builds its model, then answers each line of stdin ("epoch",
    "accuracy") with one JSON line."""
    x, y = make_data(args.samples, args.steps, args.features)
    framework = {"neurona": Neurona, "torch": Torch}[args.worker](args, x, y)
    framework.epoch()                                          # warm-up
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip() == "epoch":
            start, cpu = time.perf_counter(), time.process_time()
            framework.epoch()
            print(json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}), flush=True)
        elif line.strip() == "bound":
            print(json.dumps(products_bound(args)), flush=True)
        elif line.strip() == "accuracy":
            print(json.dumps({"accuracy": framework.accuracy()}), flush=True)


class Worker:
    def __init__(self, name, argv):
        self.process = subprocess.Popen([sys.executable, __file__, *argv, "--worker", name], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.read()
        self.stop()

    def read(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("a benchmark worker ended early (its error is above)")
        return json.loads(line)

    def ask(self, command):
        self.process.send_signal(signal.SIGCONT)
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer = self.read()
        self.stop()
        return answer

    def stop(self):
        self.process.send_signal(signal.SIGSTOP)

    def close(self):
        self.process.send_signal(signal.SIGCONT)
        self.process.stdin.close()
        self.process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="512 sequences, one round")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--worker", choices=["neurona", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.samples, args.repeats = 512, 1
    if args.worker:
        return worker(args)
    argv = [f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items()
            if k in ("samples", "steps", "features", "units", "batch_size", "threads")]
    frameworks = {name: Worker(name, argv) for name in ("neurona", "torch")}
    print(f"CPU: {cpu_name()}")
    print(f"BLAS: {blas_kernels()}")
    print(f"load average at start: {os.getloadavg()[0]:.1f}  threads: {THREADS}")
    print(f"LSTM({args.units}) -> Dense({CLASSES}) on {args.samples} x {args.steps} steps x {args.features} features, "
          f"batch {args.batch_size}")
    times = {name: [] for name in frameworks}
    cpu = {name: [] for name in frameworks}
    ratios = []
    for round_ in range(args.repeats):
        order = list(frameworks) if round_ % 2 == 0 else list(frameworks)[::-1]
        for name in order:
            answer = frameworks[name].ask("epoch")
            times[name].append(answer["seconds"])
            cpu[name].append(answer["cpu"])
        ratios.append(times["neurona"][-1] / times["torch"][-1])
        print(f"round {round_ + 1}: neurona {times['neurona'][-1]:.3f} s, torch {times['torch'][-1]:.3f} s, "
              f"ratio {ratios[-1]:.2f}   (CPU time: neurona {cpu['neurona'][-1]:.3f} s, torch {cpu['torch'][-1]:.3f} s)")
    ratio = statistics.median(ratios)
    bound = frameworks["neurona"].ask("bound")
    result = {"cpu": cpu_name(), "blas": blas_kernels(), "threads": THREADS, "config": vars(args),
              "neurona_epoch_s": statistics.median(times["neurona"]), "torch_epoch_s": statistics.median(times["torch"]),
              "ratio": ratio, "target": TARGET, "rounds": ratios,
              "neurona_cpu_s": statistics.median(cpu["neurona"]), "torch_cpu_s": statistics.median(cpu["torch"]),
              "accuracy": {name: f.ask("accuracy")["accuracy"] for name, f in frameworks.items()}, **bound,
              "load_average_end": os.getloadavg()[0]}
    print(f"epoch (median): neurona {result['neurona_epoch_s']:.3f} s, torch {result['torch_epoch_s']:.3f} s; "
          f"ratio {ratio:.2f} (target <= {TARGET}: {'met' if ratio <= TARGET else 'NOT met'}); CPU time (all threads) "
          f"neurona {result['neurona_cpu_s']:.3f} s, torch {result['torch_cpu_s']:.3f} s")
    print(f"training accuracy after {1 + args.repeats} epochs: neurona {result['accuracy']['neurona']:.3f}, "
          f"torch {result['accuracy']['torch']:.3f}")
    print(f"products alone (NumPy float32): projection (batch x steps, d) @ (d, 4u) {bound['projection_ms']:.2f} ms "
          f"({bound['projection_gflops']:.1f} GFLOP/s), one step's (batch, u) @ (u, 4u) {bound['recurrence_us']:.0f} us "
          f"({bound['recurrence_gflops']:.1f} GFLOP/s): an epoch's {bound['epoch_flops'] / 1e9:.1f} GFLOP take "
          f"{bound['bound_seconds']:.3f} CPU s, {100 * bound['bound_seconds'] / result['neurona_cpu_s']:.0f}% of "
          f"neurona's epoch's CPU time, {100 * bound['bound_seconds'] / result['torch_cpu_s']:.0f}% of torch's")
    print(f"load average at end: {result['load_average_end']:.1f}")
    for framework in frameworks.values():
        framework.close()
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()
