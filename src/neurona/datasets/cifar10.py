r"""``keras.datasets.cifar10``: 60000 colour images 32x32 in 10 classes, read from the published
``cifar-10-python.tar.gz`` (or its extracted folder ``cifar-10-batches-py/``) on this machine.

    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    x: uint8 (n, 32, 32, 3)  (``(n, 3, 32, 32)`` when ``config.image_data_format()`` is channels_first)
    y: uint8 (n, 1), the class 0..9 (``CLASSES``)

Each of the archive's six batches (``data_batch_1`` .. ``data_batch_5`` for training, ``test_batch``)
is a Python 2 pickle of a dict: ``data`` uint8 (n, 3072), a row being the red plane 32x32, then the
green, then the blue; ``labels`` a list of n ints. Where the files are looked for, first found wins:

1. ``path`` if given: the archive, the folder ``cifar-10-batches-py``, or the folder holding either;
2. Keras's cache (``$KERAS_HOME/datasets``, else ``~/.keras/datasets``): what Keras 3 leaves there
   (``cifar-10-batches-py-target/cifar-10-batches-py/``, the archive ``cifar-10-batches-py-target_archive``),
   what Keras 2 left (``cifar-10-batches-py/``), or the archive under its published name;
3. neurona's cache, ``$NEURONA_DATA/cifar10`` (``~/.neurona/datasets/cifar10``), the same forms.

Nothing is downloaded: without the files the error names the archive's address and where to put it.
The archive is read in place, never extracted; its pickles are read by an unpickler that rebuilds
arrays only (``pickled``).
"""
from __future__ import annotations

import os
import tarfile
from pathlib import Path

import numpy as np

from .. import config
from .download import data_home
from .keras_layout import keras_cache
from .pickled import load_pickle

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
ARCHIVE = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{k}" for k in range(1, 6))
TEST_BATCH = "test_batch"
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def load_data(path: str | os.PathLike | None = None):
    r"""Keras's ``cifar10.load_data()``: ``(x_train, y_train), (x_test, y_test)`` (see the module)."""
    read = _reader(path)
    x_train, y_train = _stack([read(name) for name in TRAIN_BATCHES])
    x_test, y_test = _stack([read(TEST_BATCH)])
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)


def load_batch(data: bytes, source: str, label_key: str = "labels"):
    r"""One batch's images uint8 (n, 3, 32, 32) and labels uint8 (n,) from the bytes of its pickle."""
    batch = load_pickle(data, source, encoding="bytes")
    if not isinstance(batch, dict):
        raise ValueError(f"{source}: expected a pickled dict with 'data' and {label_key!r}, "
                         f"got {type(batch).__name__}")
    batch = {key.decode("utf8") if isinstance(key, bytes) else key: value for key, value in batch.items()}
    missing = [key for key in ("data", label_key) if key not in batch]
    if missing:
        raise ValueError(f"{source}: the batch has no {', '.join(map(repr, missing))}; it has {sorted(batch)}")
    images, labels = np.asarray(batch["data"]), np.asarray(batch[label_key])
    if images.ndim != 2 or images.shape[1] != 3 * 32 * 32 or len(labels) != len(images):
        raise ValueError(f"{source}: expected data of shape (n, 3072) and n labels, "
                         f"got data {images.shape} and {len(labels)} labels")
    return images.astype(np.uint8).reshape(-1, 3, 32, 32), labels.astype(np.uint8)


def _stack(batches):
    images, labels = zip(*batches)
    return np.concatenate(images), np.concatenate(labels).reshape(-1, 1)


def _candidates(path):
    r"""Places the files may be, in the order they are tried (folders and archives)."""
    if path is not None:
        base = Path(path).expanduser()
        return [base, base / FOLDER, base / ARCHIVE]
    places = []
    for base in (keras_cache(), data_home() / "cifar10"):
        places += [base / "cifar-10-batches-py-target" / FOLDER, base / FOLDER,
                   base / "cifar-10-batches-py-target_archive", base / ARCHIVE]
    return places


def _reader(path):
    r"""A function ``name -> (images, labels)`` over the first place holding all six batches."""
    places = _candidates(path)
    for place in places:
        if place.is_dir() and all((place / name).is_file() for name in (*TRAIN_BATCHES, TEST_BATCH)):
            return lambda name, place=place: load_batch((place / name).read_bytes(), os.fspath(place / name))
        if place.is_file():
            return _archive_reader(place)
    tried = "\n  ".join(os.fspath(place) for place in places)
    where = os.fspath(Path(path).expanduser()) if path is not None else os.fspath(keras_cache())
    raise FileNotFoundError(
        f"CIFAR-10 is not on this machine (nothing is downloaded). Put the archive {ARCHIVE} "
        f"(from {URL}) into {where!r}, or its extracted folder {FOLDER}/ with data_batch_1 .. data_batch_5 "
        f"and test_batch, or give its place as cifar10.load_data(path=...). Looked at:\n  {tried}")


def _archive_reader(archive: Path):
    r"""Read the six batches out of the .tar.gz at ``archive`` (kept in memory, nothing extracted)."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
            missing = [name for name in (*TRAIN_BATCHES, TEST_BATCH) if name not in members]
            if missing:
                raise ValueError(f"{os.fspath(archive)}: the archive lacks {', '.join(missing)}; "
                                 f"expected the published {ARCHIVE} from {URL}")
            blobs = {name: tar.extractfile(members[name]).read() for name in (*TRAIN_BATCHES, TEST_BATCH)}
    except (tarfile.TarError, EOFError, OSError) as error:
        raise ValueError(f"{os.fspath(archive)}: not a complete .tar.gz archive ({error}); "
                         f"expected the published {ARCHIVE} from {URL}") from None
    return lambda name: load_batch(blobs[name], f"{os.fspath(archive)}:{FOLDER}/{name}")
