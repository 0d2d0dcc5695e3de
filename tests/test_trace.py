import io

import numpy as np
import pytest

from neurona.trace import Tracer, factor, num, shorten, vector, weighted_sum


def test_numbers_as_the_slides_write_them():
    assert [num(v) for v in (-1.0, 0.5, 2.5, 0.0, -0.0, 1 / 3, 1e-6)] == ["-1", "0.5", "2.5", "0", "0", "0.333333", "1e-06"]
    assert weighted_sum([-1, 0], [1, 5], -0.5) == "(-1)(1) + (0)(5) + (-0.5)"
    assert factor(-2) == "(-2)" and factor(3) == "3"
    assert vector(np.arange(12)) == "(0, 1, 2, 3, 4, 5, ..., 11)"
    assert weighted_sum(np.ones(10), np.arange(10)).count("...") == 1
    assert shorten(list("abcdefgh")) == list("abcdefgh") and shorten(list("abcdefghi")) == list("abcdef") + ["...", "i"]


def test_a_wide_perceptron_step_lists_a_few_updates():
    from neurona.base import ConvergenceWarning
    from neurona.neurons import Perceptron
    lines = []
    with pytest.warns(ConvergenceWarning):
        Perceptron(max_epochs=1, shuffle=False, trace=lines.append).fit(np.arange(40.0).reshape(2, 20), [0, 1])
    assert lines[1].count("<-") == 6 + 1 + 1 and " ; ... ; w20,1 <- 0 + 1·(0 - 1)·19 = -19 ; b1 <- " in lines[1]


def test_trace_targets(tmp_path, capsys):
    Tracer(True)("to stdout")
    assert capsys.readouterr().out == "to stdout\n"
    lines = []
    Tracer(lines.append)("to a function")
    buffer = io.StringIO()
    Tracer(buffer)("to a file")
    assert lines == ["to a function"] and buffer.getvalue() == "to a file\n"
    path = tmp_path / "trace.txt"
    tracer = Tracer(str(path))
    tracer("one")
    tracer("two")
    assert not path.exists()                  # written whole, at close
    tracer.close()
    assert path.read_text(encoding="utf-8") == "one\ntwo\n"
    assert not Tracer(False).on and not Tracer(None).on


def test_bad_trace_targets():
    with pytest.raises(TypeError, match="'trace' argument of Perceptron must be True/False, a function"):
        Tracer(42, "Perceptron")
    with pytest.raises(ValueError, match="directory that does not exist"):
        Tracer("/no/such/directory/trace.txt", "Perceptron")
