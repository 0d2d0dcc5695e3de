"""Peak memory of `neurona predict` over CSV files of growing length: the file is read and predicted
a bounded number of rows at a time, so the peak stays flat. Beside it, the peak of reading the
largest file whole (what predict did before), for scale.

    python benchmarks/predict_memory.py [--mb 300]

Each figure is the peak resident memory (ru_maxrss) of its own process.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

FEATURES = [f"x{j}" for j in range(20)]


def write_csv(path, rows, seed=0):
    r"""``rows`` samples of the 20 features and a class label, written a block at a time."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as file:
        file.write(",".join(FEATURES) + ",label\n")
        for start in range(0, rows, 100_000):
            x = rng.normal(size=(min(100_000, rows - start), len(FEATURES)))
            label = (x[:, 0] + x[:, 1] > 0).astype(int)
            np.savetxt(file, np.column_stack([x, label]), fmt=["%.6f"] * len(FEATURES) + ["%d"], delimiter=",")


def peak(command) -> tuple[float, float]:
    r"""(peak resident MB, seconds) of running ``command`` in a process of its own."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{command} failed: {process.stderr.read().decode()}")
    return usage.ru_maxrss / 1024, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=300, help="size of the largest CSV file")
    args = parser.parse_args()
    rows_per_mb = 2 ** 20 / 190                     # about 190 bytes a row
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        write_csv("train.csv", 2_000)
        subprocess.run([sys.executable, "-m", "neurona", "train", "--csv", "train.csv", "--layers", "16",
                        "--epochs", "2", "--verbose", "0"], check=True, stdout=subprocess.DEVNULL)
        print(f"{'file':>10} {'rows':>11} {'peak RSS':>10} {'time':>8}")
        for mb in (args.mb / 16, args.mb / 4, args.mb):
            rows = int(mb * rows_per_mb)
            write_csv("in.csv", rows, seed=1)
            size = os.path.getsize("in.csv") / 2 ** 20
            rss, seconds = peak([sys.executable, "-m", "neurona", "predict", "model.safetensors", "in.csv",
                                 "-o", "out.csv"])
            print(f"{size:7.0f} MB {rows:>11,} {rss:7.0f} MB {seconds:7.1f} s   neurona predict")
        whole = ("from neurona.cli.csvfile import read_csv; "
                 f"read_csv('in.csv', features={FEATURES!r}, require_target=False)")
        rss, seconds = peak([sys.executable, "-c", whole])
        print(f"{size:7.0f} MB {rows:>11,} {rss:7.0f} MB {seconds:7.1f} s   read_csv of the whole file (before)")


if __name__ == "__main__":
    main()
