r"""keras.preprocessing: data sets read from class folders (the same files in training and validation as
Keras for the same seed), and the image helpers."""
from __future__ import annotations

import os

import numpy as np
import pytest

import neurona as nr
from neurona import preprocessing

PIL = pytest.importorskip("PIL.Image")


def image_folder(root, counts=(("cats", 7), ("dogs", 5), ("owls", 4)), size=(20, 30)):
    rng = np.random.default_rng(0)
    for name, count in counts:
        folder = root / name
        (folder / "nested").mkdir(parents=True)
        for i in range(count):
            pixels = rng.integers(0, 256, size=(size[0] + i % 2, size[1], 3), dtype=np.uint8)   # two sizes
            where = folder / "nested" if i % 3 == 0 else folder
            PIL.fromarray(pixels).save(where / f"{name}_{i:02d}.png")
        (folder / "notes.md").write_text("not an image")
    (root / ".hidden").mkdir()
    return root


def text_folder(root):
    texts = {"neg": ["bad film", "awful", "boring plot"], "pos": ["great film", "loved it", "superb", "fine"]}
    for label, items in texts.items():
        (root / label).mkdir(parents=True)
        for i, text in enumerate(items):
            (root / label / f"{i}.txt").write_text(text, encoding="utf-8")
    return root


def keras_index(directory, formats, seed, validation_split=None, subset=None):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    dataset_utils = pytest.importorskip("keras.src.utils.dataset_utils")
    paths, labels, names = dataset_utils.index_directory(str(directory), "inferred", formats=formats, shuffle=True,
                                                         seed=seed, verbose=False)
    if validation_split:
        paths, labels = dataset_utils.get_training_or_validation_split(paths, labels, validation_split, subset)
    return paths, np.asarray(labels), names


@pytest.mark.parametrize("subset", ["training", "validation"])
def test_the_files_and_their_split_are_keras_s(tmp_path, subset):
    root = image_folder(tmp_path / "photos")
    ds = preprocessing.image_dataset_from_directory(root, validation_split=0.25, subset=subset, seed=1337,
                                                    image_size=(8, 8), batch_size=4, verbose=False)
    paths, labels, names = keras_index(root, preprocessing.directory.IMAGE_FORMATS, 1337, 0.25, subset)
    assert ds.class_names == names == ["cats", "dogs", "owls"]
    assert ds.file_paths == paths
    np.testing.assert_array_equal(ds.labels, labels)


def test_both_subsets_are_complementary_and_batches_hold_the_images(tmp_path):
    root = image_folder(tmp_path / "photos")
    train, val = nr.utils.image_dataset_from_directory(root, validation_split=0.25, subset="both", seed=3,
                                                       image_size=(20, 30), batch_size=5, label_mode="categorical",
                                                       shuffle=True, verbose=False)
    while PIL.open(train.file_paths[train._order[0]]).size != (30, 20):       # a file of the target size first
        train.on_epoch_end()
    assert sorted(train.file_paths + val.file_paths) == sorted(
        str(p) for p in root.rglob("*.png"))
    assert len(val.file_paths) == int(0.25 * 16)
    images, labels = train[0]
    assert images.shape == (5, 20, 30, 3) and images.dtype == np.float32 and labels.shape == (5, 3)
    first = train.file_paths[train._order[0]]
    np.testing.assert_array_equal(images[0], np.asarray(PIL.open(first).convert("RGB"), dtype=np.float32))
    assert labels[0].argmax() == train.class_names.index(os.path.basename(first).split("_")[0])


def test_images_are_resized_as_the_resizing_layer_does(tmp_path):
    root = image_folder(tmp_path / "photos", counts=(("a", 2), ("b", 2)))
    ds = preprocessing.image_dataset_from_directory(root, image_size=(10, 12), shuffle=False, batch_size=None,
                                                    color_mode="grayscale", verbose=False)
    image, label = ds[0]
    assert image.shape == (10, 12, 1) and label == 0
    original = np.asarray(PIL.open(ds.file_paths[0]).convert("L"), dtype=np.float32)[None, :, :, None]
    np.testing.assert_allclose(image, np.asarray(nr.layers.Resizing(10, 12)(original))[0], rtol=1e-6)


def test_a_model_trains_on_a_folder_of_images(tmp_path):
    root = image_folder(tmp_path / "photos", counts=(("a", 6), ("b", 6)), size=(8, 8))
    train = preprocessing.image_dataset_from_directory(root, image_size=(8, 8), batch_size=4, seed=0,
                                                       label_mode="binary", verbose=False)
    model = nr.Sequential([nr.Input((8, 8, 3)), nr.layers.Rescaling(1 / 255), nr.layers.Flatten(),
                           nr.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(train, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and np.isfinite(history.history["loss"]).all()


def test_texts_from_folders(tmp_path):
    root = text_folder(tmp_path / "reviews")
    ds = preprocessing.text_dataset_from_directory(root, batch_size=2, shuffle=False, max_length=5, verbose=False)
    assert ds.class_names == ["neg", "pos"] and len(ds) == 4
    texts, labels = ds[0]
    assert list(texts) == ["bad f", "awful"] and list(labels) == [0, 0]
    paths, found, _ = keras_index(root, (".txt",), seed=9)
    shuffled = preprocessing.text_dataset_from_directory(root, seed=9, verbose=False)
    assert shuffled.file_paths == paths and list(shuffled.labels) == list(found)


def test_the_count_is_printed_as_keras_prints_it(tmp_path, capsys):
    root = text_folder(tmp_path / "reviews")
    preprocessing.text_dataset_from_directory(root, validation_split=0.5, subset="training", seed=1)
    assert capsys.readouterr().out.splitlines() == ["Found 7 files belonging to 2 classes.",
                                                    "Using 4 files for training."]


def test_bad_arguments_are_named(tmp_path):
    root = text_folder(tmp_path / "reviews")
    with pytest.raises(ValueError, match="needs a seed"):
        preprocessing.text_dataset_from_directory(root, validation_split=0.2, subset="training", verbose=False)
    with pytest.raises(ValueError, match="subset"):
        preprocessing.text_dataset_from_directory(root, validation_split=0.2, seed=1, verbose=False)
    with pytest.raises(ValueError, match="label_mode='binary' needs exactly 2"):
        preprocessing.image_dataset_from_directory(image_folder(tmp_path / "p"), label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="class_names"):
        preprocessing.text_dataset_from_directory(root, class_names=["neg", "other"], verbose=False)
    with pytest.raises(ValueError, match="not a folder"):
        preprocessing.text_dataset_from_directory(tmp_path / "missing", verbose=False)


def test_image_files_round_trip(tmp_path):
    x = np.random.default_rng(1).integers(0, 256, size=(6, 9, 3)).astype("float32")
    nr.utils.save_img(tmp_path / "x.png", x, scale=False)
    back = nr.utils.img_to_array(nr.utils.load_img(tmp_path / "x.png"))
    np.testing.assert_array_equal(back, x)
    small = nr.utils.load_img(tmp_path / "x.png", target_size=(3, 3), keep_aspect_ratio=True)
    assert small.size == (3, 3)
    gray = nr.utils.img_to_array(nr.utils.load_img(tmp_path / "x.png", color_mode="grayscale"))
    assert gray.shape == (6, 9, 1)
    scaled = nr.utils.img_to_array(nr.utils.array_to_img(x / 255.0))
    assert scaled.min() == 0 and scaled.max() == 255
    assert preprocessing.image.smart_resize(x, (4, 4)).shape == (4, 4, 3)
    with pytest.raises(ValueError, match="extension"):
        nr.utils.save_img(tmp_path / "x.unknown", x)
