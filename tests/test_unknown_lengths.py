r"""Convolutions, pooling, padding, cropping and upsampling over spatial sizes unknown at build
(``keras.Input(shape=(None,))``, ``(None, None, 3)``): sizes found per call, against Keras 3."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import neurona as nr                    # noqa: E402


def text_convnet(lib):
    r"""keras.io "Text classification from scratch": the model after the vectorization, smaller."""
    L = lib.layers
    inputs = lib.Input(shape=(None,), dtype="int64")
    x = L.Embedding(50, 8)(inputs)
    x = L.Conv1D(6, 7, padding="valid", activation="relu", strides=3)(x)
    x = L.Conv1D(6, 7, padding="valid", activation="relu", strides=3)(x)
    x = L.GlobalMaxPooling1D()(x)
    x = L.Dense(5, activation="relu")(x)
    return lib.Model(inputs, L.Dense(1, activation="sigmoid", name="predictions")(x))


def image_net(lib):
    L = lib.layers
    inputs = lib.Input(shape=(None, None, 2))
    x = L.ZeroPadding2D(1)(inputs)
    x = L.Conv2D(3, 3, strides=2, padding="same", activation="relu")(x)
    x = L.MaxPooling2D(2, padding="same")(x)
    x = L.UpSampling2D(2)(x)
    x = L.AveragePooling2D(3, strides=1, padding="same")(x)
    x = L.Cropping2D(1)(x)
    x = L.SeparableConv2D(4, 2)(x)
    x = L.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
    x = L.Conv2DTranspose(2, 2, strides=1)(x)
    return lib.Model(inputs, L.GlobalAveragePooling2D()(x))


def copy_weights(ours, theirs):
    for a, b in zip(ours.layers, [layer for layer in theirs.layers if layer.weights or not
                                  isinstance(layer, keras.layers.InputLayer)]):
        b.set_weights(a.get_weights())


def shapes_in_summary(model) -> list:
    return [row[1] for row in model.summary_rows()]


def test_the_text_convnet_builds_predicts_any_length_and_trains_as_keras():
    ours, theirs = text_convnet(nr), text_convnet(keras)
    copy_weights(ours, theirs)
    assert shapes_in_summary(ours) == ["(None, None, 8)", "(None, None, 6)", "(None, None, 6)", "(None, 6)",
                                       "(None, 5)", "(None, 1)"]
    assert [tuple(layer.output.shape) for layer in theirs.layers[1:4]] == [(None, None, 8), (None, None, 6),
                                                                            (None, None, 6)]
    rng = np.random.default_rng(0)
    for length in (30, 47, 30):
        x = rng.integers(0, 50, size=(4, length))
        np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-6)
    x, y = rng.integers(0, 50, size=(8, 41)), rng.integers(0, 2, size=(8, 1)).astype("float32")
    ours.compile(optimizer=nr.optimizers.SGD(0.5), loss="binary_crossentropy")
    theirs.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    for _ in range(2):
        np.testing.assert_allclose(ours.train_on_batch(x, y), theirs.train_on_batch(x, y), rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)


def test_padding_pooling_upsampling_and_cropping_over_unknown_image_sizes_match_keras():
    ours, theirs = image_net(nr), image_net(keras)
    copy_weights(ours, theirs)
    assert shapes_in_summary(ours)[:6] == ["(None, None, None, 2)", "(None, None, None, 3)", "(None, None, None, 3)",
                                           "(None, None, None, 3)", "(None, None, None, 3)", "(None, None, None, 3)"]
    rng = np.random.default_rng(1)
    for size in ((9, 12), (16, 7), (9, 12)):
        x = rng.normal(size=(2, *size, 2)).astype("float32")
        np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-6)


def test_gradients_over_an_unknown_length_agree_with_finite_differences():
    inputs = nr.Input(shape=(None, 3))
    x = nr.layers.Conv1D(2, 3, strides=2, padding="same")(inputs)
    x = nr.layers.Conv1DTranspose(2, 3, strides=2)(x)
    x = nr.layers.AveragePooling1D(2, padding="same")(x)
    model = nr.Model(inputs, nr.layers.GlobalMaxPooling1D()(x), dtype="float64")
    model.compile(optimizer=nr.optimizers.SGD(1.0), loss="mse")
    rng = np.random.default_rng(2)
    for length in (11, 6):
        x, y = rng.normal(size=(3, length, 3)), rng.normal(size=(3, 2))
        kernel = model.layers[0].kernel
        numeric = np.zeros_like(kernel)
        for index in np.ndindex(kernel.shape):
            saved = kernel[index]
            values = []
            for step in (1e-6, -1e-6):
                kernel[index] = saved + step
                values.append(np.mean((model.predict(x, verbose=0) - y) ** 2))
            kernel[index] = saved
            numeric[index] = (values[0] - values[1]) / 2e-6
        before = kernel.copy()
        model.train_on_batch(x, y)          # one SGD step of rate 1: W <- W - dL/dW
        np.testing.assert_allclose(before - model.layers[0].kernel, numeric, rtol=1e-5, atol=1e-8)


def test_a_known_size_too_small_for_the_window_still_says_so():
    with pytest.raises(ValueError, match="spans 7 positions"):
        nr.layers.Conv1D(2, 7)(nr.Input(shape=(5, 3)))
