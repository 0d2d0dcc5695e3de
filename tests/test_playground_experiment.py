"""One page's experiment (settings, data, network, training), its export and the user's data."""
import base64
import os
import subprocess
import sys

import numpy as np
import pytest

from neurona.playground import export, userdata
from neurona.playground.experiment import OUTPUT_GRID, Experiment, features, grid
from neurona.playground.settings import SETTINGS, SettingsError, check_settings, defaults

TF_KEYS = ["activation", "regularization", "batchSize", "dataset", "regDataset", "learningRate",
           "regularizationRate", "noise", "networkShape", "seed", "showTestData", "discretize", "percTrainData",
           "x", "y", "xTimesY", "xSquared", "ySquared", "sinX", "sinY", "problem"]


def run_script(text, tmp_path):
    path = tmp_path / "exported.py"
    path.write_text(text, encoding="utf-8")
    src = os.path.join(os.path.dirname(__file__), "..", "src")
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return [(float(a), float(b)) for _, a, b in (line.split() for line in done.stdout.splitlines())]


def test_the_settings_speak_tensorflow_playgrounds_keys_and_defaults():
    assert set(TF_KEYS) <= set(SETTINGS)
    d = defaults()
    assert (d["activation"], d["learningRate"], d["batchSize"], d["networkShape"], d["percTrainData"]) == \
           ("tanh", 0.03, 10, [4, 2], 50)
    assert check_settings({"networkShape": [8.0, 3]})["networkShape"] == [8, 3]
    for bad, match in [({"learningRate": "fast"}, "'learningRate'"), ({"networkShape": [100]}, "networkShape"),
                       ({"networkShape": [2] * 20}, "at most 8"), ({"batchSize": 0}, "'batchSize'"),
                       ({"noise": float("nan")}, "'noise'"), ({"x": 1}, "true or false"),
                       ({"seed": "s" * 500}, "at most 64"), ({"nope": 1}, "Unknown setting 'nope'"),
                       ({"x": False, "y": False}, "At least one input feature"), ([1, 2], "object")]:
        with pytest.raises(SettingsError, match=match):
            check_settings(bad)


def test_tensorflow_playground_defaults_learn_the_circle_and_xor():
    for dataset in ("circle", "xor"):
        e = Experiment({"dataset": dataset, "seed": "0.31416"})
        assert (len(e.y_train), len(e.y_test)) == (250, 250)
        for _ in range(150):
            e.step()
        assert e.losses["test"] < 0.1 and e.scores()["test"] > 0.95


def test_settings_changes_do_what_tensorflow_playground_does():
    e = Experiment({"seed": "a"})
    e.step()
    weights = e.model.get_weights()
    assert e.configure({"learningRate": 0.3}) == "live" and e.model.optimizer.learning_rate == 0.3
    assert e.epoch == 1 and all(np.array_equal(a, b) for a, b in zip(weights, e.model.get_weights()))
    assert e.configure({"discretize": True}) == "view"
    assert e.configure({"activation": "relu"}) == "reset" and e.epoch == 0
    assert e.dense_layers[0].activation.registry_name == "relu"
    before = e.x_train.copy()
    assert e.configure({"noise": 30}) == "data" and not np.array_equal(before, e.x_train)
    assert e.configure({"percTrainData": 80}) == "data" and len(e.y_train) == 400
    assert e.configure({"xSquared": True, "networkShape": [3, 3, 3]}) == "reset"
    assert e.model.input_dim == 3 and [d.units for d in e.dense_layers] == [3, 3, 3, 1]
    with pytest.raises(SettingsError, match="no user data"):
        e.configure({"dataset": "user"})
    assert e.settings["dataset"] == "circle"        # a refused change leaves the settings as they were


def test_regression_multiclass_dropout_and_per_layer_activations():
    e = Experiment({"problem": "regression", "regDataset": "reg-gauss", "seed": "r"})
    assert len(e.y_all) == 1200 and e.dense_layers[-1].activation.registry_name == "identity"
    assert e.scores() is None
    e = Experiment({"dataset": "spiral", "numClasses": 3, "loss": "crossEntropy", "optimizer": "adam",
                    "learningRate": 0.01, "networkShape": [8, 8], "layerActivations": ["relu", ""],
                    "dropout": [0, 20], "seed": "m"})
    kinds = [type(layer).__name__ for layer in e.model.layers]
    assert kinds == ["Dense", "Dense", "Dropout", "Dense"]
    assert [d.activation.registry_name for d in e.dense_layers] == ["relu", "tanh", "softmax"]
    first = e.losses["train"]
    for _ in range(30):
        e.step()
    assert e.losses["train"] < first
    confusion = np.array(e.scores()["confusion"])
    assert confusion.shape == (3, 3) and confusion.sum() == len(e.y_test)
    maps = e.heatmaps()
    assert len(base64.b64decode(maps["output"]["classes"])) == OUTPUT_GRID ** 2
    assert set(np.frombuffer(base64.b64decode(maps["output"]["classes"]), np.uint8)) <= {0, 1, 2}


def test_heatmaps_are_the_layers_outputs_on_the_grid():
    e = Experiment({"seed": "h", "networkShape": [3]})
    maps = e.heatmaps()
    side = maps["nodeGrid"]
    assert [len(layer) for layer in maps["nodes"]] == [3, 1]
    hidden = np.frombuffer(base64.b64decode(maps["nodes"][0][1]), np.uint8).reshape(side, side)
    points = grid(OUTPUT_GRID).reshape(OUTPUT_GRID, OUTPUT_GRID, 2)[::2, ::2].reshape(-1, 2)
    dense = e.dense_layers[0]
    expected = np.tanh(features(points, ["x", "y"]) @ dense.kernel[:, 1].astype(np.float64) + dense.bias[1])
    np.testing.assert_allclose(hidden.ravel() / 127.5 - 1, np.clip(expected, -1, 1), atol=0.01)
    e.focus = (0, 1)
    focused = np.frombuffer(base64.b64decode(e.heatmaps()["output"]["value"]), np.uint8)
    np.testing.assert_array_equal(focused.reshape(OUTPUT_GRID, OUTPUT_GRID)[::2, ::2], hidden)
    e.focus = "x"
    first_column = np.frombuffer(base64.b64decode(e.heatmaps()["output"]["value"]), np.uint8)
    assert first_column[0] == 0 and first_column[OUTPUT_GRID - 1] == 255     # x1 = -6 ... 6 (clipped)


def test_explain_writes_out_one_neuron_for_one_sample():
    e = Experiment({"seed": "x", "networkShape": [3, 2]})
    m = e.explain(1, 0, 7)
    np.testing.assert_allclose(m["z"], np.dot(m["w"], m["a_prev"]) + m["b"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m["a"], np.tanh(m["z"]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m["dL/dw"], np.array(m["a_prev"]) * m["delta"], rtol=1e-5, atol=1e-7)
    # delta = dL/dz against a central difference of this sample's loss through the bias, in float64
    x, t = e.inputs_train[7:8], e.targets_train[7:8]

    def loss(shift):
        a = x
        for i, d in enumerate(e.dense_layers):
            z = a @ d.kernel.astype(np.float64) + d.bias.astype(np.float64)
            if i == 1:
                z[0, 0] += shift
            a = np.tanh(z)
        return float(np.sum((a - t) ** 2) / 2)
    h = 1e-6
    assert m["delta"] == pytest.approx((loss(h) - loss(-h)) / (2 * h), rel=1e-3, abs=1e-6)
    with pytest.raises(SettingsError, match="'sample'"):
        e.explain(0, 0, 10_000)
    with pytest.raises(SettingsError, match="'unit'"):
        e.explain(0, 5, 0)


def test_the_exported_script_gives_the_page_losses_bit_for_bit(tmp_path):
    e = Experiment({"seed": "0.1", "networkShape": [4, 3], "regularization": "L2", "regularizationRate": 0.001,
                    "xTimesY": True, "noise": 10})
    for _ in range(4):
        e.step()
    e.configure({"learningRate": 0.1, "batchSize": 7, "regularizationRate": 0.01})
    e.set_parameter(1, 0, None, 0.5)
    e.set_parameter(0, 1, 2, -0.25)
    for _ in range(3):
        e.step()
    assert run_script(export.script(e), tmp_path) == list(zip(e.history["loss"], e.history["val_loss"]))
    assert 'dataset = "circle"' in export.toml(e)

    # the user's own points, three classes, cross-entropy, Adam with a schedule and dropout
    x, y, problem, _ = userdata.parse_points([[float(i % 7) - 3, float(i % 5) - 2, i % 3] for i in range(60)])
    e = Experiment({"seed": "u", "loss": "crossEntropy", "optimizer": "adam", "schedule": "exponential",
                    "dropout": [10, 0]})
    e.use_data(x, y, problem)
    for _ in range(5):
        e.step()
    assert e.n_classes == 3 and export.toml(e) is None
    assert run_script(export.script(e), tmp_path) == list(zip(e.history["loss"], e.history["val_loss"]))


def test_csv_data_are_checked_and_scaled():
    text = "a,b,kind\n" + "".join(f"{i},{i * i},{'cat' if i % 2 else 'dog'}\n" for i in range(20))
    x, y, problem, info = userdata.parse_csv(text, "a", "b", "kind")
    assert problem == "classification" and info["classes"] == ["cat", "dog"] and set(y) == {0, 1}
    assert x.min() == -5 and x.max() == 5 and x.shape == (20, 2)
    x, y, problem, _ = userdata.parse_csv("p;q;r\n" + "".join(f"{i};{-i};{i / 3}\n" for i in range(30)), "p", "q", "r")
    assert problem == "regression" and y.min() == -1 and y.max() == 1
    for text, columns, match in [
        ("a,b,c\n1,2,3\n", ("a", "b", "zz"), "no column 'zz'"),
        ("a,b,c\n1,x,0\n2,3,1\n3,4,0\n5,6,1\n", ("a", "b", "c"), "line 2: 'x' is not a number"),
        ("a,b,c\n1,2\n", ("a", "b", "c"), "Line 2 has 2 cells"),
        ("a,b,c\n" + "1,2,0\n" * 10_001, ("a", "b", "c"), "at most 10000"),
        ("a,b,c\n" + "1,2,0\n" * 5, ("a", "b", "c"), "one value only"),
        ("a,b,c\n1,inf,0\n2,3,1\n3,4,0\n5,6,1\n", ("a", "b", "c"), "not a finite number"),
        ("x" * 2_000_001, ("a", "b", "c"), "larger than 2 MB"),
        (42, ("a", "b", "c"), "text of a CSV"),
        ("a,b,c\n1,2,3\n", ("a", 3, "c"), "'x2' must be the name"),
    ]:
        with pytest.raises(SettingsError, match=match):
            userdata.parse_csv(text, *columns)
    for points, match in [("no", "list of 4"), ([[0, 0, 0]] * 3, "list of 4"), ([[0, 0, 0]] * 4, "2 classes"),
                          ([[0, 0, 0]] * 3 + [[9, 0, 1]], "Point 3"), ([[0, 0, 0]] * 3 + [[0, 0, 1.5]], "Point 3"),
                          ([[0, 0, 0]] * 3 + [[0, "a", 1]], "Point 3")]:
        with pytest.raises(SettingsError, match=match):
            userdata.parse_points(points)
