r"""layer.input / layer.output of a Sequential's layers and model.input / model.output, for the
feature extraction of keras.io's functional API guide, against Keras 3."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import neurona as nr                    # noqa: E402
from neurona import layers              # noqa: E402


def convnet(lib, first):
    return lib.Sequential([first, lib.layers.Conv2D(4, 5, strides=2, activation="relu"),
                           lib.layers.Conv2D(4, 3, activation="relu", name="my_intermediate_layer"),
                           lib.layers.Conv2D(4, 3, activation="relu")])


@pytest.mark.parametrize("start", ["Input", "input_shape"])
def test_feature_extraction_from_a_sequential_matches_keras(start):
    first = nr.Input(shape=(20, 20, 3)) if start == "Input" else layers.InputLayer(shape=(20, 20, 3))
    ours = convnet(nr, first)
    theirs = convnet(keras, keras.Input(shape=(20, 20, 3)))
    for a, b in zip(ours.layers, theirs.layers):
        b.set_weights(a.get_weights())
    # keras.io: Model(inputs=initial_model.inputs, outputs=[layer.output for layer in initial_model.layers])
    extract = nr.Model(inputs=ours.inputs, outputs=[layer.output for layer in ours.layers])
    reference = keras.Model(inputs=theirs.inputs, outputs=[layer.output for layer in theirs.layers])
    x = np.random.default_rng(0).normal(size=(2, 20, 20, 3)).astype("float32")
    got, want = extract(x), reference(x)
    assert [tuple(g.shape) for g in got] == [tuple(w.shape) for w in want] == [(2, 8, 8, 4), (2, 6, 6, 4),
                                                                            (2, 4, 4, 4)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), keras.ops.convert_to_numpy(w), rtol=1e-4, atol=1e-5)
    # one layer's features, through model.input and get_layer(name).output
    middle = nr.Model(inputs=ours.input, outputs=ours.get_layer(name="my_intermediate_layer").output)
    np.testing.assert_allclose(middle(x), got[1], rtol=1e-6)
    assert ours.layers[0].input is ours.input and ours.layers[-1].output is ours.output


def test_layers_made_with_input_shape_have_tensors_of_their_shapes():
    model = nr.Sequential([layers.Dense(5, activation="relu", input_shape=(3,)), layers.Dense(2)])
    reference = keras.Sequential([keras.layers.Dense(5, activation="relu", input_shape=(3,)), keras.layers.Dense(2)])
    assert [(l.input.shape, l.output.shape) for l in model.layers] == \
        [(tuple(l.input.shape), tuple(l.output.shape)) for l in reference.layers] == [((None, 3), (None, 5)),
                                                                                      ((None, 5), (None, 2))]
    assert model.layers[1].input is model.layers[0].output


def test_a_sequential_built_later_sets_them_at_build_and_rebuilds_after_add():
    model = nr.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not hasattr(model.layers[0], "output")
    with pytest.raises(ValueError, match="input: the model is not built yet"):
        model.input
    model.build((None, 6))
    assert model.layers[0].input.shape == (None, 6) and model.output.shape == (None, 2)
    model.add(layers.Dense(1))
    assert model.output is model.layers[-1].output and model.output.shape == (None, 1)


def test_a_functional_model_has_its_input_and_output_and_keeps_them_when_nested():
    a, b = nr.Input(shape=(3,)), nr.Input(shape=(2,))
    joined = layers.Concatenate()([a, b])
    two = nr.Model([a, b], [layers.Dense(1)(joined), layers.Dense(2)(joined)])
    assert two.input == [a, b] and [t.shape for t in two.output] == [(None, 1), (None, 2)]
    u = nr.Input(shape=(3,))
    inner = nr.Model(u, layers.Dense(2)(u))
    x = nr.Input(shape=(3,))
    outer = nr.Model(x, layers.Dense(1)(inner(x)))
    assert inner.input is u and inner.output.shape == (None, 2)     # called on x, it keeps its own
    assert outer.input is x and outer.output.shape == (None, 1)
