r"""CategoryEncoding and Discretization (``layers.categorical``) against Keras 3 (torch backend) on
the same inputs: every output mode and input rank, Discretization's adapted boundaries (one array and
batches), config and model-file round trips, and the errors."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona import layers

RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("shape", [(4,), (4, 1), (4, 3)])
def test_category_encoding_matches_keras(keras, mode, shape):
    ids = RNG.integers(0, 5, shape)
    ours = np.asarray(layers.CategoryEncoding(5, mode)(ids))
    theirs = keras.layers.CategoryEncoding(5, mode)(ids).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_category_encoding_counts_with_weights(keras):
    ids, weights = np.array([[0, 1, 1], [2, 2, 4]]), np.array([[0.5, 1.0, 2.0], [1.0, 1.5, 3.0]])
    ours = np.asarray(layers.CategoryEncoding(5, "count")(ids, count_weights=weights))
    np.testing.assert_allclose(ours, [[0.5, 3.0, 0, 0, 0], [0, 0, 2.5, 0, 3.0]])
    theirs = keras.layers.CategoryEncoding(5, "count")(ids, count_weights=weights).numpy()
    np.testing.assert_allclose(ours, theirs)


def keras_adapt(layer, batches):
    r"""Keras's adapt without tf.data (its own update_state / finalize_state steps)."""
    layer.reset_state()
    for batch in batches:
        layer.update_state(batch)
    layer.finalize_state()


@pytest.mark.parametrize("num_bins", [2, 4, 7])
def test_discretization_adapt_places_keras_boundaries(keras, num_bins):
    data = RNG.normal(size=(1000, 2)).astype(np.float32)
    ours, theirs = layers.Discretization(num_bins=num_bins), keras.layers.Discretization(num_bins=num_bins)
    ours.adapt(data)
    keras_adapt(theirs, [data])
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    ours.adapt([data[:300], data[300:]])
    keras_adapt(theirs, [data[:300], data[300:]])
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    assert np.asarray(ours(x)).dtype == np.int32
    np.testing.assert_array_equal(ours(x), theirs(x).numpy())


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_output_modes_match_keras(keras, mode):
    x = np.array([[-1.0, 0.0, 0.5], [1.0, 2.0, -0.1], [0.99, 1.0, 7.0], [0.0, 0.0, 0.0]], np.float32)
    ours = np.asarray(layers.Discretization([0.0, 1.0], output_mode=mode)(x))
    theirs = keras.layers.Discretization([0.0, 1.0], output_mode=mode)(x).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_bins_by_hand():
    x = np.array([[-5.0, 0.0, 0.5, 1.0, 9.0]])
    np.testing.assert_array_equal(layers.Discretization([0.0, 1.0])(x), [[0, 1, 1, 2, 2]])    # #{b <= x}


def test_adapted_discretization_round_trips_config_and_model_file(tmp_path):
    layer = layers.Discretization(num_bins=3, output_mode="one_hot")
    layer.adapt(np.arange(90.0))
    clone = layers.Discretization.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config() and clone.num_bins == 3
    model = nr.Sequential([nr.Input((1,)), layer, layers.Dense(2)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([[5.0], [40.0], [80.0], [31.0]])
    model.fit(x, np.ones((4, 2)), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = nr.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].bin_boundaries == layer.bin_boundaries
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_category_encoding_in_a_model_round_trips(tmp_path):
    model = nr.Sequential([nr.Input((3,)), layers.CategoryEncoding(6, "count"), layers.Dense(2)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    ids = RNG.integers(0, 6, (8, 3)).astype(np.float32)
    model.fit(ids, np.zeros((8, 2)), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = nr.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].get_config() == model.layers[0].get_config()
    np.testing.assert_array_equal(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0))


@pytest.mark.parametrize("make, message", [
    (lambda: layers.CategoryEncoding(0), "num_tokens must be an int >= 1"),
    (lambda: layers.CategoryEncoding(3, "tf_idf"), "output_mode must be one of one_hot, multi_hot, count"),
    (lambda: layers.CategoryEncoding(3)(np.array([[0, 3]])), r"ids must lie in 0 \.\. 2 \(num_tokens=3\); got values from 0 to 3"),
    (lambda: layers.CategoryEncoding(3)(np.array([[0, 1]]), count_weights=np.ones((1, 2))), "count_weights is used only"),
    (lambda: layers.CategoryEncoding(3)(np.array([[0.0, 1.5]])), "ids must be whole numbers; got 1.5"),
    (lambda: layers.Discretization(), "give bin_boundaries, or num_bins and then call adapt; got neither"),
    (lambda: layers.Discretization([0.0]).adapt(np.ones(3)), "was given bin_boundaries and no num_bins"),
    (lambda: layers.Discretization(num_bins=3)(np.ones((2, 1))), "call adapt"),
])
def test_errors_name_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()
