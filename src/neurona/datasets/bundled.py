r"""Small real datasets shipped inside the package (see ``data/README.md``)."""

from __future__ import annotations

import difflib
import gzip
import io
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

import numpy as np

_CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "breast_cancer": ("malignant", "benign"),
    "digits": tuple(str(k) for k in range(10)),
    "iris": ("setosa", "versicolor", "virginica"),
}


def _check_name(name: str) -> str:
    r"""Return ``name`` if it is a bundled dataset, else raise ``ValueError``."""
    if name in _CLASS_NAMES:
        return name
    known = ", ".join(sorted(_CLASS_NAMES))
    close = difflib.get_close_matches(str(name), _CLASS_NAMES, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown dataset {name!r}; known datasets: {known}{hint}")


@lru_cache(maxsize=None)
def _read(name: str) -> tuple[tuple[str, ...], np.ndarray]:
    r"""Read ``data/<name>.csv.gz``; return its header and its values as float64."""
    blob = resources.files(__package__).joinpath("data", f"{name}.csv.gz").read_bytes()
    text = gzip.decompress(blob).decode("ascii")
    header, _, body = text.partition("\n")
    values = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
    return tuple(header.split(",")), values


def _load(name: str) -> tuple[np.ndarray, np.ndarray]:
    r"""Return fresh copies of the features ``x`` and the integer targets ``y``."""
    _, values = _read(_check_name(name))
    x = values[:, :-1].copy()
    y = values[:, -1].astype(np.int64)
    return x, y


def load_breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    r"""Breast cancer Wisconsin (diagnostic): x (569, 30), y 0 = malignant, 1 = benign."""
    return _load("breast_cancer")


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    r"""Handwritten digits, 8x8 pixels with values 0..16: x (1797, 64), y in 0..9."""
    return _load("digits")


def load_iris() -> tuple[np.ndarray, np.ndarray]:
    r"""Fisher's iris: x (150, 4) in cm, y 0 = setosa, 1 = versicolor, 2 = virginica."""
    return _load("iris")


BUNDLED: dict[str, Callable[[], tuple[np.ndarray, np.ndarray]]] = {
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
    "iris": load_iris,
}


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    r"""Load the bundled dataset ``name`` as ``(x, y)``; unknown names raise ``ValueError``."""
    return BUNDLED[_check_name(name)]()


def feature_names(name: str) -> list[str]:
    r"""Column names of ``x`` for the bundled dataset ``name``."""
    header, _ = _read(_check_name(name))
    return list(header[:-1])


def class_names(name: str) -> list[str]:
    r"""Names of the classes ``0, 1, ...`` of the bundled dataset ``name``."""
    return list(_CLASS_NAMES[_check_name(name)])
