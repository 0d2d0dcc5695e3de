import json

import pytest

from neurona.cli import main

EXPERIMENT = """
[data]
dataset = "iris"
test_size = 0.2

[model]
layers = [8]

[fit]
epochs = 5
batch_size = 16
validation_split = 0.25
verbose = 0

[search]
units = {int = [4, 16], step = 4}
learning_rate = {float = [1e-3, 1e-1], sampling = "log"}
activation = {choice = ["relu", "tanh"]}
batch_size = {choice = [8, 32]}
"""


def test_tune_an_experiment_file_then_continue_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris.toml").write_text(EXPERIMENT)
    code = main(["tune", "iris.toml", "--max-trials", "3", "--directory", "runs", "--tuner", "bayesian",
                 "--out", "best.safetensors"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Searching units, learning_rate, activation, batch_size with bayesian" in out
    assert "Results" in out and "Best trial" in out and (tmp_path / "best.safetensors").exists()
    trials = sorted((tmp_path / "runs" / "iris").glob("trial_*/trial.json"))
    assert len(trials) == 3
    values = json.loads(trials[0].read_text())["hyperparameters"]["values"]
    assert set(values) == {"units", "learning_rate", "activation", "batch_size"}
    assert main(["evaluate", "best.safetensors", "--dataset", "iris"]) == 0
    before = [t.read_bytes() for t in trials]
    assert main(["tune", "iris.toml", "--max-trials", "4", "--directory", "runs", "--tuner", "bayesian",
                 "--out", "best.safetensors"]) == 0
    assert [t.read_bytes() for t in trials] == before         # finished trials are read back, not rerun
    assert len(list((tmp_path / "runs" / "iris").glob("trial_*"))) == 4


@pytest.mark.parametrize("table, message", [
    ("units = {int = [4]}", "int takes [min, max]"),
    ("widths = {int = [4, 8]}", "'widths' cannot be searched"),
    ("units = {int = [4, 8], float = [1, 2]}", "needs exactly one of"),
    ("learning_rate = {float = [0.0, 1.0], sampling = \"log\"}", "sampling='log' needs min_value > 0"),
    ("activation = {int = [1, 2]}", "search it with {choice = [...]}"),
])
def test_a_bad_search_table_is_a_usage_error(tmp_path, capsys, monkeypatch, table, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_text(f'[data]\ndataset = "iris"\n[search]\n{table}\n')
    assert main(["tune", "bad.toml", "--directory", "runs"]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_a_search_whose_trials_all_fail_exits_with_1(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "diverge.toml").write_text('[data]\ndataset = "iris"\n[compile]\noptimizer = "sgd"\n'
                                           '[fit]\nepochs = 3\nverbose = 0\n'
                                           '[search]\nlearning_rate = {float = [1e6, 1e7]}\n')
    assert main(["tune", "diverge.toml", "--directory", "runs", "--max-trials", "5"]) == 1
    err = capsys.readouterr().err
    assert "3 consecutive trials failed" in err and "NaN" in err
