r"""The usage examples in the docstrings of the installed Keras, run with Keras and with neurona in its
place (a helper module for ``test_keras_docstrings.py``, not a test file).

Each in-scope public name's docstring gives its ``>>>`` examples (run in order in one namespace, as
doctest does, the value of an expression printed) and its ```python blocks (run whole). An example
counts when it runs under Keras (torch backend); it passes under neurona when it runs and prints the
same numbers as Keras did, to 1e-4 (the numbers are compared, not the text: Keras prints torch
tensors, neurona NumPy arrays). Outputs that differ between two Keras runs (random draws) are only
required to run. Keras's results are kept in ``tests/data/keras_docstring_results.json`` for the
installed Keras version (made again when the version changes): the test then runs neurona only.
"""
from __future__ import annotations

import builtins
import contextlib
import doctest
import importlib
import inspect
import io
import re

import numpy as np

_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\b(?:nan|inf|True|False)\b")
_NOISE = re.compile(r"\b[a-zA-Z_]+\d+\b|device='[^']*'|requires_grad=\w+|grad_fn=<[^>]*>")


def examples(obj) -> list[str]:
    r"""The sources of the ``>>>`` examples and of the ```python blocks of ``obj``'s docstring."""
    doc = inspect.getdoc(obj) or ""
    sources = [e.source for e in doctest.DocTestParser().get_examples(doc)]
    blocks = [b for b in re.findall(r"```python\n(.*?)```", doc, re.S) if ">>>" not in b]
    return sources + blocks


def numbers(text: str) -> list[float]:
    values = []
    for token in _NUMBER.findall(_NOISE.sub(" ", text)):
        values.append({"True": 1.0, "False": 0.0, "nan": np.nan, "inf": np.inf}.get(token, None)
                      if token in ("True", "False", "nan", "inf") else float(token))
    return values


def _importer(library):
    real = builtins.__import__

    def load(name, globals=None, locals=None, fromlist=(), level=0):
        if library != "keras" and (name == "keras" or name.startswith("keras.")):
            name = library + name[len("keras"):]
            module = importlib.import_module(name)
            return module if fromlist else importlib.import_module(library)
        return real(name, globals, locals, fromlist, level)
    return load


def run(sources, library: str):
    r"""For each source: (ran, printed text), in one shared namespace; ``library`` stands for keras."""
    top = importlib.import_module(library)
    scope_builtins = dict(vars(builtins), __import__=_importer(library))
    namespace = {"__builtins__": scope_builtins, "keras": top, "np": np, "numpy": np, "ops": top.ops,
                 "layers": top.layers}
    results = []
    for source in sources:
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
                code = compile(source, "<example>", "single" if source.count("\n") <= 1 else "exec")
                exec(code, namespace)
            results.append((True, out.getvalue()))
        except BaseException as error:             # noqa: BLE001  (an example may raise anything)
            if isinstance(error, KeyboardInterrupt):
                raise
            results.append((False, f"{type(error).__name__}: {error}"[:300]))
    return results


def same(expected: str, got: str) -> bool:
    a, b = numbers(expected), numbers(got)
    if len(a) != len(b):
        return False
    return bool(np.allclose(np.array(a, float), np.array(b, float), rtol=1e-4, atol=1e-5, equal_nan=True))


def keras_results(obj) -> list[tuple[bool, str, bool]]:
    r"""(ran, printed text, the same numbers on a second run) for each example of ``obj`` under Keras."""
    sources = examples(obj)
    first, second = run(sources, "keras"), run(sources, "keras")
    return [(ok1, out1, ok2 and numbers(out1) == numbers(out2)) for (ok1, out1), (ok2, out2) in zip(first, second)]


def compare(obj, reference) -> tuple[int, int, list[str]]:
    r"""(examples that run under Keras, of them those neurona passes, what failed) for one name, given
    Keras's ``reference`` results (``keras_results``)."""
    sources = examples(obj)
    if not sources:
        return 0, 0, []
    ours = run(sources, "neurona")
    counted = passed = 0
    failures = []
    for source, (ok_keras, out_keras, deterministic), (ok, out) in zip(sources, reference, ours):
        if not ok_keras:
            continue
        counted += 1
        if ok and (not deterministic or same(out_keras, out)):
            passed += 1
        else:
            failures.append(f"{source.strip()[:80]!r}: {'got ' + out.strip()[:120] if ok else out}")
    return counted, passed, failures
