"""Tests never use the internet: dataset loaders run offline unless a test serves files itself."""
import os


def pytest_configure(config):
    os.environ["NEURONA_OFFLINE"] = "1"       # inherited by the subprocesses the tests start
