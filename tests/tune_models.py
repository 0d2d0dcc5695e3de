r"""Hypermodels shared by the tune tests (a module of their own, so that worker processes import them)."""
import functools
import os
import signal
import time

import numpy as np

import neurona as nr
from neurona import layers, optimizers, tune


@functools.lru_cache(maxsize=None)
def digits(n_train=600, n_val=300):
    x, y = nr.datasets.load_digits()
    x = (x / 16.0).astype("float32")
    return x[:n_train], y[:n_train], x[n_train:n_train + n_val], y[n_train:n_train + n_val]


def build_model(hp):
    model = nr.Sequential(input_dim=64, seed=0)
    model.add(layers.Dense(units=hp.Int("units", min_value=8, max_value=32, step=8), activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer=optimizers.Adam(learning_rate=hp.Float("learning_rate", 1e-3, 3e-2, sampling="log")),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def accuracy(model, x, y):
    return float(np.mean(np.argmax(model.predict(x), axis=1) == y))


class FailsOn(tune.HyperModel):
    r"""fit raises for the listed unit counts (all of them: every trial fails)."""

    def __init__(self, units=(8, 16, 24, 32)):
        super().__init__()
        self.units = units

    def build(self, hp):
        return build_model(hp)

    def fit(self, hp, model, *args, **kwargs):
        if hp["units"] in self.units:
            raise ValueError(f"boom at units={hp['units']}")
        return model.fit(*args, **kwargs)


class NaNFirst(tune.HyperModel):
    r"""The first ``times`` runs of each trial report a NaN score (a marker file per run in ``directory``)."""

    def __init__(self, directory, times=1):
        super().__init__()
        self.directory, self.times = directory, times

    def build(self, hp):
        return build_model(hp)

    def fit(self, hp, model, *args, **kwargs):
        key = f"{hp['units']}-{hp['learning_rate']:.6f}"
        runs = len([f for f in os.listdir(self.directory) if f.startswith(key)])
        open(os.path.join(self.directory, f"{key}.{runs}"), "w").close()
        history = model.fit(*args, **kwargs)
        if runs < self.times:
            return {"val_accuracy": float("nan")}
        return history


class KillsItsWorker(tune.HyperModel):
    r"""The first run of the trial with ``units == victim`` kills its own process with SIGKILL
    mid-fit; every run sleeps ``sleep`` seconds so that trials overlap on the workers."""

    def __init__(self, directory, victim=16, sleep=0.3):
        super().__init__()
        self.directory, self.victim, self.sleep = directory, victim, sleep

    def build(self, hp):
        return build_model(hp)

    def fit(self, hp, model, *args, **kwargs):
        with open(os.path.join(self.directory, "runs.log"), "a") as log:
            log.write(f"{hp['units']} {os.getpid()}\n")
        time.sleep(self.sleep)
        marker = os.path.join(self.directory, "killed")
        if hp["units"] == self.victim and not os.path.exists(marker):
            open(marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return model.fit(*args, **kwargs)
