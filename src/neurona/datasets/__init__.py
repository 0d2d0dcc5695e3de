r"""Datasets: small real datasets bundled with the package, and an MNIST reader."""

from .bundled import (
    BUNDLED,
    class_names,
    feature_names,
    load,
    load_breast_cancer,
    load_digits,
    load_iris,
)
from .idx import load_mnist, read_idx

__all__ = [
    "BUNDLED",
    "class_names",
    "feature_names",
    "load",
    "load_breast_cancer",
    "load_digits",
    "load_iris",
    "load_mnist",
    "read_idx",
]
