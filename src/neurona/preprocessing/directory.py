r"""Data sets from folders of files, as Keras's ``image_dataset_from_directory`` and
``text_dataset_from_directory`` index them:

    photos/
      cats/  a.jpg b.jpg ...          class 0 (the sub-folders, in alphanumeric order, are the classes)
      dogs/  c.jpg ...                class 1

The files are listed as Keras lists them (each class folder walked in sorted order), shuffled once with
NumPy's ``RandomState(seed)`` as Keras does, so the same ``seed`` and ``validation_split`` put the same
files in training and in validation; then read a batch at a time (a folder larger than memory is fine).
"""
from __future__ import annotations

import os

import numpy as np

from ..data_adapters import PyDataset
from ..eager import eager
from ..validation import check_number

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
TEXT_FORMATS = (".txt",)
LABEL_MODES = ("int", "categorical", "binary", None)
SUBSETS = ("training", "validation", "both")


def _walk(directory, follow_links, formats):
    r"""(root, file name) of each file with one of ``formats``, folders and names in sorted order."""
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0]):
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield root, name


def index_directory(owner, directory, labels, formats, class_names, shuffle, seed, follow_links, verbose):
    r"""(file paths, integer labels or None, class names) of the files under ``directory``."""
    if not os.path.isdir(directory):
        raise ValueError(f"{owner}: directory {os.fspath(directory)!r} is not a folder.")
    if labels == "inferred":
        folders = [d for d in sorted(os.listdir(directory)) if os.path.isdir(os.path.join(directory, d))
                   and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names) <= set(folders):
                raise ValueError(f"{owner}: class_names must name sub-folders of {os.fspath(directory)!r}; it has "
                                 f"{folders}, got class_names={list(class_names)}.")
            folders = list(class_names)
    elif class_names is not None:
        raise ValueError(f"{owner}: class_names goes with labels='inferred' (the sub-folders); got labels={labels!r}.")
    else:
        folders = [""]
    paths, found = [], []
    for k, folder in enumerate(folders):
        top = os.path.join(directory, folder)
        for root, name in _walk(top, follow_links, formats):
            paths.append(os.path.join(directory, folder, os.path.relpath(os.path.join(root, name), top)))
            found.append(k)
    if labels == "inferred":
        labels = np.asarray(found, dtype="int32")
    elif labels is not None:
        if len(labels) != len(paths):
            raise ValueError(f"{owner}: labels has {len(labels)} entries, one per file, but the folder holds "
                             f"{len(paths)} {'/'.join(formats)} files.")
        labels = np.asarray(labels)
        folders = [str(label) for label in sorted(set(labels.tolist()))]
    if verbose:
        print(f"Found {len(paths)} files." if labels is None else
              f"Found {len(paths)} files belonging to {len(folders)} classes.")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, (folders if labels is not None else None)


def _split(paths, labels, validation_split, subset):
    if not validation_split:
        return paths, labels
    n = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - n} files for training.")
        return paths[:len(paths) - n], None if labels is None else labels[:len(paths) - n]
    print(f"Using {n} files for validation.")
    return paths[len(paths) - n:], None if labels is None else labels[len(paths) - n:]


def _check_split(owner, validation_split, subset, shuffle, seed):
    if validation_split is not None:
        check_number(owner, "validation_split", validation_split, 0, 1, low_open=True, high_open=True)
        if subset not in SUBSETS:
            raise ValueError(f"{owner}: validation_split needs subset='training', 'validation' or 'both'; "
                             f"got subset={subset!r}.")
        if shuffle and seed is None:
            raise ValueError(f"{owner}: validation_split with shuffle=True needs a seed, so that training and "
                             f"validation take complementary files.")
    elif subset is not None:
        raise ValueError(f"{owner}: subset={subset!r} needs validation_split (a fraction in (0, 1)).")


def _encode(owner, labels, label_mode, k):
    if label_mode == "int":
        return labels.astype("int32")
    if label_mode == "binary":
        if k != 2:
            raise ValueError(f"{owner}: label_mode='binary' needs exactly 2 classes; found {k}.")
        return labels.astype("float32").reshape(-1, 1)
    return np.eye(k, dtype="float32")[labels]


class DirectoryDataset(PyDataset):
    r"""Batches (x, labels) read from ``file_paths``; ``class_names`` and ``file_paths`` as Keras's data set
    carries them. ``shuffle`` draws a new order each pass (the files' split stays fixed)."""

    def __init__(self, file_paths, labels, class_names, read, batch_size, shuffle, seed):
        super().__init__()
        self.file_paths, self.labels, self.class_names = list(file_paths), labels, class_names
        self.read, self.batch_size = read, batch_size
        self.shuffle = shuffle
        self._rng = np.random.default_rng(seed)
        self._order = np.arange(len(self.file_paths))

    def __len__(self):
        return -(-len(self.file_paths) // (self.batch_size or 1))

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch {index} of a data set of {len(self)} batches")
        size = self.batch_size or 1
        rows = self._order[index * size:(index + 1) * size]
        x = self.read([self.file_paths[i] for i in rows])
        batch = x if self.labels is None else (x, self.labels[rows])
        if self.batch_size is None:
            return batch[0] if self.labels is None else (batch[0][0], batch[1][0])
        return batch

    def on_epoch_end(self):
        if self.shuffle:
            self._order = self._rng.permutation(len(self.file_paths))

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]
        self.on_epoch_end()

    def take(self, count: int) -> list:
        r"""The first ``count`` batches, their arrays with ``.numpy()`` (as ``dataset.take(count)`` is read in
        Keras's programs)."""
        return [eager(self[i]) for i in range(min(int(count), len(self)))]


def _dataset(owner, directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
             subset, follow_links, verbose, formats, read):
    if label_mode not in LABEL_MODES:
        raise ValueError(f"{owner}: label_mode must be one of {LABEL_MODES}; got {label_mode!r}.")
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple, np.ndarray)):
        raise ValueError(f"{owner}: labels must be 'inferred', None or a list of integer labels; got {labels!r}.")
    if batch_size is not None:
        batch_size = check_number(owner, "batch_size", batch_size, 1, integer=True)
    _check_split(owner, validation_split, subset, shuffle, seed)
    label_mode = None if labels is None else label_mode
    paths, found, names = index_directory(owner, directory, labels, formats, class_names, shuffle, seed,
                                          follow_links, verbose)
    encoded = None if label_mode is None else _encode(owner, found, label_mode, len(names))

    def make(part):
        part_paths, part_labels = _split(paths, encoded, validation_split, part)
        return DirectoryDataset(part_paths, part_labels, names, read, batch_size, shuffle, seed)

    if subset == "both":
        return make("training"), make("validation")
    return make(subset)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None, validation_split=None,
                                 subset=None, interpolation="bilinear", follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf", verbose=True):
    r"""Batches of images (float32 (m, height, width, channels), values 0 .. 255, resized to ``image_size`` as
    ``layers.Resizing`` does) and their labels ("int": the class index, "categorical": one-hot, "binary":
    0/1 floats, None: no labels) from the class folders of ``directory``."""
    from ..layers import Resizing
    from .image import img_to_array, load_img
    owner = "image_dataset_from_directory"
    if color_mode not in ("grayscale", "rgb", "rgba"):
        raise ValueError(f"{owner}: color_mode must be 'grayscale', 'rgb' or 'rgba'; got {color_mode!r}.")
    if pad_to_aspect_ratio:
        raise ValueError(f"{owner}: pad_to_aspect_ratio is not supported; use crop_to_aspect_ratio=True.")
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{owner}: images are channels last; got data_format={data_format!r}.")
    height, width = (int(v) for v in image_size)
    resizers = {}                       # one Resizing per source size (a layer is built for one input shape)

    def resize(x):
        if x.shape not in resizers:
            resizers[x.shape] = Resizing(height, width, interpolation=interpolation,
                                         crop_to_aspect_ratio=crop_to_aspect_ratio)
        return np.asarray(resizers[x.shape](x[None]))[0]

    def read(paths):
        images = []
        for path in paths:
            x = img_to_array(load_img(path, color_mode=color_mode))
            images.append(x if x.shape[:2] == (height, width) else resize(x))
        return np.stack(images).astype("float32")

    return _dataset(owner, directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
                    subset, follow_links, verbose, IMAGE_FORMATS, read)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    r"""Batches of texts (an array of Python strings, each cut to ``max_length`` characters) and their
    labels, from the ``.txt`` files of the class folders of ``directory``."""
    owner = "text_dataset_from_directory"
    if max_length is not None:
        max_length = check_number(owner, "max_length", max_length, 1, integer=True)

    def read(paths):
        texts = []
        for path in paths:
            with open(path, encoding="utf-8", errors="replace") as file:
                text = file.read()
            texts.append(text if max_length is None else text[:max_length])
        return np.array(texts, dtype=object)

    return _dataset(owner, directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
                    subset, follow_links, verbose, TEXT_FORMATS, read)
