r"""RandomRotation, RandomTranslation, RandomZoom (``layers.image_augmentation``): the affine maps equal
Keras 3's for the same drawn angles / shifts / zooms, the sampled images equal Keras's
``affine_transform`` (torch backend) in every fill mode and interpolation, the identity at inference,
seeded draws, the three-way gradient check, config and model-file round trips, errors."""
import os

import numpy as np
import pytest

import neurona as nr
from neurona import layers
from neurona.gradcheck import check_gradients
from neurona.layers import image_augmentation as augmentation

IMAGES = np.random.default_rng(0).uniform(0, 255, (3, 7, 9, 2)).astype(np.float32)


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def keras_matrices(keras, kind, values):
    m = len(values[0])
    ops = keras.ops
    if kind == "rotation":
        layer = keras.layers.RandomRotation(0.5)
        zeros, ones = ops.zeros([m]), ops.ones([m])
        return layer._compute_affine_matrix(0.5, 0.5, ops.convert_to_tensor(values[0]), zeros, zeros, ones, zeros,
                                            zeros, 7, 9).numpy()
    if kind == "translation":
        dx, dy = values
        return keras.layers.RandomTranslation(0.1, 0.1)._get_translation_matrix(
            ops.convert_to_tensor(np.stack([dx, dy], 1).astype(np.float32))).numpy()
    zx, zy = values
    return keras.layers.RandomZoom(0.1)._get_zoom_matrix(
        ops.convert_to_tensor(np.stack([zx, zy], 1).astype(np.float32)), 7, 9).numpy()


CASES = {"rotation": ([np.array([30.0, -100.0, 12.5], np.float32)], lambda v: augmentation.rotation_matrices(v[0], 7, 9)),
         "translation": ([np.array([1.5, -2.0, 0.3]), np.array([-0.7, 2.0, 3.1])],
                         lambda v: augmentation.translation_matrices(*v)),
         "zoom": ([np.array([0.8, 1.3, 1.0]), np.array([1.2, 0.7, 1.0])],
                  lambda v: augmentation.zoom_matrices(*v, 7, 9))}


@pytest.mark.parametrize("kind", sorted(CASES))
@pytest.mark.parametrize("fill_mode", augmentation.FILL_MODES)
@pytest.mark.parametrize("interpolation", augmentation.INTERPOLATIONS)
def test_maps_and_sampled_images_equal_keras(keras, kind, fill_mode, interpolation):
    values, ours_of = CASES[kind]
    ours = ours_of(values)
    theirs = keras_matrices(keras, kind, values)
    np.testing.assert_allclose(ours, theirs[:, :6], atol=1e-5)
    # the sampling on Keras's float32 coefficients: a nearest pixel on a tie reads the same neighbour
    draw = augmentation.sampling(theirs[:, :6], 7, 9, interpolation, fill_mode)
    layer = layers.RandomZoom(0.1, fill_mode=fill_mode, interpolation=interpolation, fill_value=7.0)
    sampled = layer._apply(np, IMAGES, draw)
    reference = keras.ops.image.affine_transform(keras.ops.convert_to_tensor(IMAGES), keras.ops.convert_to_tensor(
        theirs.astype(np.float32)), interpolation=interpolation, fill_mode=fill_mode, fill_value=7.0).numpy()
    np.testing.assert_allclose(sampled, reference, atol=1e-3)


def test_a_quarter_turn_by_hand():
    image = np.arange(9.0).reshape(1, 3, 3, 1)
    draw = augmentation.sampling(augmentation.rotation_matrices([90.0], 3, 3), 3, 3, "nearest", "constant")
    turned = layers.RandomRotation(0.3)._apply(np, image, draw)[0, :, :, 0]
    np.testing.assert_array_equal(turned, np.rot90(image[0, :, :, 0]))             # counter-clockwise
    shifted = layers.RandomTranslation(0.3, 0.3)._apply(
        np, image, augmentation.sampling(augmentation.translation_matrices([1.0], [0.0]), 3, 3, "bilinear", "constant"))
    np.testing.assert_array_equal(shifted[0, :, :, 0], [[0, 0, 1], [0, 3, 4], [0, 6, 7]])


MAKERS = {"rotation": lambda seed=None: layers.RandomRotation(0.2, seed=seed),
          "translation": lambda seed=None: layers.RandomTranslation((-0.2, 0.3), 0.2, fill_mode="constant", seed=seed),
          "zoom": lambda seed=None: layers.RandomZoom((-0.3, 0.2), (-0.1, 0.1), fill_mode="wrap", seed=seed)}


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_identity_at_inference_seeded_while_training(kind):
    first, second = MAKERS[kind](5), MAKERS[kind](5)
    np.testing.assert_array_equal(first(IMAGES), IMAGES)
    a, b = np.asarray(first(IMAGES, training=True)), np.asarray(second(IMAGES, training=True))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, IMAGES)
    assert not np.array_equal(np.asarray(first(IMAGES, training=True)), a)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_three_way_gradient_check_through_the_layer(kind):
    model = nr.Sequential([nr.Input((5, 6, 2)), layers.Conv2D(2, 2, padding="same", activation="tanh"),
                           MAKERS[kind](), layers.Flatten(), layers.Dense(3, activation="softmax")], seed=0)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(1).normal(size=(4, 5, 6, 2))
    report = check_gradients(model, x, np.arange(4) % 3)
    assert report.passed, str(report)
    assert all(row.autodiff is not None for row in report.rows)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_config_round_trip_and_model_file(kind, tmp_path):
    layer = MAKERS[kind](3)
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()
    model = nr.Sequential([nr.Input((6, 8, 1)), layer, layers.Flatten(), layers.Dense(2)], seed=0)
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).uniform(0, 1, (4, 6, 8, 1)).astype(np.float32)
    model.fit(x, np.zeros((4, 2)), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = nr.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].get_config() == layer.get_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomRotation(0.2, fill_mode="mirror"), "fill_mode must be one of reflect, wrap, constant, nearest"),
    (lambda: layers.RandomZoom(0.2, interpolation="bicubic"), "interpolation must be one of bilinear, nearest"),
    (lambda: layers.RandomTranslation(1.5, 0.1), r"height_factor must be a number or a pair .* within \[-1, 1\]"),
    (lambda: layers.RandomZoom((0.3, -0.2)), "lower <= upper"),
])
def test_bad_arguments_say_what_was_expected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_keras_io_augmentation_block_acts_in_fit_only():
    r"""keras.io's "image classification from scratch": a Sequential of augmentations applied to the
    Input of a functional model, then Rescaling: it draws in fit and is the identity in predict."""
    augment = nr.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1), layers.RandomZoom(0.1)])
    inputs = nr.Input(shape=(8, 8, 3))
    x = layers.Rescaling(1.0 / 255)(augment(inputs))
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(2, 3, activation="relu")(x))
    model = nr.Model(inputs, layers.Dense(2, activation="softmax")(x))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    images = np.random.default_rng(0).integers(0, 256, (8, 8, 8, 3)).astype(np.float32)
    model.fit(images, np.arange(8) % 2, epochs=1, batch_size=4, verbose=0)
    assert all(layer._draw is not None for layer in augment.layers)
    model.predict(images, verbose=0)
    assert all(layer._draw is None for layer in augment.layers)
    np.testing.assert_array_equal(augment(images), images)
