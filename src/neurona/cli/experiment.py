r"""Experiment settings: what ``neurona train`` does, from defaults, a TOML file and flags.

A TOML experiment file has one table per stage; every key is also a flag of ``neurona train``
(``learning_rate`` <-> ``--learning-rate``), and a flag overrides the file:

    [data]      dataset = "digits"   or   csv = "prices.csv" and target = "price"
                task = "auto" | "classification" | "regression",  test_size = 0.2,  scale = true,
                data_path = "dir with the IDX files"   (mnist, fashion_mnist)
    [model]     model = "mlp" | "convnet",  layers = [64, 32],  activation = "relu",  dropout = 0.0,
                filters = [32, 64],  kernel_size = 3      (the convnet's blocks; see ``neurona.convnet``)
    [compile]   optimizer = "adam",  learning_rate = 0.001
    [fit]       epochs = 30,  batch_size = 32,  validation_split = 0.1,  seed = 0,  verbose = 2
    [output]    out = "model.safetensors",  checkpoint = "...",  resume = false,  plots = "dir"

Paths in the file (csv, data_path) are relative to the file; paths given as flags or outputs are
relative to the working directory.
"""
from __future__ import annotations

import difflib
import os
import sys
import warnings

from ..validation import check_number

if sys.version_info >= (3, 11):
    import tomllib
else:                                   # pragma: no cover - Python 3.10
    import tomli as tomllib


class SettingsError(ValueError):
    r"""A setting that does not exist, has the wrong type or conflicts with another."""


#: section -> key -> (type, default)
SCHEMA: dict[str, dict[str, tuple[type, object]]] = {
    "data": {"dataset": (str, "digits"), "csv": (str, None), "target": (str, None), "data_path": (str, None),
             "drop": (tuple, []), "fill": (str, None),
             "task": (str, "auto"), "test_size": (float, 0.2), "scale": (bool, None)},
    "model": {"model": (str, "mlp"), "layers": (list, [64, 32]), "activation": (str, "relu"), "dropout": (float, 0.0),
              "filters": (list, [32, 64]), "kernel_size": (int, 3)},
    "compile": {"optimizer": (str, "adam"), "learning_rate": (float, 1e-3)},
    "fit": {"epochs": (int, 30), "batch_size": (int, 32), "validation_split": (float, 0.1), "seed": (int, 0),
            "verbose": (int, 2)},
    "output": {"out": (str, "model.safetensors"), "checkpoint": (str, None), "resume": (bool, False),
               "plots": (str, None)},
}
SECTION_OF = {key: section for section, keys in SCHEMA.items() for key in keys}
TASKS = ("auto", "classification", "regression")
MODELS = ("mlp", "convnet")
FILLS = ("mean", "median", "zero")

#: what each setting takes, for ``neurona train --help`` (the default and the TOML key are added)
HELP = {
    "dataset": "a known dataset: bundled, generated or IDX (`neurona datasets` lists them)",
    "csv": "a CSV file with a header row: numeric feature columns and one target column",
    "target": "the target column of --csv",
    "data_path": "directory holding the four IDX .gz files of mnist / fashion_mnist",
    "drop": "comma-separated columns of --csv to leave out (an id column, ...)",
    "fill": "fill empty feature cells of --csv with the column's mean, median or zero",
    "task": "what to learn; auto: text or at most 20 distinct integers are classes, other numbers a value",
    "test_size": "fraction of the samples held out for the final test (0: test on the training samples)",
    "scale": "standardise the features, and a regression target, with the training part's mean and std",
    "model": "mlp: Dense layers (--layers); convnet: keras.io's MNIST convnet on square images (--filters)",
    "layers": "comma-separated sizes of the hidden layers, e.g. 64,32; 'none' for a linear or logistic model",
    "activation": "activation of the hidden layers",
    "dropout": "dropout rate after each hidden layer (the convnet: before its output layer), in [0, 1)",
    "filters": "comma-separated filters of the convnet's Conv2D + MaxPooling2D blocks, e.g. 32,64",
    "kernel_size": "the side of the convnet's convolution kernels, >= 1",
    "optimizer": "the gradient-descent optimizer",
    "learning_rate": "the optimizer's step size alpha, > 0",
    "epochs": "passes over the training data, >= 1",
    "batch_size": "samples per gradient step, >= 1",
    "validation_split": "fraction of the training part used to validate after each epoch, in [0, 1)",
    "seed": "seeds the split, the weights, the shuffling and the generated datasets (integer >= 0)",
    "verbose": "0 silent, 1 progress bar, 2 one line per epoch",
    "out": "the model file to write",
    "checkpoint": "where the whole training state goes at each epoch end",
    "resume": "continue from the checkpoint if there is one",
    "plots": "directory for learning_curves.png and confusion_matrix.png (needs matplotlib)",
}

#: defaults that depend on other settings, in words
DEFAULT_TEXT = {"target": "the last column", "fill": "none (an empty cell is an error)",
                "scale": "on, off for mnist and fashion_mnist (pixels already in [0, 1])",
                "checkpoint": "OUT with .ckpt.safetensors", "dropout": "0 (none); 0.5 for the convnet", "drop": "none",
                "epochs": "30 (100 for the 2-D sets circle, xor, gauss, spiral)",
                "learning_rate": "0.001 (0.02 for the 2-D sets circle, xor, gauss, spiral)"}


#: the keys whose values are one of a list, that list
def choices() -> dict[str, tuple[str, ...]]:
    from .. import activations, optimizers
    return {"task": TASKS, "fill": FILLS, "model": MODELS, "activation": tuple(activations.registry.names()),
            "optimizer": tuple(optimizers.registry.names())}

_PATHS_IN_FILE = ("csv", "data_path")


def flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def defaults() -> dict:
    return {key: (list(default) if isinstance(default, list) else default)
            for keys in SCHEMA.values() for key, (_, default) in keys.items()}


def read_toml(path) -> dict:
    r"""The settings of a TOML experiment file as a flat {key: value}, checked against SCHEMA."""
    return settings_from(load_document(path), path)


def load_document(path) -> dict:
    r"""The tables of a TOML file, unchecked (``neurona tune`` takes its [search] table out first)."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML ({error}).") from None
    except OSError as error:
        raise SettingsError(f"cannot read {path}: {error.strerror}.") from None


def settings_from(document: dict, path) -> dict:
    r"""The tables of an experiment file checked against SCHEMA, as a flat {key: value}."""
    path = os.fspath(path)
    settings = {}
    for section, table in document.items():
        if section not in SCHEMA:
            raise SettingsError(f"{path}: {_unknown(section, None)}")
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: [{section}] must be a table of settings; got {table!r}.")
        for key, value in table.items():
            if key not in SCHEMA[section]:
                raise SettingsError(f"{path}: {_unknown(key, section)}")
            settings[key] = _typed(key, value, f"[{section}] {key}", path)
    base = os.path.dirname(os.path.abspath(path))
    for key in _PATHS_IN_FILE:
        if settings.get(key) is not None:
            settings[key] = os.path.join(base, os.path.expanduser(settings[key]))
    return settings


def _unknown(name, section) -> str:
    r"""'unknown key ...; did you mean ...?' with the closest key of any section."""
    if section is None:
        close = difflib.get_close_matches(name, SCHEMA, n=1)
        if close:
            return f"unknown section [{name}]; did you mean [{close[0]}]? Sections: {', '.join(SCHEMA)}."
        if name in SECTION_OF:
            return f"unknown section [{name}]; did you mean the key {name!r} of [{SECTION_OF[name]}]?"
        return f"unknown section [{name}]; sections: {', '.join(SCHEMA)}."
    if name in SECTION_OF:
        return f"unknown key {name!r} in [{section}]; it belongs in [{SECTION_OF[name]}]."
    close = difflib.get_close_matches(name, SCHEMA[section], n=1) or difflib.get_close_matches(name, SECTION_OF, n=1)
    hint = f"; did you mean [{SECTION_OF[close[0]]}] {close[0]!r}?" if close else ""
    return f"unknown key {name!r} in [{section}]{hint} Keys of [{section}]: {', '.join(SCHEMA[section])}."


def _typed(key, value, where, path=None):
    kind = SCHEMA[SECTION_OF[key]][key][0]
    prefix = f"{path}: " if path else ""
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is list:
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise SettingsError(f"{prefix}{where} must be a list of integers such as [64, 32]; got {value!r}.")
    elif kind is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{prefix}{where} must be a list of column names such as [\"id\"]; got {value!r}.")
    elif not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SettingsError(f"{prefix}{where} must be {kind.__name__}; got {value!r} ({type(value).__name__}).")
    return value


def merge(file_settings: dict, flags: dict) -> dict:
    r"""defaults < file < flags (a flag left out is None), with the conflicts between them checked."""
    flags = {k: v for k, v in flags.items() if v is not None}
    if isinstance(flags.get("drop"), str):
        flags["drop"] = [name.strip() for name in flags["drop"].split(",") if name.strip()]
    for level, given in (("flags", flags), ("the experiment file", file_settings)):
        if given.get("dataset") is not None and given.get("csv") is not None:
            names = f"{flag('dataset')} and {flag('csv')}" if level == "flags" else "dataset and csv"
            raise SettingsError(f"conflicting settings in {level}: {names}; give one data source.")
    settings = defaults()
    file_settings = dict(file_settings)
    if "dataset" in flags:                  # a data source flag replaces the file's data source
        file_settings.pop("csv", None), file_settings.pop("target", None)
    if "csv" in flags:
        file_settings.pop("dataset", None)
    settings.update(file_settings)
    settings.update(flags)
    if settings["csv"] is not None:
        settings["dataset"] = None
    implied = {**dataset_defaults(settings["dataset"]), **MODEL_DEFAULTS.get(settings["model"], {})}
    for key, value in implied.items():
        if key not in file_settings and key not in flags:
            settings[key] = value
    check(settings)
    return settings


#: the settings a model needs beyond the general defaults: keras.io's convnet drops half before its output
MODEL_DEFAULTS = {"convnet": {"dropout": 0.5}}


def dataset_defaults(dataset) -> dict:
    r"""The settings a generated dataset needs beyond the general defaults (they still yield to
    the file and the flags)."""
    from .sources import GENERATED
    recipe = GENERATED.get(dataset)
    return dict(recipe.defaults) if recipe is not None else {}


def check(settings: dict) -> None:
    r"""Ranges and the combinations that cannot work; errors name the flag and the TOML key."""
    if settings["target"] is not None and settings["csv"] is None:
        raise SettingsError(f"conflicting settings: {flag('target')} names a column of {flag('csv')} FILE, "
                            f"but no CSV file is given.")
    for key, allowed in (("task", TASKS), ("fill", FILLS), ("model", MODELS)):    # names of registries: build_model's lookup
        if settings[key] is not None and settings[key] not in allowed:
            raise SettingsError(f"{_names(key)} must be one of {', '.join(allowed)}; got {settings[key]!r}.")
    if (settings["drop"] or settings["fill"]) and settings["csv"] is None:
        raise SettingsError(f"conflicting settings: {flag('drop')} and {flag('fill')} apply to {flag('csv')} FILE, "
                            f"but no CSV file is given.")
    ranges = {"test_size": (0, 1, False), "dropout": (0, 1, False), "validation_split": (0, 1, False),
              "learning_rate": (0, None, True), "epochs": (1, None, False), "batch_size": (1, None, False),
              "seed": (0, None, False), "kernel_size": (1, None, False)}
    for key, (low, high, low_open) in ranges.items():
        try:
            check_number(_names(key), key, settings[key], low, high, low_open=low_open, high_open=high is not None,
                         integer=SCHEMA[SECTION_OF[key]][key][0] is int)
        except (TypeError, ValueError) as error:
            raise SettingsError(str(error).replace(f"The {key!r} argument of ", "")) from None
    if settings["verbose"] not in (0, 1, 2):
        raise SettingsError(f"{_names('verbose')} must be 0 (silent), 1 (progress bar) or 2 (a line per epoch); "
                            f"got {settings['verbose']!r}.")
    for key in ("layers", "filters"):
        if any(size < 1 for size in settings[key]):
            raise SettingsError(f"{_names(key)} sizes must be >= 1; got {settings[key]}.")


def check_validation_split(fraction: float, n_train: int) -> None:
    r"""The validation part of ``n_train`` samples must leave samples on both sides."""
    n_val = int(round(n_train * fraction))
    if fraction and not 0 < n_val < n_train:
        raise SettingsError(f"{_names('validation_split')} = {fraction} of {n_train} training samples leaves "
                            f"{'no validation' if n_val == 0 else 'no training'} samples; use 0 (no validation) "
                            f"or a larger fraction.")


def _names(key) -> str:
    return f"{flag(key)} ([{SECTION_OF[key]}] {key})"


def parse_layers(text: str, key: str = "layers") -> list[int]:
    r"""'64,32' -> [64, 32]; '' or 'none' -> [] (no hidden layer: a linear or logistic model; no
    convolution block). ``key``: the flag it came from, for the error."""
    if text.strip().lower() in ("", "none"):
        return []
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise SettingsError(f"{flag(key)} takes comma-separated integers such as 64,32 "
                            f"(or 'none'); got {text!r}.") from None


# -- from settings to a trained model -------------------------------------------------------------
def scale_wanted(settings) -> bool:
    r"""--scale as given, else on for every dataset but the IDX image sets (pixels in [0, 1])."""
    if settings["scale"] is not None:
        return settings["scale"]
    return settings["dataset"] not in ("mnist", "fashion_mnist")


def prepare(x_train, x_test, scale: bool):
    r"""Standardise with the mean and standard deviation of the training part only."""
    if not scale:
        return x_train, x_test, None
    from ..data import StandardScaler
    scaler = StandardScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_test), scaler


class TargetScaling:
    r"""A regression target standardised for training, as scikit-learn's TransformedTargetRegressor
    with a StandardScaler:  t = (y - mu) / sigma  (the training part's mean and std). Gradient
    descent then starts from the same footing whatever the target's units (prices of 10..35 have a
    squared error of 600 at the start; t has about 1). After training, the output unit
    t_hat = x W + b is folded back into the target's units,

        y_hat = mu + sigma t_hat = x (sigma W) + (sigma b + mu),

    so the saved model predicts prices, and the history is rescaled with it (a squared error by
    sigma^2, an absolute one by sigma)."""

    #: the power of sigma that takes each logged value to the target's units
    POWERS = {"loss": 2, "mse": 2, "mae": 1, "rmse": 1}

    def __init__(self, y_train):
        import numpy as np

        self.mean = float(np.mean(y_train))
        std = float(np.std(y_train))
        self.std = std if std > 0 else 1.0          # a constant target: only shifted

    def transform(self, y):
        return ((y - self.mean) / self.std).astype(y.dtype if y.dtype.kind == "f" else "float64")

    def fold_into(self, model) -> None:
        r"""The output layer predicts y instead of t; the history speaks of y."""
        output = model.layers[-1]
        output.kernel *= self.std                   # in place: the layer's weights are views of the model's
        output.bias *= self.std
        output.bias += self.mean
        history = model.history.history if model.history is not None else {}
        for key, values in history.items():
            power = self.POWERS.get(key.removeprefix("val_"))
            if power:
                history[key] = [value * self.std ** power for value in values]


def scale_target(settings, source) -> bool:
    r"""A regression target is standardised when the features are (``--scale``)."""
    return source.task == "regression" and scale_wanted(settings)


def barely_moved(history, settings) -> str | None:
    r"""A warning when the training loss of the last epoch is within 10% of the first epoch's:
    the run learned next to nothing (too small a learning rate, too few steps), which a
    successful exit code would otherwise hide."""
    losses = [v for v in (history.history.get("loss", []) if history is not None else []) if v == v]
    if len(losses) < 2 or not losses[0] > 0 or losses[-1] < 0.9 * losses[0]:
        return None
    scale = "" if scale_wanted(settings) else f", or {flag('scale')}"
    return (f"the training loss barely moved ({losses[0]:.4g} -> {losses[-1]:.4g} in {len(losses)} epochs): the "
            f"model has learned little. Try a larger {flag('learning_rate')} (now {settings['learning_rate']:g}) "
            f"or more {flag('epochs')}{scale}.")


def build_model(settings: dict, source, n_features: int):
    r"""The MLP of ``neurona.mlp.build_mlp``: hidden Dense layers (He initialisation for the ReLU
    family, Glorot otherwise), optional dropout after each, or (``model = "convnet"``) the network
    of ``neurona.convnet``; and the output the task needs (``output_for``: one sigmoid unit for two
    classes, softmax for more, a linear unit for a value). The names are checked before anything is built."""
    from .. import activations, optimizers
    from ..convnet import build_convnet
    from ..mlp import build_mlp, output_for

    activation = settings["activation"]
    activations.registry.lookup(activation)
    optimizers.registry.lookup(settings["optimizer"])
    classes = len(source.classes) if source.task == "classification" else None
    units, output_activation, loss = output_for(source.task, classes)
    metrics = ["accuracy"] if source.task == "classification" else ["mae"]
    if settings["model"] == "convnet":
        model = build_convnet(n_features, settings["filters"], units, kernel_size=settings["kernel_size"],
                              output_activation=output_activation, dropout=settings["dropout"], seed=settings["seed"])
    else:
        model = build_mlp(n_features, settings["layers"], units, activation=activation,
                          output_activation=output_activation, dropout=settings["dropout"], seed=settings["seed"])
    optimizer = optimizers.get({"name": settings["optimizer"], "learning_rate": settings["learning_rate"]})
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return model


def fit_model(model, settings: dict, x_train, y_train, checkpoint: str, resume: bool):
    r"""Train; the whole training state goes to ``checkpoint`` at every epoch end, and with
    ``resume`` an existing checkpoint is continued."""
    import numpy as np

    from .. import callbacks

    # shuffle once so that validation_split's last samples are a random part of the training set
    order = np.random.default_rng(settings["seed"]).permutation(len(x_train))
    x_train, y_train = x_train[order], y_train[order]
    extra = {} if resume else {"callbacks": [callbacks.BackupAndRestore(checkpoint, delete_checkpoint=False)]}
    if resume:
        extra["resume_from"] = checkpoint
    elif os.path.exists(checkpoint):
        os.unlink(checkpoint)             # a stale checkpoint of another run must not be resumed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", callbacks.DivergenceWarning)     # model.stop_reason tells it
        return model.fit(x_train, y_train, epochs=settings["epochs"], batch_size=settings["batch_size"],
                         validation_split=settings["validation_split"], verbose=settings["verbose"], **extra)
