r"""Keras's own usage examples with neurona in Keras's place: every ``>>>`` example and ```python block
of the docstrings of Keras 3's in-scope public names (``test_keras_api_coverage``) that runs under Keras
is run with ``import neurona as keras`` and must print Keras's numbers. The pass rate is printed
(``-s``); ``FLOOR`` holds the rate reached so far, so a change that breaks examples fails.

    python -m pytest tests/test_keras_docstrings.py -q -s
"""
import inspect
import json
import os
import warnings
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

from keras_docstrings import compare, examples, keras_results  # noqa: E402
from test_keras_api_coverage import MODULES, keras_names, out_of_scope  # noqa: E402

#: the share of Keras's examples that neurona passes so far
FLOOR = 0.85
RESULTS = Path(__file__).parent / "data" / "keras_docstring_results.json"


def in_scope_objects():
    for module in MODULES:
        mod = getattr(keras, module) if module else keras
        for name in keras_names(module):
            obj = getattr(mod, name)
            if not out_of_scope(module, name) and not inspect.ismodule(obj) and examples(obj):
                yield f"{module or 'keras'}.{name}", obj


def reference_results(objects):
    r"""Keras's results of every example: those of RESULTS when they are of this Keras version, the
    missing ones run now and added to it."""
    stored = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    results = stored.get("results", {}) if stored.get("keras") == keras.__version__ else {}
    missing = {name: obj for name, obj in objects.items() if name not in results}
    if missing:
        results.update({name: keras_results(obj) for name, obj in missing.items()})
        RESULTS.write_text(json.dumps({"keras": keras.__version__, "results": results}, indent=0), encoding="utf-8")
    return results


def test_keras_docstring_examples_run_with_neurona(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)                     # examples save models and logs in the working directory
    counted = passed = 0
    report = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        objects = dict(in_scope_objects())
        reference = reference_results(objects)
        for qualified, obj in objects.items():
            n, ok, failures = compare(obj, reference[qualified])
            counted, passed = counted + n, passed + ok
            if n:
                report[qualified] = (n, ok, failures)
    for qualified, (n, ok, failures) in sorted(report.items()):
        if failures:
            print(f"{qualified}: {ok}/{n}; " + " | ".join(failures[:2]))
    names_all = sum(1 for n, ok, _ in report.values() if ok == n)
    print(f"Keras docstring examples run by neurona: {passed} / {counted} = {passed / max(counted, 1):.1%} "
          f"({names_all} of {len(report)} names pass all their examples)")
    assert passed / max(counted, 1) >= FLOOR
