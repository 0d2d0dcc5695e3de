r"""ZeroPadding, Cropping and UpSampling (``layers.spatial``) against Keras 3 (torch backend), and
their errors. Gradients against central differences and the tape forms: with every layer in
``test_layers_keras.py`` (cases in ``conv_cases.py``)."""
import numpy as np
import pytest

from conv_cases import KERAS, compare_with_keras
from neurona import layers

SPATIAL = sorted(name for name in KERAS if name.startswith(("zero_padding", "cropping", "up_sampling")))


@pytest.mark.parametrize("name", SPATIAL)
def test_matches_keras(name):
    errors = compare_with_keras(name)
    assert max(errors.values()) < 1e-6, errors        # sums of the copies in another order


def test_padding_and_cropping_undo_each_other():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 2))
    padded = layers.ZeroPadding2D(((1, 2), (0, 3)))(x)
    assert padded.shape == (2, 6, 7, 2) and padded[:, 0].sum() == 0
    np.testing.assert_array_equal(layers.Cropping2D(((1, 2), (0, 3)))(padded), x)


def test_up_sampling_repeats_each_position():
    x = np.arange(4.0).reshape(1, 2, 2, 1)
    y = layers.UpSampling2D((1, 2))(x)
    np.testing.assert_array_equal(y[0, :, :, 0], [[0, 0, 1, 1], [2, 2, 3, 3]])


@pytest.mark.parametrize("make, message", [
    (lambda: layers.ZeroPadding2D((1, 2, 3)), "padding must be an int >= 0, or 2 ints or 2 \\(before, after\\) pairs"),
    (lambda: layers.Cropping1D(-1), "cropping must be an int >= 0"),
    (lambda: layers.UpSampling2D(2, interpolation="bilinear"), "interpolation='nearest'"),
])
def test_bad_arguments_say_what_was_expected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_cropping_everything_is_an_error():
    with pytest.raises(ValueError, match="leaves nothing"):
        layers.Cropping1D((2, 2)).build((None, 4, 1))
