r"""Data sources of the command line: a named dataset or a CSV file, turned into arrays.

    data = load_source(dataset="iris")                       # or csv="prices.csv", target="price"
    data = load_source(dataset="spiral", seed=3)             # a generated set, drawn with the seed
    data.x, data.y, data.classes, data.task, data.features   (and data.test for MNIST's own split)

Classification targets become the indices 0..k-1 of ``data.classes`` (class names as text); the
task is read from the target unless given: text or at most MAX_AUTO_CLASSES distinct integer
values -> classification, other numbers -> regression.
"""
from __future__ import annotations

import difflib
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import datasets
from .csvfile import read_csv
from ..data import StandardScaler, train_test_split

MAX_AUTO_CLASSES = 20
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot")
#: datasets read from IDX files (they come with their own train / test split)
IDX_SETS = {"mnist": tuple(str(k) for k in range(10)), "fashion_mnist": FASHION_CLASSES}


@dataclass(frozen=True)
class Generated:
    r"""A dataset that a function draws: ``make(seed) -> (x, y)``; ``classes`` None = regression."""
    make: Callable
    features: tuple[str, ...]
    target: str
    classes: tuple[str, ...] | None
    description: str
    defaults: dict = field(default_factory=dict)       # training settings this set needs to be learnt


_GATES = ("and", "or", "xor", "nand", "nor")
_PLAYGROUND = {"circle": "a disc inside a ring", "xor": "the four quadrants, class 1 where x1 x2 > 0",
               "gauss": "two Gaussian blobs", "spiral": "two interleaved spirals"}
#: the playground's sets are 400 training points: 30 epochs at Adam's 0.001 are about 400 steps,
#: too few for the spiral (53-69% over seeds 0-3); 100 epochs at 0.02 learn all four (99-100%
#: test accuracy for seeds 0-4, the spiral with --layers 16,16)
PLAYGROUND_DEFAULTS = {"epochs": 100, "learning_rate": 0.02}
#: the slides' toy sets and the playground's 2-D sets, by name (--seed draws the random ones)
GENERATED = {
    "chocolate_prices": Generated(lambda seed: datasets.chocolate_prices(), ("liking",), "price", None,
                                  "the slides' chocolate study: price = 10 x liking (seed 000)"),
    "linear": Generated(lambda seed: datasets.make_linear(seed=seed), ("x",), "y", None,
                        "y = 3x + U(-0.5, 0.5) with x ~ U(-1, 1) (seed 004)"),
    **{f"gate_{gate}": Generated(lambda seed, gate=gate: datasets.logic_gate(gate), ("x1", "x2"), gate, ("0", "1"),
                                 f"the truth table of {gate.upper()} (use --test-size 0 --validation-split 0)")
       for gate in _GATES},
    **{name: Generated(lambda seed, name=name: getattr(datasets, f"make_{name}")(seed=seed), ("x1", "x2"), "label",
                       ("0", "1"), f"the playground's {name}: {description}", PLAYGROUND_DEFAULTS)
       for name, description in _PLAYGROUND.items()},
}


class SourceError(ValueError):
    r"""A data source that does not exist or cannot be used."""


@dataclass
class Source:
    x: np.ndarray
    y: np.ndarray
    task: str
    features: list[str]
    classes: list[str] | None = None
    target: str | None = None
    test: tuple[np.ndarray, np.ndarray] | None = None        # a split that comes with the data
    description: str = ""
    extra: dict = field(default_factory=dict)


def idx_sets() -> dict[str, tuple[str, ...]]:
    r"""The IDX datasets this installation can read (those neurona.datasets has a loader for)."""
    return {name: classes for name, classes in IDX_SETS.items() if hasattr(datasets, f"load_{name}")}


def known_datasets() -> list[str]:
    return sorted(set(datasets.BUNDLED) | set(idx_sets()) | set(GENERATED))


def load_source(dataset=None, csv=None, target=None, data_path=None, task="auto", seed=0, drop=(),
                fill=None) -> Source:
    r"""The named ``dataset`` (a generated one drawn with ``seed``) or the ``csv`` file (without
    the ``drop`` columns; empty feature cells filled by ``fill``, see ``read_csv``)."""
    if csv is not None:
        return _from_csv(csv, target, task, drop, fill)
    if dataset in idx_sets():
        source = _from_idx(dataset, data_path)
    elif dataset in GENERATED:
        source = _generated(dataset, seed)
    else:
        source = _from_dataset(dataset)
    if task not in ("auto", source.task):
        raise SourceError(f"conflicting settings: --task ([data] task) = {task}, but the dataset {dataset!r} "
                          f"is a {source.task} set.")
    return source


def _from_dataset(dataset) -> Source:
    try:
        x, y = datasets.load(dataset)
    except ValueError:
        known = known_datasets()
        close = difflib.get_close_matches(str(dataset), known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SourceError(f"unknown dataset {dataset!r}{hint} Known datasets: {', '.join(known)} "
                          f"(`neurona datasets` describes them).") from None
    return Source(x, y, "classification", datasets.feature_names(dataset), list(datasets.class_names(dataset)),
                  "target", description=f"Dataset {dataset}")


def _generated(name, seed) -> Source:
    recipe = GENERATED[name]
    x, y = recipe.make(seed)
    task = "regression" if recipe.classes is None else "classification"
    y = np.asarray(y, np.float64) if recipe.classes is None else y
    classes = None if recipe.classes is None else list(recipe.classes)
    return Source(x, y, task, list(recipe.features), classes, recipe.target, description=f"Dataset {name}")


def _from_idx(name, data_path) -> Source:
    loader = getattr(datasets, f"load_{name}")
    parameter = inspect.signature(loader).parameters.get("path")
    if data_path is None and (parameter is None or parameter.default is inspect.Parameter.empty):
        raise SourceError(f"dataset {name!r} is read from its four IDX .gz files: give --data-path DIR "
                          f"([data] data_path) naming the directory that holds them.")
    try:
        x, y, x_test, y_test = loader(data_path) if data_path is not None else loader()
    except datasets.download.DownloadError:
        raise                   # the work failed (exit 1), not the command line
    except (OSError, ValueError) as error:
        raise SourceError(f"cannot read dataset {name!r}: {error}") from None
    x, x_test = x.reshape(len(x), -1), x_test.reshape(len(x_test), -1)
    return Source(x, y, "classification", _numbered(x), list(IDX_SETS[name]), "label", test=(x_test, y_test),
                  description=f"Dataset {name}")


def _numbered(x) -> list[str]:
    return [f"x{j}" for j in range(x.shape[1])]


def _from_csv(path, target, task, drop=(), fill=None) -> Source:
    table = read_csv(check_file(path, "--csv"), target=target, drop=drop, fill=fill)
    values, task = table.target, resolve_task(table.target, task, table.target_name)
    name = os.path.basename(path)
    if task == "regression":
        return Source(table.x, values.astype(np.float64), task, table.features, None, table.target_name,
                      description=f"CSV {name}")
    classes, y = encode_classes(values)
    if len(classes) < 2:
        raise SourceError(f"{path}: the target column {table.target_name!r} holds a single class "
                          f"{classes[0]!r}; classification needs at least 2.")
    return Source(table.x, y, task, table.features, classes, table.target_name, description=f"CSV {name}")


def check_file(path, what) -> str:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise SourceError(f"{what}: no such file {path!r}.")
    if not os.path.isfile(path):
        raise SourceError(f"{what}: {path!r} is not a file.")
    if not os.access(path, os.R_OK):
        raise SourceError(f"{what}: cannot read {path!r} (permission denied).")
    return path


def resolve_task(values, task, name) -> str:
    numeric = values.dtype.kind == "f"
    if task == "regression" and not numeric:
        raise SourceError(f"task = regression needs a numeric target, but column {name!r} holds text "
                          f"such as {values[0]!r}.")
    if task != "auto":
        return task
    if not numeric:
        return "classification"
    integers = np.all(values == np.round(values))
    return "classification" if integers and np.unique(values).size <= MAX_AUTO_CLASSES else "regression"


def encode_classes(values) -> tuple[list[str], np.ndarray]:
    r"""(sorted class names, index of each value's class)."""
    unique = np.unique(values)
    names = [format(v, "g") if unique.dtype.kind == "f" else str(v) for v in unique]
    return names, np.searchsorted(unique, values)


def encode_with(values, classes, name) -> np.ndarray:
    r"""Indices of ``values`` among a model's known ``classes``; an unknown value is an error."""
    text = [format(v, "g") if values.dtype.kind == "f" else str(v) for v in values]
    lookup = {c: i for i, c in enumerate(classes)}
    unknown = sorted({t for t in text if t not in lookup})
    if unknown:
        raise SourceError(f"column {name!r} holds class(es) {unknown[:5]} that the model does not know; "
                          f"its classes are {classes}.")
    return np.array([lookup[t] for t in text])


def split(source: Source, test_size: float, seed: int):
    r"""(x_train, x_test, y_train, y_test): the data's own split, all samples twice when
    test_size = 0, else a split stratified by class."""
    if source.test is not None:
        return source.x, source.test[0], source.y, source.test[1]
    if test_size == 0:
        return source.x, source.x, source.y, source.y
    stratify = source.y if source.task == "classification" else None
    try:
        return train_test_split(source.x, source.y, test_size=test_size, stratify=stratify, seed=seed)
    except ValueError as error:
        raise SourceError(f"{error} Use a larger --test-size, or 0 to measure on the training data.") from None


def scaler_to_dict(scaler: StandardScaler | None):
    return None if scaler is None else {"mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist()}


def scaler_from_dict(saved) -> StandardScaler | None:
    if saved is None:
        return None
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_ = np.asarray(saved["mean"], float), np.asarray(saved["scale"], float)
    scaler.n_features_in_ = scaler.mean_.size
    return scaler
