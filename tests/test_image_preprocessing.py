r"""Rescaling, Resizing, CenterCrop, RandomFlip, RandomContrast (``layers.image_preprocessing``):
against Keras 3 (torch backend) on the same images (the random ones on the same draw), identity at
inference, seeded draws while training, the three-way gradient check, config and save/load."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona import layers
from neurona.gradcheck import check_gradients

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(0, 255, (2, 7, 9, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


RESIZES = [dict(height=4, width=5), dict(height=10, width=13), dict(height=4, width=5, interpolation="nearest"),
           dict(height=10, width=4, interpolation="nearest"), dict(height=4, width=4, crop_to_aspect_ratio=True),
           dict(height=3, width=8, crop_to_aspect_ratio=True), dict(height=12, width=5, crop_to_aspect_ratio=True),
           dict(height=5, width=3, interpolation="nearest", crop_to_aspect_ratio=True)]


@pytest.mark.parametrize("arguments", RESIZES, ids=str)
def test_resizing_matches_keras(keras, arguments):
    ours = np.asarray(layers.Resizing(**arguments)(IMAGES))
    theirs = keras.layers.Resizing(**arguments)(IMAGES).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=2e-4)                 # float32 sums of 4 terms up to 255


@pytest.mark.parametrize("size", [(4, 5), (7, 9), (10, 4), (3, 12)])
def test_center_crop_matches_keras(keras, size):
    ours = np.asarray(layers.CenterCrop(*size)(IMAGES))
    np.testing.assert_allclose(ours, keras.layers.CenterCrop(*size)(IMAGES).numpy(), atol=2e-4)


def test_rescaling_matches_keras_also_on_integers_and_per_channel(keras):
    pixels = RNG.integers(0, 256, (2, 4, 4, 3)).astype(np.uint8)
    for scale, offset in ((1 / 255, 0.0), (1 / 127.5, -1.0), ([0.5, 1.0, 2.0], [0.0, 1.0, -1.0])):
        ours = np.asarray(layers.Rescaling(scale, offset)(pixels))
        theirs = keras.layers.Rescaling(scale, offset)(pixels).numpy()
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_random_flip_and_contrast_equal_keras_on_the_same_draw(keras):
    flip = layers.RandomFlip(seed=0)
    flip(IMAGES, training=True)
    flips = flip._draw[1]
    assert flips.any() and not flips.all()
    for mode in ("horizontal", "vertical", "horizontal_and_vertical"):
        flip = layers.RandomFlip(mode, seed=0)
        ours = np.asarray(flip(IMAGES, training=True))
        theirs = keras.layers.RandomFlip(mode).transform_images(
            keras.ops.convert_to_tensor(IMAGES), {"flips": flips.reshape(-1, 1, 1, 1), "input_shape": IMAGES.shape}).numpy()
        np.testing.assert_array_equal(ours, theirs)
    contrast = layers.RandomContrast(0.5, seed=2)
    ours = np.asarray(contrast(IMAGES, training=True))
    factor = contrast._draw[0]
    assert np.all((factor >= 0.5) & (factor <= 1.5)) and len(np.unique(factor)) == 2
    theirs = keras.layers.RandomContrast(0.5).transform_images(keras.ops.convert_to_tensor(IMAGES),
                                                                {"contrast_factor": factor}).numpy()
    np.testing.assert_allclose(ours, theirs, atol=2e-4)


@pytest.mark.parametrize("make", [lambda: layers.RandomFlip(seed=3), lambda: layers.RandomContrast((0.2, 0.7), seed=3)])
def test_random_layers_are_the_identity_at_inference_and_seeded_while_training(make):
    first, second = make(), make()
    np.testing.assert_array_equal(first(IMAGES), IMAGES)
    np.testing.assert_array_equal(first(IMAGES, training=False), IMAGES)
    many = np.repeat(IMAGES, 8, axis=0)
    a, b = np.asarray(first(many, training=True)), np.asarray(second(many, training=True))
    np.testing.assert_array_equal(a, b)                                  # the same seed, the same draw
    assert not np.array_equal(a, many)
    assert not np.array_equal(np.asarray(first(many, training=True)), a)  # a new draw each call


@pytest.mark.parametrize("preprocess", [
    lambda: layers.Rescaling(0.5, 0.1), lambda: layers.Resizing(3, 4), lambda: layers.Resizing(7, 5, "nearest"),
    lambda: layers.Resizing(4, 4, crop_to_aspect_ratio=True), lambda: layers.CenterCrop(3, 4),
    lambda: layers.CenterCrop(6, 7), lambda: layers.RandomFlip(), lambda: layers.RandomContrast(0.4)],
    ids=["rescaling", "resizing", "nearest", "crop_to_aspect", "center_crop", "center_crop_up", "flip", "contrast"])
def test_three_way_gradient_check_through_the_layer(preprocess):
    r"""A Conv2D before the layer: its kernel's gradient passes through the layer's backward, its tape
    form and central differences. The random layers are checked on one draw (training=True): unseeded,
    they draw from the model's generator, which the check restarts before each pass."""
    model = nr.Sequential([nr.Input((5, 6, 2)), layers.Conv2D(2, 2, padding="same", activation="tanh"),
                           preprocess(), layers.Flatten(), layers.Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(1).normal(size=(4, 5, 6, 2))
    report = check_gradients(model, x, np.arange(4) % 3)
    assert report.passed, str(report)
    assert all(row.autodiff is not None for row in report.rows)


def test_contrast_gradient_with_clipping_against_central_differences():
    from gradcheck import central_difference, relative_error
    layer = layers.RandomContrast(0.9, value_range=(0.0, 1.0), seed=5)
    x = np.random.default_rng(2).uniform(0.1, 0.9, (3, 4, 4, 2))
    layer.build((None, 4, 4, 2))
    y = layer.forward(x, training=True)
    assert (y == 0).any() or (y == 1).any()                              # some entries are clipped
    g = np.random.default_rng(3).normal(size=y.shape)
    analytic = layer.backward(g)
    draw = layer._draw
    numeric = central_difference(lambda v: np.sum(layer._apply(np, v, draw) * g), x.copy())
    assert relative_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("layer", [layers.Rescaling(1 / 255, offset=-0.5), layers.Resizing(4, 6, "nearest", True),
                                   layers.CenterCrop(3, 3), layers.RandomFlip("vertical", seed=4),
                                   layers.RandomContrast((0.1, 0.3), value_range=(0, 1), seed=4)], ids=type)
def test_config_round_trip_and_save_load(layer, tmp_path):
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    model = nr.Sequential([nr.Input((6, 8, 1)), layer, layers.Flatten(), layers.Dense(2)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    model.save(tmp_path / "m.keras")
    loaded = nr.models.load_model(tmp_path / "m.keras")
    x = np.random.default_rng(0).uniform(0, 1, (3, 6, 8, 1)).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert loaded.layers[0].get_config() == layer.get_config()


@pytest.mark.parametrize("make, message", [
    (lambda: layers.Resizing(0, 3), "height must be an int >= 1; got 0"),
    (lambda: layers.Resizing(3, 3, interpolation="bicubic"), "interpolation must be one of bilinear, nearest"),
    (lambda: layers.RandomFlip("diagonal"), "mode must be one of horizontal"),
    (lambda: layers.RandomContrast(1.5), "factor"),
    (lambda: layers.CenterCrop(3, 3, data_format="channels_first"), "data_format must be 'channels_last'"),
    (lambda: layers.Resizing(3, 3).build((None, 5, 5)), "takes images of shape"),
])
def test_bad_arguments_say_what_was_expected(make, message):
    with pytest.raises(ValueError, match=message):
        make()
