r"""``activations.relu(x, negative_slope, max_value, threshold)`` against Keras 3's function (torch
backend) on arrays, its tape form's gradient against central differences, and ``get`` of it."""
import os

import numpy as np
import pytest

from gradcheck import central_difference, relative_error
from neurona import activations
from neurona.autodiff import GradientTape, Variable

os.environ.setdefault("KERAS_BACKEND", "torch")

ARGUMENTS = [{}, {"negative_slope": 0.1}, {"max_value": 2.5}, {"max_value": 6.0}, {"threshold": 0.5},
             {"negative_slope": 0.2, "max_value": 3.0, "threshold": 1.0}, {"negative_slope": 0.3, "threshold": 0.7}]
# (off the kinks at 0, the threshold and the cap, where the two sides of the slope differ)
X = np.array([[-4.1, -1.3, -0.2, 0.3, 0.9, 1.4], [2.2, 2.8, 3.6, 5.1, 6.7, 9.4]])


@pytest.mark.parametrize("arguments", ARGUMENTS, ids=str)
def test_relu_with_arguments_matches_keras(arguments):
    keras = pytest.importorskip("keras")
    theirs = keras.ops.convert_to_numpy(keras.activations.relu(X.astype(np.float32), **arguments))
    np.testing.assert_allclose(activations.relu(X.astype(np.float32), **arguments), theirs, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("arguments", ARGUMENTS, ids=str)
def test_relu_tape_form_gradient(arguments):
    g = np.random.default_rng(0).normal(size=X.shape)
    x = Variable(X.copy())
    with GradientTape() as tape:
        total = (activations.relu(x, **arguments) * g).sum()
    analytic = np.asarray(tape.gradient(total, x))
    numeric = central_difference(lambda z: float(np.sum(activations.relu(z, **arguments) * g)), X.copy())
    assert relative_error(analytic, numeric) < 1e-7


def test_plain_relu_is_still_the_registered_activation():
    assert type(activations.get(activations.relu)).__name__ == "ReLU"
    np.testing.assert_array_equal(activations.relu(np.array([-1.0, 2.0])), [0.0, 2.0])
    with pytest.raises(ValueError, match="threshold"):
        activations.relu(X, threshold=-1.0)
