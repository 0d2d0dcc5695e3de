"""README.md cannot rot: its Python blocks run as written, top to bottom in one namespace, in a
fresh directory, and every `neurona ...` line of its bash blocks runs (through `python -m
neurona`), succeeds without a warning, and does what the README says it does (CLAIMS: its test
accuracy, its predictions). The two install commands are tested by test_install.py.

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


def test_the_readme_is_a_front_door():
    r"""At most 150 lines: what neurona is, the two commands, an example per face, links to the
    guides; everything else is on the documentation site, written once."""
    lines = README.splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; at most 150 (move the rest to docs/)"


def test_the_readme_repeats_no_line_of_the_docs():
    r"""Each fact is written once: a sentence of the README that stands in docs/ belongs there only
    (code lines may repeat; a prose line of 30 characters or more may not)."""
    docs = {line.strip() for page in (ROOT / "docs").rglob("*.md") for line in page.read_text().splitlines()}
    prose = re.sub(r"^```.*?^```", "", README, flags=re.M | re.S).splitlines()
    repeated = [line for line in prose if len(line.strip()) >= 30 and line.strip() in docs]
    assert repeated == [], f"README lines that stand verbatim in docs/ (link to the page instead): {repeated}"


def test_the_readme_has_its_blocks():
    assert len(python_blocks()) >= 3 and len(neurona_commands()) >= 3


def test_ci_runs_the_readme_test_command():
    r"""`.ci/run` ends with the README's test command, word for word."""
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci.startswith(INSTALLS) and any(code.strip() == ci for language, code in BLOCKS if language == "bash"), \
        f"the last line of .ci/run, {ci!r}, is not a bash block of README.md"


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
    for written in ("mnist.keras", "runs/digits/oracle.json"):
        assert (directory / written).exists(), f"the README says it writes {written}"
    assert_ignored_by_git(directory)


def _test_metric(name, at_least):
    def check(out, directory):
        value = float(re.search(rf"test {name}: ([0-9.]+)", out).group(1))
        assert value >= at_least, f"test {name} {value} < {at_least}"
    return check


def _at_most_test_mae(at_most):
    def check(out, directory):
        value = float(re.search(r"test mae: ([0-9.]+)", out).group(1))
        assert value <= at_most, f"test mae {value} > {at_most}"
    return check


def _chocolate_predictions(out, directory):
    lines = out.splitlines()
    assert lines[0] == "price" and [float(v) for v in lines[1:]] == pytest.approx([40, 50], abs=0.5), out


#: what each command of the README claims, checked on its output (a command that only exits 0 may
#: have learned nothing); the keys are the commands' first words
CLAIMS = {
    "neurona train --csv examples/chocolate.csv": _at_most_test_mae(0.5),
    "neurona predict price.safetensors": _chocolate_predictions,
    "neurona train --dataset spiral": _test_metric("accuracy", 0.95),
}


def _claim(command):
    r"""The check of the longest key that starts the command."""
    keys = [key for key in CLAIMS if command == key or command.startswith(key + " ")]
    return CLAIMS[max(keys, key=len)] if keys else None


def test_every_neurona_command_of_the_readme_has_its_claim_checked():
    unchecked = [command for command in neurona_commands() if _claim(command) is None]
    assert unchecked == [], f"add what these README commands claim to CLAIMS: {unchecked}"


def test_every_neurona_command_of_the_readme_succeeds_and_does_what_it_says(folder):
    directory, _ = folder
    for command in neurona_commands():
        args = shlex.split(command)[1:]
        result = subprocess.run([sys.executable, "-m", "neurona", *args], capture_output=True, text=True,
                                timeout=300, cwd=directory, env=ENV)
        assert result.returncode == 0, f"`{command}` exits {result.returncode}: {result.stderr}"
        assert "warning" not in result.stderr, f"`{command}` warns: {result.stderr}"
        try:
            _claim(command)(result.stdout, directory)
        except (AssertionError, AttributeError, pytest.fail.Exception) as error:
            raise AssertionError(f"`{command}` does not do what the README says: {error}\n"
                                 f"{result.stdout[-2000:]}") from None
    assert_ignored_by_git(directory)


def assert_ignored_by_git(directory):
    r"""What the README writes, run in the checkout, is ignored by git (not committed by mistake)."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        return
    written = sorted(path.name + ("/" if path.is_dir() else "") for path in directory.iterdir()
                     if path.name != "examples")
    result = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], input="\n".join(written),
                            capture_output=True, text=True, cwd=ROOT)
    ignored = set(result.stdout.split())
    missing = [name for name in written if name not in ignored]
    assert missing == [], f"the README writes these, which .gitignore does not ignore: {missing}"


def _lines_of_text_files():
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "docs").rglob("*.ipynb")),
             *sorted((ROOT / "src" / "neurona").rglob("*.py"))]
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield f"{path.relative_to(ROOT)}:{number}", line


def test_install_hints_work_from_the_checkout():
    r"""neurona is installed from its checkout (`pip install .`), so `pip install "neurona[plot]"` asks
    an index for a package it may not hold, and fails in a fresh environment. A hint says
    `pip install ".[plot]"` in the checkout, or names the extra's own packages."""
    index_form = re.compile(r"""pip install \\?["']?neurona\[""")
    found = [where for where, line in _lines_of_text_files() if index_form.search(line)]
    assert found == [], f"install hints of the index's form: {found}"


def test_the_readme_installs_matplotlib_before_its_plots():
    r"""After the README's own `pip install .`, `--plots` fails (matplotlib is an extra): any
    `--plots` command or Python plot of the README comes after the install of the extra."""
    lines = README.splitlines()
    extra = next((i for i, line in enumerate(lines) if 'pip install ".[plot]"' in line), len(lines))
    plots = [line for i, line in enumerate(lines) if i < extra and (
        ("--plots" in line and line.startswith("neurona ")) or re.match(r"(\w+ = )?(nr\.)?plot\.", line))]
    assert plots == [], f"plotted before `pip install \".[plot]\"`: {plots}"
