"""A training process killed with SIGKILL, started again, ends with the weights of a run that was
never interrupted; a kill while a checkpoint is being written never leaves a broken file."""
import os
import pathlib
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import neurona as nr

SRC = str(pathlib.Path(__file__).resolve().parents[1] / "src")

CHILD = r"""
import sys, time
import numpy as np
import neurona as nr

checkpoint, out, mode, n, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
rng = np.random.default_rng(0)
x = rng.normal(size=(n, 12))
y = (x[:, :3].sum(axis=1) > 0).astype(int)
model = nr.Sequential([nr.layers.Dense(32, activation="relu"), nr.layers.Dropout(0.3),
                       nr.layers.Dense(2, activation="softmax")], input_dim=12, seed=7)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])


class Pause(nr.callbacks.Callback):
    # stands still in the middle of epoch 3 (after 10 updates of it) until the parent kills us
    def on_train_batch_begin(self, batch, logs=None):
        if self.model._epoch == 2 and batch == 10:
            print("paused", flush=True)
            time.sleep(60)


print("ready", flush=True)
model.fit(x, y, epochs=epochs, batch_size=16, validation_split=0.1, verbose=0,
          resume_from=None if mode == "plain" else checkpoint,
          callbacks=[Pause()] if mode == "pause" else None)
np.savez(out, *model.get_weights())
"""


@pytest.fixture
def child(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def start(mode, checkpoint, out, n=400, epochs=5):
        return subprocess.Popen([sys.executable, str(script), str(checkpoint), str(out), mode, str(n), str(epochs)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return start


def finish(process):
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err


def weights(path):
    with np.load(path) as data:
        return [data[k] for k in sorted(data.files, key=lambda k: int(k.split("_")[1]))]


def test_sigkill_mid_epoch_then_resume_matches_the_uninterrupted_run(tmp_path, child):
    finish(child("plain", tmp_path / "unused.safetensors", tmp_path / "plain.npz"))
    checkpoint = tmp_path / "backup.safetensors"
    process = child("pause", checkpoint, tmp_path / "killed.npz")
    assert process.stdout.readline() == "ready\n"
    assert process.stdout.readline() == "paused\n"      # 2 epochs done, 10 steps into the third
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL and not (tmp_path / "killed.npz").exists()
    assert nr.load_model(checkpoint).epoch == 2
    finish(child("resume", checkpoint, tmp_path / "resumed.npz"))
    plain, resumed = weights(tmp_path / "plain.npz"), weights(tmp_path / "resumed.npz")
    assert all(np.array_equal(a, b) for a, b in zip(plain, resumed))


def test_kills_at_random_moments_never_break_the_checkpoint(tmp_path, child):
    # small epochs: the process spends much of its time writing checkpoints
    n, epochs = 64, 150
    finish(child("plain", tmp_path / "unused.safetensors", tmp_path / "plain.npz", n, epochs))
    checkpoint = tmp_path / "backup.safetensors"
    chooser = random.Random(1)
    seen_epochs = []
    for _ in range(8):
        process = child("resume", checkpoint, tmp_path / "resumed.npz", n, epochs)
        assert process.stdout.readline() == "ready\n"
        time.sleep(chooser.uniform(0.0, 0.15))
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        if checkpoint.exists():
            seen_epochs.append(nr.load_model(checkpoint).epoch)    # whole, whatever the moment
    assert seen_epochs and seen_epochs == sorted(seen_epochs) and 0 < seen_epochs[-1] < epochs, seen_epochs
    finish(child("resume", checkpoint, tmp_path / "resumed.npz", n, epochs))
    plain, resumed = weights(tmp_path / "plain.npz"), weights(tmp_path / "resumed.npz")
    assert all(np.array_equal(a, b) for a, b in zip(plain, resumed))
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]     # leftovers removed
