r"""A model's trainable parameters as one public vector: the layers' weights are views of it,
their gradients views of the gradient vector, and the sizes list the arrays in layer order."""
import copy
import pickle

import numpy as np
import pytest

import neurona as nr
from neurona.models.flat_parameters import FlatParameters


def small_model(frozen=False):
    model = nr.Sequential([nr.layers.Dense(4, activation="tanh"), nr.layers.Dense(2)], input_dim=3, seed=0)
    model.layers[0].trainable = not frozen
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_none_before_the_model_is_built():
    model = nr.Sequential([nr.layers.Dense(2)])
    assert model.flat_parameters is None


def test_the_layers_weights_are_views_of_the_values():
    model = small_model()
    flat = model.flat_parameters
    assert flat.sizes == [12, 4, 8, 2] and flat.size == 26
    np.testing.assert_array_equal(flat.values, np.concatenate([w.ravel() for w in model.get_weights()]))
    flat.values[0] = 7.0
    assert model.layers[0].kernel[0, 0] == 7.0
    model.layers[1].grads[1][...] = 3.0      # the second layer's bias gradient is the vector's tail
    np.testing.assert_array_equal(flat.gradients[-2:], [3.0, 3.0])


def test_a_frozen_layer_is_left_out():
    model = small_model(frozen=True)
    assert model.flat_parameters.sizes == [8, 2]
    assert not np.shares_memory(model.layers[0].kernel, model.flat_parameters.values)


def test_a_training_step_moves_the_values_by_the_gradients():
    model = small_model()
    x, y = np.ones((5, 3), "float32"), np.zeros((5, 2), "float32")
    before = model.flat_parameters.values.copy()
    model.train_step(x, y)
    flat = model.flat_parameters
    np.testing.assert_allclose(flat.values, before - 0.01 * flat.gradients, rtol=1e-6, atol=1e-7)
    assert np.any(flat.gradients != 0)


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))])
def test_a_copy_links_its_layers_to_its_own_vector(duplicate):
    twin = duplicate(small_model())
    twin.flat_parameters.values[0] = 5.0
    assert twin.layers[0].kernel[0, 0] == 5.0


def test_mismatched_vectors_are_refused():
    with pytest.raises(ValueError, match="'sizes' must add up to the 3 entries"):
        FlatParameters(np.zeros(3), np.zeros(3), [2])
    with pytest.raises(ValueError, match=r"got \(3,\) and \(4,\)"):
        FlatParameters(np.zeros(3), np.zeros(4), [3])
