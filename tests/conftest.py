"""Tests never use the internet: dataset loaders run offline unless a test serves files itself."""
import os
import sys
import time
from pathlib import Path

import pytest


def pytest_configure(config):
    os.environ["NEURONA_OFFLINE"] = "1"       # inherited by the subprocesses the tests start
    # In a virtual environment over the system's packages, Jupyter looks for its data (nbconvert's
    # templates, used by the notebook HTML and the docs' tutorials) under the venv only.
    base = Path(sys.base_prefix) / "share" / "jupyter"
    if sys.prefix != sys.base_prefix and base.is_dir():
        paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
        os.environ["JUPYTER_PATH"] = os.pathsep.join(paths + [str(base)])


@pytest.fixture(scope="session")
def executed_tutorials(tmp_path_factory):
    """Every tutorial of docs/tutorials executed once, top to bottom, in a real kernel:
    {file name: (executed copy, error text or None, seconds)}. The tutorial tests and the docs
    build share these copies."""
    pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    from notebooks import TUTORIALS, execute_tutorial
    out = tmp_path_factory.mktemp("tutorials")
    results = {}
    for path in sorted(TUTORIALS.glob("*.ipynb")):
        start = time.perf_counter()
        executed, error = execute_tutorial(path, out)
        results[path.name] = (executed, error, time.perf_counter() - start)
    return results


@pytest.fixture
def mnist_path():
    r"""The directory of the real MNIST IDX files (skips without it; fails under CI=true)."""
    from mnist_data import mnist_dir
    return mnist_dir()


@pytest.fixture(autouse=True)
def _no_global_seed_between_tests():
    r"""A test that calls ``utils.set_random_seed`` does not seed the models of the tests after it."""
    yield
    import neurona.random
    neurona.random.set_random_seed(None)
