r"""Datasets: small real sets bundled with the package, the slides' toy sets, the playground's 2-D
sets, and MNIST / Fashion-MNIST (IDX files read from a folder, a cache or the web); CIFAR-10 and IMDB
in Keras's layout from their published files on this machine."""

from .bundled import (
    BUNDLED,
    class_names,
    feature_names,
    load,
    load_breast_cancer,
    load_digits,
    load_iris,
)
from . import cifar10, fashion_mnist, imdb, mnist
from .download import data_home, fetch
from .idx import FASHION_MNIST_CLASSES, load_fashion_mnist, load_mnist, parse_idx, read_idx
from .playground import make_circle, make_gauss, make_reg_gauss, make_reg_plane, make_spiral, make_xor
from .toy import CHOCOLATE_QUERY, chocolate_prices, logic_gate, make_linear

#: sets fetched from the web on first use (then read from the cache): name -> what it holds.
#: Their loaders are ``load_<name>``.
DOWNLOADABLE = {
    "mnist": "70000 images 28x28 (784 features), 10 classes: handwritten digits (12 MB download)",
    "fashion_mnist": "70000 images 28x28 (784 features), 10 classes: clothes (30 MB download)",
}

__all__ = [
    "BUNDLED",
    "CHOCOLATE_QUERY",
    "DOWNLOADABLE",
    "FASHION_MNIST_CLASSES",
    "chocolate_prices",
    "cifar10",
    "class_names",
    "data_home",
    "feature_names",
    "fashion_mnist",
    "fetch",
    "imdb",
    "load",
    "load_breast_cancer",
    "load_digits",
    "load_fashion_mnist",
    "load_iris",
    "load_mnist",
    "logic_gate",
    "make_circle",
    "make_gauss",
    "make_linear",
    "make_reg_gauss",
    "make_reg_plane",
    "make_spiral",
    "make_xor",
    "mnist",
    "parse_idx",
    "read_idx",
]
