"""Where the tests find real MNIST: ``shared/data/mnist`` in a directory above this checkout
(../shared/data/mnist beside it, or further up for a checkout in a subdirectory).

``mnist_dir()`` returns it, or skips the test when it is absent; under CI (``CI=true``) a missing
data set fails the test instead, so that a CI run can never pass by skipping the MNIST tests."""
import os
from pathlib import Path

import pytest

FILE = "train-images-idx3-ubyte.gz"
_CANDIDATES = [parent / "shared" / "data" / "mnist" for parent in Path(__file__).resolve().parents[1:]]
MNIST = next((path for path in _CANDIDATES if (path / FILE).exists()), _CANDIDATES[1])


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def mnist_dir() -> Path:
    if (MNIST / FILE).exists():
        return MNIST
    message = f"MNIST IDX files not found in {MNIST} (nor in any shared/data/mnist above the checkout)"
    if on_ci():
        pytest.fail(f"{message}; under CI=true the MNIST tests must run, not skip.")
    pytest.skip(message)
