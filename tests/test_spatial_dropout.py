r"""SpatialDropout1D/2D/3D: one keep decision per (sample, channel), shared by the whole feature map,
scaled by 1 / (1 - rate); the identity at inference; Keras 3's (torch backend) masks have the same
form and its configs the same keys. The gradients are checked in test_layers_keras.py."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona import layers

os.environ.setdefault("KERAS_BACKEND", "torch")

SHAPES = {"SpatialDropout1D": (7, 6), "SpatialDropout2D": (5, 4, 6), "SpatialDropout3D": (3, 2, 4, 6)}


def _ratio_per_map(x, y, channels_first=False):
    r"""y / x as (batch, positions, channels): one value per (sample, channel) if whole maps are dropped."""
    ratio = y / x
    if channels_first:
        ratio = np.moveaxis(ratio, 1, -1)
    return ratio.reshape(len(x), -1, ratio.shape[-1])


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_whole_maps_are_dropped_at_the_rate_and_the_mean_is_kept(name):
    rate, m = 0.3, 2000
    layer = getattr(layers, name)(rate, seed=4)
    layer.build((None, *SHAPES[name]))
    x = np.random.default_rng(1).uniform(0.5, 1.5, size=(m, *SHAPES[name]))
    ratio = _ratio_per_map(x, layer.forward(x, training=True))
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio[:, :1, :], ratio.shape), rtol=1e-12)     # one value per map
    kept = ratio[:, 0, :]
    assert set(np.unique(np.round(kept, 12))) == {0.0, round(1 / (1 - rate), 12)}
    assert abs(np.mean(kept == 0) - rate) < 4 * np.sqrt(rate * (1 - rate) / kept.size)
    assert abs(kept.mean() - 1.0) < 0.03                                        # E[y] = x
    np.testing.assert_array_equal(layer.forward(x, training=False), x)


def test_channels_first_shares_the_mask_over_the_trailing_axes():
    layer = layers.SpatialDropout2D(0.5, data_format="channels_first", seed=2)
    layer.build((None, 6, 3, 4))
    x = np.random.default_rng(0).uniform(1, 2, size=(50, 6, 3, 4))
    ratio = _ratio_per_map(x, layer.forward(x, training=True), channels_first=True)
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio[:, :1, :], ratio.shape), rtol=1e-12)
    assert 0 < np.mean(ratio == 0) < 1


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_keras_masks_have_the_same_form_and_inference_is_the_identity(name):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(3).uniform(0.5, 1.5, size=(40, *SHAPES[name])).astype(np.float32)
    theirs = getattr(keras.layers, name)(0.4, seed=1)
    ratio = _ratio_per_map(x, keras.ops.convert_to_numpy(theirs(x, training=True)))
    np.testing.assert_allclose(ratio, np.broadcast_to(ratio[:, :1, :], ratio.shape), rtol=1e-5)
    ours = getattr(layers, name)(0.4, seed=1)
    ours.build((None, *SHAPES[name]))
    ours_ratio = _ratio_per_map(x, ours.forward(x, training=True))
    np.testing.assert_allclose(np.unique(np.round(ours_ratio, 5)), np.unique(np.round(ratio, 5)))
    np.testing.assert_array_equal(ours(x), keras.ops.convert_to_numpy(theirs(x)))
    keras_keys = set(theirs.get_config()) - {"name", "dtype", "trainable"}
    assert keras_keys <= set(ours.get_config())


def test_spatial_dropout_trains_inside_a_model():
    x = np.random.default_rng(0).normal(size=(16, 5, 3)).astype(np.float32)
    y = np.random.default_rng(1).normal(size=(16, 2)).astype(np.float32)
    model = nr.Sequential([nr.Input((5, 3)), layers.SpatialDropout1D(0.5, seed=0), layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="rate"):
        layers.SpatialDropout1D(1.0)
    with pytest.raises(ValueError, match="data_format"):
        layers.SpatialDropout2D(0.1, data_format="channels_middle")
    with pytest.raises(ValueError, match="spatial axes"):
        layers.SpatialDropout2D(0.1).build((None, 4, 3))
