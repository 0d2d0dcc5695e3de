"""Data sources: datasets and CSV files to arrays, the task read from the target, the split."""
import numpy as np
import pytest

import neurona as nr
from neurona.cli import sources
from neurona.cli.sources import SourceError


def test_task_is_read_from_the_target():
    assert sources.resolve_task(np.array(["a", "b"]), "auto", "y") == "classification"
    assert sources.resolve_task(np.array([0.0, 1.0, 2.0]), "auto", "y") == "classification"
    assert sources.resolve_task(np.array([10, 15, 22.5]), "auto", "y") == "regression"
    assert sources.resolve_task(np.arange(21.0), "auto", "y") == "regression"       # too many to be classes
    assert sources.resolve_task(np.arange(21.0), "classification", "y") == "classification"
    with pytest.raises(SourceError, match="regression needs a numeric target, but column 'y' holds text"):
        sources.resolve_task(np.array(["a"]), "regression", "y")


def test_classes_are_encoded_and_unknown_ones_refused():
    names, y = sources.encode_classes(np.array(["dog", "cat", "dog"]))
    assert names == ["cat", "dog"] and list(y) == [1, 0, 1]
    names, y = sources.encode_classes(np.array([2.0, 0.0, 2.0]))
    assert names == ["0", "2"] and list(y) == [1, 0, 1]
    assert list(sources.encode_with(np.array([2.0, 0.0]), ["0", "2"], "y")) == [1, 0]
    with pytest.raises(SourceError, match=r"column 'y' holds class\(es\) \['7'\]"):
        sources.encode_with(np.array([7.0]), ["0", "2"], "y")


def test_datasets_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURONA_DATA", str(tmp_path))
    source = sources.load_source(dataset="iris")
    assert source.x.shape == (150, 4) and source.classes == ["setosa", "versicolor", "virginica"]
    with pytest.raises(SourceError, match="unknown dataset 'irs'; did you mean 'iris'"):
        sources.load_source(dataset="irs")
    # without --data-path: the cache, else a download (never in the tests: they run offline)
    with pytest.raises(SourceError, match="cannot read dataset 'mnist': .* not in the cache"):
        sources.load_source(dataset="mnist")
    with pytest.raises(SourceError, match="cannot read dataset 'mnist'"):
        sources.load_source(dataset="mnist", data_path="/nonexistent")


@pytest.mark.parametrize("name", sorted(sources.GENERATED))
def test_generated_sets_by_name_follow_the_seed(name):
    recipe = sources.GENERATED[name]
    source = sources.load_source(dataset=name, seed=3)
    again, other = sources.load_source(dataset=name, seed=3), sources.load_source(dataset=name, seed=4)
    assert np.array_equal(source.x, again.x) and np.array_equal(source.y, again.y)
    assert source.x.shape[1] == len(source.features) == len(recipe.features)
    if recipe.classes is None:
        assert source.task == "regression" and source.y.dtype == np.float64
    else:
        assert source.task == "classification" and set(np.unique(source.y)) == {0, 1}
    random = name in ("linear", "circle", "xor", "gauss", "spiral")
    assert (not np.array_equal(source.x, other.x)) == random
    with pytest.raises(SourceError, match="'gate_xor' is a classification set"):
        sources.load_source(dataset="gate_xor", task="regression")


def test_the_generated_sets_are_the_datasets_functions():
    x, y = nr.datasets.make_spiral(seed=5)
    source = sources.load_source(dataset="spiral", seed=5)
    assert np.array_equal(source.x, x) and np.array_equal(source.y, y)
    x, y = nr.datasets.chocolate_prices()
    source = sources.load_source(dataset="chocolate_prices")
    assert np.array_equal(source.x, x) and np.array_equal(source.y, y) and source.features == ["liking"]
    assert np.array_equal(sources.load_source(dataset="gate_nand").y, nr.datasets.logic_gate("nand")[1])


def test_split_is_stratified_and_test_size_0_reuses_the_training_samples():
    source = sources.load_source(dataset="iris")
    x_train, x_test, y_train, y_test = sources.split(source, 0.2, 0)
    assert len(x_test) == 30 and np.bincount(y_test).tolist() == [10, 10, 10]
    again = sources.split(source, 0.2, 0)
    assert np.array_equal(again[1], x_test)                        # the seed fixes the split
    x_train, x_test, _, _ = sources.split(source, 0, 0)
    assert x_train is x_test is source.x


def test_the_scaler_round_trips_through_json():
    from neurona.data import StandardScaler
    x = np.random.default_rng(0).normal(3, 2, size=(50, 3))
    scaler = StandardScaler().fit(x)
    again = sources.scaler_from_dict(sources.scaler_to_dict(scaler))
    assert np.array_equal(again.transform(x), scaler.transform(x))
    assert sources.scaler_from_dict(None) is None
