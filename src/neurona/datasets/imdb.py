r"""``keras.datasets.imdb``: 50000 film reviews labelled positive (1) or negative (0), each a list
of word indices, read from the published ``imdb.npz`` and ``imdb_word_index.json`` on this machine.

    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=10000)
    x: an object array of lists of ints; y: the labels 0/1

``imdb.npz`` holds ``x_train, y_train, x_test, y_test``; word ``w`` of a review is its rank by
frequency (1 = the most frequent word). ``load_data`` does what Keras's does, in this order:

1. shuffles each split with ``np.random.RandomState(seed)`` (the same generator, train then test);
2. adds ``index_from`` to every word and puts ``start_char`` in front (0 is left for padding,
   1 = start, 2 = out of vocabulary with the defaults);
3. with ``maxlen``, drops the reviews of ``maxlen`` words or more (counting ``start_char``);
4. a word ``w`` outside ``skip_top <= w < num_words`` becomes ``oov_char`` (or is dropped when
   ``oov_char=None``); ``num_words=None`` keeps every word.

``get_word_index()`` is the dict word -> rank of ``imdb_word_index.json``: review word ``w`` (after
``load_data``) is ``index[word] + index_from``.

The files are looked for at ``path`` (absolute, or relative to Keras's cache ``$KERAS_HOME/datasets``,
else ``~/.keras/datasets``), then in neurona's cache ``$NEURONA_DATA/imdb``. Nothing is downloaded:
without the file the error names its address and where to put it. Its ragged arrays are pickles,
read by an unpickler that rebuilds arrays only (``pickled``).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .download import data_home
from .keras_layout import keras_cache
from .pickled import load_npz

URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def _find(path: str | os.PathLike, default: str) -> Path:
    path = Path(path).expanduser()
    places = [path] if path.is_absolute() else [keras_cache() / path, data_home() / "imdb" / path]
    for place in places:
        if place.is_file():
            return place
    tried = "\n  ".join(os.fspath(place) for place in places)
    raise FileNotFoundError(
        f"{path.name} of IMDB is not on this machine (nothing is downloaded). Put the file {default} "
        f"(from {URL}{default}) at {os.fspath(places[0])!r}, or give its place as path=. Looked at:\n  {tried}")


def _check_int(name, value, allow_none=False):
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        expected = "an int or None" if allow_none else "an int"
        raise TypeError(f"imdb.load_data: {name} must be {expected}, got {value!r}")


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, **kwargs):
    r"""Keras's ``imdb.load_data``: ``(x_train, y_train), (x_test, y_test)`` (see the module)."""
    for name, value, allow_none in (("num_words", num_words, True), ("skip_top", skip_top, False),
                                    ("maxlen", maxlen, True), ("seed", seed, False),
                                    ("start_char", start_char, True), ("oov_char", oov_char, True),
                                    ("index_from", index_from, False)):
        _check_int(name, value, allow_none)
    file = _find(path, "imdb.npz")
    arrays = load_npz(file)
    missing = [key for key in ("x_train", "y_train", "x_test", "y_test") if key not in arrays]
    if missing:
        raise ValueError(f"{os.fspath(file)}: no {', '.join(missing)} in the file; it has {sorted(arrays)}")
    rng = np.random.RandomState(seed)
    splits = []
    for key in ("train", "test"):
        x, y = arrays[f"x_{key}"], arrays[f"y_{key}"]
        if len(x) != len(y):
            raise ValueError(f"{os.fspath(file)}: x_{key} has {len(x)} reviews but y_{key} {len(y)} labels")
        order = np.arange(len(x))
        rng.shuffle(order)
        x, y = x[order], y[order]
        prefix = [] if start_char is None else [start_char]
        x = [prefix + [w + index_from for w in review] for review in x]
        if maxlen:
            keep = [k for k, review in enumerate(x) if len(review) < maxlen]
            x, y = [x[k] for k in keep], y[keep]
        splits.append((x, y))
    (x_train, y_train), (x_test, y_test) = splits
    if maxlen and (not x_train or not x_test):
        raise ValueError(f"imdb.load_data: no review is shorter than maxlen={maxlen}; increase maxlen")
    reviews = x_train + x_test
    if not num_words:
        num_words = max(max(review) for review in reviews)
    if oov_char is not None:
        reviews = [[w if skip_top <= w < num_words else oov_char for w in review] for review in reviews]
    else:
        reviews = [[w for w in review if skip_top <= w < num_words] for review in reviews]
    return ((_ragged(reviews[:len(x_train)]), y_train), (_ragged(reviews[len(x_train):]), y_test))


def _ragged(lists) -> np.ndarray:
    r"""An object array of the lists (one element per review, even when all have one length)."""
    out = np.empty(len(lists), dtype=object)
    out[:] = lists
    return out


def get_word_index(path="imdb_word_index.json") -> dict[str, int]:
    r"""Keras's ``imdb.get_word_index``: the dict word -> frequency rank of ``imdb_word_index.json``."""
    file = _find(path, "imdb_word_index.json")
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{os.fspath(file)}: not a JSON word index ({error})") from None
