"""Error reasons stay short: an unknown name lists the known ones only when they fit on a line,
otherwise the closest one and where the rest are listed; a model file naming a custom metric says
what to pass (and `neurona predict`, which needs no metric, still predicts)."""
import numpy as np
import pytest

import neurona as nr
from neurona import cli

REGISTRIES = ["activations", "constraints", "initializers", "layers", "losses", "metrics", "optimizers",
              "regularizers", "schedules"]


@pytest.mark.parametrize("module", REGISTRIES)
def test_an_unknown_name_gives_a_reason_of_one_short_line(module):
    registry = getattr(nr, module).registry
    for name in ("zzzzzz", registry.names()[0] + "x"):
        with pytest.raises(ValueError) as raised:
            registry.lookup(name)
        message = str(raised.value)
        assert message.startswith(f"Unknown {registry.kind} {name!r}.") and len(message) <= 400, message
        if name.endswith("x"):
            assert f"Did you mean {registry.names()[0]!r}?" in message
        listed = ", ".join(registry.names())
        assert (listed in message) == (len(listed) <= registry.LISTED_CHARACTERS)
        if listed not in message:
            assert f": {len(registry.names())}, listed by neurona.{module}.registry.names()." in message


def test_a_long_list_of_names_is_counted_not_printed():
    with pytest.raises(ValueError) as raised:
        nr.metrics.get("foo")
    assert str(raised.value) == (f"Unknown metric 'foo'. Known metrics: {len(nr.metrics.registry.names())}, "
                                 f"listed by neurona.metrics.registry.names().")


def worst_error(y_true, y_pred):
    return np.max(np.abs(y_true - y_pred))


def test_a_model_file_with_a_custom_metric_names_it_and_still_predicts(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("a,b,label\n" + "".join(f"{i % 5},{i % 3},{i % 2}\n" for i in range(40)))
    assert cli.main(["train", "--csv", "d.csv", "--layers", "4", "--epochs", "1", "--verbose", "0"]) == 0
    model = nr.load_model("model.safetensors")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=[worst_error])
    model.save("custom.safetensors")
    capsys.readouterr()
    for command in (["info", "custom.safetensors"], ["evaluate", "custom.safetensors", "--csv", "d.csv"]):
        assert cli.main(command) == 2
        line = capsys.readouterr().err.strip().splitlines()[-1]
        assert ("custom.safetensors: the model was compiled with the metric 'worst_error', which is not one of "
                "neurona's") in line and "custom_objects={'worst_error': function}" in line
        assert len(line) <= 300, line
    assert cli.main(["predict", "custom.safetensors", "d.csv"]) == 0
    assert capsys.readouterr().out.startswith("p_0,p_1,class\n")
    with pytest.raises(nr.saving.ModelFileError, match="metric 'worst_error'.*custom_objects"):
        nr.load_model("custom.safetensors")
    loaded = nr.load_model("custom.safetensors", custom_objects={"worst_error": worst_error})
    assert loaded.compiled


@pytest.mark.parametrize("args", [["--activation", "foo"], ["--optimizer", "foo"], ["--task", "foo"],
                                  ["--dataset", "foo"], ["--fill", "foo"]])
def test_command_line_reasons_fit_on_a_line(tmp_path, monkeypatch, capsys, args):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", *args]) == 2
    for line in capsys.readouterr().err.splitlines():
        assert len(line) <= 400, line
