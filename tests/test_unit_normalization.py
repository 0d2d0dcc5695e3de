r"""UnitNormalization and RMSNormalization against Keras 3 (torch backend) on the same weights and
inputs: outputs, and the gradients (of sum(g y)) with respect to the inputs and the scale, taken by
torch's autograd through Keras's layer. The finite-difference checks are in test_layers_keras.py."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona import layers

os.environ.setdefault("KERAS_BACKEND", "torch")

CASES = {
    "unit": (lambda k: k.layers.UnitNormalization(), (3, 5)),
    "unit-two-axes": (lambda k: k.layers.UnitNormalization(axis=[1, 2]), (3, 5)),
    "unit-middle-axis": (lambda k: k.layers.UnitNormalization(axis=1), (3, 5)),
    "rms": (lambda k: k.layers.RMSNormalization(), (3, 5)),
    "rms-epsilon": (lambda k: k.layers.RMSNormalization(epsilon=0.5), (5,)),
    "rms-two-axes": (lambda k: k.layers.RMSNormalization(axis=[-2, -1]), (3, 5)),
}
# (RMSNormalization over an axis other than the last ones: Keras's torch backend hands it to torch's
# rms_norm, which normalises trailing axes only and refuses the shape; test_layers_keras.py checks ours)


@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_and_gradients_match_keras(name):
    keras = pytest.importorskip("keras")
    torch = pytest.importorskip("torch")
    build, shape = CASES[name]
    rng = np.random.default_rng(len(name))
    x = rng.normal(size=(4, *shape)).astype(np.float32)
    g = rng.normal(size=x.shape).astype(np.float32)
    theirs, ours = build(keras), build(nr)
    theirs.build((None, *shape))
    ours.build((None, *shape))
    weights = [rng.normal(size=np.shape(w)).astype(np.float32) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    assert ours.get_config()["axis"] == theirs.get_config()["axis"] or isinstance(theirs.axis, list)

    x_torch = torch.tensor(x, requires_grad=True)
    y_theirs = theirs(x_torch)
    (y_theirs * torch.tensor(g)).sum().backward()
    y_ours = ours.forward(x, training=True)
    np.testing.assert_allclose(y_ours, y_theirs.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.backward(g), x_torch.grad.numpy(), rtol=1e-4, atol=1e-5)
    for grad, variable in zip(ours.grads, theirs.trainable_weights):
        np.testing.assert_allclose(grad, variable.value.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_unit_normalization_keeps_zeros_and_has_unit_norms():
    layer = layers.UnitNormalization()
    layer.build((None, 3))
    x = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(layer.forward(x), [[0.6, 0.8, 0.0], [0.0, 0.0, 0.0]])


def test_rms_normalization_trains_inside_a_model():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 4)).astype(np.float32), rng.normal(size=(16, 2)).astype(np.float32)
    model = nr.Sequential([nr.Input((4,)), layers.Dense(3), layers.RMSNormalization(), layers.Dense(2)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert not np.allclose(model.layers[1].get_weights()[0], 1.0)        # the scale learned


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="axis"):
        layers.UnitNormalization(axis="last")
    with pytest.raises(ValueError, match="batch axis"):
        layers.RMSNormalization(axis=0).build((None, 3))
    with pytest.raises(ValueError, match="epsilon"):
        layers.RMSNormalization(epsilon=-1.0)
