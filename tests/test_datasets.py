import gzip
import hashlib

import numpy as np
import pytest

from neurona import datasets
from neurona.datasets import idx

from mnist_data import MNIST as MNIST_DIR  # where the real MNIST files are


# ----------------------------------------------------------------- bundled data

EXPECTED = {
    "breast_cancer": ((569, 30), [212, 357]),
    "digits": ((1797, 64), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]),
    "iris": ((150, 4), [50, 50, 50]),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundled_shapes_dtypes_and_counts(name):
    shape, counts = EXPECTED[name]
    x, y = datasets.load(name)
    assert x.shape == shape and x.dtype == np.float64
    assert y.shape == (shape[0],) and y.dtype == np.int64
    assert np.bincount(y).tolist() == counts
    assert len(datasets.class_names(name)) == len(counts)
    assert len(datasets.feature_names(name)) == shape[1]
    assert np.isfinite(x).all()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundled_equals_scikit_learn(name):
    skd = pytest.importorskip("sklearn.datasets")
    reference = getattr(skd, f"load_{name}")()
    x, y = datasets.BUNDLED[name]()
    np.testing.assert_array_equal(x, reference.data)
    np.testing.assert_array_equal(y, reference.target)
    assert datasets.feature_names(name) == [str(f) for f in reference.feature_names]
    assert datasets.class_names(name) == [str(c) for c in reference.target_names]


def test_named_loaders_and_class_names():
    assert datasets.load_breast_cancer()[0].shape == (569, 30)
    assert datasets.load_digits()[0].max() == 16
    assert datasets.load_iris()[0].shape == (150, 4)
    assert datasets.class_names("breast_cancer") == ["malignant", "benign"]
    assert datasets.class_names("iris") == ["setosa", "versicolor", "virginica"]
    assert datasets.class_names("digits") == [str(k) for k in range(10)]


def test_loaders_return_fresh_arrays():
    x, y = datasets.load_iris()
    x[:] = 0
    y[:] = 0
    x2, y2 = datasets.load_iris()
    assert x2.sum() > 0 and y2.sum() > 0


def test_unknown_name_lists_known_names_and_suggests():
    with pytest.raises(ValueError) as info:
        datasets.load("irsi")
    message = str(info.value)
    for name in ("breast_cancer", "digits", "iris"):
        assert name in message
    assert "did you mean 'iris'" in message
    with pytest.raises(ValueError):
        datasets.class_names("mnist")
    with pytest.raises(ValueError):
        datasets.feature_names("wine")


# -------------------------------------------------------------------- IDX files

def idx_bytes(array, code):
    dtype = idx.IDX_DTYPES[code]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    return header + np.ascontiguousarray(array, dtype=dtype).tobytes()


CASES = [
    (0x08, np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10),
    (0x09, np.array([-128, -1, 0, 127], dtype=np.int8)),
    (0x0B, np.array([[-300, 2], [3, 30000]], dtype=np.int16)),
    (0x0C, np.array([[-(2**31), 1, 70000], [5, -7, 2**31 - 1]], dtype=np.int32)),
    (0x0D, np.array([[0.5, -1.25e-3], [3.0e38, np.pi]], dtype=np.float32)),
    (0x0E, np.array([np.pi, -np.e, 1e-300], dtype=np.float64)),
]


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gzip"])
@pytest.mark.parametrize("code,array", CASES, ids=[hex(c) for c, _ in CASES])
def test_read_idx_round_trip(tmp_path, code, array, compress):
    data = idx_bytes(array, code)
    path = tmp_path / ("file.idx.gz" if compress else "file.idx")
    path.write_bytes(gzip.compress(data) if compress else data)
    result = datasets.read_idx(path)
    assert result.dtype == array.dtype and result.dtype.isnative
    assert result.shape == array.shape
    np.testing.assert_array_equal(result, array)


def test_read_idx_is_big_endian(tmp_path):
    path = tmp_path / "be.idx"
    path.write_bytes(bytes([0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFE]))
    np.testing.assert_array_equal(datasets.read_idx(path), [256, -2])


@pytest.mark.parametrize("magic,fragment", [
    (bytes([1, 0, 0x08, 1]), "wrong magic"),
    (bytes([0, 0, 0x0A, 1]), "unknown type code 0x0A"),
])
def test_read_idx_wrong_magic(tmp_path, magic, fragment):
    path = tmp_path / "bad.idx"
    path.write_bytes(magic + bytes([0, 0, 0, 3, 1, 2, 3]))
    with pytest.raises(ValueError, match=fragment) as info:
        datasets.read_idx(path)
    assert "bad.idx" in str(info.value)


def test_read_idx_truncated_payload(tmp_path):
    data = idx_bytes(np.zeros((4, 5), np.int32), 0x0C)
    path = tmp_path / "short.idx.gz"
    path.write_bytes(gzip.compress(data[:-3]))
    with pytest.raises(ValueError, match="truncated: expected 80 payload bytes .* got 77") as info:
        datasets.read_idx(path)
    assert "short.idx.gz" in str(info.value)


@pytest.mark.parametrize("damage", ["cut", "flipped"])
def test_read_idx_corrupt_gzip(tmp_path, damage):
    archive = bytearray(gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32), 0x0C)))
    if damage == "cut":
        archive = archive[: len(archive) // 2]
    else:
        archive[len(archive) // 2] ^= 0xFF
    path = tmp_path / "broken.idx.gz"
    path.write_bytes(bytes(archive))
    with pytest.raises(ValueError, match="broken.idx.gz: corrupt or truncated gzip file"):
        datasets.read_idx(path)


def test_read_idx_truncated_header_and_trailing_bytes(tmp_path):
    path = tmp_path / "header.idx"
    path.write_bytes(bytes([0, 0, 0x08, 3, 0, 0, 0, 1]))
    with pytest.raises(ValueError, match="truncated IDX header"):
        datasets.read_idx(path)
    path.write_bytes(idx_bytes(np.zeros(3, np.uint8), 0x08) + b"\x00")
    with pytest.raises(ValueError, match="expected 3 payload bytes"):
        datasets.read_idx(path)


def write_fake_mnist(directory, n_train=5, n_test=3):
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("test", n_test)):
        images_file, labels_file = idx.MNIST_FILES[split]
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        images[0, 0, 0], images[0, 0, 1] = 0, 255
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        (directory / images_file).write_bytes(gzip.compress(idx_bytes(images, 0x08)))
        (directory / labels_file).write_bytes(gzip.compress(idx_bytes(labels, 0x08)))


def test_load_mnist_options(tmp_path):
    write_fake_mnist(tmp_path)
    x_train, y_train, x_test, y_test = datasets.load_mnist(tmp_path)
    assert x_train.shape == (5, 784) and x_test.shape == (3, 784)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    raw = datasets.load_mnist(str(tmp_path), flatten=False, scale=False, dtype="uint8")
    assert raw[0].shape == (5, 28, 28) and raw[0].dtype == np.uint8
    np.testing.assert_allclose(x_train, raw[0].reshape(5, -1) / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_test, raw[3])
    with pytest.raises(ValueError, match="floating"):
        datasets.load_mnist(tmp_path, dtype="uint8")


def test_load_mnist_missing_file(tmp_path):
    write_fake_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte.gz"):
        datasets.load_mnist(tmp_path)


# ---------------------------------------------------------------- real MNIST

MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

#: skips without the real files, fails under CI=true (see mnist_data)
needs_mnist = pytest.mark.usefixtures("mnist_path")


@needs_mnist
def test_mnist_files_match_published_md5():
    for name, md5 in MNIST_MD5.items():
        contents = gzip.decompress((MNIST_DIR / f"{name}.gz").read_bytes())
        assert hashlib.md5(contents).hexdigest() == md5, name


@needs_mnist
def test_load_real_mnist():
    x_train, y_train, x_test, y_test = datasets.load_mnist(path=MNIST_DIR)
    assert x_train.shape == (60000, 784) and x_test.shape == (10000, 784)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0
    train_counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    test_counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert np.bincount(y_train).tolist() == train_counts
    assert np.bincount(y_test).tolist() == test_counts


def test_a_missing_mnist_fails_under_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    import mnist_data
    monkeypatch.setattr(mnist_data, "MNIST", tmp_path / "nowhere")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="under CI=true the MNIST tests must run"):
        mnist_data.mnist_dir()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        mnist_data.mnist_dir()
