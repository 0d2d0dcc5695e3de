r"""Layers held by a custom layer, as keras.io's "Making new layers and models via subclassing" guide
writes them (an MLPBlock whose ``__init__`` makes Linear sublayers and whose ``call`` chains them):
their weights are the layer's, in Keras's order, trained by fit, saved and loaded; compared with
Keras 3 (torch backend) from the same weights, and the gradient with central differences."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
real = pytest.importorskip("keras")

import neurona as nr                                   # noqa: E402

rng = np.random.default_rng(0)
X = rng.normal(size=(32, 6)).astype("float32")
Y = rng.normal(size=(32, 1)).astype("float32")


def guide_layers(keras):
    r"""The guide's classes, written once for either library."""
    class Linear(keras.layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")

        def call(self, inputs):
            return keras.ops.matmul(inputs, self.w) + self.b

    class MLPBlock(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.linear_1 = Linear(8)
            self.linear_2 = Linear(4)
            self.linear_3 = Linear(1)

        def call(self, inputs):
            x = keras.activations.relu(self.linear_1(inputs))
            x = keras.activations.relu(self.linear_2(x))
            return self.linear_3(x)

    class ActivityRegularization(keras.layers.Layer):
        def call(self, inputs):
            self.add_loss(0.01 * keras.ops.sum(inputs ** 2))
            return inputs

    class Stack(keras.layers.Layer):
        r"""Built-in Dense sublayers in a list, a scale of its own and a nested add_loss."""
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.blocks = [keras.layers.Dense(5, activation="tanh"), keras.layers.Dense(1)]
            self.regularization = ActivityRegularization()

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(1,), initializer="ones")

        def call(self, inputs):
            x = self.regularization(self.blocks[0](inputs))
            return self.blocks[1](x) * self.scale

    return Linear, MLPBlock, Stack


def compiled(keras, layer):
    model = keras.Sequential([keras.Input((6,)), layer])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    return model


@pytest.mark.parametrize("which", [1, 2])          # MLPBlock, Stack
def test_sublayer_weights_train_as_in_keras_from_the_same_weights(which):
    theirs = compiled(real, guide_layers(real)[which]())
    ours = compiled(nr, guide_layers(nr)[which]())
    their_weights = [np.asarray(w) for w in theirs.get_weights()]
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in their_weights]
    ours.set_weights(their_weights)
    assert len(ours.layers[-1].trainable_weights) == len(theirs.layers[-1].trainable_weights)
    np.testing.assert_allclose(ours.predict(X, verbose=0), np.asarray(theirs.predict(X, verbose=0)), atol=1e-5)
    expected = theirs.fit(X, Y, epochs=3, batch_size=8, shuffle=False, verbose=0).history["loss"]
    got = ours.fit(X, Y, epochs=3, batch_size=8, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, np.asarray(b), atol=1e-5)


def test_sublayer_weights_are_the_layers_own_and_named_by_attribute():
    _, MLPBlock, Stack = guide_layers(nr)
    block = MLPBlock()
    block(np.ones((3, 6), dtype="float32"))
    assert len(block.weights) == len(block.trainable_weights) == 6
    assert block.param_names == ["linear_1.w", "linear_1.b", "linear_2.w", "linear_2.b", "linear_3.w", "linear_3.b"]
    assert block.weights[0] is block.linear_1.w
    stack = Stack()
    stack(np.ones((3, 6), dtype="float32"))
    assert stack.param_names == ["scale", "blocks.0.kernel", "blocks.0.bias", "blocks.1.kernel", "blocks.1.bias"]
    assert len(stack.losses) == 1


def test_gradient_of_the_sublayers_weights_matches_central_differences():
    _, _, Stack = guide_layers(nr)
    stack = Stack()
    x, y = X[:8].astype("float64"), Y[:8].astype("float64")
    stack(x)

    def cost():
        out = stack(x)
        return float(np.mean((out - y) ** 2) + sum(np.sum(t) for t in stack.losses))

    with nr.GradientTape() as tape:
        loss = nr.ops.mean((stack(x, training=True) - y) ** 2)
        for term in stack.losses:                      # the nested ActivityRegularization's add_loss
            loss = loss + term
    grads = tape.gradient(loss, stack.trainable_weights)
    assert len(grads) == 5
    for w, g in zip(stack.trainable_weights, grads):
        numeric = np.zeros(w.shape)
        for i in np.ndindex(w.shape):
            keep = w[i]
            w[i] = keep + 1e-3
            up = cost()
            w[i] = keep - 1e-3
            numeric[i] = (up - cost()) / (float(keep + w.dtype.type(1e-3)) - float(keep - w.dtype.type(1e-3)))
            w[i] = keep
        np.testing.assert_allclose(g, numeric, atol=1e-6, rtol=1e-3)
        assert np.abs(g).max() > 0


def test_a_model_with_sublayers_saves_and_loads_with_its_weights(tmp_path):
    _, MLPBlock, _ = guide_layers(nr)
    model = compiled(nr, MLPBlock(name="block"))
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    path = str(tmp_path / "block.keras")
    model.save(path)
    loaded = nr.models.load_model(path, custom_objects={"MLPBlock": MLPBlock})
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
    before = loaded.get_weights()
    loaded.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    assert any(not np.allclose(a, b) for a, b in zip(before, loaded.get_weights()))
