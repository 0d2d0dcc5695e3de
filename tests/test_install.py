"""`pip install .` into a fresh virtual environment gives a working `neurona` command.

The tests run offline, so the environment cannot download the dependencies: a .pth file in it
lists the directories of the installed packages. A .pth file only adds directories to sys.path
(the .pth files inside them are not run), so an editable install of this checkout there stays
invisible. The package itself comes from `pip install` of a copy of this checkout, and the
command runs outside it: the checkout is nowhere on the environment's sys.path, which the test
checks, as it checks that every package the command imports is a declared dependency."""
import ast
import os
import pathlib
import shutil
import site
import subprocess
import sys
import sysconfig
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: run by the environment's python: train in-process, then name the installed distributions
#: whose modules were imported but which neurona's requirements (and theirs) do not bring in
UNDECLARED = r"""
import sys
from neurona.cli import main
assert main(["train", "--epochs", "1", "--verbose", "0", "--out", "imports.safetensors"]) == 0
loaded = {name.partition(".")[0] for name in list(sys.modules)}
import importlib.metadata as metadata
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

def closure(name, seen):
    if canonicalize_name(name) in seen:
        return seen
    seen.add(canonicalize_name(name))
    for text in metadata.requires(name) or []:
        requirement = Requirement(text)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            closure(requirement.name, seen)
    return seen

declared = closure("neurona", set())
owners = metadata.packages_distributions()
used = {canonicalize_name(d) for top in loaded for d in owners.get(top, [])}
print(sorted(used - declared))
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(base / "venv")
    python = base / "venv" / "bin" / "python"
    site_packages = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                   capture_output=True, text=True, check=True).stdout.strip()
    # a virtual environment that sees the system's packages has them in a second directory, listed
    # first here so that its own older setuptools does not shadow the system's
    installed_dirs = dict.fromkeys([*reversed(site.getsitepackages()), sysconfig.get_path("purelib"),
                                    sysconfig.get_path("platlib")])
    pathlib.Path(site_packages, "installed-dependencies.pth").write_text("\n".join(installed_dirs) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-input", "--disable-pip-version-check", str(source)],
                   check=True, env=env, cwd=base, capture_output=True, timeout=300)
    return base, env


def run(base, env, *args):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, cwd=base / "work",
                          timeout=120)


def test_the_installed_command_trains_and_reports(installed):
    base, env = installed
    venv_dir = base / "venv"
    (base / "work").mkdir()
    where = run(base, env, venv_dir / "bin" / "python", "-c", "import os, sys, neurona, importlib.metadata as m; "
                "print(neurona.__file__); print(m.requires('neurona')); "
                "print([p for p in sys.path if os.path.exists(os.path.join(p or '.', 'neurona'))])")
    assert where.returncode == 0, where.stderr
    module, requires, copies = where.stdout.splitlines()
    assert module.startswith(str(venv_dir)) and "safetensors" in requires and "click" in requires
    # the installed copy is the only neurona on sys.path: no checkout (this one or another) is importable
    assert ast.literal_eval(copies) == [os.path.dirname(os.path.dirname(module))], copies
    result = run(base, env, venv_dir / "bin" / "neurona", "train", "--epochs", "3", "--verbose", "0")
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout and (base / "work" / "model.safetensors").exists()
    result = run(base, env, venv_dir / "bin" / "neurona", "info", "model.safetensors")
    assert result.returncode == 0 and "Epochs trained: 3" in result.stdout
    result = run(base, env, venv_dir / "bin" / "neurona", "train", "--dataset", "nope")
    assert result.returncode == 2 and "Known datasets: breast_cancer, chocolate_prices" in result.stderr


def test_the_command_imports_only_declared_dependencies(installed):
    base, env = installed
    (base / "work").mkdir(exist_ok=True)
    result = run(base, env, base / "venv" / "bin" / "python", "-c", UNDECLARED)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[]", result.stdout
