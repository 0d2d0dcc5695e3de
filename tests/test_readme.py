"""README.md cannot rot: its Python blocks run as written, top to bottom in one namespace, in a
fresh directory, and every `neurona ...` line of its bash blocks runs (through `python -m
neurona`) and succeeds. The two install commands are tested by test_install.py.

The directory holds a copy of examples/ (the README's commands run from the checkout), and
NEURONA_DATA points at the real MNIST files, so `load_mnist()` reads them from the cache."""
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"^```(\w+)\n(.*?)^```", README, flags=re.M | re.S)
ENV = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
INSTALLS = ("python -m pip install",)


def python_blocks() -> list[str]:
    return [code for language, code in BLOCKS if language == "python"]


def neurona_commands() -> list[str]:
    r"""The `neurona ...` command lines of the bash blocks, their comments removed."""
    commands = []
    for language, code in BLOCKS:
        if language != "bash":
            continue
        for line in code.splitlines():
            line = line.strip()
            if line.startswith(INSTALLS):
                continue
            assert line.startswith("neurona ") or line == "neurona" or not line, f"a bash line that is not run: {line!r}"
            if line:
                commands.append(" ".join(shlex.split(line, comments=True)))
    return commands


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from mnist_data import mnist_dir
    directory = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", directory / "examples")
    return directory, mnist_dir()


def test_the_readme_has_its_blocks():
    assert len(python_blocks()) >= 6 and len(neurona_commands()) >= 8


def test_every_python_block_runs_top_to_bottom_in_one_namespace(folder, monkeypatch):
    directory, mnist = folder
    monkeypatch.chdir(directory)
    monkeypatch.setenv("NEURONA_DATA", str(mnist.parent))      # the cache layout: $NEURONA_DATA/mnist/
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__readme__"}
    for number, code in enumerate(python_blocks(), 1):
        try:
            exec(compile(code, f"README.md python block {number}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"README python block {number} fails: {error!r}\n{code}") from error
    for written in ("model.safetensors", "backup.safetensors", "best.safetensors", "curves.png", "graph.svg"):
        assert (directory / written).exists(), f"the README says it writes {written}"


def test_every_neurona_command_of_the_readme_succeeds(folder):
    directory, _ = folder
    for command in neurona_commands():
        args = shlex.split(command)[1:]
        result = subprocess.run([sys.executable, "-m", "neurona", *args], capture_output=True, text=True,
                                timeout=300, cwd=directory, env=ENV)
        assert result.returncode == 0, f"`{command}` exits {result.returncode}: {result.stderr}"
