"""Tests never use the internet: dataset loaders run offline unless a test serves files itself."""
import os
import sys
from pathlib import Path


def pytest_configure(config):
    os.environ["NEURONA_OFFLINE"] = "1"       # inherited by the subprocesses the tests start
    # In a virtual environment over the system's packages, Jupyter looks for its data (nbconvert's
    # templates, used by the notebook HTML and the docs' tutorials) under the venv only.
    base = Path(sys.base_prefix) / "share" / "jupyter"
    if sys.prefix != sys.base_prefix and base.is_dir():
        paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
        os.environ["JUPYTER_PATH"] = os.pathsep.join(paths + [str(base)])
