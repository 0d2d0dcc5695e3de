r"""keras.datasets.imdb on a small imdb.npz / imdb_word_index.json in the published layout (no
download): every option of load_data against Keras's own loader on the same file."""
import json
import os
import pickle

import numpy as np
import pytest

import neurona as keras
from neurona.datasets import imdb


def ragged(lists):
    out = np.empty(len(lists), dtype=object)
    out[:] = lists
    return out


def write_npz(file, seed=0, n_train=9, n_test=7):
    r"""Reviews of 1..11 words with ranks 1..30 (ragged object arrays, as the published file)."""
    rng = np.random.default_rng(seed)
    reviews = [rng.integers(1, 31, rng.integers(1, 12)).tolist() for _ in range(n_train + n_test)]
    file.parent.mkdir(parents=True, exist_ok=True)
    np.savez(file, x_train=ragged(reviews[:n_train]), y_train=rng.integers(0, 2, n_train),
             x_test=ragged(reviews[n_train:]), y_test=rng.integers(0, 2, n_test))
    return reviews


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("NEURONA_DATA", str(tmp_path / "neurona"))
    return tmp_path / "keras" / "datasets"


@pytest.fixture
def keras_imdb(monkeypatch):
    r"""Keras's imdb module with its download step pointed at the local file."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    module = pytest.importorskip("keras.src.datasets.imdb")
    monkeypatch.setattr(module, "get_file", lambda fname, origin, file_hash=None, **kw: fname)
    return module


OPTIONS = [{}, {"num_words": 15}, {"num_words": 20, "skip_top": 5}, {"maxlen": 8}, {"seed": 7},
           {"start_char": None}, {"start_char": None, "index_from": 0}, {"oov_char": None, "num_words": 12},
           {"index_from": 5, "start_char": 4, "oov_char": 3, "num_words": 25, "skip_top": 6, "maxlen": 10}]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "defaults")
def test_load_data_equals_keras(cache, keras_imdb, options):
    write_npz(cache / "imdb.npz")
    ours = keras.datasets.imdb.load_data(**options)
    theirs = keras_imdb.load_data(path=str(cache / "imdb.npz"), **options)
    for (x, y), (tx, ty) in zip(ours, theirs):
        assert x.dtype == object and len(x) == len(tx)
        assert [list(review) for review in x] == [list(review) for review in tx]
        np.testing.assert_array_equal(y, ty)


def test_semantics_by_hand(cache):
    reviews = write_npz(cache / "imdb.npz", n_train=1, n_test=1)
    (x_train, _), (x_test, _) = imdb.load_data(num_words=20, skip_top=5, seed=0)
    both = {tuple(x_train[0]), tuple(x_test[0])}
    # the start mark 1 is below skip_top too: it becomes the out-of-vocabulary mark, as in Keras
    expect = {tuple(w if 5 <= w < 20 else 2 for w in [1] + [w + 3 for w in review]) for review in reviews}
    assert both == expect


def test_maxlen_keeps_reviews_strictly_shorter_and_says_when_none_is_left(cache):
    write_npz(cache / "imdb.npz")
    (x_train, y_train), (x_test, _) = imdb.load_data(maxlen=6)
    assert all(len(review) < 6 for review in (*x_train, *x_test)) and len(x_train) == len(y_train)
    with pytest.raises(ValueError, match="maxlen=1"):
        imdb.load_data(maxlen=1)


def test_path_absolute_relative_and_neurona_cache(cache, tmp_path):
    write_npz(tmp_path / "elsewhere" / "reviews.npz", seed=3)
    (x_train, _), _ = imdb.load_data(path=tmp_path / "elsewhere" / "reviews.npz")
    write_npz(tmp_path / "neurona" / "imdb" / "imdb.npz", seed=3)
    (x_again, _), _ = imdb.load_data()
    assert [list(r) for r in x_train] == [list(r) for r in x_again]


def test_get_word_index_equals_keras(cache, keras_imdb):
    cache.mkdir(parents=True)
    index = {"the": 1, "and": 2, "film": 17, "señor": 30}
    (cache / "imdb_word_index.json").write_text(json.dumps(index), encoding="utf-8")
    assert keras.datasets.imdb.get_word_index() == index
    assert keras_imdb.get_word_index(path=str(cache / "imdb_word_index.json")) == index


def test_missing_files_say_which_file_to_put_where(cache):
    with pytest.raises(FileNotFoundError) as info:
        imdb.load_data()
    assert "imdb.npz" in str(info.value) and imdb.URL in str(info.value) and os.fspath(cache) in str(info.value)
    with pytest.raises(FileNotFoundError, match="imdb_word_index.json"):
        imdb.get_word_index()


def test_bad_arguments_and_tampered_files(cache):
    write_npz(cache / "imdb.npz")
    with pytest.raises(TypeError, match="num_words must be an int or None, got '10'"):
        imdb.load_data(num_words="10")

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo never",))
    bad = np.empty(1, dtype=object)
    bad[0] = Evil()
    np.savez(cache / "imdb.npz", x_train=bad, y_train=[0], x_test=bad, y_test=[0])
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        imdb.load_data()
    (cache / "imdb.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not an .npz"):
        imdb.load_data()
