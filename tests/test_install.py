"""`pip install .` into a fresh virtual environment gives a working `neurona` command.

The environment sees the already-installed dependencies (--system-site-packages) and installs the
package without them, so the test needs no network; the package itself comes from a copy of this
checkout, and the command runs outside it, so nothing is imported from the checkout's src/."""
import os
import pathlib
import shutil
import subprocess
import sys
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(base / "venv")
    python = base / "venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-input", "--disable-pip-version-check", str(source)],
                   check=True, env=env, cwd=base, capture_output=True, timeout=300)
    return base, env


def test_the_installed_command_trains_and_reports(installed):
    base, env = installed
    venv_dir = base / "venv"
    where = subprocess.run([venv_dir / "bin" / "python", "-c", "import neurona, importlib.metadata as m; "
                            "print(neurona.__file__); print(m.requires('neurona'))"],
                           capture_output=True, text=True, env=env, cwd=base, check=True).stdout
    assert where.startswith(str(venv_dir)), where
    assert "safetensors" in where and "click" in where
    work = base / "work"
    work.mkdir()
    result = subprocess.run([venv_dir / "bin" / "neurona", "train", "--epochs", "3", "--verbose", "0"],
                            capture_output=True, text=True, env=env, cwd=work, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout and (work / "model.safetensors").exists()
    result = subprocess.run([venv_dir / "bin" / "neurona", "info", "model.safetensors"],
                            capture_output=True, text=True, env=env, cwd=work, timeout=120)
    assert result.returncode == 0 and "Epochs trained: 3" in result.stdout
    result = subprocess.run([venv_dir / "bin" / "neurona", "train", "--dataset", "nope"],
                            capture_output=True, text=True, env=env, cwd=work, timeout=120)
    assert result.returncode == 2 and "Known datasets: breast_cancer, chocolate_prices" in result.stderr
