r"""One page's experiment: its settings, its data and its neurona network, trained epoch by epoch.

Nothing here knows about the web: the server turns messages into calls of ``Experiment`` and its
results into messages, and ``export`` writes the same steps as a script. A step is one epoch:

    model.fit(x_train, y_train, epochs=1, batch_size=batchSize, initial_epoch=epoch, verbose=0)
    train loss = model.evaluate(x_train, y_train, return_dict=True)["loss"],  test loss = model.evaluate(x_test, y_test, return_dict=True)["loss"]

The network is ``neurona.mlp.build_mlp`` over the chosen input features; the output and loss are
TensorFlow Playground's (tanh output, targets -1 / +1, J = 1/(2N) sum (y_hat - y)^2) or, with
``loss=crossEntropy``, a sigmoid (two classes) or softmax output with cross-entropy.
"""
from __future__ import annotations

import base64
import math
import zlib

import numpy as np

from .. import datasets, layers, losses, optimizers, regularizers, schedules
from ..explain import explain as explain_pass
from ..mlp import build_mlp
from . import settings as settings_module
from .settings import FEATURES, SettingsError

GENERATORS = {"circle": datasets.make_circle, "xor": datasets.make_xor, "gauss": datasets.make_gauss,
              "spiral": datasets.make_spiral, "reg-plane": datasets.make_reg_plane,
              "reg-gauss": datasets.make_reg_gauss}
SAMPLES = {"classification": 500, "regression": 1200}     # TensorFlow Playground's NUM_SAMPLES_*
DOMAIN = 6.0                                              # the view is [-6, 6]^2
OUTPUT_GRID = 50                                          # points per side of the output heatmap
NEURON_STRIDE = 2                                         # every neuron's heatmap: every 2nd of them
MAX_EPOCHS = 100_000


def seed_number(text: str) -> int:
    r"""The integer seed of the page's seed string (TensorFlow Playground's seeds are strings)."""
    return zlib.crc32(text.encode("utf-8"))


def features(x: np.ndarray, keys) -> np.ndarray:
    r"""The columns of the chosen input features of the points x = (x1, x2), in ``FEATURES`` order."""
    namespace = {"np": np, "x": x}
    return np.stack([eval(FEATURES[key][1], namespace) for key in keys], axis=1)     # noqa: S307 (our table)


def grid(n: int) -> np.ndarray:
    r"""n x n points over [-6, 6]^2, row by row from the top (x2 = 6) down, as a heatmap is drawn."""
    ticks = np.linspace(-DOMAIN, DOMAIN, n)
    x1, x2 = np.meshgrid(ticks, ticks[::-1])
    return np.c_[x1.ravel(), x2.ravel()]


class Experiment:
    r"""The state of one page: settings, data (generated or the user's), network, epoch, history."""

    def __init__(self, values: dict | None = None, user_data=None):
        self.settings = settings_module.check_settings(values or {})
        self.user_data: tuple[np.ndarray, np.ndarray, str] | None = user_data    # (x, y, problem)
        self.initialisation = 0     # resets so far: each reset draws new initial weights
        self.focus = None           # the node shown large in the output heatmap
        self.make_data()
        self.reset()

    # -- settings ------------------------------------------------------------------------------
    @property
    def problem(self) -> str:
        return self.user_data[2] if self.uses_user_data else self.settings["problem"]

    @property
    def dataset(self) -> str:
        return self.settings["dataset" if self.settings["problem"] == "classification" else "regDataset"]

    @property
    def uses_user_data(self) -> bool:
        return self.dataset == "user"

    @property
    def feature_keys(self) -> list[str]:
        return [key for key in FEATURES if self.settings[key]]

    @property
    def n_classes(self) -> int:
        if self.problem == "regression":
            return 0
        if self.uses_user_data:
            return int(self.y_all.max()) + 1
        return self.settings["numClasses"] if self.dataset in settings_module.MULTICLASS_SETS else 2

    def configure(self, values: dict) -> str:
        r"""Apply new settings; returns what that did: "data" (new data and network), "reset" (new
        network), "live" (the running network changed) or "view" (nothing to compute)."""
        new = settings_module.check_settings(values, self.settings)
        changed = {key for key in new if new[key] != self.settings.get(key)}
        old, self.settings = self.settings, new
        try:
            if any(settings_module.SETTINGS[k].data for k in changed if k in settings_module.SETTINGS):
                self.make_data()
                self.reset()
                return "data"
            structural = {k for k in changed if k in settings_module.SETTINGS
                          and not settings_module.SETTINGS[k].view and not settings_module.SETTINGS[k].live}
            if "learningRate" in changed and new["schedule"] != "none":
                structural.add("learningRate")      # a schedule starts from it: begin again
            if structural:
                self.reset()
                return "reset"
            live = [k for k in changed if k in settings_module.SETTINGS and settings_module.SETTINGS[k].live]
            for key in sorted(live):
                self.apply_live(key, new[key])
            return "live" if live else "view"
        except Exception:
            self.settings = old
            raise

    def apply_live(self, key: str, value):
        r"""Change the running network as TensorFlow Playground does: learning rate, regularization
        rate and batch size take effect at the next epoch. Recorded so that the export replays it."""
        if key == "learningRate":
            self.model.optimizer.learning_rate = value
        elif key == "regularizationRate":
            for layer in self.dense_layers:
                if layer.kernel_regularizer is not None:
                    setattr(layer.kernel_regularizer, self.settings["regularization"].lower(), value)
        self.events.append((self.epoch, key, value))

    # -- data ------------------------------------------------------------------------------------
    def make_data(self):
        r"""Draw the data set (or take the user's), shuffled, and split it: the first
        percTrainData % train, the rest test (TensorFlow Playground's split)."""
        s = self.settings
        if self.uses_user_data:
            if self.user_data is None or self.user_data[2] != s["problem"]:
                raise SettingsError(f"There is no user data for {s['problem']} yet: upload a CSV file or draw "
                                    f"points first.")
            x, y, _ = self.user_data
            order = np.random.default_rng(seed_number(s["seed"])).permutation(len(y))
            x, y = x[order], y[order]
        else:
            x, y = self.generate(self.dataset, s["noise"], s["seed"], s["numClasses"])
        self.x_all, self.y_all = x, y
        n_train = max(1, min(len(y) - 1, math.floor(len(y) * s["percTrainData"] / 100)))
        self.x_train, self.x_test = x[:n_train], x[n_train:]
        self.y_train, self.y_test = y[:n_train], y[n_train:]

    @staticmethod
    def generate(name: str, noise: int, seed: str, n_classes: int = 2, n_samples: int | None = None):
        kind = "regression" if name in settings_module.REGRESSION_SETS else "classification"
        extra = {"n_classes": n_classes} if name in settings_module.MULTICLASS_SETS else {}
        return GENERATORS[name](n_samples or SAMPLES[kind], noise / 100, seed=seed_number(seed), **extra)

    def use_data(self, x: np.ndarray, y: np.ndarray, problem: str):
        r"""Train on the user's points from now on (checked by ``userdata``)."""
        self.user_data = (x, y, problem)
        self.settings["problem"] = problem
        self.settings["dataset" if problem == "classification" else "regDataset"] = "user"
        self.make_data()
        self.reset()

    def targets(self, y: np.ndarray) -> np.ndarray:
        r"""The labels as the output layer wants them: -1 / +1 for a tanh unit, one-hot rows for a
        softmax with squared error, the labels themselves otherwise."""
        if self.problem == "regression":
            return y.astype(np.float64)
        if self.n_classes == 2:
            return y.astype(np.float64) if self.cross_entropy else 2.0 * y - 1.0
        return y if self.cross_entropy else np.eye(self.n_classes)[y]

    @property
    def cross_entropy(self) -> bool:
        return self.problem == "classification" and self.settings["loss"] == "crossEntropy"

    # -- the network -------------------------------------------------------------------------------
    def network_spec(self) -> dict:
        r"""The keyword arguments of ``build_mlp`` and ``compile`` these settings ask for (as
        plain values: the export writes them into its script)."""
        s = self.settings
        shape = list(s["networkShape"])
        acts = [(s["layerActivations"][i] if i < len(s["layerActivations"]) and s["layerActivations"][i]
                 else s["activation"]) for i in range(len(shape))]
        acts = ["identity" if a == "linear" else a for a in acts]
        rates = [(s["dropout"][i] / 100 if i < len(s["dropout"]) else 0.0) for i in range(len(shape))]
        if self.problem == "regression":
            units, output, loss = 1, None, {"name": "mse", "half": True}
        elif self.n_classes == 2:
            units, output = 1, ("sigmoid" if self.cross_entropy else "tanh")
            loss = "binary_crossentropy" if self.cross_entropy else {"name": "mse", "half": True}
        else:
            units, output = self.n_classes, "softmax"
            loss = "sparse_categorical_crossentropy" if self.cross_entropy else {"name": "mse", "half": True}
        rate = s["learningRate"]
        schedule = {"none": None,
                    "step": {"name": "step_decay", "initial_learning_rate": rate, "drop": 0.5, "step_size": 1000},
                    "exponential": {"name": "exponential_decay", "initial_learning_rate": rate,
                                    "decay_rate": 0.96, "decay_steps": 100},
                    "cosine": {"name": "cosine_annealing", "initial_learning_rate": rate, "decay_steps": 10000},
                    }[s["schedule"]]
        learning_rate = schedule if schedule else rate
        optimizer = {"sgd": {"name": "sgd", "learning_rate": learning_rate},
                     "momentum": {"name": "sgd", "learning_rate": learning_rate, "momentum": 0.9},
                     "rmsprop": {"name": "rmsprop", "learning_rate": learning_rate},
                     "adam": {"name": "adam", "learning_rate": learning_rate}}[s["optimizer"]]
        regularizer = None if s["regularization"] == "none" else {
            "name": s["regularization"].lower(), s["regularization"].lower(): s["regularizationRate"]}
        return {"n_inputs": len(self.feature_keys), "hidden": shape, "n_outputs": units, "activation": acts,
                "output_activation": output, "dropout": rates, "kernel_regularizer": regularizer,
                "kernel_initializer": "zeros" if s["initZero"] else None,
                "seed": seed_number(f"{s['seed']}/{self.initialisation}"), "optimizer": optimizer, "loss": loss}

    def reset(self):
        r"""A new network with new initial weights (epoch 0); the data stay."""
        self.initialisation += 1
        self.spec = self.network_spec()         # what the network was built with (the export's)
        self.start_settings = dict(self.settings)
        spec = dict(self.spec)
        optimizer, loss = spec.pop("optimizer"), spec.pop("loss")
        spec["kernel_regularizer"] = regularizers.get(spec["kernel_regularizer"])
        if isinstance(optimizer["learning_rate"], dict):
            optimizer = dict(optimizer, learning_rate=schedules.get(optimizer["learning_rate"]))
        self.model = build_mlp(**spec)
        self.model.compile(optimizer=optimizers.get(optimizer), loss=losses.get(loss))
        self.dense_layers = [layer for layer in self.model.layers if isinstance(layer, layers.Dense)]
        self.inputs_train = features(self.x_train, self.feature_keys)
        self.inputs_test = features(self.x_test, self.feature_keys)
        self.targets_train, self.targets_test = self.targets(self.y_train), self.targets(self.y_test)
        self.epoch = 0
        self.events: list[tuple] = []       # live changes and weight edits, (epoch, key, value)
        self.history = {"loss": [], "val_loss": []}
        self.losses = self.evaluate()
        self.focus = None

    # -- training ----------------------------------------------------------------------------------
    def step(self) -> dict:
        r"""One epoch of mini-batch training; returns the new losses. A diverged network (NaN or
        infinite loss) raises ``FloatingPointError`` and keeps its epoch."""
        if self.epoch >= MAX_EPOCHS:
            raise SettingsError(f"The network has trained {MAX_EPOCHS} epochs, the playground's limit: reset it.")
        self.model.fit(self.inputs_train, self.targets_train, epochs=1, batch_size=self.settings["batchSize"],
                       initial_epoch=self.epoch, verbose=0)
        self.epoch += 1
        self.losses = self.evaluate()
        self.history["loss"].append(self.losses["train"])
        self.history["val_loss"].append(self.losses["test"])
        if not (math.isfinite(self.losses["train"]) and math.isfinite(self.losses["test"])):
            raise FloatingPointError(
                f"The loss became {self.losses['train']} at epoch {self.epoch}: the network diverged. Lower the "
                f"learning rate (now {self.settings['learningRate']}) or the regularization rate, then reset.")
        return self.losses

    def _loss(self, inputs, targets) -> float:
        return self.model.evaluate(inputs, targets, verbose=0, return_dict=True)["loss"]

    def evaluate(self) -> dict:
        with np.errstate(all="ignore"):
            train = self._loss(self.inputs_train, self.targets_train)
            test = self._loss(self.inputs_test, self.targets_test) if len(self.y_test) else math.nan
        return {"train": float(train), "test": float(test)}

    def classes_of(self, outputs: np.ndarray) -> np.ndarray:
        if self.n_classes > 2:
            return outputs.argmax(axis=1)
        return (outputs[:, 0] > (0.5 if self.cross_entropy else 0.0)).astype(np.int64)

    def scores(self) -> dict | None:
        r"""Accuracy on both sets and the test set's confusion matrix C[true, predicted]."""
        if self.problem == "regression":
            return None
        k = self.n_classes
        result = {}
        for name, inputs, y in (("train", self.inputs_train, self.y_train), ("test", self.inputs_test, self.y_test)):
            predicted = self.classes_of(self.model.predict(inputs)) if len(y) else np.zeros(0, np.int64)
            result[name] = float(np.mean(predicted == y)) if len(y) else math.nan
            if name == "test":
                result["confusion"] = np.bincount(y * k + predicted, minlength=k * k).reshape(k, k).tolist()
        return result

    # -- what the page draws -----------------------------------------------------------------------
    def node_outputs(self, points: np.ndarray) -> list[np.ndarray]:
        r"""Every Dense layer's output a^[l] at the points (dropout off), from the layers' forward."""
        a, outputs = features(points, self.feature_keys).astype(self.model.dtype), []
        with np.errstate(all="ignore"):
            for layer in self.model.layers:
                a = layer.forward(a, training=False)
                if isinstance(layer, layers.Dense):
                    outputs.append(a)
        return outputs

    def output_map(self, outputs: np.ndarray) -> dict:
        r"""The output layer as the heatmap shows it: a value in [-1, 1] (the tanh output, 2p - 1 of a
        sigmoid, the regression value), or a class and its probability for a softmax."""
        if self.n_classes > 2:
            return {"classes": outputs.argmax(axis=1), "confidence": outputs.max(axis=1)}
        value = outputs[:, 0]
        return {"value": 2 * value - 1 if self.cross_entropy else value}

    def heatmaps(self) -> dict:
        r"""What the page draws of the network, each map a row-major grid over [-6, 6]^2 coded as
        base64 bytes (a value v in [-1, 1] as round(127.5 (v + 1)), a probability p as round(255 p)):
        "output" (OUTPUT_GRID^2: the focused node, else the output layer) and "nodes" (one map per
        neuron of every Dense layer, every NEURON_STRIDE-th point per side)."""
        points = grid(OUTPUT_GRID)
        outputs = self.node_outputs(points)
        side = len(range(0, OUTPUT_GRID, NEURON_STRIDE))

        def small(values):
            return values.reshape(OUTPUT_GRID, OUTPUT_GRID)[::NEURON_STRIDE, ::NEURON_STRIDE]

        if isinstance(self.focus, str):
            output = {"value": features(points, [self.focus])[:, 0]}
        elif self.focus is not None:
            output = {"value": outputs[self.focus[0]][:, self.focus[1]]}
        else:
            output = self.output_map(outputs[-1])
        return {"grid": OUTPUT_GRID, "nodeGrid": side, "output": code_map(output),
                "nodes": [[code_value(small(a[:, u])) for u in range(a.shape[1])] for a in outputs]}

    def boundary(self, side: int) -> dict:
        r"""The output layer's heatmap alone on a side x side grid (the sweep's small maps)."""
        return code_map(self.output_map(self.node_outputs(grid(side))[-1]))

    def feature_maps(self) -> dict:
        points = grid(OUTPUT_GRID)
        values = features(points, self.feature_keys)
        return {key: code_value(values[:, i].reshape(OUTPUT_GRID, OUTPUT_GRID)[::NEURON_STRIDE, ::NEURON_STRIDE])
                for i, key in enumerate(self.feature_keys)}

    def parameters(self) -> list[dict]:
        return [{"kernel": layer.kernel.tolist(), "bias": layer.bias.tolist()} for layer in self.dense_layers]

    def set_parameter(self, layer: int, unit: int, source: int | None, value: float):
        r"""Set one weight (``source`` is the index of its input) or, with ``source=None``, one
        bias of Dense layer ``layer`` (the user clicked and edited it)."""
        if not (isinstance(layer, int) and 0 <= layer < len(self.dense_layers)):
            raise SettingsError(f"'layer' must be an integer in [0, {len(self.dense_layers) - 1}]. Got {layer!r}.")
        dense = self.dense_layers[layer]
        if not (isinstance(unit, int) and 0 <= unit < dense.units):
            raise SettingsError(f"'unit' must be an integer in [0, {dense.units - 1}]. Got {unit!r}.")
        if source is not None and not (isinstance(source, int) and 0 <= source < dense.input_dim):
            raise SettingsError(f"'source' must be null (the bias) or an integer in [0, {dense.input_dim - 1}]. "
                                f"Got {source!r}.")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not abs(value) <= 1e3:
            raise SettingsError(f"'value' must be a number in [-1000, 1000]. Got {value!r}.")
        if source is None:
            dense.bias[unit] = value
        else:
            dense.kernel[source, unit] = value
        self.events.append((self.epoch, "parameter", (layer, unit, source, float(dense.bias[unit] if source is None
                                                                                   else dense.kernel[source, unit]))))
        self.losses = self.evaluate()

    def explain(self, layer: int, unit: int, sample: int) -> dict:
        r"""For training sample ``sample``: the neuron's z = sum_i w_i a_i + b, a = f(z), and from the
        backward pass delta = dL/dz and dL/dw_i = a_i delta (this one sample's loss)."""
        if not (isinstance(layer, int) and 0 <= layer < len(self.dense_layers)):
            raise SettingsError(f"'layer' must be an integer in [0, {len(self.dense_layers) - 1}]. Got {layer!r}.")
        dense = self.dense_layers[layer]
        if not (isinstance(unit, int) and 0 <= unit < dense.units):
            raise SettingsError(f"'unit' must be an integer in [0, {dense.units - 1}]. Got {unit!r}.")
        if not (isinstance(sample, int) and 0 <= sample < len(self.y_train)):
            raise SettingsError(f"'sample' must be an integer in [0, {len(self.y_train) - 1}]. Got {sample!r}.")
        result = explain_pass(self.model, self.inputs_train[sample:sample + 1],
                              self.targets_train[sample:sample + 1], print_fn=None)
        record = [r for r in result["layers"] if r["layer"] is dense][0]
        name = dense.activation.registry_name
        return {"layer": layer, "unit": unit, "sample": sample, "activation": name,
                "x": self.x_train[sample].tolist(), "target": self.targets_train[sample].tolist(),
                "a_prev": record["a_prev"][0].tolist(), "w": dense.kernel[:, unit].tolist(),
                "b": float(dense.bias[unit]), "z": float(record["z"][0, unit]), "a": float(record["a"][0, unit]),
                "delta": float(record["dL/dz"][0, unit]), "dL/dw": record["dL/dW"][:, unit].tolist(),
                "dL/db": float(record["dL/db"][unit]), "loss": float(result["loss"])}


def code_map(output: dict) -> dict:
    return {key: (code_classes(v) if key == "classes" else code_probability(v) if key == "confidence"
                  else code_value(v)) for key, v in output.items()}


def code_value(values: np.ndarray) -> str:
    with np.errstate(invalid="ignore"):
        clipped = np.clip(np.nan_to_num(np.asarray(values, np.float64), nan=0.0), -1, 1)
    return base64.b64encode(np.rint(127.5 * (clipped + 1)).astype(np.uint8).tobytes()).decode("ascii")


def code_probability(values: np.ndarray) -> str:
    clipped = np.clip(np.nan_to_num(np.asarray(values, np.float64), nan=0.0), 0, 1)
    return base64.b64encode(np.rint(255 * clipped).astype(np.uint8).tobytes()).decode("ascii")


def code_classes(values: np.ndarray) -> str:
    return base64.b64encode(np.asarray(values, np.uint8).tobytes()).decode("ascii")
