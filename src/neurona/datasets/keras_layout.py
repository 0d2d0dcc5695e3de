r"""MNIST and Fashion-MNIST in Keras's layout: ``load_data()`` returns
``(x_train, y_train), (x_test, y_test)``, images uint8 of shape (n, 28, 28), labels uint8.

Where the files come from, first found wins:
1. Keras's own cache, ``~/.keras/datasets`` (``$KERAS_HOME/datasets``): ``mnist.npz`` (arrays
   ``x_train, y_train, x_test, y_test``) or the folder ``fashion-mnist/`` of four IDX ``.gz`` files;
2. neurona's cache (``$NEURONA_DATA/<name>``), downloading what is missing unless offline
   (``$NEURONA_OFFLINE``), in which case the error says where to put the files.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .download import fetch
from .idx import MNIST_FILES, read_idx


def keras_cache() -> Path:
    r"""Keras's dataset folder: ``$KERAS_HOME/datasets``, else ``~/.keras/datasets``."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "datasets"


def _from_idx(directory: Path):
    splits = []
    for split in ("train", "test"):
        images_file, labels_file = MNIST_FILES[split]
        images, labels = read_idx(directory / images_file), read_idx(directory / labels_file)
        splits.append((images.astype(np.uint8), labels.astype(np.uint8)))
    return tuple(splits)


def _has_idx(directory: Path) -> bool:
    return all((directory / name).is_file() for pair in MNIST_FILES.values() for name in pair)


def load_mnist_data(path: str = "mnist.npz"):
    r"""Keras's ``mnist.load_data(path="mnist.npz")``; ``path`` is relative to Keras's cache."""
    npz = Path(path) if os.path.isabs(path) else keras_cache() / path
    if npz.is_file():
        with np.load(npz, allow_pickle=False) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
    return _from_idx(fetch("mnist"))


def load_fashion_mnist_data():
    r"""Keras's ``fashion_mnist.load_data()``."""
    folder = keras_cache() / "fashion-mnist"
    return _from_idx(folder if _has_idx(folder) else fetch("fashion_mnist"))
