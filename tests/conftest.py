"""Tests never use the internet: dataset loaders run offline unless a test serves files itself."""
import os


def pytest_configure(config):
    os.environ["NEURONA_OFFLINE"] = "1"       # inherited by the subprocesses the tests start


import pytest  # noqa: E402


@pytest.fixture
def mnist_path():
    r"""The directory of the real MNIST IDX files (skips without it; fails under CI=true)."""
    from mnist_data import mnist_dir
    return mnist_dir()
