"""The neurona command, run as a user runs it: in a subprocess, checking output, exit codes and
the files written (none on bad input)."""
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

import neurona as nr
from neurona import cli
from neurona.cli import sources

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
ENV = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))


def run(*args, cwd, timeout=120):
    return subprocess.run([sys.executable, "-m", "neurona", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=ENV)


def ok(*args, cwd):
    result = run(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_train_with_no_arguments_uses_the_bundled_default_and_saves_the_model(tmp_path):
    start = time.perf_counter()
    out = ok("train", cwd=tmp_path)
    assert time.perf_counter() - start < 60
    assert "Dataset digits: 1438 train / 359 test samples, 64 features, 10 classes" in out
    assert "Epoch 30/30" in out and "val_accuracy" in out and "Confusion matrix" in out
    accuracy = float(out.split("test accuracy: ")[1].split()[0])
    assert accuracy > 0.95
    assert sorted(os.listdir(tmp_path)) == ["model.safetensors"]          # the checkpoint is gone
    model = nr.load_model(tmp_path / "model.safetensors")
    assert model.epoch == 30 and model.metadata["classes"] == [str(k) for k in range(10)]
    # `evaluate --split test` measures the same test samples as `train` did
    evaluated = ok("evaluate", "model.safetensors", "--dataset", "digits", "--split", "test", cwd=tmp_path)
    assert "digits: 359 samples (test split: the 0.2 held out by `neurona train`, seed 0)" in evaluated
    # by default too: the held-out split the model file knows, named in the output
    assert ok("evaluate", "model.safetensors", "--dataset", "digits", cwd=tmp_path) == evaluated
    everything = ok("evaluate", "model.safetensors", "--dataset", "digits", "--split", "all", cwd=tmp_path)
    assert "digits: 1797 samples (all split: every sample)" in everything
    assert "Loss on all samples: " in everything and "accuracy on all samples: " in everything
    assert re.search(r"Test loss: .*", out).group() == re.search(r"Test loss: .*", evaluated).group()
    info = ok("info", "model.safetensors", cwd=tmp_path)
    assert "Total params: 6,570" in info and "Epochs trained: 30" in info and "val_accuracy: first" in info


def test_the_flags_of_the_first_cli_still_work(tmp_path):
    out = ok("train", "--dataset", "breast_cancer", "--layers", "16", "--epochs", "20", "--optimizer", "sgd",
             "--learning-rate", "0.05", "--verbose", "0", "--dropout", "0.1", "--batch-size", "16",
             "--validation-split", "0.2", "--seed", "3", "--activation", "tanh", "--out", "bc.safetensors",
             cwd=tmp_path)
    assert float(out.split("test accuracy: ")[1].split()[0]) > 0.9 and "malignant" in out
    model = nr.load_model(tmp_path / "bc.safetensors")
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense"]
    assert model.layers[0].activation.registry_name == "tanh" and model.optimizer.learning_rate == 0.05


def test_chocolate_prices_example_learns_price_10_times_liking(tmp_path):
    out = ok("train", EXAMPLES / "chocolate_prices.toml", cwd=tmp_path)
    assert "CSV chocolate.csv: 7 train / 7 test samples" in out
    (tmp_path / "new.csv").write_text("liking\n4\n")
    predicted = ok("predict", "chocolate.safetensors", "new.csv", cwd=tmp_path).splitlines()
    assert predicted[0] == "price" and abs(float(predicted[1]) - 40) < 0.5    # the slides' '???'


def test_xor_example_and_predict_to_a_file(tmp_path):
    out = ok("train", EXAMPLES / "xor.toml", cwd=tmp_path)
    assert "test accuracy: 1.0000" in out
    ok("predict", "xor.safetensors", EXAMPLES / "xor.csv", "-o", "p.csv", cwd=tmp_path)
    rows = [line.split(",") for line in (tmp_path / "p.csv").read_text().splitlines()]
    assert rows[0] == ["p_0", "p_1", "class"] and [r[2] for r in rows[1:]] == ["0", "1", "1", "0"]
    assert all(abs(float(r[0]) + float(r[1]) - 1) < 1e-5 for r in rows[1:])


def test_breast_cancer_example(tmp_path):
    out = ok("train", EXAMPLES / "breast_cancer.toml", "--epochs", "15", "--verbose", "0", cwd=tmp_path)
    assert float(out.split("test accuracy: ")[1].split()[0]) > 0.95
    assert (tmp_path / "breast_cancer.safetensors").exists()


def test_mnist_example(tmp_path, mnist_path):
    # the example's file, with a smaller network and one epoch to keep the test short
    out = ok("train", EXAMPLES / "mnist_mlp.toml", "--data-path", mnist_path, "--epochs", "1", "--layers", "32",
             "--verbose", "0", cwd=tmp_path)
    assert "Dataset mnist: 60000 train / 10000 test samples, 784 features, 10 classes" in out
    assert "dropout_1 (Dropout, rate=0.2)" in out
    assert float(out.split("test accuracy: ")[1].split()[0]) > 0.9


def test_generated_sets_train_and_evaluate_on_the_same_draw(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["--dataset", "circle", "--seed", "3", "--layers", "8", "--epochs", "20", "--verbose", "0",
            "--learning-rate", "0.01"]
    assert cli.main(["train", *args]) == 0
    out = capsys.readouterr().out
    assert "Dataset circle: 400 train / 100 test samples, 2 features, 2 classes" in out
    assert float(out.split("test accuracy: ")[1].split()[0]) > 0.9
    assert cli.main(["evaluate", "model.safetensors", "--dataset", "circle", "--split", "test"]) == 0
    evaluated = capsys.readouterr().out         # the saved seed draws the same 500 points and split
    assert re.search(r"Test loss: .*", out).group() == re.search(r"Test loss: .*", evaluated).group()
    gate = ["--dataset", "gate_xor", "--test-size", "0", "--validation-split", "0", "--layers", "4",
            "--activation", "tanh", "--learning-rate", "0.05", "--epochs", "300", "--batch-size", "4"]
    assert cli.main(["train", *gate, "--verbose", "0", "--out", "xor.safetensors"]) == 0
    assert "test accuracy: 1.0000" in capsys.readouterr().out


def test_csv_with_class_names_train_evaluate_predict(tmp_path):
    x, y = nr.datasets.load_iris()
    names = np.array(nr.datasets.class_names("iris"))[y]
    lines = ["sepal length,sepal width,petal length,petal width,species"]
    lines += [",".join([*(f"{v:g}" for v in row), name]) for row, name in zip(x, names)]
    (tmp_path / "iris.csv").write_text("\n".join(lines) + "\n")
    out = ok("train", "--csv", "iris.csv", "--target", "species", "--epochs", "40", "--verbose", "0",
             "--layers", "8", "--learning-rate", "0.01", "--batch-size", "8", cwd=tmp_path)
    assert "CSV iris.csv: 120 train / 30 test samples, 4 features, 3 classes" in out
    assert float(out.split("test accuracy: ")[1].split()[0]) > 0.85
    evaluated = ok("evaluate", "model.safetensors", "--csv", "iris.csv", cwd=tmp_path)
    assert "iris.csv: 30 samples (test split: the 0.2 held out by `neurona train`, seed 0)" in evaluated
    assert "versicolor" in evaluated
    (tmp_path / "other.csv").write_text((tmp_path / "iris.csv").read_text())
    assert "other.csv: 150 samples (all split: every sample)" in ok("evaluate", "model.safetensors", "--csv",
                                                                       "other.csv", cwd=tmp_path)
    (tmp_path / "new.csv").write_text("petal width,petal length,sepal width,sepal length\n0.2,1.4,3.5,5.1\n")
    rows = ok("predict", "model.safetensors", "new.csv", cwd=tmp_path).splitlines()
    assert rows[0] == "p_setosa,p_versicolor,p_virginica,class" and rows[1].endswith(",setosa")


def test_datasets_and_help(tmp_path):
    out = ok("datasets", cwd=tmp_path)
    for name in ("breast_cancer", "digits", "iris", "mnist", "fashion_mnist", *sources.GENERATED):
        assert re.search(rf"^  {name} ", out, re.MULTILINE), name
    assert "569 samples x  30 features, 2 classes" in out
    assert "spiral                500 samples x   2 features, 2 classes" in out
    assert "chocolate_prices        7 samples x   1 features, regression" in out
    for command in ([], ["train"], ["evaluate"], ["predict"], ["info"], ["datasets"]):
        assert "Usage: neurona" in ok(*command, "--help", cwd=tmp_path)
    assert "--learning-rate" in ok("train", "--help", cwd=tmp_path)


def write(tmp_path, name, text):
    (tmp_path / name).write_text(text)


BAD_INPUT = [
    (["train", "--dataset", "mnist3"], {}, "unknown dataset 'mnist3'; did you mean 'mnist'? Known datasets: "
                                           "breast_cancer, chocolate_prices, circle, digits, "),
    (["train", "--dataset", "iris", "--csv", "a.csv"], {"a.csv": "x,y\n1,0\n"}, "--dataset and --csv"),
    (["train", "--target", "y"], {}, "--target names a column of --csv"),
    (["train", "--task", "regression"], {}, "'digits' is a classification set"),
    (["train", "--csv", "missing.csv"], {}, "no such file 'missing.csv'"),
    (["train", "--csv", "empty.csv"], {"empty.csv": ""}, "empty.csv: the file is empty"),
    (["train", "--csv", "bad.csv"], {"bad.csv": "a,b,y\n1,2,0\n3,abc,1\n"}, "line 3, column 'b': 'abc' is not a number"),
    (["train", "--csv", "bad.csv"], {"bad.csv": "a,b,y\n1,2,0\n3,4\n"}, "line 3 has 2 values; the header has 3"),
    (["train", "--csv", "a.csv", "--target", "label"], {"a.csv": "a,b,y\n1,2,0\n"},
     "no target column 'label'; the columns are ['a', 'b', 'y']"),
    (["train", "e.toml"], {"e.toml": "[compile]\nlerning_rate = 0.1\n"},
     "unknown key 'lerning_rate' in [compile]; did you mean [compile] 'learning_rate'?"),
    (["train", "e.toml"], {"e.toml": "[fit]\noptimizer = 'adam'\n"}, "'optimizer' in [fit]; it belongs in [compile]"),
    (["train", "e.toml"], {"e.toml": "[fitting]\nepochs = 2\n"}, "unknown section [fitting]; did you mean [fit]?"),
    (["train", "e.toml"], {"e.toml": "[fit]\nepochs = 'many'\n"}, "[fit] epochs must be int; got 'many'"),
    (["train", "e.toml"], {"e.toml": "[fit\n"}, "e.toml: not valid TOML"),
    (["train", "e.toml"], {"e.toml": "[data]\ndataset = 'iris'\ncsv = 'a.csv'\n"}, "dataset and csv"),
    (["train", "missing.toml"], {}, "cannot read missing.toml"),
    (["train", "--batch-size", "0"], {}, "--batch-size ([fit] batch_size) must be an integer >= 1. Got 0."),
    (["train", "--layers", "a,b"], {}, "--layers takes comma-separated integers"),
    (["train", "--dataset", "gate_and", "--test-size", "0"], {},
     "--validation-split ([fit] validation_split) = 0.1 of 4 training samples leaves no validation samples"),
    (["train", "--activation", "relux"], {}, "Unknown activation 'relux'. Did you mean 'relu'?"),
    (["train", "--optimizer", "adamm"], {}, "Unknown optimizer 'adamm'. Did you mean 'adam'?"),
    (["train", "--out", "no/such/dir/m.safetensors"], {}, "does not exist"),
    (["train", "--dataset", "mnist"], {}, "cannot read dataset 'mnist': train-images-idx3-ubyte.gz of mnist is "
                                          "not in the cache"),          # offline (conftest), empty cache
    (["train", "--epochs"], {}, "requires an argument"),
    (["train", "--no-such-flag"], {}, "No such option '--no-such-flag'"),
    (["evaluate", "m.safetensors", "--dataset", "iris"], {}, "MODEL: no such file 'm.safetensors'"),
    (["info", "m.safetensors"], {"m.safetensors": "not a model"}, "truncated file, or not a safetensors file"),
    (["predict", "m.safetensors", "in.csv"], {}, "no such file 'm.safetensors'"),
    ([], {}, "Usage: neurona"),
]


SUBPROCESS = (0, 6, 9, len(BAD_INPUT) - 1)     # the others run the same main() in this process


@pytest.mark.parametrize("case", range(len(BAD_INPUT)), ids=[" ".join(a[0]) or "none" for a in BAD_INPUT])
def test_bad_input_exits_2_with_a_clear_message_and_writes_nothing(tmp_path, monkeypatch, capsys, case):
    args, files, message = BAD_INPUT[case]
    monkeypatch.setenv("NEURONA_DATA", str(tmp_path.parent / f"{tmp_path.name}-cache"))
    for name, text in files.items():
        write(tmp_path, name, text)
    before = sorted(os.listdir(tmp_path))
    if case in SUBPROCESS:
        result = run(*args, cwd=tmp_path)
        code, err = result.returncode, result.stderr
    else:
        monkeypatch.chdir(tmp_path)
        code = cli.main(args)
        err = capsys.readouterr().err
    assert code == 2, err
    assert message in err
    assert "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == before


def test_bad_input_for_a_saved_model(tmp_path):
    ok("train", EXAMPLES / "xor.toml", "--epochs", "5", cwd=tmp_path)
    write(tmp_path, "in.csv", "x1,x3\n1,1\n")
    write(tmp_path, "y.csv", "x1,x2,xor\n1,1,maybe\n")
    for args, message in [(["predict", "xor.safetensors", "in.csv", "-o", "p.csv"], "missing feature column(s) ['x2']"),
                          (["evaluate", "xor.safetensors", "--csv", "y.csv"], "class(es) ['maybe'] that the model does not know"),
                          (["evaluate", "xor.safetensors", "--dataset", "iris"], "the model was trained on ['0', '1']"),
                          (["evaluate", "xor.safetensors", "--dataset", "iris", "--csv", "y.csv"], "give one data source")]:
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "p.csv").exists()


def test_a_failure_exits_1_with_one_line_and_debug_shows_the_traceback(tmp_path):
    args = ["train", "--epochs", "2", "--optimizer", "sgd", "--learning-rate", "1e9", "--verbose", "0"]
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("neurona: error: training failed: The loss became nan")
    assert len(result.stderr.strip().splitlines()) == 1
    assert os.listdir(tmp_path) == []
    debug = run(*args, "--debug", cwd=tmp_path)
    assert debug.returncode == 1 and "Traceback (most recent call last)" in debug.stderr


def test_plots_without_matplotlib_fail_before_anything_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)        # as if matplotlib were not installed
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--epochs", "1", "--plots", "plots"]) == 1
    assert capsys.readouterr().err == ("neurona: error: --plots needs matplotlib, which is not installed: "
                                       "pip install matplotlib (or pip install \".[plot]\" in neurona's checkout).\n")
    assert os.listdir(tmp_path) == []


def test_plots(tmp_path):
    ok("train", "--dataset", "iris", "--epochs", "3", "--verbose", "0", "--plots", "plots", cwd=tmp_path)
    assert sorted(os.listdir(tmp_path / "plots")) == ["confusion_matrix.png", "learning_curves.png"]


def test_killed_training_resumes_with_resume_and_ends_as_an_uninterrupted_run(tmp_path):
    args = ["train", "--epochs", "12", "--layers", "128,64", "--dropout", "0.2", "--verbose", "0"]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ok(*args, cwd=tmp_path / "a")
    process = subprocess.Popen([sys.executable, "-m", "neurona", *args], cwd=tmp_path / "b", env=ENV,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = tmp_path / "b" / "model.ckpt.safetensors"
    deadline = time.monotonic() + 60
    while not checkpoint.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL and not (tmp_path / "b" / "model.safetensors").exists()
    done = nr.load_model(checkpoint).epoch
    assert 1 <= done < 12
    ok(*args, "--resume", cwd=tmp_path / "b")
    uninterrupted = nr.load_model(tmp_path / "a" / "model.safetensors")
    resumed = nr.load_model(tmp_path / "b" / "model.safetensors")
    assert all(np.array_equal(u, v) for u, v in zip(uninterrupted.get_weights(), resumed.get_weights()))
    assert resumed.history.history == uninterrupted.history.history
    assert not checkpoint.exists()


def test_resume_refuses_the_checkpoint_of_another_model(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    small = ["train", "--dataset", "iris", "--epochs", "2", "--verbose", "0"]
    assert cli.main([*small, "--layers", "4", "--out", "a.safetensors"]) == 0
    os.replace("a.safetensors", "b.ckpt.safetensors")       # stands for a killed run's checkpoint
    capsys.readouterr()
    assert cli.main([*small, "--layers", "5", "--out", "b.safetensors", "--resume"]) == 2
    err = capsys.readouterr().err
    assert ("cannot resume: b.ckpt.safetensors holds the training state of a different model: layer 0 (dense) "
            "has units = 4 there, 5 here. Delete the file (or choose another path) to start over.") in err
    assert "kernel_initializer" not in err                  # the setting that differs, not whole configs
    assert sorted(os.listdir(tmp_path)) == ["b.ckpt.safetensors"]
    assert cli.main([*small, "--layers", "4", "--out", "b.safetensors", "--resume"]) == 0
    assert sorted(os.listdir(tmp_path)) == ["b.safetensors"]


def test_resuming_says_where_it_starts(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    small = ["train", "--dataset", "iris", "--layers", "4", "--verbose", "2"]
    assert cli.main([*small, "--epochs", "2", "--resume"]) == 0
    assert "No checkpoint at model.ckpt.safetensors: starting afresh." in capsys.readouterr().out
    os.replace("model.safetensors", "model.ckpt.safetensors")       # a run killed after 2 epochs
    assert cli.main([*small, "--epochs", "5", "--resume"]) == 0
    out = capsys.readouterr().out
    assert "Resuming from epoch 2 of 5 (checkpoint model.ckpt.safetensors)." in out and "Epoch 3/5" in out
    assert "Epoch 1/5" not in out


def test_fit_resuming_a_finished_backup_says_so(tmp_path):
    x, y = nr.datasets.load_iris()
    model = nr.Sequential([nr.layers.Dense(3, activation="softmax")], input_dim=4, seed=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, verbose=0, resume_from=tmp_path / "b.safetensors")
    with pytest.warns(UserWarning, match="already holds 2 epochs, all of the 2 asked for: nothing to train") as caught:
        model.fit(x, y, epochs=2, verbose=0, resume_from=tmp_path / "b.safetensors")
    assert caught[0].filename == __file__


def test_train_help_says_what_each_option_takes_and_its_default():
    from click.testing import CliRunner
    text = " ".join(CliRunner().invoke(cli.cli, ["train", "--help"], terminal_width=200).output.split())
    assert "--task [auto|classification|regression] what to learn" in text
    optimizers = "|".join(sorted(nr.optimizers.registry.names()))           # every registered one
    assert "adagrad|adam|" in optimizers and "|rmsprop|sgd" in optimizers
    assert f"--optimizer [{optimizers}] the gradient-descent optimizer. Default: adam. TOML: [compile] optimizer." in text
    assert "--fill [mean|median|zero]" in text and "--drop COLUMNS" in text
    options = {param.name: param for param in cli.train.params if param.name not in ("config", "help", "debug")}
    for name, option in options.items():
        what, default = option.help.split(". Default: ")
        assert len(what) > 15 and default.split(". TOML: [")[1].endswith(f"] {name}."), (name, option.help)

def test_the_readme_spiral_command_learns_the_spiral(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--dataset", "spiral", "--layers", "16,16", "--seed", "3", "--verbose", "0"]) == 0
    assert float(capsys.readouterr().out.split("test accuracy: ")[1].split()[0]) >= 0.95


def test_csv_friction(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    rows = [f"{i},{(i * 3) % 7},{'' if i == 5 else i % 4},{'a' if i % 2 else 'b'}" for i in range(60)]
    (tmp_path / "d.csv").write_text("id,u,v,kind\n" + "\n".join(rows) + "\n")
    small = ["train", "--csv", "d.csv", "--layers", "4", "--epochs", "2", "--verbose", "0"]
    assert cli.main(small) == 2
    assert "line 7, column 'v': the cell is empty (a missing value)" in capsys.readouterr().err
    assert cli.main([*small, "--drop", "id", "--fill", "median"]) == 0
    out = capsys.readouterr().out
    assert "3 features" not in out and "2 features" in out
    assert "Target: column 'kind', the last one (--target NAME takes another)." in out
    assert cli.main(["info", "model.safetensors"]) == 0
    info = capsys.readouterr().out
    assert "Input columns (2): u, v" in info and "Target column: 'kind' (classification, 2 classes)" in info


def test_predict_refuses_values_that_overflow_the_model_and_names_line_and_column(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("a,b,label\n" + "".join(f"{i % 5},{i % 3},{i % 2}\n" for i in range(40)))
    assert cli.main(["train", "--csv", "d.csv", "--layers", "4", "--epochs", "1", "--verbose", "0"]) == 0
    (tmp_path / "new.csv").write_text("a,b\n1,2\n3,1e300\n")
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cli.main(["predict", "model.safetensors", "new.csv"]) == 2
    captured = capsys.readouterr()
    assert "new.csv: line 3, column 'b': 1e+300" in captured.err and "too large for the model's float32" in captured.err
    assert "nan" not in captured.out


def test_predict_with_malformed_user_metadata_names_the_file_and_key(tmp_path, monkeypatch, capsys):
    import json
    from safetensors.numpy import load, save
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("a,b,label\n" + "".join(f"{i % 5},{i % 3},{i % 2}\n" for i in range(40)))
    assert cli.main(["train", "--csv", "d.csv", "--layers", "4", "--epochs", "1", "--verbose", "0"]) == 0
    from safetensors import safe_open
    with safe_open("model.safetensors", framework="numpy") as file:
        metadata = dict(file.metadata())
    tensors = load((tmp_path / "model.safetensors").read_bytes())
    user = json.loads(metadata["user"]) | {"classes": 7}
    (tmp_path / "bad.safetensors").write_bytes(save(tensors, metadata=metadata | {"user": json.dumps(user)}))
    capsys.readouterr()
    assert cli.main(["predict", "bad.safetensors", "d.csv"]) == 2
    assert "bad.safetensors: metadata 'user' key 'classes' must be" in capsys.readouterr().err


def test_mnist_is_not_standardised_by_default():
    from neurona.cli import experiment
    assert experiment.scale_wanted(experiment.merge({}, {"dataset": "mnist"})) is False
    assert experiment.scale_wanted(experiment.merge({}, {"dataset": "mnist", "scale": True})) is True
    assert experiment.scale_wanted(experiment.merge({}, {"dataset": "iris"})) is True


def test_regression_standardises_the_target_and_learns_the_chocolate_prices(tmp_path, monkeypatch, capsys):
    # price = 10 liking: Adam's steps of 0.05 reach w = 10, b = 0 only once the target is standardised
    monkeypatch.chdir(tmp_path)
    train = ["train", "--csv", str(EXAMPLES / "chocolate.csv"), "--target", "price", "--layers", "none",
             "--epochs", "300", "--learning-rate", "0.05", "--verbose", "2"]
    assert cli.main(train) == 0
    captured = capsys.readouterr()
    assert "Standardising 1 feature with the mean and std of the 6 training samples" in captured.out
    assert "Standardising the target 'price' (mean " in captured.out and "barely moved" not in captured.err
    (tmp_path / "new.csv").write_text("liking\n4\n5\n")
    assert cli.main(["predict", "model.safetensors", "new.csv"]) == 0
    predicted = capsys.readouterr().out.splitlines()
    assert predicted[0] == "price" and [float(v) for v in predicted[1:]] == pytest.approx([40, 50], abs=0.1)


def test_the_saved_model_and_its_history_speak_the_targets_units(tmp_path, monkeypatch, capsys):
    # y = 10 x + noise of std 2: the last epoch's loss is the noise's variance, about 4, in price units
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 5, 200)
    y = 10 * x + rng.normal(0, 2, 200)
    (tmp_path / "noisy.csv").write_text("x,y\n" + "\n".join(f"{a},{b}" for a, b in zip(x, y)) + "\n")
    assert cli.main(["train", "--csv", "noisy.csv", "--layers", "none", "--epochs", "40", "--learning-rate", "0.05",
                     "--test-size", "0", "--validation-split", "0", "--verbose", "0"]) == 0
    model = nr.load_model("model.safetensors")
    scaler = sources.scaler_from_dict(model.metadata["scaler"])
    training = model.evaluate(scaler.transform(x[:, None].astype("float32")), y.astype("float32"), return_dict=True)
    assert 3 < training["loss"] < 5
    assert model.history.history["loss"][-1] == pytest.approx(training["loss"], rel=0.1)
    assert model.history.history["mae"][-1] == pytest.approx(training["mae"], rel=0.1)


def test_a_run_whose_loss_barely_moved_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    chocolate = ["train", "--csv", str(EXAMPLES / "chocolate.csv"), "--layers", "none", "--epochs", "30",
                 "--verbose", "0"]
    assert cli.main([*chocolate, "--learning-rate", "1e-5"]) == 0          # it worked, but learned nothing
    err = capsys.readouterr().err
    assert "neurona: warning: the training loss barely moved" in err and "in 30 epochs" in err
    assert "Try a larger --learning-rate (now 1e-05) or more --epochs." in err
    assert cli.main([*chocolate, "--learning-rate", "1e-5", "--no-scale"]) == 0
    assert "more --epochs, or --scale." in capsys.readouterr().err
    assert cli.main([*chocolate, "--learning-rate", "0.1"]) == 0
    assert "barely moved" not in capsys.readouterr().err


def test_target_scaling_takes_integer_targets_and_folds_into_the_output_unit():
    from neurona.cli.experiment import TargetScaling
    from neurona.mlp import build_mlp

    scaling = TargetScaling(np.array([10, 20, 30, 40]))                 # integers: scaled as floats
    assert scaling.transform(np.array([10, 40])) == pytest.approx([-1.3416408, 1.3416408])
    model = build_mlp(3, [], 1, output_activation=None, seed=0)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    t_hat = model.predict(x)
    scaling.fold_into(model)                                            # y_hat = mu + sigma t_hat
    np.testing.assert_allclose(model.predict(x), scaling.mean + scaling.std * t_hat, rtol=1e-5, atol=1e-4)
