r"""LayerNormalization and GroupNormalization against Keras 3 (torch backend) on the same weights:
outputs and gradients (the checks against central differences and the tape are in the registry
walk of test_layers_keras.py)."""
import numpy as np
import pytest

import neurona as nr
from neurona import layers
from test_recurrent import keras, keras_gradients, ours_gradients      # noqa: F401  (the fixture)

CASES = {
    "layer-last-axis": (lambda k: k.layers.LayerNormalization(), (5, 6)),
    "layer-two-axes": (lambda k: k.layers.LayerNormalization(axis=[-2, -1], epsilon=1e-5), (5, 6)),
    "layer-no-center": (lambda k: k.layers.LayerNormalization(center=False), (7,)),
    "group-images": (lambda k: k.layers.GroupNormalization(groups=3), (4, 5, 6)),
    "group-features": (lambda k: k.layers.GroupNormalization(groups=2, scale=False), (6,)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_keras(keras, case):          # noqa: F811
    make, shape = CASES[case]
    rng = np.random.default_rng(0)
    ours = nr.Sequential([make(nr)], seed=0)
    ours.build((None, *shape))
    weights = [rng.normal(size=w.shape).astype("float32") for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs = keras.Sequential([keras.Input(shape), make(keras)])
    theirs.set_weights(weights)
    x = rng.normal(2.0, 3.0, size=(3, *shape)).astype("float32")
    g = rng.normal(size=x.shape).astype("float32")
    y, grads = ours_gradients(ours, x, g)
    y_k, grads_k = keras_gradients(theirs, x, g)
    np.testing.assert_allclose(y, y_k, atol=2e-5)
    assert [a.shape for a in grads] == [tuple(b.shape) for b in grads_k]
    for mine, theirs_grad in zip(grads, grads_k):
        np.testing.assert_allclose(mine, theirs_grad, atol=2e-5)


def test_each_sample_has_mean_zero_and_variance_one():
    x = np.random.default_rng(1).normal(5.0, 2.0, size=(4, 3, 8))
    y = layers.LayerNormalization(epsilon=1e-9)(x)
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-6)
    np.testing.assert_allclose(y.var(axis=-1), 1, atol=1e-5)
    g = layers.GroupNormalization(groups=4, epsilon=1e-9)(x).reshape(4, 3, 4, 2)
    np.testing.assert_allclose(g.mean(axis=(1, 3)), 0, atol=1e-6)
    np.testing.assert_allclose(g.var(axis=(1, 3)), 1, atol=1e-5)


def test_clear_errors():
    with pytest.raises(ValueError, match="split evenly"):
        layers.GroupNormalization(groups=4).build((None, 6))
    with pytest.raises(ValueError, match="last axes"):
        layers.LayerNormalization(axis=1).build((None, 3, 4))
    with pytest.raises(ValueError, match="rms_scaling"):
        layers.LayerNormalization(rms_scaling=True)
