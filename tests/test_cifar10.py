r"""keras.datasets.cifar10 on small files in the published layout (no download): the archive and its
extracted folder, where Keras keeps them or at a given path, against Keras's own batch reader."""
import io
import os
import pickle
import tarfile

import numpy as np
import pytest

import neurona as keras
from neurona import config
from neurona.datasets import cifar10

BATCHES = (*cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH)


def make_batches(seed=0, sizes=(3, 2, 4, 1, 2, 3)):
    r"""The six batches as the published archive holds them: dicts with bytes keys (protocol 3 pickles
    bytes as the published Python 2 ones do strings: no global beyond the array)."""
    rng = np.random.default_rng(seed)
    batches = {}
    for name, n in zip(BATCHES, sizes):
        batches[name] = {b"batch_label": name.encode(), b"labels": rng.integers(0, 10, n).tolist(),
                         b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                         b"filenames": [f"img_{k}.png".encode() for k in range(n)]}
    return batches


def write_folder(folder, batches):
    folder.mkdir(parents=True)
    for name, batch in batches.items():
        (folder / name).write_bytes(pickle.dumps(batch, protocol=3))
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": [c.encode() for c in cifar10.CLASSES]}))


def write_archive(file, batches):
    file.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(file, "w:gz") as tar:
        for name, batch in batches.items():
            blob = pickle.dumps(batch, protocol=3)
            info = tarfile.TarInfo(f"{cifar10.FOLDER}/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))


def expected(batches, names):
    x = np.concatenate([b[b"data"] for n, b in batches.items() if n in names]).reshape(-1, 3, 32, 32)
    y = np.concatenate([b[b"labels"] for n, b in batches.items() if n in names]).astype(np.uint8)
    return x.transpose(0, 2, 3, 1), y.reshape(-1, 1)


@pytest.fixture
def homes(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("NEURONA_DATA", str(tmp_path / "neurona"))
    return tmp_path


def check(loaded, batches):
    (x_train, y_train), (x_test, y_test) = loaded
    ex, ey = expected(batches, cifar10.TRAIN_BATCHES)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert x_train.shape == (12, 32, 32, 3) and y_train.shape == (12, 1)
    np.testing.assert_array_equal(x_train, ex)
    np.testing.assert_array_equal(y_train, ey)
    tx, ty = expected(batches, (cifar10.TEST_BATCH,))
    np.testing.assert_array_equal(x_test, tx)
    np.testing.assert_array_equal(y_test, ty)


@pytest.mark.parametrize("where", ["cifar-10-batches-py-target/cifar-10-batches-py", "cifar-10-batches-py"])
def test_extracted_folder_in_keras_cache(homes, where):
    batches = make_batches()
    write_folder(homes / "keras" / "datasets" / where, batches)
    check(keras.datasets.cifar10.load_data(), batches)


@pytest.mark.parametrize("name", ["cifar-10-batches-py-target_archive", "cifar-10-python.tar.gz"])
def test_archive_in_keras_cache_is_read_without_extracting(homes, name):
    batches = make_batches(1)
    write_archive(homes / "keras" / "datasets" / name, batches)
    check(cifar10.load_data(), batches)
    assert sorted(os.listdir(homes / "keras" / "datasets")) == [name]


def test_given_path_archive_or_folder_and_neurona_cache(homes):
    batches = make_batches(2)
    write_archive(homes / "mine" / "cifar-10-python.tar.gz", batches)
    check(cifar10.load_data(path=homes / "mine"), batches)
    check(cifar10.load_data(path=homes / "mine" / "cifar-10-python.tar.gz"), batches)
    write_folder(homes / "neurona" / "cifar10" / "cifar-10-batches-py", batches)
    check(cifar10.load_data(), batches)


def test_channels_first_follows_the_image_data_format(homes):
    batches = make_batches(3)
    write_folder(homes / "keras" / "datasets" / "cifar-10-batches-py", batches)
    config.set_image_data_format("channels_first")
    try:
        (x_train, _), (x_test, _) = cifar10.load_data()
    finally:
        config.set_image_data_format("channels_last")
    assert x_train.shape == (12, 3, 32, 32)
    np.testing.assert_array_equal(x_test, expected(batches, (cifar10.TEST_BATCH,))[0].transpose(0, 3, 1, 2))


def test_missing_files_say_which_file_to_put_where(homes):
    with pytest.raises(FileNotFoundError) as info:
        cifar10.load_data()
    message = str(info.value)
    assert "cifar-10-python.tar.gz" in message and cifar10.URL in message
    assert os.fspath(homes / "keras" / "datasets") in message
    assert not (homes / "keras").exists() and not (homes / "neurona").exists()   # nothing written


def test_a_pickle_naming_other_code_is_refused(homes):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo never",))
    batches = make_batches()
    folder = homes / "keras" / "datasets" / "cifar-10-batches-py"
    write_folder(folder, batches)
    (folder / "data_batch_3").write_bytes(pickle.dumps({b"data": Evil()}, protocol=3))
    with pytest.raises(pickle.UnpicklingError, match="data_batch_3.*refusing to load"):
        cifar10.load_data()


def test_wrong_shapes_and_broken_archives_are_named(homes):
    batches = make_batches()
    batches["test_batch"][b"data"] = batches["test_batch"][b"data"][:, :100]
    write_folder(homes / "keras" / "datasets" / "cifar-10-batches-py", batches)
    with pytest.raises(ValueError, match=r"test_batch: expected data of shape \(n, 3072\)"):
        cifar10.load_data()
    broken = homes / "b" / "cifar-10-python.tar.gz"
    write_archive(broken, make_batches())
    broken.write_bytes(broken.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a complete .tar.gz archive"):
        cifar10.load_data(path=broken)


def test_each_batch_equals_keras_reader(tmp_path):
    os.environ.setdefault("KERAS_BACKEND", "torch")
    cifar = pytest.importorskip("keras.src.datasets.cifar")
    batches = make_batches(4)
    write_folder(tmp_path / "cifar-10-batches-py", batches)
    for name in BATCHES:
        file = tmp_path / "cifar-10-batches-py" / name
        theirs_x, theirs_y = cifar.load_batch(str(file))
        ours_x, ours_y = cifar10.load_batch(file.read_bytes(), str(file))
        np.testing.assert_array_equal(ours_x, theirs_x)
        np.testing.assert_array_equal(ours_y, np.asarray(theirs_y, dtype=np.uint8))
