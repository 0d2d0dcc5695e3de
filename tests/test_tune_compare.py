import numpy as np
import pytest

import neurona as nr
from neurona import layers, optimizers, tune
from neurona.tune.compare import reseed

from tune_models import build_model, digits


def sgd_model(hp):
    model = nr.Sequential([layers.Dense(16, activation="relu"), layers.Dropout(0.2),
                           layers.Dense(10, activation="softmax")], input_dim=64)      # no seed: compare sets it
    model.compile(optimizer=optimizers.SGD(0.05, momentum=hp.Float("momentum", 0.0, 0.99)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_variants_differ_only_in_the_named_setting():
    x, y, x_val, y_val = digits(300, 150)
    printed = []
    result = tune.compare(sgd_model, {"momentum": [0.0, 0.9]}, x, y, seeds=(0, 1), epochs=3, batch_size=32,
                          validation_data=(x_val, y_val), print_fn=printed.append)
    assert list(result.summary) == ["momentum=0.0", "momentum=0.9"]
    mean, std = result.summary["momentum=0.9"]["val_accuracy"]
    runs = [h["val_accuracy"][-1] for h in result.histories["momentum=0.9"]]
    assert mean == pytest.approx(np.mean(runs)) and std == pytest.approx(np.std(runs, ddof=1))
    assert "±" in printed[0] and "momentum=0.9" in printed[0]
    assert result.histories["momentum=0.0"][0]["loss"] != result.histories["momentum=0.9"][0]["loss"]
    # a setting the model ignores changes nothing: same weights, batches and dropout masks per seed
    same = tune.compare(sgd_model, {"ignored": [1, 2]}, x, y, seeds=(0, 1), epochs=2, print_fn=None)
    first, second = same.histories["ignored=1"], same.histories["ignored=2"]
    assert first == second and first[0] != first[1]


def test_reseed_gives_the_same_initial_weights_whatever_the_build_seed():
    a, b = sgd_model(tune.HyperParameters()), sgd_model(tune.HyperParameters())
    assert not all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))
    reseed(a, 3, (None, 64))
    reseed(b, 3, (None, 64))
    assert all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


def test_compare_checks_its_arguments():
    x, y, _, _ = digits(50, 10)
    with pytest.raises(ValueError, match="settings must be a dict"):
        tune.compare(sgd_model, [0.0, 0.9], x, y)
    with pytest.raises(ValueError, match=r"settings\['momentum'\] must be a non-empty list"):
        tune.compare(sgd_model, {"momentum": 0.9}, x, y)
    with pytest.raises(ValueError, match="seeds must be a non-empty list of integers"):
        tune.compare(sgd_model, {"momentum": [0.9]}, x, y, seeds=())


def test_plots_of_a_search_and_of_a_comparison(tmp_path):
    pytest.importorskip("matplotlib")
    x, y, x_val, y_val = digits(200, 100)
    tuner = tune.RandomSearch(build_model, objective="val_accuracy", max_trials=3, directory=tmp_path, seed=0)
    tuner.search(x, y, epochs=1, validation_data=(x_val, y_val), verbose=0)
    figure = tune.plot.history(tuner, path=tmp_path / "history.png")
    assert (tmp_path / "history.png").stat().st_size > 1000 and len(figure.axes) == 1
    assert len(tune.plot.scores(tuner, path=tmp_path / "scores.svg").axes) == 2
    lines = tune.plot.parallel_coordinates(tuner).axes[0].get_lines()
    assert len(lines) == 3
    result = tune.compare(sgd_model, {"momentum": [0.0, 0.9]}, x, y, seeds=(0,), epochs=2, print_fn=None)
    assert len(result.plot("loss").axes[0].get_lines()) == 2
    with pytest.raises(ValueError, match="no variant logged 'val_auc'"):
        tune.plot.compare(result, "val_auc")
